"""The audit log: sign-ins, exports and settings changes, for admins to read."""
from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from ikm.config import utc_now

# The kinds of event; the audit page words them in the reader's language.
ACTIONS = ("login", "login_failed", "login_locked", "logout", "setup", "password", "export",
           "settings", "service", "kiosk", "user", "population", "flagged", "comment")


def record(db: Database, action: str, username: str | None, detail: str = "",
           ip: str | None = None) -> None:
    """Add one event to the audit log."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    db["audit"].insert({"at": utc_now(), "username": username, "action": action,
                        "detail": detail[:500], "ip": ip})


def recent(db: Database, limit: int = 200, action: str | None = None) -> list[dict[str, Any]]:
    """Return the latest events, newest first."""
    where, params = ("action = ?", [action]) if action else (None, None)
    return list(db["audit"].rows_where(where, params, order_by="id DESC", limit=limit))
