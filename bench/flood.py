"""A flood from one kiosk token: do /api/ikm and the other kiosks stay responsive?

    python bench/flood.py [--server-root TREE ...] [--rounds N] [--seconds S] [--polite]

A fresh instance, seeded through the API with a month of surveys, and three kiosks paired
with `python kiosk.py add-kiosk` (the command line, the same in every version). First
nothing else goes on (quiet), then FLOODERS threads POST batches on one kiosk's token as
fast as they can; each sends again at once on a 429, as a buggy client would (with
--polite, it waits Retry-After seconds as the outbox does). Meanwhile
/api/ikm and another kiosk's single sends are timed, and then a third kiosk drains a day
of surveys as the outbox does. Given several trees, the rounds alternate between them.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: `python bench/flood.py`

from bench import dataset, flood_summary, load  # noqa: E402
from bench.seed import WIB  # noqa: E402
from bench.server import Server, free_port, kiosk_server  # noqa: E402

PATH = "/api/responses"
FLOODERS = 24  # concurrent senders on one token, as in the issue (#11)
FLOOD_BATCH = 20
MONTH = 3_000  # surveys seeded first: a busy office's month or more, for /api/ikm to sum
SEED_BATCH = 100
# The server takes a kiosk's time no earlier than a day before the kiosk was registered
# (ikm.clock), and the kiosks are registered just now: the month is seeded within that day.
SEED_SPAN = timedelta(hours=23)
DRAIN, DRAIN_BATCH = 300, 100  # a day of surveys, sent as the outbox sends them
DRAIN_SPAN = timedelta(hours=8)  # the office's day, also within the day allowed
DRAIN_TIMEOUT = 120.0
PROBE_PAUSE = 0.05  # seconds between a probe's requests: a visitor, not a load generator
MIN_SAMPLES = 5  # a probe goes on past its time until it has this many
WARMUP = 0.5  # seconds of flood before the probes start
ACKNOWLEDGED = ("stored", "duplicate")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def add_kiosk(root: Path, instance: Path, name: str) -> str:
    """Pair a kiosk with the tree's own command line; return the token it prints."""
    done = subprocess.run([sys.executable, "kiosk.py", "add-kiosk", name, "--instance",
                           str(instance), "--url", "http://127.0.0.1"],
                          cwd=root, capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Token"))
    return lines[at + 1].strip()


def _connect(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=60)


def _items(bodies: list[dict], times: list[datetime]) -> list[dict]:
    """Return responses with fresh ids, answered at the given times."""
    rng = random.Random()
    return [{**rng.choice(bodies), "id": str(uuid.uuid4()), "answered_at": t.isoformat()}
            for t in times]


def _just_now(count: int) -> list[datetime]:
    """Return answering times a few seconds ago, one second apart, in order."""
    now = datetime.now(WIB)
    return [now - timedelta(seconds=2 + count - i) for i in range(count)]


def _spread(count: int, span: timedelta) -> list[datetime]:
    """Return answering times spread evenly over the span up to now, in order."""
    start = datetime.now(WIB) - span
    return [start + span * i / count for i in range(count)]


def post(conn: http.client.HTTPConnection, token: str, payload: object
         ) -> tuple[int, http.client.HTTPResponse, bytes]:
    """POST responses as a kiosk does; return the status, the reply and its body."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}",
               "X-Kiosk-Clock": datetime.now(WIB).isoformat()}
    conn.request("POST", PATH, json.dumps(payload), headers)
    reply = conn.getresponse()
    return reply.status, reply, reply.read()


def acknowledged_ids(status: int, data: bytes) -> list[str]:
    """Return the ids a 2xx reply acknowledges (stored or duplicate)."""
    if not 200 <= status < 300:
        return []
    reply = json.loads(data)
    results = reply.get("results", [reply])
    return [r["id"] for r in results if r.get("status") in ACKNOWLEDGED]


class Ledger:
    """What the threads were told, gathered under a lock: ids acknowledged, replies seen."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: dict[str, list[str]] = {}
        self.replies: dict[str, Counter] = {}

    def add(self, who: str, ids: list[str], replies: Counter) -> None:
        with self.lock:
            self.ids.setdefault(who, []).extend(ids)
            self.replies.setdefault(who, Counter()).update(replies)


def _kind(status: int) -> str:
    return "ok" if 200 <= status < 300 else "too_many" if status == 429 else "other"


def seed_month(port: int, token: str, bodies: list[dict], ledger: Ledger) -> None:
    """POST a month of surveys, spread out so that the burst rule counts them."""
    conn = _connect(port)
    ids = []
    times = _spread(MONTH, SEED_SPAN)
    for at in range(0, MONTH, SEED_BATCH):
        status, _, data = post(conn, token, _items(bodies, times[at:at + SEED_BATCH]))
        if status != 200:
            raise RuntimeError(f"seeding: {status} {data[:200]!r}")
        ids += acknowledged_ids(status, data)
    conn.close()
    ledger.add("seed", ids, Counter())


def flooder(port: int, token: str, bodies: list[dict], stop, ledger: Ledger,
            polite: bool = False) -> None:
    """POST batches on one token until stopped; a 429 is sent again at once unless polite."""
    conn = _connect(port)
    ids, replies = [], Counter()
    while not stop.is_set():
        try:
            status, reply, data = post(conn, token, _items(bodies, _just_now(FLOOD_BATCH)))
        except (OSError, http.client.HTTPException):
            replies["error"] += 1
            conn.close()
            conn = _connect(port)
            continue
        replies[_kind(status)] += 1
        ids += acknowledged_ids(status, data)
        if polite and status == 429:
            stop.wait(float(reply.getheader("Retry-After") or 1))
    conn.close()
    ledger.add("flood", ids, replies)


def flood(port: int, token: str, bodies: list[dict], stop, results, polite: bool) -> None:
    """Run the flooders until `stop` is set; put what they were told on `results`.

    A process of its own: in the probes' process their threads would hold the GIL
    between a probe's reply and its timer, and the probes would time the flood's client.
    """
    ledger = Ledger()
    cpu = time.process_time()
    threads = [threading.Thread(target=flooder, args=(port, token, bodies, stop, ledger,
                                                      polite)) for _ in range(FLOODERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put((ledger.ids.get("flood", []), ledger.replies.get("flood", Counter()),
                 time.process_time() - cpu))


def probe(request: Callable[[http.client.HTTPConnection], bool], port: int, seconds: float,
          out: dict) -> None:
    """Time `request` (True if answered as it should be) for `seconds`, pausing between."""
    conn = _connect(port)
    latencies, failures = [], 0
    deadline = time.perf_counter() + seconds
    give_up = deadline + 60
    while (time.perf_counter() < deadline or len(latencies) < MIN_SAMPLES) and (
            time.perf_counter() < give_up):
        started = time.perf_counter()
        try:
            ok = request(conn)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = _connect(port)
            ok = False
        latencies.append(time.perf_counter() - started)
        failures += not ok
        time.sleep(PROBE_PAUSE)
    conn.close()
    out.update(latency_summary(latencies), failures=failures)


def latency_summary(seconds: list[float]) -> dict:
    """Return the median and p95 in milliseconds, and how many were timed."""
    ms = sorted(1000 * s for s in seconds) or [0.0]
    return {"median_ms": statistics.median(ms),
            "p95_ms": ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))], "requests": len(seconds)}


