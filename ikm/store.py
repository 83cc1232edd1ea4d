"""Responses in SQLite: record them once and durably, and sum them per period."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlite_utils import Database

from ikm import clock
from ikm.config import parse_offset, utc_now
from ikm.db import ANSWER_COLUMNS, write_transaction
from ikm.responses import Incoming, abuse_flag

STORED, DUPLICATE = "stored", "duplicate"


def _utc(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _row(r: Incoming, kiosk_id: int | None, flag: str | None, tz: timezone,
         received_at: str, placed: tuple[datetime, str]) -> dict[str, Any]:
    when, rule = placed
    return {
        "id": r.id, "kiosk_id": kiosk_id, "service": r.service,
        "questionnaire": r.questionnaire, "answered_at": _utc(when),
        "kiosk_time": _utc(r.answered_at), "clock": rule,
        "received_at": received_at, "local_date": when.astimezone(tz).date().isoformat(),
        "duration_ms": r.duration_ms,
        **{c.lower(): v for c, v in r.answers.items()},
        **r.profile, "comment": r.comment, "flag": flag, "counted": 0 if flag else 1,
    }


def record_responses(db: Database, kiosk: dict[str, Any] | None, items: list[Incoming],
                     settings: dict[str, Any], kiosk_now: datetime | None = None) -> list[str]:
    """Store new responses in one committed transaction; return stored/duplicate per item.

    `kiosk_now` is what the kiosk's clock read when it sent them (see ikm.clock).
    When this returns, the responses are on disk: the caller may acknowledge them.
    """
    tz = parse_offset(settings["utc_offset"])
    window = timedelta(seconds=settings["burst_window_seconds"])
    received_at = utc_now()
    received = datetime.fromisoformat(received_at)
    kiosk_id = kiosk["id"] if kiosk else None
    registered = datetime.fromisoformat(kiosk["created_at"]) if kiosk else None
    statuses = []
    with write_transaction(db):
        for r in items:
            if db.execute("SELECT 1 FROM responses WHERE id = ?", [r.id]).fetchone():
                statuses.append(DUPLICATE)
                continue
            placed = clock.place(r.answered_at, received, kiosk_now, registered)
            recent = 0
            if kiosk_id is not None:
                # Bursts are judged on the kiosk's clock, never on arrival: an outbox
                # delivers a morning's surveys in one request.
                recent = db.execute(
                    "SELECT count(*) FROM responses WHERE kiosk_id = ? "
                    "AND answered_at BETWEEN ? AND ?",
                    [kiosk_id, _utc(placed[0] - window), _utc(placed[0])],
                ).fetchone()[0]
            flag = abuse_flag(r, recent, settings)
            db["responses"].insert(_row(r, kiosk_id, flag, tz, received_at, placed))
            statuses.append(STORED)
    return statuses


@dataclass(frozen=True)
class PeriodTotals:
    """Integer sums of one period's counted responses."""

    totals: dict[str, tuple[int, int]]
    respondents: int
    short: int  # respondents who answered the short questionnaire
    squares: dict[str, int]  # sum of squared answers per unsur, for its standard error


def _where(start: date, end: date, service: str | None) -> tuple[str, list]:
    sql = "local_date BETWEEN ? AND ? AND counted = 1"
    params: list = [start.isoformat(), end.isoformat()]
    if service:
        sql += " AND service = ?"
        params.append(service)
    return sql, params


_ANY_ANSWER = " OR ".join(f"{c} IS NOT NULL" for c in ANSWER_COLUMNS)


GROUPS = {"service": "service", "month": "substr(local_date, 1, 7)"}


def _totals(row: tuple) -> PeriodTotals:
    totals = {c.upper(): (row[2 + 3 * i], row[3 + 3 * i]) for i, c in enumerate(ANSWER_COLUMNS)}
    squares = {c.upper(): row[4 + 3 * i] for i, c in enumerate(ANSWER_COLUMNS)}
    return PeriodTotals(totals, row[0], row[1], squares)


