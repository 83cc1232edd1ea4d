"""Issue #16's figures: the daily totals against the code before them, in one run.

    git worktree add /tmp/before 2c50d25^          # the code before the daily totals
    python bench/totals.py --before /tmp/before [--rounds 7] [--runs 30] [--seconds 5]

Reads: /api/ikm for a month and 60 days of 100,000 responses from five kiosks over 60
days, beside a minimal Flask endpoint summing the same rows (bench/floor.py --scan), and
/api/ikm and /api/trend at 1,000,000; the two trees and the floor take turns. Ingest: one
response per request, batches of 20 and of 250, the trees alternating round after round.
Then the database's growth for the totals, and `rebuild-totals` after all that load.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from bench import dataset, load, queries, submit  # noqa: E402
from bench.flood import add_kiosk, log  # noqa: E402
from bench.server import Server, free_port, kiosk_server  # noqa: E402
from bench.totals_table import print_table  # noqa: E402

WINDOW, WINDOW_SIZE, WINDOW_KIOSKS = 60, 100_000, 5
MONTH = (dataset.END.replace(day=1).isoformat(), dataset.END.isoformat())
DAYS_60 = ((dataset.END - timedelta(days=WINDOW - 1)).isoformat(), dataset.END.isoformat())


def known(root: Path) -> list[str]:
    """Return the schema changes a tree knows (its migrations' names)."""
    done = subprocess.run([sys.executable, "-c", "from store.instance import known_changes; "
                           "print(*known_changes(), sep=chr(10))"], cwd=root, check=True,
                          capture_output=True, text=True)
    return done.stdout.split()


def before_copy(folder: Path, work: Path, before: Path) -> Path:
    """Copy a data set for the older tree, without the changes it does not know (0014)."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "skm.db").unlink(missing_ok=True)
    source, conn = sqlite3.connect(folder / "skm.db"), sqlite3.connect(work / "skm.db")
    source.backup(conn)  # with whatever is still in the -wal file
    source.close()
    conn.execute("DROP TABLE IF EXISTS daily_totals")
    names = known(before)
    conn.execute(f"DELETE FROM _sqlite_migrations WHERE name NOT IN "
                 f"({', '.join('?' * len(names))})", names)
    conn.commit()
    conn.close()
    return work


def growth(database: Path) -> dict:
    """Return the bytes of the daily totals, and of the rest of the database."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        totals = conn.execute("SELECT coalesce(sum(pgsize), 0) FROM dbstat "
                              "WHERE name = 'daily_totals'").fetchone()[0]
        size = conn.execute("SELECT page_count * page_size FROM pragma_page_count(), "
                            "pragma_page_size()").fetchone()[0]
        rows = conn.execute("SELECT count(*) FROM daily_totals").fetchone()[0]
    finally:
        conn.close()
    return {"totals_bytes": totals, "other_bytes": size - totals, "totals_rows": rows,
            "percent": 100 * totals / (size - totals)}


def rebuild(instance: Path) -> dict:
    """Run `python kiosk.py rebuild-totals` on an instance; return its exit code and words."""
    done = subprocess.run([sys.executable, "kiosk.py", "rebuild-totals", "--instance",
                           str(instance)], cwd=ROOT, capture_output=True, text=True)
    return {"exit": done.returncode, "output": (done.stdout + done.stderr).strip()[-500:]}


def _get(port: int):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    return lambda url: queries._get(conn, url)


def window_reads(before: Path, work: Path, args: argparse.Namespace) -> dict:
    """The month and the 60 days of 100,000 responses: both trees and the scanning floor."""
    folder = dataset.build(WINDOW_SIZE, args.seed, log, WINDOW, WINDOW_KIOSKS)
    old = before_copy(folder, work / "window-before", before)
    port, floor_port = free_port(), free_port()
    floor = Server(["bench/floor.py", "--port", str(floor_port), "--db",
                    str(work / "scan.db"), "--scan", str(folder / "skm.db")],
                   floor_port, work / "scan.log")
    results = {}
    with kiosk_server(folder, free_port()) as ours, kiosk_server(old, port, before), floor:
        get = {"ours": _get(ours.port), "before": _get(port), "scan": _get(floor_port)}
        for name, (start, end) in (("month", MONTH), ("60_days", DAYS_60)):
            log(f"  {WINDOW_SIZE:,} over {WINDOW} days: /api/ikm for the {name} ...")
            ikm = f"/api/ikm?from={start}&to={end}"
            timed = queries._timed({
                "ours": lambda u=ikm: get["ours"](u), "before": lambda u=ikm: get["before"](u),
                "scan": lambda u=f"/scan?from={start}&to={end}": get["scan"](u)},
                args.runs, 16)
            results[name] = {"from": start, "to": end, **timed}
    results["rebuild_totals"] = rebuild(folder)
    return results


