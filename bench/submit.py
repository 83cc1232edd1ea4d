"""Submissions through the real server beside the floor, in alternating rounds."""
from __future__ import annotations

import shutil
import sqlite3
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench import dataset, load
from bench.server import Server, free_port, kiosk_server


def kiosk_instance(folder: Path, kiosks: int) -> list[str]:
    """Prepare a fresh instance with paired kiosks; return their tokens."""
    import store
    from store.audit import COMMAND_LINE
    from store.schema import open_db

    db = open_db(folder / "skm.db")
    tokens = []
    for n in range(1, kiosks + 1):
        kiosk_id, token = store.kiosks.add_kiosk(db, f"Loket {n}", actor=COMMAND_LINE)
        db["kiosks"].update(kiosk_id, {"created_at": "2020-01-01T00:00:00.000+00:00"})
        tokens.append(token)
    # The office's default settings: each client sends as much as thousands of tablets,
    # so the burst rule flags most responses. They are stored all the same, and the
    # rule's count stops at its threshold (store.responses._recent), as on a quiet day.
    db.close()
    return tokens


def _stored(database: Path) -> int:
    conn = sqlite3.connect(database)
    try:
        return conn.execute("SELECT count(*) FROM responses").fetchone()[0]
    finally:
        conn.close()


def _run(server: Server, tokens: list[str], bodies: list[dict], clients: int,
         seconds: float, batch: int) -> dict:
    with server:
        cpu = server.cpu_seconds()
        run = load.drive(server.port, tokens, bodies, clients, seconds, batch)
        # CPU per response: steadier than the rate on a shared machine.
        run["server_cpu_ms_per_response"] = (
            1000 * (server.cpu_seconds() - cpu) / max(1, run["requests"] * batch))
        run["memory_kb"] = server.memory_kb()
    return run


def _median(runs: list[dict]) -> dict:
    """Return the run of median rate, with every round's rate beside it."""
    middle = sorted(runs, key=lambda r: r["per_second"])[(len(runs) - 1) // 2]
    return {**middle, "rounds": [round(r["per_second"], 1) for r in runs],
            "cpu_ms_median": statistics.median(r["server_cpu_ms_per_response"] for r in runs)}


def submissions(clients: int, seconds: float, batch: int, rounds: int, seed: int,
                log: Callable[[str], None]) -> dict:
    """Measure ours and the floor, one response per request and in batches.

    Floor and ours alternate, round after round, so that a neighbour's load on a shared
    machine falls on both alike; each figure is the median round.
    """
    dataset.CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="submit-", dir=dataset.CACHE))
    bodies = load.templates(500, seed)
    runs: dict[str, list[dict]] = {}
    try:
        (work / "ours").mkdir()
        (work / "floor").mkdir()
        tokens = kiosk_instance(work / "ours", clients)  # a tablet per client
        port = free_port()
        floor = Server(["bench/floor.py", "--port", str(port), "--db",
                        str(work / "floor" / "floor.db")], port, work / "floor" / "server.log")
        ours = kiosk_server(work / "ours", free_port())
        for n in range(rounds):
            for size in (1, batch):
                for name, server, auth in (("floor", floor, []), ("ours", ours, tokens)):
                    log(f"  submissions, round {n + 1}/{rounds}: {name}, {size} per request, "
                        f"{seconds:g} s")
                    runs.setdefault(f"{name}_batch{size}", []).append(
                        _run(server, auth, bodies, clients, seconds, size))
        results = {key: _median(value) for key, value in runs.items()}
        results["ours_acknowledged"] = sum(
            r["acknowledged"] for key, value in runs.items() if key.startswith("ours")
            for r in value)
        results["ours_stored_rows"] = _stored(work / "ours" / "skm.db")
        results["ours_memory_kb"] = runs[f"ours_batch{batch}"][-1]["memory_kb"]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results
