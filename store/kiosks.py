"""Kiosk devices: each tablet holds a secret token; the server keeps only its hash."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, cast

from sqlite_utils import Database

from ikm.clock import utc_now
from ikm.office import tidy_name
from ikm.refused import Refused
from store import audit
from store.schema import one, rows, write_transaction
from store.tokens import hash_token, new_token

MAX_COUNT = 10**9  # entries a kiosk may report waiting or set aside
KIOSK_STATUS = {"last_seen", "paired_at", "outbox", "rejected", "last_error", "clock_offset_ms"}


def add_kiosk(db: Database, name: str, *, actor: audit.Actor) -> tuple[int, str]:
    """Register a kiosk; return its id and its token (shown once, never stored)."""
    name = tidy_name(name)
    if not name:
        raise ValueError("a kiosk needs a name, e.g. 'Loket 1'")
    token = new_token()
    with write_transaction(db):
        kiosk_id = cast(int, db.table("kiosks").insert({
            "name": name, "token_hash": hash_token(token), "created_at": utc_now(),
            "outbox": 0}).last_pk)
        audit.record(db, "kiosk", actor, f"{kiosk_id}: added as {name}")
    return kiosk_id, token


def new_pairing(db: Database, kiosk_id: int, *, actor: audit.Actor) -> str:
    """Give a kiosk a new token (the old one stops working); return it, shown once."""
    token = new_token()
    with write_transaction(db):
        # A re-paired kiosk is active again and counts as paired once the tablet calls in.
        db.table("kiosks").update(kiosk_id, {"token_hash": hash_token(token), "revoked_at": None,
                                             "paired_at": None, "last_error": None})
        audit.record(db, "kiosk", actor, f"{kiosk_id}: new pairing link")
    return token


def kiosk_for_token(db: Database, token: str | None) -> dict[str, Any] | None:
    """Return the kiosk a token belongs to, or None when unknown or revoked."""
    if not token:
        return None
    # Plain SQL: this runs on every kiosk request, and sqlite-utils' table helpers look
    # the table's columns up again each time.
    return one(db, "SELECT * FROM kiosks WHERE token_hash = ? AND revoked_at IS NULL LIMIT 1",
               [hash_token(token)])


def revoke(db: Database, kiosk_id: int, *, actor: audit.Actor) -> None:
    """Stop a kiosk's token from working; its responses stay."""
    with write_transaction(db):
        db.table("kiosks").update(kiosk_id, {"revoked_at": utc_now()})
        audit.record(db, "kiosk", actor, f"{kiosk_id}: revoked")


def seen(db: Database, kiosk: dict[str, Any], **status: Any) -> None:
    """Note that a kiosk made contact, with what it reports (outbox size, last error)."""
    values = {"last_seen": utc_now(), **status}
    if not kiosk.get("paired_at"):
        values["paired_at"] = values["last_seen"]
    unknown = set(values) - KIOSK_STATUS
    if unknown:
        raise ValueError(f"not a kiosk status: {', '.join(sorted(unknown))}")
    # Plain SQL for the same reason as kiosk_for_token; the names are checked above.
    assignments = ", ".join(f"{name} = ?" for name in values)
    db.execute(f"UPDATE kiosks SET {assignments} WHERE id = ?", [*values.values(), kiosk["id"]])


def status_from_report(report: dict[str, Any], kiosk_now: datetime | None) -> dict[str, Any]:
    """Return the kiosk status columns from what a kiosk reports about itself."""
    status: dict[str, Any] = {}
    for key in ("outbox", "rejected"):
        value = report.get(key)
        # A count no tablet can hold is ignored, as anything that is not a count is.
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT:
            status[key] = value
    if "last_error" in report:
        error = report["last_error"]
        # A lone surrogate from JSON becomes "?": SQLite stores only real text.
        status["last_error"] = (str(error)[:500].encode("utf-8", "replace").decode()
                                if error else None)
    if kiosk_now is not None:
        offset = datetime.now(timezone.utc) - kiosk_now
        status["clock_offset_ms"] = round(offset.total_seconds() * 1000)
    return status


def pairing_link(base_url: str, token: str) -> str:
    """Return the link that pairs a tablet; the token rides in the fragment, never sent."""
    return f"{base_url.rstrip('/')}/kiosk/pair#{token}"


def rename_kiosk(db: Database, kiosk_id: int, name: str, *, actor: audit.Actor) -> None:
    """Give a kiosk a new name, e.g. after moving it to another counter."""
    name = tidy_name(name)
    if not name:
        raise Refused("name", "required")
    with write_transaction(db):
        db.table("kiosks").update(kiosk_id, {"name": name})
        audit.record(db, "kiosk", actor, f"{kiosk_id}: renamed {name}")


def get(db: Database, kiosk_id: int) -> dict[str, Any] | None:
    """Return one kiosk, or None."""
    return one(db, "SELECT * FROM kiosks WHERE id = ?", [kiosk_id])


def names(db: Database) -> dict[int, str]:
    """Return every kiosk's name by its id."""
    return {kiosk_id: name for kiosk_id, name in db.execute("SELECT id, name FROM kiosks")}


def count_active(db: Database) -> int:
    """Return how many kiosks are paired and not revoked."""
    return db.execute("SELECT count(*) FROM kiosks WHERE revoked_at IS NULL").fetchone()[0]


def with_counts(db: Database) -> list[dict[str, Any]]:
    """Return every kiosk, active ones first, with how many responses each has sent."""
    return rows(db, "SELECT k.*, (SELECT count(*) FROM responses r WHERE r.kiosk_id = k.id) "
                    "AS responses FROM kiosks k "
                    "ORDER BY k.revoked_at IS NOT NULL, k.name COLLATE NOCASE, k.id")


def heard(db: Database) -> list[dict[str, Any]]:
    """Return the paired, active kiosks with when each was last heard from and its report."""
    return rows(db, "SELECT name, last_seen, rejected, outbox, clock_offset_ms FROM kiosks "
                    "WHERE revoked_at IS NULL AND paired_at IS NOT NULL "
                    "ORDER BY name COLLATE NOCASE, id")
