"""The audit log: sign-ins, exports and every change, written where the change commits."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlite_utils import Database

from ikm.clock import utc_now

# The kinds of event; the audit page words them in the reader's language.
ACTIONS = ("login", "login_failed", "login_locked", "logout", "setup", "password", "export",
           "settings", "service", "kiosk", "user", "population", "flagged", "comment",
           "backup", "restore", "unlock", "slips", "paper", "action", "theme",
           "alert", "mail", "reason", "recording")
# Failed sign-ins from one address for one name within this window share one counted row,
# so a flood of them cannot push the real events off the page.
FAILURE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Actor:
    """Who did it: a signed-in user from an address, or someone at the command line."""

    username: str | None
    ip: str | None = None
    via: str = "web"


COMMAND_LINE = Actor(None, None, "cli")


def record(db: Database, action: str, actor: Actor, detail: str = "") -> None:
    """Add one event to the audit log, in the caller's transaction (the change's own)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    db.execute("INSERT INTO audit (at, username, action, detail, ip, via, count) "
               "VALUES (?, ?, ?, ?, ?, ?, 1)",
               [utc_now(), actor.username, action, detail[:500], actor.ip, actor.via])


def count_failure(db: Database, action: str, tried: str, ip: str | None) -> None:
    """Count a refused sign-in for a name from an address; never as that user's own act."""
    since = (datetime.now(timezone.utc) - FAILURE_WINDOW).isoformat(timespec="milliseconds")
    detail = tried[:100]
    updated = db.execute(
        "UPDATE audit SET count = count + 1, at = ? WHERE id = (SELECT id FROM audit WHERE "
        "action = ? AND detail = ? AND ip IS ? AND at > ? ORDER BY id DESC LIMIT 1)",
        [utc_now(), action, detail, ip, since])
    if not updated.rowcount:
        record(db, action, Actor(None, ip), detail)


def recent(db: Database, limit: int = 200, action: str | None = None) -> list[dict[str, Any]]:
    """Return the latest events, newest first."""
    where, params = ("action = ?", [action]) if action else (None, None)
    return list(db.table("audit").rows_where(where, params, order_by="at DESC, id DESC",
                                             limit=limit))
