"""The floors: minimal Flask + sqlite3 endpoints, one storing a response as durably as ours,
two running the bare SQL of /api/ikm and /api/trend (what HTTP alone adds to a read), and
one summing the answers of a period from a plain table of the same rows (issue #16)."""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import threading
from pathlib import Path

from flask import Flask, g, request

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as `python bench/floor.py`

from bench import queries  # noqa: E402

THREADS = 8  # as kiosk.py serves


def create_app(path: str, read: str | None = None, scan: str | None = None) -> Flask:
    app = Flask(__name__)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS responses (id TEXT PRIMARY KEY, body TEXT)")

    def get_db() -> sqlite3.Connection:
        # One connection per request, as in Flask's tutorial; FULL: on disk before the reply.
        if "db" not in g:
            g.db = sqlite3.connect(path, timeout=10)
            g.db.execute("PRAGMA synchronous=FULL")
        return g.db

    @app.teardown_appcontext
    def close_db(_exc):
        db = g.pop("db", None)
        if db is not None:
            db.close()

    @app.post("/api/responses")
    def post_responses():
        body = request.get_json()
        items = body if isinstance(body, list) else [body]
        db = get_db()
        with db:  # one commit per request
            db.executemany("INSERT INTO responses VALUES (?, ?)",
                           [(item["id"], json.dumps(item)) for item in items])
        return {"stored": len(items)}, 201

    @app.get("/api/services")
    def ping():
        return []

    if read:
        add_read_routes(app, read)
    if scan:
        add_scan_route(app, path, scan)
    return app


def add_read_routes(app: Flask, path: str) -> None:
    """GET /bare/ikm and /bare/trend (?from=&to=): the bare SQL, its rows as JSON."""
    local = threading.local()  # a kept read-only connection per thread, as ours keeps one

    def reader() -> sqlite3.Connection:
        if not hasattr(local, "conn"):
            local.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        return local.conn

    @app.get("/bare/<kind>")
    def bare(kind: str):
        run = {"ikm": queries.bare_ikm, "trend": queries.bare_trend}[kind]
        return {"rows": run(reader(), (request.args["from"], request.args["to"]))}


def add_scan_route(app: Flask, path: str, source: str) -> None:
    """GET /scan (?from=&to=): one indexed SUM (the sums, counts and squares per unsur of
    the bare SQL) over a plain copy of the responses of `source`, in this app's database."""
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE IF EXISTS responses")
        conn.execute("ATTACH DATABASE ? AS source", [source])
        conn.execute("CREATE TABLE responses AS SELECT * FROM source.responses")
        conn.execute("CREATE INDEX responses_date ON responses(local_date, counted)")
    local = threading.local()

    @app.get("/scan")
    def scan():
        if not hasattr(local, "conn"):
            local.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        return {"rows": local.conn.execute(
            queries.TOTALS, (request.args["from"], request.args["to"])).fetchall()}


if __name__ == "__main__":
    from waitress import serve

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--read", help="a seeded database to serve the bare reads from")
    parser.add_argument("--scan", help="a seeded database to copy for the scanning endpoint")
    args = parser.parse_args()
    serve(create_app(args.db, args.read, args.scan), host="127.0.0.1", port=args.port,
          threads=THREADS)
