"""Benchmark the kiosk server on seeded data: python bench/run.py [--quick]."""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: `python bench/run.py`

from bench import dataset, flood, page, queries, submit  # noqa: E402
from bench.server import Server, free_port, kiosk_server  # noqa: E402
from bench.table import print_table  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def submissions(args: argparse.Namespace) -> dict:
    """Sustained acknowledged submissions: ours and the floor, one by one and in batches."""
    return submit.submissions(args.clients, args.seconds, args.batch, args.rounds, args.seed,
                              log)


def flooded(args: argparse.Namespace) -> dict:
    """One kiosk token flooded: /api/ikm, another kiosk and an outbox's drain, as measured."""
    return flood.compare([ROOT], args.rounds, args.seconds, args.seed, log)[str(ROOT)]


def reads(args: argparse.Namespace) -> dict:
    """Query timings per data set size, the kiosk page's weight and the server's memory."""
    results: dict = {"sizes": {}}
    for size in args.sizes:
        folder = dataset.build(size, args.seed, log)
        log(f"  queries at {size:,} responses ...")
        with kiosk_server(folder, free_port()) as server, read_floor(folder) as floor:
            if "kiosk_page" not in results:
                results["kiosk_page"] = page.kiosk_weight(server.url)
            timings = queries.measure(server.port, folder / "skm.db", args.runs, floor.port)
            results["sizes"][str(size)] = {"queries": timings, "memory_kb": server.memory_kb()}
    return results


@contextlib.contextmanager
def read_floor(folder: Path) -> Iterator[Server]:
    """Serve the bare reads of a data set from the minimal Flask app (bench/floor.py)."""
    with tempfile.TemporaryDirectory() as work:
        port = free_port()
        with Server(["bench/floor.py", "--port", str(port), "--db", f"{work}/floor.db",
                     "--read", str(folder / "skm.db")], port, Path(work) / "floor.log") as floor:
            yield floor


def machine() -> dict:
    """Describe where the figures came from."""
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "platform": platform.platform()}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python bench/run.py", description=__doc__)
    p.add_argument("--quick", action="store_true",
                   help="CI size: 10k responses, short runs (targets at 1M not measured)")
    p.add_argument("--sizes", help="comma-separated data set sizes (10000,100000,1000000)")
    p.add_argument("--seconds", type=float,
                   help="length of each submission run and flood phase (5; quick 2)")
    p.add_argument("--clients", type=int, default=8, help="concurrent kiosk clients (8)")
    p.add_argument("--batch", type=int, default=20, help="responses per batch request (20)")
    p.add_argument("--rounds", type=int,
                   help="alternating floor/ours rounds, and rounds of the flood (3; quick 1)")
    p.add_argument("--runs", type=int, help="timed runs of each query (30; quick 5)")
    p.add_argument("--seed", type=int, default=14_2017)
    p.add_argument("--json", type=Path, help="where to write the results (bench/results-*.json)")
    p.add_argument("--skip", choices=("submissions", "reads", "flood"), action="append",
                   default=[], help="leave out a part (for profiling)")
    args = p.parse_args(argv)
    args.sizes = ([int(s) for s in args.sizes.split(",")] if args.sizes
                  else [10_000] if args.quick else list(SIZES))
    args.seconds = args.seconds or (2.0 if args.quick else 5.0)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.runs = args.runs or (5 if args.quick else 30)
    args.json = args.json or ROOT / "bench" / f"results-{'quick' if args.quick else 'full'}.json"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    results = {"command": " ".join(["python bench/run.py", *(argv or sys.argv[1:])]),
               "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "machine": machine(), "quick": args.quick, "clients": args.clients}
    if "submissions" not in args.skip:
        results["submissions"] = submissions(args)
    if "reads" not in args.skip:
        results.update(reads(args))
    if "flood" not in args.skip:
        results["flood"] = flooded(args)
    results["seconds"] = round(time.perf_counter() - started, 1)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results, args.batch)
    print(f"\nResults written to {args.json} ({results['seconds']} s in all).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
