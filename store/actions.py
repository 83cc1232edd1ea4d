"""Rencana tindak lanjut: actions decided on an unsur, their status and dated notes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlite_utils import Database

from ikm.clock import local_time, utc_now
from ikm.follow_up import CLOSED, OPEN, STATUSES, Dated
from ikm.method import PERMENPAN_2017
from store import audit
from store.schema import write_transaction

MAX_WHAT, MAX_WHO, MAX_NOTE, MAX_PUBLIC = 500, 120, 1000, 500
FIRST_YEAR, LAST_YEAR = 1900, 2999
# What anyone may see of an action: never who does it, never an internal note.
PUBLIC_FIELDS = ("unsur", "service", "what", "due", "status", "public_note")


@dataclass(frozen=True)
class Action:
    """One action; times in the office's time zone."""

    id: int
    unsur: str
    service: str | None
    service_name: str | None
    what: str
    who: str | None
    due: date | None
    status: str
    public_note: str | None
    created_at: datetime
    created_by: str | None
    baseline_from: date | None
    baseline_to: date | None
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def dated(self) -> Dated:
        """Return what the PEKPPP figures need of this action."""
        return Dated(self.status, self.created_at.date(), self.due,
                     self.closed_at.date() if self.closed_at else None)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _check(fields: dict[str, Any]) -> dict[str, Any]:
    """Return the fields trimmed, or raise ValueError naming the first field out of bounds."""
    clean: dict[str, Any] = {k: (v.strip() or None) if isinstance(v, str) else v
                             for k, v in fields.items()}
    if clean.get("unsur") not in PERMENPAN_2017.codes:
        raise ValueError(f"unsur: {fields.get('unsur')!r} is not an unsur code")
    for name, most in (("what", MAX_WHAT), ("who", MAX_WHO), ("public_note", MAX_PUBLIC)):
        if clean.get(name) and len(clean[name]) > most:
            raise ValueError(f"{name}: {len(clean[name])} characters; at most {most}")
    if not clean.get("what"):
        raise ValueError("what: say what will be done")
    due = clean.get("due")
    if due is not None and not FIRST_YEAR <= due.year <= LAST_YEAR:
        raise ValueError(f"due: the year must be {FIRST_YEAR}-{LAST_YEAR}")
    clean["due"] = due.isoformat() if due else None
    return clean


def create(db: Database, unsur: str, what: str, *, actor: audit.Actor, who: str | None = None,
           due: date | None = None, service: str | None = None,
           baseline: tuple[date, date] | None = None, now: str | None = None) -> int:
    """Record a new action (direncanakan) with the period it was decided from; return its id."""
    row = _check(dict(unsur=unsur, what=what, who=who, due=due, service=service))
    at = now or utc_now()
    with write_transaction(db):
        action_id = int(db.table("actions").insert({  # type: ignore[arg-type]
            **row, "status": STATUSES[0], "created_at": at, "updated_at": at,
            "created_by": actor.username,
            "baseline_from": baseline[0].isoformat() if baseline else None,
            "baseline_to": baseline[1].isoformat() if baseline else None}).last_pk)
        audit.record(db, "action", actor, f"#{action_id} {unsur}: {row['what']}")
    return action_id


def edit(db: Database, action_id: int, *, actor: audit.Actor, unsur: str, what: str,
         who: str | None, due: date | None, service: str | None,
         public_note: str | None) -> bool:
    """Change what an action says; False if there is no such action."""
    row = _check(dict(unsur=unsur, what=what, who=who, due=due, service=service,
                      public_note=public_note))
    with write_transaction(db):
        sets = ", ".join(f"{k} = ?" for k in row)
        done = db.execute(f"UPDATE actions SET {sets}, updated_at = ? WHERE id = ?",
                          [*row.values(), utc_now(), action_id]).rowcount == 1
        if done:
            audit.record(db, "action", actor, f"#{action_id} edited")
    return done


def set_status(db: Database, action_id: int, status: str, note: str | None, *,
               actor: audit.Actor, now: str | None = None) -> bool:
    """Move an action to a status with a dated note; closing dates it, reopening undates it."""
    if status not in STATUSES:
        raise ValueError(f"status: {status!r} is not one of {', '.join(STATUSES)}")
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise ValueError(f"note: {len(note)} characters; at most {MAX_NOTE}")
    at = now or utc_now()
    with write_transaction(db):
        # Closing again keeps the first closing date; only a reopening clears it.
        closed, params = ("coalesce(closed_at, ?)", [at]) if status in CLOSED else ("NULL", [])
        done = db.execute(f"UPDATE actions SET status = ?, updated_at = ?, closed_at = {closed} "
                          "WHERE id = ?", [status, at, *params, action_id]).rowcount == 1
        if done:
            db.execute("INSERT INTO action_notes (action_id, at, username, status, note) "
                       "VALUES (?, ?, ?, ?, ?)", [action_id, at, actor.username, status, note])
            audit.record(db, "action", actor, f"#{action_id}: {status}")
    return done


_SELECT = ("SELECT a.id, a.unsur, a.service, s.name, a.what, a.who, a.due, a.status, "
           "a.public_note, a.created_at, a.created_by, a.baseline_from, a.baseline_to, "
           "a.closed_at FROM actions a LEFT JOIN services s ON s.code = a.service")


def _action(r: tuple, tz: timezone) -> Action:
    return Action(id=r[0], unsur=r[1], service=r[2], service_name=r[3], what=r[4], who=r[5],
                  due=_day(r[6]), status=r[7], public_note=r[8],
                  created_at=local_time(r[9], tz), created_by=r[10],
                  baseline_from=_day(r[11]), baseline_to=_day(r[12]),
                  closed_at=local_time(r[13], tz))


def list_actions(db: Database, tz: timezone, show: str = "all") -> list[Action]:
    """Return the actions (open, closed or all), open ones by due date, then newest first."""
    where = {"open": f"WHERE a.status IN {OPEN}", "closed": f"WHERE a.status IN {CLOSED}"
             }.get(show, "")
    rows = db.execute(f"{_SELECT} {where} ORDER BY a.status IN {CLOSED}, "
                      "coalesce(a.due, '9999'), a.created_at DESC, a.id DESC").fetchall()
    return [_action(r, tz) for r in rows]


def get(db: Database, action_id: int, tz: timezone) -> Action | None:
    """Return one action, or None."""
    row = db.execute(f"{_SELECT} WHERE a.id = ?", [action_id]).fetchone()
    return _action(row, tz) if row else None


def notes(db: Database, action_id: int, tz: timezone) -> list[dict[str, Any]]:
    """Return an action's dated notes, oldest first."""
    return [dict(at=local_time(at, tz), username=u, status=s, note=n) for at, u, s, n in
            db.execute("SELECT at, username, status, note FROM action_notes WHERE action_id = ? "
                       "ORDER BY at, id", [action_id])]


def public(actions: list[Action]) -> list[dict[str, Any]]:
    """Return what anyone may see of the actions: public fields and dates, nothing else."""
    return [{**{k: getattr(a, k) for k in PUBLIC_FIELDS},
             "due": a.due.isoformat() if a.due else None,
             "created_at": a.created_at.date().isoformat(),
             "closed_at": a.closed_at.date().isoformat() if a.closed_at else None}
            for a in actions]