def million_reads(before: Path, work: Path, args: argparse.Namespace) -> dict:
    """The month, year and 12-month trend of 1,000,000 responses: both trees."""
    folder = dataset.build(1_000_000, args.seed, log)
    port = free_port()
    with kiosk_server(folder, free_port()):  # once first: a cached data set is migrated
        pass
    old = before_copy(folder, work / "million-before", before)
    results: dict = {"growth": growth(folder / "skm.db")}
    with kiosk_server(folder, free_port()) as ours, kiosk_server(old, port, before):
        get = {"ours": _get(ours.port), "before": _get(port)}
        for name, (url, _, _) in queries.CASES.items():
            log(f"  1,000,000: {url} ...")
            results[name] = {"url": url, **queries._timed(
                {tree: lambda u=url, t=tree: get[t](u) for tree in get}, args.runs, 16)}
    results["rebuild_totals"] = rebuild(folder)
    return results


def ingest(before: Path, work: Path, args: argparse.Namespace) -> dict:
    """Submissions one by one, in 20s and in 250s, the trees alternating round by round."""
    bodies = load.templates(500, args.seed)
    trees = {"before": before, "ours": ROOT}
    servers, tokens = {}, {}
    for name, root in trees.items():
        instance = work / f"ingest-{name}"
        instance.mkdir()
        tokens[name] = [add_kiosk(root, instance, f"Loket {n}")
                        for n in range(1, args.clients + 1)]
        servers[name] = kiosk_server(instance, free_port(), root)
    runs: dict[str, list[dict]] = {}
    for n in range(args.rounds):
        for size in (1, 20, 250):
            for name in trees:
                log(f"  ingest, round {n + 1}/{args.rounds}: {name}, {size} per request")
                runs.setdefault(f"{name}_batch{size}", []).append(submit._run(
                    servers[name], tokens[name], bodies, args.clients, args.seconds, size))
    results: dict = {key: submit._median(value) for key, value in runs.items()}
    for size in (1, 20, 250):
        results[f"paired_batch{size}"] = _paired(runs[f"ours_batch{size}"],
                                                 runs[f"before_batch{size}"])
    results["rebuild_totals"] = rebuild(work / "ingest-ours")
    return results


def _paired(ours: list[dict], old: list[dict]) -> dict:
    """Return the medians of ours / before over rounds, of the rate and of the CPU."""
    # Each round's two runs follow each other: their ratio is what the load of the moment
    # (other work on a shared machine) disturbs least.
    rounds = [(a["per_second"] / b["per_second"],
               a["server_cpu_ms_per_response"] / b["server_cpu_ms_per_response"])
              for a, b in zip(ours, old)]
    return {"rate": statistics.median(r for r, _ in rounds),
            "cpu": statistics.median(c for _, c in rounds), "rounds": rounds}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python bench/totals.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--before", type=Path, required=True, help="a checkout of the older code")
    p.add_argument("--rounds", type=int, default=7, help="ingest rounds per tree (7)")
    p.add_argument("--runs", type=int, default=30, help="timed runs of each read (30)")
    p.add_argument("--seconds", type=float, default=5.0, help="length of an ingest run (5)")
    p.add_argument("--clients", type=int, default=8, help="concurrent kiosk clients (8)")
    p.add_argument("--seed", type=int, default=14_2017)
    p.add_argument("--skip", action="append", default=[],
                   choices=("window", "million", "ingest"), help="leave out a part")
    p.add_argument("--json", type=Path, default=ROOT / "bench" / "results-totals.json")
    args = p.parse_args(argv)
    before = args.before.resolve()
    results: dict = {"command": " ".join(["python bench/totals.py", *(argv or sys.argv[1:])])}
    dataset.CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="totals-", dir=dataset.CACHE))
    try:
        for part, run in (("window", window_reads), ("million", million_reads),
                          ("ingest", ingest)):
            if part not in args.skip:
                results[part] = run(before, work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    print(f"\nResults written to {args.json}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
