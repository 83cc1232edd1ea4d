"""What the administration pages change: services, kiosk tokens, accounts, settings rules."""
from __future__ import annotations

import re
from typing import Any

from sqlite_utils import Database

from ikm import audit
from ikm.audit import Actor
from ikm.clock import SKEW_TOLERANCE
from ikm.config import utc_now
from ikm.db import write_transaction
from ikm.users import ROLES, change_password, end_sessions

SERVICE_CODE = re.compile(r"[A-Z0-9-]{1,20}")
# Inclusive bounds of the numeric settings: outside them a kiosk becomes unusable.
LIMITS = {
    "idle_seconds": (10, 600),
    "thanks_seconds": (3, 60),
    "min_survey_seconds": (0, 60),
    "burst_count": (2, 100),
    "burst_window_seconds": (10, 3600),
    "session_idle_hours": (1, 72),
}


class Refused(ValueError):
    """A change that cannot be made; `field` and `reason` let the page say why in words."""

    def __init__(self, field: str, reason: str, **details: Any):
        super().__init__(f"{field}: {reason} {details or ''}".strip())
        self.field, self.reason, self.details = field, reason, details


# --- services ------------------------------------------------------------------------

def services(db: Database) -> list[dict[str, Any]]:
    """Return every service in the office's order, with how many responses refer to it."""
    # One pass over the responses: no index covers their service column.
    return list(db.query(
        "SELECT s.code, s.name, s.name_en, s.position, s.active, coalesce(n.count, 0) AS "
        "responses FROM services s LEFT JOIN (SELECT service, count(*) AS count FROM "
        "responses GROUP BY service) n ON n.service = s.code ORDER BY s.position, s.code"))


def _name(name: str | None) -> str:
    return " ".join((name or "").split())


def add_service(db: Database, code: str, name: str, name_en: str | None = None, *,
                actor: Actor) -> str:
    """Add an active service at the end of the list; return its code."""
    code = code.strip().upper()
    if not SERVICE_CODE.fullmatch(code):
        raise Refused("code", "invalid", code=code)
    if not _name(name):
        raise Refused("name", "required")
    with write_transaction(db):
        if db["services"].count_where("code = ?", [code]):
            raise Refused("code", "taken", code=code)
        last = db.execute("SELECT coalesce(max(position), 0) FROM services").fetchone()[0]
        db["services"].insert({"code": code, "name": _name(name),
                               "name_en": _name(name_en) or None, "position": last + 1,
                               "active": 1, "created_at": utc_now()})
        audit.record(db, "service", actor, f"{code}: added as {_name(name)}")
    return code


def rename_service(db: Database, code: str, name: str, name_en: str | None = None, *,
                   actor: Actor) -> None:
    """Change a service's names; its code stays, since stored responses refer to it."""
    if not _name(name):
        raise Refused("name", "required")
    with write_transaction(db):
        db["services"].update(code, {"name": _name(name), "name_en": _name(name_en) or None})
        audit.record(db, "service", actor, f"{code}: renamed {_name(name)}")


def set_service_active(db: Database, code: str, active: bool, *, actor: Actor) -> None:
    """Retire a service (hidden from the kiosk, history kept) or bring it back."""
    with write_transaction(db):
        db["services"].update(code, {"active": int(active)})
        audit.record(db, "service", actor, f"{code}: {'active' if active else 'retired'}")


def move_service(db: Database, code: str, step: int, *, actor: Actor) -> bool:
    """Move an active service up (-1) or down (+1) among the active ones; False at an end."""
    with write_transaction(db):
        codes = [r["code"] for r in db["services"].rows_where(order_by="position, code")]
        active = [r["code"] for r in db["services"].rows_where("active = 1",
                                                                 order_by="position, code")]
        i = active.index(code) + step if code in active else -1
        if not 0 <= i < len(active):
            return False
        a, b = codes.index(code), codes.index(active[i])
        codes[a], codes[b] = codes[b], codes[a]
        # Renumber everything: positions typed in by hand may repeat or leave gaps.
        db.conn.executemany("UPDATE services SET position = ? WHERE code = ?",
                            [(n, c) for n, c in enumerate(codes, start=1)])
        audit.record(db, "service", actor, f"{code}: moved {'up' if step < 0 else 'down'}")
    return True


