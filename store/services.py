"""The services an office offers: listed, added, renamed, retired and ordered."""
from __future__ import annotations

import re
from typing import Any

from sqlite_utils import Database

from ikm.clock import utc_now
from ikm.office import tidy_name
from ikm.refused import Refused
from store import audit
from store.audit import Actor
from store.schema import one, rows, write_transaction

SERVICE_CODE = re.compile(r"[A-Z0-9-]{1,20}")


_FIELDS = "code, name, name_en, position, active"


def in_order(db: Database, active_only: bool = False) -> list[dict[str, Any]]:
    """Return the services in the office's order (only the active ones, if asked)."""
    where = "WHERE active = 1 " if active_only else ""
    return rows(db, f"SELECT {_FIELDS} FROM services {where}ORDER BY position, code")


def get(db: Database, code: str) -> dict[str, Any] | None:
    """Return one service, or None."""
    return one(db, f"SELECT {_FIELDS} FROM services WHERE code = ?", [code])


def codes(db: Database) -> set[str]:
    """Return every service code, retired ones too (old responses refer to them)."""
    return {code for (code,) in db.execute("SELECT code FROM services")}


def count_active(db: Database) -> int:
    """Return how many services the kiosk offers."""
    return db.execute("SELECT count(*) FROM services WHERE active = 1").fetchone()[0]


def with_counts(db: Database) -> list[dict[str, Any]]:
    """Return every service in the office's order, with how many responses refer to it."""
    # One pass over the responses: no index covers their service column.
    return rows(db,
                "SELECT s.code, s.name, s.name_en, s.position, s.active, coalesce(n.count, 0) AS "
                "responses FROM services s LEFT JOIN (SELECT service, count(*) AS count FROM "
                "responses GROUP BY service) n ON n.service = s.code ORDER BY s.position, s.code")


def add_service(db: Database, code: str, name: str, name_en: str | None = None, *,
                actor: Actor) -> str:
    """Add an active service at the end of the list; return its code."""
    code, name = code.strip().upper(), tidy_name(name)
    if not SERVICE_CODE.fullmatch(code):
        raise Refused("code", "invalid", code=code)
    if not name:
        raise Refused("name", "required")
    with write_transaction(db):
        if get(db, code) is not None:
            raise Refused("code", "taken", code=code)
        last = db.execute("SELECT coalesce(max(position), 0) FROM services").fetchone()[0]
        db.table("services").insert({"code": code, "name": name,
                                     "name_en": tidy_name(name_en) or None, "position": last + 1,
                                     "active": 1, "created_at": utc_now()})
        audit.record(db, "service", actor, f"{code}: added as {name}")
    return code


def rename_service(db: Database, code: str, name: str, name_en: str | None = None, *,
                   actor: Actor) -> None:
    """Change a service's names; its code stays, since stored responses refer to it."""
    name = tidy_name(name)
    if not name:
        raise Refused("name", "required")
    with write_transaction(db):
        db.table("services").update(code, {"name": name, "name_en": tidy_name(name_en) or None})
        audit.record(db, "service", actor, f"{code}: renamed {name}")


def set_service_active(db: Database, code: str, active: bool, *, actor: Actor) -> None:
    """Retire a service (hidden from the kiosk, history kept) or bring it back."""
    with write_transaction(db):
        db.table("services").update(code, {"active": int(active)})
        audit.record(db, "service", actor, f"{code}: {'active' if active else 'retired'}")


def move_service(db: Database, code: str, step: int, *, actor: Actor) -> bool:
    """Move an active service up (-1) or down (+1) among the active ones; False at an end."""
    with write_transaction(db):
        listed = db.execute("SELECT code, active FROM services ORDER BY position, code").fetchall()
        order = [c for c, _ in listed]
        active = [c for c, is_active in listed if is_active]
        i = active.index(code) + step if code in active else -1
        if not 0 <= i < len(active):
            return False
        a, b = order.index(code), order.index(active[i])
        order[a], order[b] = order[b], order[a]
        # Renumber everything: positions typed in by hand may repeat or leave gaps.
        db.conn.executemany("UPDATE services SET position = ? WHERE code = ?",
                            [(n, c) for n, c in enumerate(order, start=1)])
        audit.record(db, "service", actor, f"{code}: moved {'up' if step < 0 else 'down'}")
    return True
