"""Sum the stored responses of a period: the integers every IKM is computed from."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlite_utils import Database

from store.schema import ANSWER_COLUMNS


@dataclass(frozen=True)
class PeriodTotals:
    """Integer sums of one period's counted responses."""

    totals: dict[str, tuple[int, int]]
    respondents: int
    short: int  # respondents who answered the short questionnaire
    squares: dict[str, int]  # sum of squared answers per unsur, for its standard error


def _where(start: date, end: date, service: str | None, channel: str | None = None
           ) -> tuple[str, list]:
    sql = "local_date BETWEEN ? AND ? AND counted = 1"
    params: list = [start.isoformat(), end.isoformat()]
    if service:
        sql += " AND service = ?"
        params.append(service)
    if channel:
        sql += " AND channel = ?"
        params.append(channel)
    return sql, params


_ANY_ANSWER = " OR ".join(f"{c} IS NOT NULL" for c in ANSWER_COLUMNS)


_SHORT = "coalesce(sum(questionnaire = 'short'), 0)"
_SUMS = [(f"coalesce(sum({c}), 0)", f"count({c})", f"coalesce(sum({c} * {c}), 0)")
         for c in ANSWER_COLUMNS]
# What _totals() reads, in its order: respondents, short ones, then per unsur its sum,
# count and sum of squares.
_TOTALS = f"count(*), {_SHORT}, " + ", ".join(", ".join(s) for s in _SUMS)


def _totals(row: tuple) -> PeriodTotals:
    totals = {c.upper(): (row[2 + 3 * i], row[3 + 3 * i]) for i, c in enumerate(ANSWER_COLUMNS)}
    squares = {c.upper(): row[4 + 3 * i] for i, c in enumerate(ANSWER_COLUMNS)}
    return PeriodTotals(totals, row[0], row[1], squares)


def _sums_sql(where: str, by_month: bool = False) -> str:
    rows = f"FROM responses WHERE {where} AND ({_ANY_ANSWER})"
    if by_month:
        # Summed per day first, in the order of the date index, then per month: grouping
        # every response by its month would sort them all first.
        days = ", ".join(f"{s} AS {c}_{k}" for c, three in zip(ANSWER_COLUMNS, _SUMS)
                         for k, s in zip("snq", three))
        months = ", ".join(f"sum({c}_{k})" for c in ANSWER_COLUMNS for k in "snq")
        return (f"SELECT sum(n), sum(short), {months}, substr(local_date, 1, 7) FROM "
                f"(SELECT local_date, count(*) AS n, {_SHORT} AS short, {days} "
                f"{rows} GROUP BY local_date) GROUP BY substr(local_date, 1, 7)")
    return f"SELECT {_TOTALS} {rows}"


Span = tuple[date, date]


def period_totals(db: Database, start: date, end: date, service: str | None = None,
                  channel: str | None = None) -> PeriodTotals:
    """Sum answers per unsur over the responses dated start..end (office dates, inclusive)."""
    where, params = _where(start, end, service, channel)
    return _totals(db.execute(_sums_sql(where), params).fetchone())


def spans_totals(db: Database, spans: list[Span], service: str | None = None,
                 channel: str | None = None) -> list[PeriodTotals]:
    """Sum answers per unsur for each of several periods, in one statement.

    One plain sum per period joined by UNION ALL: each uses the date index as a query of
    its own would (grouping one scan by a CASE over the dates was half as fast again).
    """
    parts, params = [], []
    for n, (start, end) in enumerate(spans):
        where, where_params = _where(start, end, service, channel)
        parts.append(f"SELECT {n}, * FROM ({_sums_sql(where)})")
        params += where_params
    found = {row[0]: _totals(row[1:]) for row in db.execute(" UNION ALL ".join(parts), params)}
    return [found[n] for n in range(len(spans))]


def monthly_totals(db: Database, start: date, end: date, channel: str | None = None
                   ) -> dict[str, PeriodTotals]:
    """Sum answers per unsur for each month (YYYY-MM) with responses dated start..end."""
    where, params = _where(start, end, None, channel)
    return {row[-1]: _totals(row) for row in db.execute(_sums_sql(where, True), params)}


def by_channel(db: Database, start: date, end: date, service: str | None = None
               ) -> dict[str, PeriodTotals]:
    """Sum answers per unsur for each channel with responses dated start..end."""
    return spans_by_channel(db, [(start, end)], service)[0]