def _sums_sql(where: str, group: str | None = None) -> str:
    sums = ", ".join(f"coalesce(sum({c}), 0), count({c}), coalesce(sum({c} * {c}), 0)"
                     for c in ANSWER_COLUMNS)
    key = f", {GROUPS[group]}" if group else ""
    tail = f" GROUP BY {GROUPS[group]}" if group else ""
    return (f"SELECT count(*), coalesce(sum(questionnaire = 'short'), 0), {sums}{key} "
            f"FROM responses WHERE {where} AND ({_ANY_ANSWER}){tail}")


def period_totals(db: Database, start: date, end: date, service: str | None = None
                  ) -> PeriodTotals:
    """Sum answers per unsur over the responses dated start..end (office dates, inclusive)."""
    where, params = _where(start, end, service)
    return _totals(db.execute(_sums_sql(where), params).fetchone())


def grouped_totals(db: Database, start: date, end: date, group: str
                   ) -> dict[str, PeriodTotals]:
    """Sum answers per unsur for each service ('service') or month ('month', YYYY-MM)."""
    where, params = _where(start, end, None)
    return {row[-1]: _totals(row) for row in db.execute(_sums_sql(where, group), params)}


def influence_sum(db: Database, start: date, end: date, service: str | None,
                  influence: dict[str, tuple[float, float]]) -> float:
    """Sum the squared influence of every respondent of the period (see scoring.influence)."""
    if not influence:
        return 0.0
    where, params = _where(start, end, service)
    terms, term_params = [], []
    for code, (mean, coef) in influence.items():
        terms.append(f"coalesce(({code.lower()} - ?) * ?, 0)")
        term_params += [mean, coef]
    u = " + ".join(terms)
    value = db.execute(
        f"SELECT sum(u * u) FROM (SELECT {u} AS u FROM responses WHERE {where})",
        term_params + params,
    ).fetchone()[0]
    return value or 0.0


def flagged(db: Database, start: date, end: date) -> list[dict[str, Any]]:
    """Return the period's responses flagged as possible abuse, newest first."""
    return list(db["responses"].rows_where(
        "local_date BETWEEN ? AND ? AND flag IS NOT NULL", [start.isoformat(), end.isoformat()],
        order_by="answered_at DESC"))


def set_counted(db: Database, ids: list[str], counted: bool) -> int:
    """Include flagged responses in the IKM (or leave them out again); return how many."""
    with write_transaction(db):
        cursor = db.execute(
            f"UPDATE responses SET counted = ? WHERE flag IS NOT NULL AND id IN "
            f"({', '.join('?' * len(ids))})", [int(counted), *ids])
    return cursor.rowcount


PROFILE_COLUMNS = ("gender", "age_group", "education", "occupation")


def profile_counts(db: Database, start: date, end: date) -> dict[str, dict[str | None, int]]:
    """Count the period's respondents by each profile field (None: not given)."""
    where, params = _where(start, end, None)
    counts: dict[str, dict[str | None, int]] = {}
    for column in PROFILE_COLUMNS:
        rows = db.execute(f"SELECT {column}, count(*) FROM responses WHERE {where} "
                          f"AND ({_ANY_ANSWER}) GROUP BY {column}", params)
        counts[column] = {value: n for value, n in rows}
    return counts


def population(db: Database, months: list[str]) -> int | None:
    """Return the service users of these months (YYYY-MM), a month without figures
    taking the latest earlier month's; None when nothing was ever entered."""
    total, known = 0, False
    for month in months:
        row = db.execute(
            "SELECT month, sum(count) FROM populations WHERE month = "
            "(SELECT max(month) FROM populations WHERE month <= ?)", [month]).fetchone()
        if row and row[0]:
            total += row[1]
            known = True
    return total if known else None


def set_population(db: Database, month: str, counts: dict[str, int]) -> None:
    """Store how many service users each service had in a month (YYYY-MM)."""
    with write_transaction(db):
        db["populations"].delete_where("month = ?", [month])
        db["populations"].insert_all(
            {"month": month, "service": code, "count": n} for code, n in counts.items() if n)