# --- survey settings -----------------------------------------------------------------

def order_from_positions(positions: dict[str, int]) -> list[str]:
    """Return unsur codes sorted by the position given to each; refuse repeated numbers."""
    seen: dict[int, list[str]] = {}
    for code, n in positions.items():
        seen.setdefault(n, []).append(code)
    if sorted(seen) != list(range(1, len(positions) + 1)):
        repeated = next((n for n, codes in sorted(seen.items()) if len(codes) > 1), None)
        raise Refused("question_order", "repeated", number=repeated,
                      codes=", ".join(seen.get(repeated, [])), count=len(positions))
    return sorted(positions, key=positions.__getitem__)


# --- kiosks --------------------------------------------------------------------------

def rename_kiosk(db: Database, kiosk_id: int, name: str, *, actor: Actor) -> None:
    """Give a kiosk a new name, e.g. after moving it to another counter."""
    if not _name(name):
        raise Refused("name", "required")
    with write_transaction(db):
        db["kiosks"].update(kiosk_id, {"name": _name(name)})
        audit.record(db, "kiosk", actor, f"{kiosk_id}: renamed {_name(name)}")


def kiosks(db: Database) -> list[dict[str, Any]]:
    """Return every kiosk, active ones first, with how many responses each has sent."""
    return list(db.query(
        "SELECT k.*, (SELECT count(*) FROM responses r WHERE r.kiosk_id = k.id) AS responses "
        "FROM kiosks k ORDER BY k.revoked_at IS NOT NULL, k.name COLLATE NOCASE, k.id"))


def clock_skew_minutes(offset_ms: int | None) -> int | None:
    """Return how many minutes a tablet's clock is behind (+) or ahead (-), if it matters."""
    if offset_ms is None or abs(offset_ms) <= SKEW_TOLERANCE.total_seconds() * 1000:
        return None
    return round(offset_ms / 60_000)


# --- accounts ------------------------------------------------------------------------

def _keep_an_admin(db: Database, user_id: int) -> None:
    if not db["users"].count_where("role = 'admin' AND active = 1 AND id != ?", [user_id]):
        raise Refused("user", "last_admin")


def set_role(db: Database, user_id: int, role: str, *, acting_id: int | None = None,
             actor: Actor) -> None:
    """Change an account's role and end its sessions; never demote oneself or the last admin."""
    if role not in ROLES:
        raise Refused("role", "invalid", role=role)
    with write_transaction(db):
        user = db["users"].get(user_id)
        if user["role"] == "admin" and role != "admin":
            if user_id == acting_id:
                raise Refused("role", "self")
            _keep_an_admin(db, user_id)
        db["users"].update(user_id, {"role": role})
        end_sessions(db, user_id)
        audit.record(db, "user", actor, f"{user['username']}: role {user['role']} -> {role}")


def set_active(db: Database, user_id: int, active: bool, *, acting_id: int | None = None,
               actor: Actor) -> None:
    """Let an account sign in again, or stop it; never oneself, never the last admin."""
    with write_transaction(db):
        user = db["users"].get(user_id)
        if not active:
            if user_id == acting_id:
                raise Refused("user", "self")
            if user["role"] == "admin":
                _keep_an_admin(db, user_id)
        db["users"].update(user_id, {"active": int(active)})
        if not active:
            end_sessions(db, user_id)
        audit.record(db, "user", actor,
                     f"{user['username']}: {'active again' if active else 'deactivated'}")


def reset_password(db: Database, user_id: int, new: str, *, actor: Actor) -> None:
    """Set a new password chosen by an admin, and lift the slowdown of failed attempts."""
    with write_transaction(db):
        user = change_password(db, user_id, None, new, actor=actor)
        # Whoever forgot their password has often been slowed down trying.
        db["login_failures"].delete_where("username = ?", [user["username"]])
