"""The floor: a minimal Flask + sqlite3 endpoint that stores a response as durably as ours."""
from __future__ import annotations

import argparse
import json
import sqlite3

from flask import Flask, g, request

THREADS = 8  # as kiosk.py serves


def create_app(path: str) -> Flask:
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

    return app


if __name__ == "__main__":
    from waitress import serve

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    serve(create_app(args.db), host="127.0.0.1", port=args.port, threads=THREADS)
