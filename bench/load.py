"""Sustained submissions: concurrent keep-alive clients POST responses for a fixed time."""
from __future__ import annotations

import http.client
import json
import random
import statistics
import threading
import time
import uuid
from datetime import datetime, timedelta

from bench.seed import WIB, response

PATH = "/api/responses"


def templates(count: int, seed: int) -> list[dict]:
    """Return realistic response bodies, to be sent with fresh ids and answering times."""
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        r = response(rng, datetime.now(WIB))
        bodies.append({"service": r.service, "questionnaire": r.questionnaire,
                       "answers": r.answers, "duration_ms": r.duration_ms,
                       "profile": r.profile, "comment": r.comment})
    return bodies


def _items(rng: random.Random, bodies: list[dict], batch: int) -> list[dict]:
    """Return a request's responses: answered just now, or a kiosk's outbox in order."""
    now = datetime.now(WIB)
    return [{**rng.choice(bodies), "id": str(uuid.uuid4()),
             "answered_at": (now - timedelta(seconds=40 * (batch - i))).isoformat()}
            for i in range(batch)]


def _acknowledged(status: int, data: bytes, batch: int) -> int:
    """Count the responses a reply acknowledges as stored (2xx only)."""
    if not 200 <= status < 300:
        return 0
    if batch == 1:
        return 1
    reply = json.loads(data)
    if "results" not in reply:  # the floor answers {"stored": n}
        return reply.get("stored", 0)
    return sum(1 for r in reply["results"] if r["status"] == "stored")


def _client(port: int, tokens: list[str], bodies: list[dict], batch: int, start: float,
            deadline: float, out: dict, lock: threading.Lock) -> None:
    rng = random.Random()
    headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    acked = errors = sent_all = 0
    latencies = []
    while time.perf_counter() < deadline:
        items = _items(rng, bodies, batch)
        payload = json.dumps(items[0] if batch == 1 else items)
        if tokens:  # this client's kiosks take turns
            headers["Authorization"] = f"Bearer {tokens[sent_all % len(tokens)]}"
        headers["X-Kiosk-Clock"] = datetime.now(WIB).isoformat()  # as a kiosk sends it
        sent = time.perf_counter()
        sent_all += 1
        try:
            conn.request("POST", PATH, payload, headers)
            reply = conn.getresponse()
            data = reply.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        done = time.perf_counter()
        if sent >= start and done <= deadline:  # only what was acknowledged in the window
            n = _acknowledged(reply.status, data, batch)
            acked += n
            errors += n < batch
            latencies.append(done - sent)
    conn.close()
    with lock:
        out["acknowledged"] += acked
        out["errors"] += errors
        out["requests"] += sent_all
        out["latencies"] += latencies


def drive(port: int, tokens: list[str], bodies: list[dict], clients: int, seconds: float,
          batch: int = 1, warmup: float = 0.5) -> dict:
    """POST for `seconds` from `clients` threads, each sending for its share of the kiosk
    tokens (none for the floor); return acknowledged responses per second."""
    out = {"acknowledged": 0, "errors": 0, "requests": 0, "latencies": []}
    lock = threading.Lock()
    start = time.perf_counter() + warmup
    deadline = start + seconds
    threads = [threading.Thread(target=_client, args=(
        port, tokens[n::clients], bodies, batch, start, deadline, out, lock))
        for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat = sorted(out["latencies"]) or [0.0]
    return {
        "clients": clients, "batch": batch, "seconds": seconds,
        "acknowledged": out["acknowledged"], "errors": out["errors"],
        "requests": out["requests"],
        "per_second": out["acknowledged"] / seconds,
        "latency_ms_median": 1000 * statistics.median(lat),
        "latency_ms_p95": 1000 * lat[min(len(lat) - 1, int(0.95 * len(lat)))],
    }
