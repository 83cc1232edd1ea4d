"""The database connection of a request: each worker thread's own, kept between requests."""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from flask import Flask, current_app, g
from sqlite_utils import Database
from werkzeug.routing import IntegerConverter

from store.schema import Locked, connect, open_db

# A connection opened for every request made SQLite read the schema again, prepare every
# statement afresh and start with an empty page cache: over a third of a kiosk's
# submission (bench/run.py). So each worker thread keeps its connection; a connection
# still belongs to one thread.
_thread = threading.local()


def get_db() -> Database:
    """Return this request's database connection (its worker thread's)."""
    if "db" not in g:
        # Reopened when the database, the lock timeout or the way to connect changes
        # (tests swap `connect` to simulate faults).
        key = (connect, current_app.config["DATABASE"], current_app.config["DB_TIMEOUT"])
        held = getattr(_thread, "held", None)
        if held is None or held[0] != key:
            _drop()
            db = connect(key[1], key[2])
            held = _thread.held = (key, db)
        g.db = held[1]
    return g.db


def _drop() -> None:
    held = getattr(_thread, "held", None)
    _thread.held = None
    if held is not None:
        held[1].close()


def close_db(exc: BaseException | None = None) -> None:
    """End the request's use of the connection: no transaction outlives its request."""
    db = g.pop("db", None)
    if db is None:
        return
    if db.conn.in_transaction:
        db.conn.rollback()
    if exc is not None:  # after an unexpected error, start the next request afresh
        _drop()


_turns: dict[str, threading.Lock] = {}
_turns_guard = threading.Lock()


@contextlib.contextmanager
def write_turn() -> Iterator[None]:
    """Let this process's writers to the database take turns on a lock.

    SQLite makes a writer that finds the database locked sleep and poll (1, 2, 5, 10 ms
    ...); under a burst of kiosks most of that is idle time. Waiting on a lock instead
    wakes the next writer as soon as the previous one commits. SQLite's own locking
    still guards against other processes (backups, the command line).
    """
    path = current_app.config["DATABASE"]
    with _turns_guard:
        lock = _turns.setdefault(path, threading.Lock())
    if not lock.acquire(timeout=current_app.config["DB_TIMEOUT"]):
        raise Locked("database is locked")  # answered with 503
    try:
        yield
    finally:
        lock.release()


class RowIdConverter(IntegerConverter):
    """An <int:...> in a URL that fits SQLite's 64-bit integers; a larger one is not found."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Migrate the database once at start-up; end each request's use of its connection."""
    open_db(app.config["DATABASE"]).close()
    app.teardown_appcontext(close_db)
    # Before the blueprints add their routes: an id beyond 64 bits is a 404, not an
    # OverflowError from SQLite.
    app.url_map.converters["int"] = RowIdConverter
