"""The server killed mid-write: every acknowledged response survives, none twice."""
from __future__ import annotations

import http.client
import json
import random
import sqlite3
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

import store
from store.audit import COMMAND_LINE
from store.schema import connect

pytestmark = pytest.mark.slow  # a browser, server processes or a benchmark

SENDERS = 32
ROUNDS = 3
RUN_BEFORE_KILL = (1.5, 3.0)  # seconds of load before SIGKILL, chosen at random


def new_response(kiosk_start: datetime) -> dict:
    answered = kiosk_start + timedelta(seconds=random.randrange(0, 3600))
    return {"id": str(uuid.uuid4()), "service": random.choice(["KK", "KTP-EL", "IMB"]),
            "answered_at": answered.isoformat(), "duration_ms": 40000,
            "answers": {f"U{i}": random.randint(1, 4) for i in range(1, 10)}}


class Sender(threading.Thread):
    """A kiosk that sends until the server goes away, noting what was acknowledged."""

    def __init__(self, port: int, token: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.token, self.stop = port, token, stop
        self.acked: set[str] = set()
        self.unsure: list[dict] = []  # sent, but no reply: a kiosk would send them again
        self.start_time = datetime.now(timezone.utc) - timedelta(hours=2)

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            self.send_until_stopped(conn)
        finally:
            conn.close()  # an unclosed socket is a ResourceWarning, an error in this suite

    def send_until_stopped(self, conn: http.client.HTTPConnection) -> None:
        while not self.stop.is_set():
            batch = [new_response(self.start_time) for _ in range(random.choice([1, 1, 5, 20]))]
            body = batch if len(batch) > 1 or random.random() < 0.5 else batch[0]
            try:
                conn.request("POST", "/api/responses", json.dumps(body), {
                    "Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
                reply = conn.getresponse()
                data = json.loads(reply.read())
            except (OSError, http.client.HTTPException, ValueError):
                self.unsure.extend(batch)
                return
            if reply.status >= 300:
                raise AssertionError(f"HTTP {reply.status}: {data}")
            results = data["results"] if isinstance(body, list) else [data]
            for item in results:
                assert item["status"] in ("stored", "duplicate"), item
                self.acked.add(item["id"])


def test_sigkill_under_load_loses_no_acknowledged_response(server_process):
    server_process.start()
    db = connect(server_process.instance / "skm.db")
    # One kiosk per sender: a kiosk has at most two requests under way (more get 429).
    tokens = [store.kiosks.add_kiosk(db, f"Loket {n}", actor=COMMAND_LINE)[1]
              for n in range(1, SENDERS + 1)]
    store.settings.save(db, {"burst_count": 10**6}, actor=COMMAND_LINE)
    db.close()

    acked: set[str] = set()
    unsure: list[dict] = []
    for _ in range(ROUNDS):
        if server_process.proc is None:
            server_process.start()
        stop = threading.Event()
        senders = [Sender(server_process.port, token, stop) for token in tokens]
        for s in senders:
            s.start()
        time.sleep(random.uniform(*RUN_BEFORE_KILL))
        server_process.stop(kill=True)  # SIGKILL: no chance to tidy up
        stop.set()
        for s in senders:
            s.join(timeout=30)
            acked |= s.acked
            unsure += s.unsure

        server_process.start()
        check = sqlite3.connect(server_process.instance / "skm.db")
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {r[0] for r in check.execute("SELECT id FROM responses")}
        count = check.execute("SELECT count(*) FROM responses").fetchone()[0]
        check.close()
        assert acked <= stored, f"{len(acked - stored)} acknowledged responses lost"
        assert count == len(stored)

    # What the kiosks never heard back about, they send again: each is then stored once.
    conn = http.client.HTTPConnection("127.0.0.1", server_process.port, timeout=30)
    for start in range(0, len(unsure), 500):
        conn.request("POST", "/api/responses", json.dumps(unsure[start:start + 500]), {
            "Content-Type": "application/json", "Authorization": f"Bearer {tokens[0]}"})
        results = json.loads(conn.getresponse().read())["results"]
        assert {r["status"] for r in results} <= {"stored", "duplicate"}
    conn.close()
    check = sqlite3.connect(server_process.instance / "skm.db")
    stored = {r[0] for r in check.execute("SELECT id FROM responses")}
    count = check.execute("SELECT count(*) FROM responses").fetchone()[0]
    check.close()
    assert acked | {r["id"] for r in unsure} == stored and count == len(stored)
    print(f"{len(acked)} acknowledged over {ROUNDS} kills, {len(unsure)} resent, "
          f"{count} stored")
    assert len(acked) >= 2000, "too few responses to say much; raise the load"
