"""Responses in SQLite: record them once and durably, and sum them per period."""
from __future__ import annotations

import bisect
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


# The columns a response fills, in one order: one INSERT that SQLite prepares once per
# connection, instead of sqlite-utils looking the table up again for every response.
_COLUMNS = ("id", "kiosk_id", "service", "questionnaire", "answered_at", "kiosk_time", "clock",
            "received_at", "local_date", "duration_ms", *ANSWER_COLUMNS, "gender", "age",
            "age_group", "education", "occupation", "comment", "flag", "counted")
_INSERT = (f"INSERT INTO responses ({', '.join(_COLUMNS)}) "
           f"VALUES ({', '.join('?' * len(_COLUMNS))})")
_CODES = tuple(c.upper() for c in ANSWER_COLUMNS)
_PROFILE = ("gender", "age", "age_group", "education", "occupation")


def _row(r: Incoming, kiosk_id: int | None, flag: str | None, tz: timezone,
         received_at: str, placed: tuple[datetime, str], answered_at: str) -> list[Any]:
    """Return a response's values in the order of _COLUMNS."""
    when, rule = placed
    return [r.id, kiosk_id, r.service, r.questionnaire, answered_at, _utc(r.answered_at), rule,
            received_at, when.astimezone(tz).date().isoformat(), r.duration_ms,
            *[r.answers.get(c) for c in _CODES], *[r.profile.get(k) for k in _PROFILE],
            r.comment, flag, 0 if flag else 1]


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
    statuses, fresh = [], []
    with write_transaction(db):
        # One look-up for the whole batch; `seen` also catches an id sent twice in it.
        seen = _existing(db, [r.id for r in items])
        for r in items:
            if r.id in seen:
                statuses.append(DUPLICATE)
                continue
            seen.add(r.id)
            statuses.append(STORED)
            placed = clock.place(r.answered_at, received, kiosk_now, registered)
            fresh.append((r, placed, _utc(placed[0]), _utc(placed[0] - window)))
        # Bursts are judged on the kiosk's clock, never on arrival: an outbox delivers a
        # morning's surveys in one request. The batch is inserted in one go at the end,
        # so the responses stored before it are counted in one query, and its own
        # earlier ones here, kept sorted.
        stored = _recent(db, kiosk_id, [(low, at) for _, _, at, low in fresh])
        rows, batch_times = [], []
        for (r, placed, at, low), before in zip(fresh, stored):
            recent = before + (bisect.bisect_right(batch_times, at)
                               - bisect.bisect_left(batch_times, low))
            if kiosk_id is not None:
                bisect.insort(batch_times, at)
            flag = abuse_flag(r, recent, settings)
            rows.append(_row(r, kiosk_id, flag, tz, received_at, placed, at))
        db.conn.executemany(_INSERT, rows)
    return statuses


def _existing(db: Database, ids: list[str]) -> set[str]:
    """Return which of these response ids are already stored."""
    found: set[str] = set()
    for i in range(0, len(ids), 500):  # well under SQLite's limit of bound parameters
        chunk = ids[i:i + 500]
        found.update(rid for (rid,) in db.execute(
            f"SELECT id FROM responses WHERE id IN ({', '.join('?' * len(chunk))})", chunk))
    return found


def _recent(db: Database, kiosk_id: int | None, spans: list[tuple[str, str]]) -> list[int]:
    """Count the kiosk's stored responses answered within each (low, high), inclusive."""
    if kiosk_id is None:
        return [0] * len(spans)
    counts: list[int] = []
    for i in range(0, len(spans), 300):
        chunk = spans[i:i + 300]
        values = ", ".join("(?, ?, ?)" for _ in chunk)
        params = [v for n, (low, high) in enumerate(chunk) for v in (n, low, high)]
        counts += [c for (c,) in db.execute(
            f"WITH span(n, low, high) AS (VALUES {values}) "
            "SELECT (SELECT count(*) FROM responses WHERE kiosk_id = ? "
            "AND answered_at BETWEEN span.low AND span.high) FROM span ORDER BY n",
            [*params, kiosk_id])]
    return counts


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
_SHORT = "coalesce(sum(questionnaire = 'short'), 0)"
_SUMS = [(f"coalesce(sum({c}), 0)", f"count({c})", f"coalesce(sum({c} * {c}), 0)")
         for c in ANSWER_COLUMNS]


def _totals(row: tuple) -> PeriodTotals:
    totals = {c.upper(): (row[2 + 3 * i], row[3 + 3 * i]) for i, c in enumerate(ANSWER_COLUMNS)}
    squares = {c.upper(): row[4 + 3 * i] for i, c in enumerate(ANSWER_COLUMNS)}
    return PeriodTotals(totals, row[0], row[1], squares)


def _sums_sql(where: str, group: str | None = None) -> str:
    head = f"count(*), {_SHORT}"
    sums = ", ".join(", ".join(s) for s in _SUMS)
    rows = f"FROM responses WHERE {where} AND ({_ANY_ANSWER})"
    if group == "month":
        # Summed per day first, in the order of the date index, then per month: grouping
        # every response by its month would sort them all first.
        days = ", ".join(f"{s} AS {c}_{k}" for c, three in zip(ANSWER_COLUMNS, _SUMS)
                         for k, s in zip("snq", three))
        months = ", ".join(f"sum({c}_{k})" for c in ANSWER_COLUMNS for k in "snq")
        return (f"SELECT sum(n), sum(short), {months}, substr(local_date, 1, 7) FROM "
                f"(SELECT local_date, count(*) AS n, {_SHORT} AS short, {days} "
                f"{rows} GROUP BY local_date) GROUP BY substr(local_date, 1, 7)")
    if group:
        return f"SELECT {head}, {sums}, {GROUPS[group]} {rows} GROUP BY {GROUPS[group]}"
    return f"SELECT {head}, {sums} {rows}"


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