def ikm_url() -> str:
    """Return /api/ikm for the 30 office days up to today, which hold the seeded month."""
    today = datetime.now(WIB).date()
    return f"/api/ikm?from={today - timedelta(days=29)}&to={today}"


def get_ikm(conn: http.client.HTTPConnection) -> bool:
    conn.request("GET", ikm_url())
    reply = conn.getresponse()
    reply.read()
    return reply.status == 200


def sender(token: str, bodies: list[dict], ledger: Ledger
           ) -> Callable[[http.client.HTTPConnection], bool]:
    """Return a request that sends one response from another kiosk, just answered."""
    def send(conn: http.client.HTTPConnection) -> bool:
        status, _, data = post(conn, token, _items(bodies, _just_now(1))[0])
        ledger.add("send", acknowledged_ids(status, data), Counter([_kind(status)]))
        return 200 <= status < 300
    return send


def probes(port: int, token: str, bodies: list[dict], seconds: float, ledger: Ledger
           ) -> dict:
    """Time /api/ikm and another kiosk's sends side by side; return both summaries."""
    out: dict[str, dict] = {"ikm": {}, "send": {}}
    threads = [threading.Thread(target=probe, args=(get_ikm, port, seconds, out["ikm"])),
               threading.Thread(target=probe, args=(sender(token, bodies, ledger), port,
                                                    seconds, out["send"]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def drain(port: int, token: str, bodies: list[dict], ledger: Ledger) -> dict:
    """Drain a day's outbox as the kiosk does, honouring Retry-After; time it."""
    outbox = _items(bodies, _spread(DRAIN, DRAIN_SPAN))
    conn = _connect(port)
    ids, replies = [], Counter()
    started = time.perf_counter()
    while outbox and time.perf_counter() - started < DRAIN_TIMEOUT:
        status, reply, data = post(conn, token, outbox[:DRAIN_BATCH])
        replies[_kind(status)] += 1
        done = set(acknowledged_ids(status, data))
        ids += done
        outbox = [r for r in outbox if r["id"] not in done]
        if not done:  # 429, 503 ...: wait as told (the outbox backs off from 1 s)
            time.sleep(float(reply.getheader("Retry-After") or 1))
    seconds = time.perf_counter() - started
    conn.close()
    ledger.add("drain", ids, replies)
    return {"seconds": seconds, "acknowledged": len(ids), "requests": sum(replies.values()),
            "too_many": replies["too_many"], "other": replies["other"]}


def stored_ids(database: Path) -> set[str]:
    """Return every response id the database holds."""
    conn = sqlite3.connect(database)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM responses")}
    finally:
        conn.close()


def warm(port: int, token: str, bodies: list[dict], ledger: Ledger) -> dict:
    """Reach every worker thread once (8) and return the month's /api/ikm answer."""
    conn = _connect(port)
    for _ in range(16):
        get_ikm(conn)
        sender(token, bodies, ledger)(conn)
    conn.request("GET", ikm_url())
    answer = json.loads(conn.getresponse().read())
    conn.close()
    return answer


def flood_phase(server: Server, tokens: dict[str, str], bodies: list[dict], seconds: float,
                ledger: Ledger, polite: bool) -> dict:
    """Flood one token; time the probes meanwhile, then the drain; return the figures."""
    processes = multiprocessing.get_context("fork")  # no threads run here yet
    stop, results = processes.Event(), processes.Queue()
    flooding = processes.Process(target=flood, args=(server.port, tokens["flood"], bodies,
                                                     stop, results, polite))
    cpu, started = server.cpu_seconds(), time.perf_counter()
    flooding.start()
    time.sleep(WARMUP)
    result = probes(server.port, tokens["send"], bodies, seconds, ledger)
    result["drain"] = drain(server.port, tokens["drain"], bodies, ledger)
    stop.set()
    ids, replies, client_cpu = results.get(timeout=120)  # before join: a full pipe blocks
    flooding.join()
    result["seconds"] = time.perf_counter() - started
    result["cpu_seconds"] = server.cpu_seconds() - cpu
    result["client_cpu_seconds"] = client_cpu
    ledger.add("flood", ids, replies)
    return result


def scenario(root: Path, seconds: float, seed: int, polite: bool = False) -> dict:
    """Run quiet, flood and drain once against the server of one code tree."""
    dataset.CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="flood-", dir=dataset.CACHE))
    bodies = load.templates(500, seed)
    ledger = Ledger()
    try:
        tokens = {role: add_kiosk(root, work, f"Loket {n}")
                  for n, role in enumerate(("flood", "send", "drain"), 1)}
        with kiosk_server(work, free_port(), root) as server:
            seed_month(server.port, tokens["flood"], bodies, ledger)
            answer = warm(server.port, tokens["send"], bodies, ledger)
            cpu, started = server.cpu_seconds(), time.perf_counter()
            quiet = probes(server.port, tokens["send"], bodies, seconds, ledger)
            quiet["seconds"] = time.perf_counter() - started
            quiet["cpu_seconds"] = server.cpu_seconds() - cpu
            flood = flood_phase(server, tokens, bodies, seconds, ledger, polite)
        stored = stored_ids(work / "skm.db")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    missing = {who: len(set(ids) - stored) for who, ids in ledger.ids.items()}
    return {"respondents": answer["respondents"], "quiet": quiet, "flood": flood,
            "flooder": {**ledger.replies["flood"],
                        "acknowledged": len(ledger.ids.get("flood", []))},
            "acknowledged": sum(len(ids) for ids in ledger.ids.values()),
            "missing": missing}


def compare(roots: list[Path], rounds: int, seconds: float, seed: int,
            report: Callable[[str], None] = log, polite: bool = False) -> dict[str, dict]:
    """Run the scenario on each tree in turn, round after round; summarize each tree."""
    runs: dict[str, list[dict]] = {str(root): [] for root in roots}
    for n in range(rounds):
        for root in roots:
            report(f"  flood, round {n + 1}/{rounds}: {root}, {seconds:g} s a phase")
            runs[str(root)].append(scenario(root, seconds, seed, polite))
    return {root: flood_summary.summarize(value) for root, value in runs.items()}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python bench/flood.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server-root", type=Path, action="append",
                   help="a code tree whose kiosk.py serves (this one); give several to compare")
    p.add_argument("--rounds", type=int, default=1, help="rounds, the trees taking turns (1)")
    p.add_argument("--seconds", type=float, default=5.0, help="length of each phase (5)")
    p.add_argument("--seed", type=int, default=14_2017)
    p.add_argument("--polite", action="store_true",
                   help="the flooders wait Retry-After seconds on a 429, as the outbox does")
    p.add_argument("--json", type=Path, help="also write the results here")
    args = p.parse_args(argv)
    args.server_root = [r.resolve() for r in args.server_root or [ROOT]]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = compare(args.server_root, args.rounds, args.seconds, args.seed, polite=args.polite)
    if args.json:
        args.json.write_text(json.dumps({
            "command": " ".join(["python bench/flood.py", *(argv or sys.argv[1:])]),
            "when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "trees": results},
            indent=2) + "\n")
    flood_summary.print_comparison(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
