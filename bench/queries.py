"""Reading the IKM: each endpoint through the server, beside the bare SQL it needs."""
from __future__ import annotations

import http.client
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench.dataset import END

# Written here, not imported from store.totals: the bare aggregates a person would write.
ANSWERS = [f"u{i}" for i in range(1, 10)]
WHERE = "local_date BETWEEN ? AND ? AND counted = 1"
ANSWERED = " OR ".join(f"{c} IS NOT NULL" for c in ANSWERS)
SUMS = ", ".join(f"sum({c}), count({c}), sum({c} * {c})" for c in ANSWERS)
TOTALS = (f"SELECT count(*), sum(questionnaire = 'short'), {SUMS} FROM responses "
          f"WHERE {WHERE} AND ({ANSWERED})")
INFLUENCE = ("SELECT sum(u * u) FROM (SELECT "
             + " + ".join(f"coalesce(({c} - ?) * ?, 0)" for c in ANSWERS)
             + f" AS u FROM responses WHERE {WHERE})")
# Per day first (the date index's order, no sort), then per month.
DAYS = ", ".join(f"sum({c}) AS s{c}, count({c}) AS n{c}, sum({c} * {c}) AS q{c}" for c in ANSWERS)
TREND = ("SELECT substr(day, 1, 7) AS month, sum(n), "
         + ", ".join(f"sum(s{c}), sum(n{c}), sum(q{c})" for c in ANSWERS)
         + f" FROM (SELECT local_date AS day, count(*) AS n, {DAYS} FROM responses "
         f"WHERE {WHERE} AND ({ANSWERED}) GROUP BY day) GROUP BY month")

MONTH = (f"{END.year}-{END.month:02}-01", END.isoformat())
YEAR = (f"{END.year}-01-01", END.isoformat())
TREND_SPAN = (f"{END.year - (END.month < 12)}-{END.month % 12 + 1:02}-01", END.isoformat())
CASES = {  # name -> (URL, bare SQL, its period)
    "ikm_month": (f"/api/ikm?from={MONTH[0]}&to={MONTH[1]}", "ikm", MONTH),
    "ikm_year": (f"/api/ikm?from={YEAR[0]}&to={YEAR[1]}", "ikm", YEAR),
    "trend_12_months": (f"/api/trend?to={END.isoformat()}", "trend", TREND_SPAN),
}


def bare_ikm(conn: sqlite3.Connection, span: tuple[str, str]) -> list:
    """Run the two aggregates /api/ikm needs: the totals, then the influence sum."""
    row = conn.execute(TOTALS, span).fetchone()
    sums = [(row[2 + 3 * i], row[3 + 3 * i]) for i in range(len(ANSWERS))]
    k = sum(1 for _, n in sums if n)
    params = []
    for total, n in sums:
        params += [total / n, 25 / (k * n)] if n else [0, 0]
    return [*row, conn.execute(INFLUENCE, params + list(span)).fetchone()[0]]


def bare_trend(conn: sqlite3.Connection, span: tuple[str, str]) -> list:
    """Run the grouped-by-month aggregate /api/trend needs."""
    return conn.execute(TREND, span).fetchall()


def _timed(runs: dict[str, Callable[[], object]], n: int, warm: int) -> dict[str, dict]:
    """Time each of `runs` n times, taking turns; return the median and p95 of each."""
    # Turns, not one block each: a passing disturbance on this shared machine (another
    # job, the disk writing back the submissions) then falls on all of them alike.
    for _ in range(warm):
        for run in runs.values():
            run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(n):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            times[name].append(1000 * (time.perf_counter() - started))
    summary = {}
    for name, ms in times.items():
        ms.sort()
        summary[name] = {"median_ms": statistics.median(ms),
                         "p95_ms": ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))], "runs": n}
    return summary


def _get(conn: http.client.HTTPConnection, url: str) -> None:
    conn.request("GET", url)
    reply = conn.getresponse()
    body = reply.read()
    if reply.status != 200:
        raise RuntimeError(f"GET {url}: {reply.status} {body[:200]!r}")


def measure(port: int, database: Path, n: int, floor_port: int | None = None,
            warm: int = 16) -> dict:
    """Time each case through the server (keep-alive), as bare SQL on one connection, and
    (given the floor's port) as the same bare SQL behind a minimal Flask endpoint.

    Warm-up runs go round the server's worker threads (8), each with its connection.
    """
    http_conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    floor_conn = floor_port and http.client.HTTPConnection("127.0.0.1", floor_port, timeout=60)
    sql_conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    results = {}
    try:
        for name, (url, kind, span) in CASES.items():
            bare_fn = bare_ikm if kind == "ikm" else bare_trend
            runs = {"ours": lambda u=url: _get(http_conn, u),
                    "bare": lambda f=bare_fn, s=span: f(sql_conn, s)}
            if floor_conn:  # the same SQL behind a minimal Flask endpoint
                runs["http_floor"] = lambda u=f"/bare/{kind}?from={span[0]}&to={span[1]}": (
                    _get(floor_conn, u))
            timed = _timed(runs, n, warm)
            results[name] = {"url": url, **timed,
                             "ratio": timed["ours"]["median_ms"] / timed["bare"]["median_ms"]}
    finally:
        http_conn.close()
        if floor_conn:
            floor_conn.close()
        sql_conn.close()
    return results
