"""The standing poster's browsers: each may answer once an office day."""
from __future__ import annotations

from sqlite_utils import Database

from store.schema import one


def answered(db: Database, browser: str, local_date: str) -> bool:
    """Return whether this browser (its id's hash) already answered on that office date."""
    return one(db, "SELECT 1 AS found FROM responses WHERE browser = ? AND local_date = ? "
                   "LIMIT 1", [browser, local_date]) is not None
