"""Reasons for an unhappy answer: listed, added, renamed, retired, restored, and counted."""
from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from ikm.clock import utc_now
from ikm.method import PERMENPAN_2017
from ikm.office import checked_name, tidy_name
from ikm.reasons import MAX_ACTIVE, UNHAPPY, Reason
from ikm.refused import Refused
from store import audit
from store.audit import Actor
from store.schema import ANSWER_COLUMNS, one, rows, write_transaction

MAX_NAME = 40  # a chip on the kiosk holds two short lines
UNSUR = tuple(u.code for u in PERMENPAN_2017.unsur)
_FIELDS = "id, unsur, name, name_en, position, active"
_ORDER = "ORDER BY CAST(substr(unsur, 2) AS INTEGER), position, id"


def _reason(r: dict[str, Any]) -> Reason:
    return Reason(r["id"], r["unsur"], r["name"], r["name_en"], bool(r["active"]))


def in_order(db: Database, active_only: bool = False) -> list[Reason]:
    """Return the reasons by unsur then position (only the active ones, if asked)."""
    where = "WHERE active = 1 " if active_only else ""
    return [_reason(r) for r in rows(db, f"SELECT {_FIELDS} FROM reasons {where}{_ORDER}")]


def unsur_of(db: Database, sent: list[Any] | None = None) -> dict[int, str]:
    """Return every reason's unsur by id, retired ones too: a kiosk may send one it showed.

    Given the response objects `sent`, read nothing unless one of them gives a reason: most
    answers are happy, and every kiosk submission would pay for the read.
    """
    if sent is not None and not any(isinstance(r, dict) and r.get("reasons") for r in sent):
        return {}
    return {rid: unsur for rid, unsur in db.execute("SELECT id, unsur FROM reasons")}


def get(db: Database, reason_id: int) -> Reason | None:
    """Return one reason, or None."""
    found = one(db, f"SELECT {_FIELDS} FROM reasons WHERE id = ?", [reason_id])
    return _reason(found) if found else None


def _room(db: Database, unsur: str) -> None:
    """Refuse a seventh active reason for an unsur: the kiosk shows six at most."""
    active = db.execute("SELECT count(*) FROM reasons WHERE unsur = ? AND active = 1",
                        [unsur]).fetchone()[0]
    if active >= MAX_ACTIVE:
        raise Refused("reasons", "full", max=MAX_ACTIVE)


def add(db: Database, unsur: str, name: str, name_en: str | None = None, *,
        actor: Actor) -> int:
    """Add an active reason at the end of its unsur; return its id."""
    if unsur not in UNSUR:
        raise Refused("unsur", "invalid")
    name = checked_name(name, MAX_NAME)
    with write_transaction(db):
        _room(db, unsur)
        last = db.execute("SELECT coalesce(max(position), 0) FROM reasons").fetchone()[0]
        reason_id = db.table("reasons").insert({
            "unsur": unsur, "name": name, "name_en": tidy_name(name_en) or None,
            "position": last + 1, "active": 1, "created_at": utc_now()}).last_pk
        audit.record(db, "reason", actor, f"{reason_id}: added {unsur} {name}")
    return int(reason_id or 0)


def rename(db: Database, reason_id: int, name: str, name_en: str | None = None, *,
           actor: Actor) -> None:
    """Rename a reason; the answers that gave it keep counting under the new name."""
    name = checked_name(name, MAX_NAME)
    with write_transaction(db):
        db.table("reasons").update(reason_id, {"name": name,
                                               "name_en": tidy_name(name_en) or None})
        audit.record(db, "reason", actor, f"{reason_id}: renamed {name}")


def set_active(db: Database, reason_id: int, is_active: bool, *, actor: Actor) -> None:
    """Retire a reason (kept, counted in the past, no longer offered) or bring it back."""
    with write_transaction(db):
        found = get(db, reason_id)
        if found is None or found.active == is_active:
            return
        if is_active:
            _room(db, found.unsur)
        db.table("reasons").update(reason_id, {"active": int(is_active)})
        audit.record(db, "reason", actor,
                     f"{reason_id}: {'restored' if is_active else 'retired'}")


def store_given(db: Database, given: list[tuple[str, str, int]]) -> None:
    """Keep the reasons of responses just stored: (response id, unsur, reason id).

    Called inside record()'s transaction, so a reason is never kept without its answer.
    """
    if given:
        db.conn.executemany(
            "INSERT INTO response_reasons (response_id, unsur, reason_id) VALUES (?, ?, ?)",
            given)


def counts(db: Database, start: str, end: str, service: str | None = None,
           channel: str | None = None) -> tuple[dict[int, int], dict[str, int]]:
    """Return, for the counted responses of office dates start..end: how often each reason
    was given, and each unsur's unhappy answers (faces 1 and 2)."""
    where = "r.local_date BETWEEN ? AND ? AND r.counted = 1"
    params: list[Any] = [start, end]
    if service is not None:
        where += " AND r.service = ?"
        params.append(service)
    if channel is not None:
        where += " AND r.channel = ?"
        params.append(channel)
    given = {rid: n for rid, n in db.execute(
        "SELECT rr.reason_id, count(*) FROM responses r "
        f"JOIN response_reasons rr ON rr.response_id = r.id WHERE {where} "
        "GROUP BY rr.reason_id", params)}
    unhappy: dict[str, int] = {}
    if given:  # no reason given, nothing to show a share of
        low = ", ".join(str(a) for a in UNHAPPY)
        sums = ", ".join(f"sum({c} IN ({low}))" for c in ANSWER_COLUMNS)
        found = db.execute(f"SELECT {sums} FROM responses r WHERE {where}", params).fetchone()
        unhappy = {c.upper(): n or 0 for c, n in zip(ANSWER_COLUMNS, found)}
    return given, unhappy
