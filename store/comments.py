"""Citizens' kritik dan saran of a period and their follow-up: baru, ditindaklanjuti, selesai."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlite_utils import Database

from ikm.clock import local_time, utc_now
from store import audit
from store.schema import write_transaction

STATUSES = ("baru", "ditindaklanjuti", "selesai")
MAX_NOTE = 1000
# A comment nobody has looked at yet has no status stored: it is new.
_STATUS = "coalesce(r.comment_status, 'baru')"
_HAS_COMMENT = "r.comment IS NOT NULL AND r.comment != ''"


@dataclass(frozen=True)
class Comment:
    """One response's comment with its follow-up; times are in the office's time zone."""

    id: str
    answered_at: datetime
    local_date: str
    service: str
    service_name: str
    service_name_en: str | None
    text: str
    status: str
    note: str | None
    updated_at: datetime | None
    updated_by: str | None
    counted: bool
    flag: str | None


def _where(start: date, end: date, status: str | None, service: str | None
           ) -> tuple[str, list]:
    sql = f"r.local_date BETWEEN ? AND ? AND {_HAS_COMMENT}"
    params: list = [start.isoformat(), end.isoformat()]
    if status:
        sql += f" AND {_STATUS} = ?"
        params.append(status)
    if service:
        sql += " AND r.service = ?"
        params.append(service)
    return sql, params


def list_comments(db: Database, start: date, end: date, tz: timezone,
                  status: str | None = None, service: str | None = None) -> list[Comment]:
    """Return the comments of responses dated start..end, flagged ones too, newest first."""
    where, params = _where(start, end, status, service)
    rows = db.execute(
        f"SELECT r.id, r.answered_at, r.local_date, r.service, s.name, s.name_en, r.comment, "
        f"{_STATUS}, r.comment_note, r.comment_updated_at, r.comment_updated_by, r.counted, "
        f"r.flag FROM responses r LEFT JOIN services s ON s.code = r.service "
        f"WHERE {where} ORDER BY r.answered_at DESC, r.id", params).fetchall()
    return [Comment(id=r[0], answered_at=local_time(r[1], tz), local_date=r[2], service=r[3],
                    service_name=r[4] or r[3], service_name_en=r[5], text=r[6], status=r[7],
                    note=r[8], updated_at=local_time(r[9], tz), updated_by=r[10],
                    counted=bool(r[11]), flag=r[12]) for r in rows]


def status_counts(db: Database, start: date, end: date, service: str | None = None
                  ) -> dict[str, int]:
    """Count the period's comments per follow-up status, and all of them as 'semua'."""
    where, params = _where(start, end, None, service)
    counts = dict.fromkeys(STATUSES, 0)
    for status, n in db.execute(
            f"SELECT {_STATUS}, count(*) FROM responses r WHERE {where} GROUP BY 1", params):
        counts[status] = counts.get(status, 0) + n
    return {"semua": sum(counts.values()), **counts}


def services_with_comments(db: Database, start: date, end: date) -> list[dict]:
    """Return the services that have comments in the period, in the office's order."""
    where, params = _where(start, end, None, None)
    return [dict(code=c, name=n or c, name_en=en, count=k) for c, n, en, k in db.execute(
        f"SELECT r.service, s.name, s.name_en, count(*) FROM responses r "
        f"LEFT JOIN services s ON s.code = r.service WHERE {where} "
        f"GROUP BY r.service ORDER BY s.position, r.service", params)]


def set_follow_up(db: Database, response_id: str, status: str, note: str | None, *,
                  actor: audit.Actor, now: str | None = None) -> bool:
    """Store a comment's status and note, and who set them; False if there is no such comment."""
    if status not in STATUSES:
        raise ValueError(f"status: {status!r} is not one of {', '.join(STATUSES)}")
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise ValueError(f"note: {len(note)} characters; at most {MAX_NOTE}")
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE responses SET comment_status = ?, comment_note = ?, comment_updated_at = ?, "
            "comment_updated_by = ? WHERE id = ? AND comment IS NOT NULL AND comment != ''",
            [status, note, now or utc_now(), actor.username, response_id])
        if cursor.rowcount == 1:
            audit.record(db, "comment", actor, f"{response_id}: {status}")
    return cursor.rowcount == 1
