"""The benchmark runs at CI size and reports every figure; its targets are not checked here."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a browser, server processes or a benchmark

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ("submissions/s, 1 per request", "submissions/s, 20 per request",
           "acknowledged responses stored", "/api/ikm, a month @ 10,000",
           "/api/ikm, a year @ 10,000", "/api/trend, 12 months @ 10,000", "kiosk page",
           "server memory after queries", "flood: /api/ikm", "flood: another kiosk's send",
           "flood: 300 surveys drained", "flood: the flooder's requests",
           "flood: acknowledged responses stored")


def test_the_quick_benchmark_prints_its_figures(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "bench/run.py", "--quick", "--json", str(out)],
                          check=False, cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    for figure in FIGURES:
        assert figure in done.stdout, figure
    results = json.loads(out.read_text())
    # Timings vary with the machine; what was acknowledged must have been stored.
    submitted = results["submissions"]
    assert 0 < submitted["ours_acknowledged"] <= submitted["ours_stored_rows"]
    queries = results["sizes"]["10000"]["queries"]
    assert set(queries) == {"ikm_month", "ikm_year", "trend_12_months"}
    assert all(q["ours"]["median_ms"] > 0 and q["bare"]["median_ms"] > 0
               and q["http_floor"]["median_ms"] > 0 for q in queries.values())
    assert done.stdout.count("bare SQL via minimal Flask") == 3
    assert results["kiosk_page"]["total_bytes"] > 0
    # The flood: every probe answered, the outbox drained, nothing acknowledged was lost.
    flood = results["flood"]["median"]
    assert flood["drain_acknowledged"] == 300 and flood["flooder_ok"] > 0
    assert all(flood[f"{phase}_{probe}_requests"] > 0 and flood[f"{phase}_{probe}_failures"] == 0
               for phase in ("quiet", "flood") for probe in ("ikm", "send"))
    assert results["flood"]["missing_total"] == 0 < results["flood"]["acknowledged_total"]
