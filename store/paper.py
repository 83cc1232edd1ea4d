"""Paper questionnaires: numbered batches printed, forms typed in once each, undo the last."""
from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from ikm.clock import utc_now
from store import audit, daily_totals
from store.schema import one, rows, write_transaction

MAX_FORMS = 500  # one printing


def new_batch(db: Database, count: int, *, actor: audit.Actor) -> tuple[int, int]:
    """Reserve the next `count` serial numbers for printed forms; return the first and last."""
    if not 1 <= count <= MAX_FORMS:
        raise ValueError(f"between 1 and {MAX_FORMS} forms at a time")
    with write_transaction(db):
        first = db.execute('SELECT coalesce(max("first" + "count"), 1) FROM paper_batches'
                           ).fetchone()[0]
        db.table("paper_batches").insert({"first": first, "count": count,
                                          "created_at": utc_now(),
                                          "created_by": actor.username})
        audit.record(db, "paper", actor, f"forms {first}-{first + count - 1} printed")
    return first, first + count - 1


def serial_text(number: int) -> str:
    """Return a form's serial as printed: six digits."""
    return f"{number:06d}"


def entered(db: Database, serial: str) -> dict[str, Any] | None:
    """Return when and by whom a form was typed in, or None if it was not."""
    return one(db, "SELECT id, received_at, entered_by, local_date FROM responses "
                   "WHERE serial = ?", [serial])


def entries(db: Database, since: str, username: str | None = None) -> list[dict[str, Any]]:
    """Return the paper forms typed in since a UTC time (by one person), newest first."""
    sql = ("SELECT id, serial, service, local_date, received_at, entered_by, "
           "u1, u2, u3, u4, u5, u6, u7, u8, u9 FROM responses "
           "WHERE channel = 'paper' AND received_at >= ?")
    params: list[Any] = [since]
    if username:
        sql += " AND entered_by = ?"
        params.append(username)
    return rows(db, sql + " ORDER BY received_at DESC, rowid DESC", params)


def undo(db: Database, response_id: str, *, actor: audit.Actor) -> bool:
    """Remove a paper form typed in by mistake (so it can be typed again); True if it was."""
    with write_transaction(db):
        found = one(db, "SELECT serial FROM responses WHERE id = ? AND channel = 'paper'",
                    [response_id])
        if found is None:
            return False
        daily_totals.add(db, daily_totals.of(db, "id = ?", [response_id]), -1)
        db.execute("DELETE FROM responses WHERE id = ?", [response_id])
        audit.record(db, "paper", actor, f"form {found['serial']} removed (undo)")
    return True


def reserved(db: Database) -> int:
    """Return the last serial reserved for printing so far (0 before the first batch)."""
    return db.execute('SELECT coalesce(max("first" + "count"), 1) - 1 FROM paper_batches'
                      ).fetchone()[0]


def batches(db: Database, limit: int = 10) -> list[dict[str, Any]]:
    """Return the latest printed batches, newest first."""
    return rows(db, 'SELECT id, "first", "count", created_at, created_by FROM paper_batches '
                    "ORDER BY id DESC LIMIT ?", [limit])
