"""Alerts for staff: raised once per cause, listed, acknowledged with a note."""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from ikm.alerts import Alert
from ikm.clock import utc_now
from ikm.refused import Refused
from store import audit, mail
from store.schema import one, rows, write_transaction

MAX_NOTE = 500
LISTED = 200  # the list page shows the newest acknowledged alerts up to this many


@dataclass(frozen=True)
class Raised:
    """An alert found now, with the e-mail that tells of it (sent only if it is new)."""

    alert: Alert
    subject: str
    body: str


def known(db: Database, causes: Sequence[str]) -> set[str]:
    """Return which of the causes have been raised before (acknowledged or not)."""
    if not causes:
        return set()
    marks = ", ".join("?" for _ in causes)
    return {r["cause"] for r in rows(db, f"SELECT cause FROM alerts WHERE cause IN ({marks})",
                                     list(causes))}


def raise_new(db: Database, found: Iterable[Raised], recipients: Sequence[str] = (),
              now: str | None = None) -> list[int]:
    """Store the alerts whose cause is new, with one e-mail per recipient; return their ids."""
    # A cause raised before (by an earlier check, or the other thread's a moment ago) is
    # left alone: an alert is shown and sent once however often the figures are checked.
    at = now or utc_now()
    new = []
    with write_transaction(db):
        for item in found:
            a = item.alert
            cursor = db.execute(
                "INSERT OR IGNORE INTO alerts (cause, kind, subject, month, details, raised_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [a.cause, a.kind, a.subject, a.month, json.dumps(a.details, ensure_ascii=False),
                 at])
            if cursor.rowcount == 1:
                alert_id = int(cursor.lastrowid or 0)
                new.append(alert_id)
                mail.queue(db, recipients, item.subject, item.body, alert_id=alert_id, now=at)
    return new


def _alert(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "details": json.loads(row["details"])}


_COLUMNS = ("id, cause, kind, subject, month, details, raised_at, acknowledged_at, "
            "acknowledged_by, note")


def open_alerts(db: Database) -> list[dict[str, Any]]:
    """Return the alerts nobody has acknowledged yet, newest first."""
    # Those found together keep the order they were found in: the whole IKM before its unsur.
    return [_alert(r) for r in rows(
        db, f"SELECT {_COLUMNS} FROM alerts WHERE acknowledged_at IS NULL "
            "ORDER BY raised_at DESC, id")]


def acknowledged(db: Database, limit: int = LISTED) -> list[dict[str, Any]]:
    """Return the acknowledged alerts, the latest acknowledged first."""
    return [_alert(r) for r in rows(
        db, f"SELECT {_COLUMNS} FROM alerts WHERE acknowledged_at IS NOT NULL "
            "ORDER BY acknowledged_at DESC, id DESC LIMIT ?", [limit])]


def get(db: Database, alert_id: int) -> dict[str, Any] | None:
    """Return one alert, or None."""
    row = one(db, f"SELECT {_COLUMNS} FROM alerts WHERE id = ?", [alert_id])
    return _alert(row) if row else None


def acknowledge(db: Database, alert_id: int, note: str | None, *, actor: audit.Actor,
                now: str | None = None) -> bool:
    """Mark an alert seen to, with an optional note; False if it was already (or is none)."""
    text = (note or "").strip() or None
    if text and len(text) > MAX_NOTE:
        raise Refused("note", "too_long", max=MAX_NOTE)
    with write_transaction(db):
        done = db.execute(
            "UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?, note = ? "
            "WHERE id = ? AND acknowledged_at IS NULL",
            [now or utc_now(), actor.username, text, alert_id]).rowcount == 1
        if done:
            cause = one(db, "SELECT cause FROM alerts WHERE id = ?", [alert_id])
            audit.record(db, "alert", actor, f"#{alert_id} {cause['cause'] if cause else ''}"
                         + (f": {text}" if text else ""))
    return done