def spans_by_channel(db: Database, spans: list[Span], service: str | None = None
                     ) -> list[dict[str, PeriodTotals]]:
    """Sum answers per unsur for each channel of each of several periods, in one statement.

    Every sum is an integer, so combine() of a period's channels is its plain total: the
    IKM page reads its period and the previous one this way, not once more besides.
    """
    parts, params = [], []
    for n, (start, end) in enumerate(spans):
        where, where_params = _where(start, end, service)
        parts.append(f"SELECT {_TOTALS}, channel, {n} FROM responses WHERE {where} "
                     f"AND ({_ANY_ANSWER}) GROUP BY channel")
        params += where_params
    found: list[dict[str, PeriodTotals]] = [{} for _ in spans]
    for row in db.execute(" UNION ALL ".join(parts), params):
        found[row[-1]][row[-2]] = _totals(row)
    return found


def combine(parts: Iterable[PeriodTotals]) -> PeriodTotals:
    """Return the totals of several disjoint groups of responses together."""
    respondents = short = 0
    totals = {c.upper(): (0, 0) for c in ANSWER_COLUMNS}
    squares = {c.upper(): 0 for c in ANSWER_COLUMNS}
    for part in parts:
        respondents += part.respondents
        short += part.short
        for code, (total, n) in part.totals.items():
            totals[code] = (totals[code][0] + total, totals[code][1] + n)
            squares[code] += part.squares[code]
    return PeriodTotals(totals, respondents, short, squares)


def by_service(db: Database, start: date, end: date, channel: str | None = None
               ) -> list[tuple[dict[str, Any], PeriodTotals]]:
    """Return each service with responses dated start..end, in the office's order, and sums."""
    where, params = _where(start, end, None, channel)
    rows = db.execute(
        f"SELECT {_TOTALS}, s.code, s.name, s.name_en, s.position, s.active "
        f"FROM responses JOIN services s ON s.code = responses.service WHERE {where} "
        f"AND ({_ANY_ANSWER}) GROUP BY s.code ORDER BY s.position, s.code", params)
    keys = ("code", "name", "name_en", "position", "active")
    return [(dict(zip(keys, row[-5:])), _totals(row[:-5])) for row in rows]


Influence = dict[str, tuple[float, float]]


def _influence_sql(start: date, end: date, service: str | None, influence: Influence,
                   channel: str | None = None) -> tuple[str, list]:
    """Return the SQL that sums one period's squared influences, and its parameters."""
    where, params = _where(start, end, service, channel)
    terms, term_params = [], []
    for code, (mean, coef) in influence.items():
        terms.append(f"coalesce(({code.lower()} - ?) * ?, 0)")
        term_params += [mean, coef]
    u = " + ".join(terms) or "0"
    return (f"SELECT coalesce(sum(u * u), 0.0) FROM (SELECT {u} AS u FROM responses "
            f"WHERE {where})", term_params + params)


def influence_sum(db: Database, start: date, end: date, service: str | None,
                  influence: Influence) -> float:
    """Sum the squared influence of every respondent of the period (see uncertainty.influence)."""
    return influence_sums(db, [((start, end), influence)], service)[0]


def influence_sums(db: Database, parts: list[tuple[Span, Influence]],
                   service: str | None = None, channel: str | None = None) -> list[float]:
    """Sum each period's squared influences (its own means and weights) in one statement."""
    wanted = [(n, span, influence) for n, (span, influence) in enumerate(parts) if influence]
    if not wanted:
        return [0.0] * len(parts)
    sql, params = [], []
    for n, (start, end), influence in wanted:
        part, part_params = _influence_sql(start, end, service, influence, channel)
        sql.append(f"SELECT {n}, * FROM ({part})")
        params += part_params
    found = dict(db.execute(" UNION ALL ".join(sql), params).fetchall())
    return [found.get(n, 0.0) for n in range(len(parts))]


PROFILE_COLUMNS = ("gender", "age_group", "education", "occupation")


def profile_counts(db: Database, start: date, end: date, channel: str | None = None
                   ) -> dict[str, dict[str | None, int]]:
    """Count the period's respondents by each profile field (None: not given), in one read."""
    where, params = _where(start, end, None, channel)
    parts = " UNION ALL ".join(
        f"SELECT '{column}', {column}, count(*) FROM responses WHERE {where} "
        f"AND ({_ANY_ANSWER}) GROUP BY {column}" for column in PROFILE_COLUMNS)
    counts: dict[str, dict[str | None, int]] = {column: {} for column in PROFILE_COLUMNS}
    for column, value, n in db.execute(parts, params * len(PROFILE_COLUMNS)):
        counts[column][value] = n
    return counts
