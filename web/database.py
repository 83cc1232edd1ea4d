"""One database connection per request, opened on first use and closed at teardown."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlite_utils import Database

from ikm.db import connect, open_db


def get_db() -> Database:
    """Return this request's database connection."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"], current_app.config["DB_TIMEOUT"])
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_app(app: Flask) -> None:
    """Migrate the database once at start-up and close connections after each request."""
    open_db(app.config["DATABASE"]).close()
    app.teardown_appcontext(close_db)
