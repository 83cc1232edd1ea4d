"""One-time survey slips: a code a citizen's phone answers once, within so many days."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlite_utils import Database

from ikm.clock import utc_now
from store import audit
from store.schema import one, rows, write_transaction

# No look-alikes: without 0/O, 1/I/L, 2/Z, 5/S, 8/B, so a code read off paper is typed right.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
LENGTH = 8
MAX_SLIPS = 500  # one printing
UNKNOWN, EXPIRED, USED = "unknown", "expired", "used"


def new_code() -> str:
    """Return a fresh code: 8 characters, 25^8 (1.5e11) of them, so none is guessed."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def tidy(text: str | None) -> str | None:
    """Return a code as typed, in capitals without spaces or dashes; None if it cannot be one."""
    code = "".join((text or "").split()).replace("-", "").upper()[:LENGTH + 1]
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def create(db: Database, count: int, service: str | None, days: int, *,
           actor: audit.Actor) -> list[dict[str, Any]]:
    """Make `count` slips valid for `days` days, optionally for one service; return them."""
    if not 1 <= count <= MAX_SLIPS:
        raise ValueError(f"between 1 and {MAX_SLIPS} slips at a time")
    now = datetime.now(timezone.utc)
    expires = (now + timedelta(days=days)).isoformat(timespec="milliseconds")
    made = [{"code": new_code(), "service": service, "expires_at": expires,
             "created_at": now.isoformat(timespec="milliseconds"),
             "created_by": actor.username} for _ in range(count)]
    with write_transaction(db):
        db.table("slips").insert_all(made)
        audit.record(db, "slips", actor, f"{count} slips{f' for {service}' if service else ''}, "
                                         f"valid until {expires[:10]}")
    return made


def get(db: Database, code: str) -> dict[str, Any] | None:
    """Return a slip, or None."""
    return one(db, "SELECT * FROM slips WHERE code = ?", [code])


def state(slip: dict[str, Any] | None, now: str | None = None) -> str | None:
    """Return why a slip cannot take a response (unknown, used, expired), or None."""
    if slip is None:
        return UNKNOWN
    if slip["used_at"]:
        return USED
    if (now or utc_now()) >= slip["expires_at"]:
        return EXPIRED
    return None


def claim(db: Database, code: str, response_id: str, now: str) -> str | None:
    """Mark a slip used by a response (inside the caller's transaction); return why not."""
    problem = state(get(db, code), now)
    if problem:
        return problem
    db.execute("UPDATE slips SET used_at = ?, response_id = ? WHERE code = ?",
               [now, response_id, code])
    return None


def release(db: Database, code: str) -> None:
    """Open a slip again whose response could not be stored after all."""
    db.execute("UPDATE slips SET used_at = NULL, response_id = NULL WHERE code = ?", [code])


def batch(db: Database, code: str) -> list[dict[str, Any]]:
    """Return the slips made together with this one (one printing), in the order made."""
    return rows(db, "SELECT s.* FROM slips s JOIN slips first ON first.code = ? "
                    "WHERE s.created_at = first.created_at "
                    "AND s.created_by IS first.created_by ORDER BY s.rowid", [code])


def batches(db: Database, limit: int = 10) -> list[dict[str, Any]]:
    """Return the latest printings, newest first: first code, when, by whom, how many used."""
    # SQLite takes the bare columns from the row where min(rowid) is: the batch's first slip.
    return rows(db, "SELECT code, min(rowid) AS n, created_at, created_by, service, "
                    "expires_at, count(*) AS count, count(used_at) AS used FROM slips "
                    "GROUP BY created_at, created_by ORDER BY created_at DESC LIMIT ?",
                [limit])
