"""The e-mail queue: messages wait here until the SMTP server takes them, however long."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlite_utils import Database

from ikm.clock import utc_now
from ikm.mail import backoff
from store.schema import one, rows, write_transaction

MAX_ERROR = 300  # an SMTP server's reply can be long; the first lines say what went wrong
BATCH = 20  # messages tried in one round; the rest wait for the next


@dataclass(frozen=True)
class Status:
    """How the queue stands: for the settings page."""

    waiting: int
    last_error: str | None  # of the message that failed most recently, if still waiting
    last_error_at: str | None
    last_sent_at: str | None


def queue(db: Database, recipients: Sequence[str], subject: str, body: str, *,
          alert_id: int | None = None, now: str | None = None) -> int:
    """Queue one message per recipient, due at once; return how many were queued."""
    at = now or utc_now()
    with write_transaction(db):
        for recipient in recipients:
            db.execute("INSERT INTO mail (alert_id, recipient, subject, body, created_at, "
                       "attempts, next_try_at) VALUES (?, ?, ?, ?, ?, 0, ?)",
                       [alert_id, recipient, subject, body, at, at])
    return len(recipients)


def due(db: Database, now: str, limit: int = BATCH) -> list[dict[str, Any]]:
    """Return the unsent messages whose time to try has come, oldest first."""
    # One never tried is due whatever the clocks say: it was queued a moment ago, perhaps a
    # millisecond after the sender read its clock.
    return rows(db, "SELECT id, alert_id, recipient, subject, body, attempts FROM mail "
                    "WHERE sent_at IS NULL AND (attempts = 0 OR next_try_at <= ?) "
                    "ORDER BY next_try_at, id LIMIT ?", [now, limit])


def sent(db: Database, mail_id: int, now: str | None = None) -> None:
    """Note that the SMTP server took a message."""
    with write_transaction(db):
        db.execute("UPDATE mail SET sent_at = ?, last_try_at = ?, attempts = attempts + 1 "
                   "WHERE id = ?", [now or utc_now(), now or utc_now(), mail_id])


def failed(db: Database, mail_id: int, error: str, now: str | None = None) -> None:
    """Note a failed try and when to try again: later after each failure, never given up."""
    at = now or utc_now()
    with write_transaction(db):
        found = one(db, "SELECT attempts FROM mail WHERE id = ?", [mail_id])
        if found is None:
            return
        attempts = found["attempts"] + 1
        retry = (datetime.fromisoformat(at).astimezone(timezone.utc)
                 + backoff(attempts)).isoformat(timespec="milliseconds")
        db.execute("UPDATE mail SET attempts = ?, next_try_at = ?, last_error = ?, "
                   "last_try_at = ? WHERE id = ?",
                   [attempts, retry, error[:MAX_ERROR], at, mail_id])


def status(db: Database) -> Status:
    """Return how many messages wait, the latest failure among them and the last sending."""
    waiting = one(db, "SELECT count(*) AS n FROM mail WHERE sent_at IS NULL")
    error = one(db, "SELECT last_error, last_try_at FROM mail WHERE sent_at IS NULL "
                    "AND last_error IS NOT NULL ORDER BY last_try_at DESC LIMIT 1")
    last = one(db, "SELECT max(sent_at) AS at FROM mail")
    return Status(waiting["n"] if waiting else 0, error["last_error"] if error else None,
                  error["last_try_at"] if error else None, last["at"] if last else None)
