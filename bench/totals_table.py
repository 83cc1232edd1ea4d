"""bench/totals.py's results as a table: each figure beside the code before, and its target."""
from __future__ import annotations

SCAN_SHARE = 0.5  # /api/ikm at 100k: at most half the minimal scanning endpoint
MILLION_MS = {"ikm_month": 5, "ikm_year": 10, "trend_12_months": 20}
INGEST_SLOWDOWN = 0.15  # ingest may slow by at most 15%
GROWTH_PERCENT = 10
NAMES = {"ikm_month": "/api/ikm, a month", "ikm_year": "/api/ikm, a year",
         "trend_12_months": "/api/trend, 12 months"}


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _ms(figure: dict) -> float:
    return figure["median_ms"]


def rows(results: dict) -> list[tuple[str, str, str, str, str]]:
    """Return (figure, ours, before, target, verdict) rows."""
    out = []
    window = results.get("window")
    if window:
        for name in ("month", "60_days"):
            f = window[name]
            share = _ms(f["ours"]) / _ms(f["scan"])
            out.append((f"/api/ikm, {name.replace('_', ' ')} @ 100k/60 days",
                        f"{_ms(f['ours']):.2f} ms (x{share:.2f} scan)",
                        f"{_ms(f['before']):.2f} ms (x{_ms(f['before']) / _ms(f['scan']):.2f})",
                        f"<= {SCAN_SHARE} x scan ({_ms(f['scan']):.2f} ms)",
                        _verdict(share <= SCAN_SHARE)))
    million = results.get("million")
    if million:
        for name, limit in MILLION_MS.items():
            f = million[name]
            out.append((f"{NAMES[name]} @ 1M", f"{_ms(f['ours']):.2f} ms",
                        f"{_ms(f['before']):.2f} ms", f"< {limit} ms",
                        _verdict(_ms(f["ours"]) < limit)))
        g = million["growth"]
        out.append(("database growth @ 1M", f"{g['totals_bytes'] / 2**20:.1f} MB "
                    f"({g['totals_rows']:,} rows)", f"{g['other_bytes'] / 2**20:.1f} MB",
                    f"<= {GROWTH_PERCENT}%", _verdict(g["percent"] <= GROWTH_PERCENT)
                    + f" ({g['percent']:.1f}%)"))
    ingest = results.get("ingest")
    if ingest:
        for size in (1, 20, 250):
            ours, before = ingest[f"ours_batch{size}"], ingest[f"before_batch{size}"]
            paired = ingest[f"paired_batch{size}"]
            out.append((f"submissions/s, {size} per request", f"{ours['per_second']:.0f}",
                        f"{before['per_second']:.0f}", "", "-"))
            out.append(("  ours / before, same round (median)", f"x{paired['rate']:.2f}", "",
                        f">= x{1 - INGEST_SLOWDOWN:.2f}",
                        _verdict(paired["rate"] >= 1 - INGEST_SLOWDOWN)))
            out.append(("  server CPU ms per response", f"{ours['cpu_ms_median']:.3f}",
                        f"{before['cpu_ms_median']:.3f}", f"(x{paired['cpu']:.2f} paired)",
                        "-"))
    for part in ("window", "million", "ingest"):
        if part in results:
            done = results[part]["rebuild_totals"]
            out.append((f"rebuild-totals after the {part} load", f"exit {done['exit']}", "",
                        "exit 0", _verdict(done["exit"] == 0)))
    return out


def print_table(results: dict) -> None:
    table = [("figure", "ours", "before", "target", ""), *rows(results)]
    widths = [max(len(r[i]) for r in table) for i in range(5)]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
