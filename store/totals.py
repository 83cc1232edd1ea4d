"""Sum a period's daily totals: the integers every IKM and its interval are computed from.

Every figure is a sum of rows of daily_totals (store.daily_totals keeps them with the
responses), a few per day, however many responses there are; only the respondents'
profile counts still read the responses themselves.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlite_utils import Database

from store.daily_totals import ANY_ANSWER, EVERY_SERVICE, PAIRS
from store.schema import ANSWER_COLUMNS

Pair = tuple[int, int, int, int]  # answered both, sum of the first, of the second, of products


@dataclass(frozen=True)
class PeriodTotals:
    """Integer sums of one period's counted responses."""

    totals: dict[str, tuple[int, int]]
    respondents: int
    short: int  # respondents who answered the short questionnaire
    squares: dict[str, int]  # sum of squared answers per unsur, for its standard error
    # Per pair of unsur, for the IKM's interval (ikm.uncertainty.squared_influence); left
    # empty by the reads whose results have no interval (per service, per month).
    pairs: dict[tuple[str, str], Pair] = field(default_factory=dict)


_CODES = [c.upper() for c in ANSWER_COLUMNS]
_PAIR_CODES = [(u.upper(), v.upper()) for u, v in PAIRS]
_SHORT = "coalesce(sum(CASE WHEN questionnaire = 'short' THEN respondents END), 0)"
# What _totals() reads, in its order: respondents, short ones, per unsur its sum, count and
# sum of squares, then (with pairs) per pair its four sums.
_SUMS = f"coalesce(sum(respondents), 0), {_SHORT}, " + ", ".join(
    f"coalesce(sum({k}_{c}), 0)" for c in ANSWER_COLUMNS for k in "snq")
_WITH_PAIRS = _SUMS + ", " + ", ".join(
    f"coalesce(sum({k}_{u}_{v}), 0)" for u, v in PAIRS for k in "bxyp")
_PAIRS_AT = 2 + 3 * len(ANSWER_COLUMNS)


def _totals(row: tuple | list, pairs: bool = False) -> PeriodTotals:
    totals = {c: (row[2 + 3 * i], row[3 + 3 * i]) for i, c in enumerate(_CODES)}
    squares = {c: row[4 + 3 * i] for i, c in enumerate(_CODES)}
    found = {p: tuple(row[_PAIRS_AT + 4 * i:_PAIRS_AT + 4 * i + 4])
             for i, p in enumerate(_PAIR_CODES)} if pairs else {}
    return PeriodTotals(totals, row[0], row[1], squares, found)


def _where(start: date, end: date, service: str | None, channel: str | None = None
           ) -> tuple[str, list]:
    # In the order of the table's key: counted, service, day (the office's rows when no
    # service is asked for), so that every read is one range of it.
    sql = "counted = 1 AND service = ? AND local_date BETWEEN ? AND ?"
    params: list = [service or EVERY_SERVICE, start.isoformat(), end.isoformat()]
    if channel:
        sql += " AND channel = ?"
        params.append(channel)
    return sql, params


Span = tuple[date, date]


def period_totals(db: Database, start: date, end: date, service: str | None = None,
                  channel: str | None = None) -> PeriodTotals:
    """Sum answers per unsur over the responses dated start..end (office dates, inclusive)."""
    return spans_totals(db, [(start, end)], service, channel)[0]


def spans_totals(db: Database, spans: list[Span], service: str | None = None,
                 channel: str | None = None) -> list[PeriodTotals]:
    """Sum answers per unsur, and per pair for the interval, of each of several periods."""
    parts, params = [], []
    for n, (start, end) in enumerate(spans):
        where, where_params = _where(start, end, service, channel)
        parts.append(f"SELECT {n}, {_WITH_PAIRS} FROM daily_totals WHERE {where}")
        params += where_params
    found = {row[0]: _totals(row[1:], True)
             for row in db.execute(" UNION ALL ".join(parts), params)}
    return [found[n] for n in range(len(spans))]


def monthly_totals(db: Database, start: date, end: date, channel: str | None = None
                   ) -> dict[str, PeriodTotals]:
    """Sum answers per unsur for each month (YYYY-MM) with responses dated start..end."""
    where, params = _where(start, end, None, channel)
    return {row[-1]: _totals(row) for row in db.execute(
        f"SELECT {_SUMS}, substr(local_date, 1, 7) AS month FROM daily_totals WHERE {where} "
        "GROUP BY month HAVING sum(respondents) > 0", params)}


def by_channel(db: Database, start: date, end: date, service: str | None = None
               ) -> dict[str, PeriodTotals]:
    """Sum answers per unsur for each channel with responses dated start..end."""
    return spans_by_channel(db, [(start, end)], service)[0]


def spans_by_channel(db: Database, spans: list[Span], service: str | None = None
                     ) -> list[dict[str, PeriodTotals]]:
    """Sum answers per unsur and pair for each channel of each of several periods.

    Every sum is an integer, so combine() of a period's channels is its plain total: the
    IKM page reads its period and the previous one this way, not once more besides.
    """
    parts, params = [], []
    for n, (start, end) in enumerate(spans):
        where, where_params = _where(start, end, service)
        parts.append(f"SELECT {_WITH_PAIRS}, channel, {n} FROM daily_totals WHERE {where} "
                     "GROUP BY channel HAVING sum(respondents) > 0")
        params += where_params
    found: list[dict[str, PeriodTotals]] = [{} for _ in spans]
    for row in db.execute(" UNION ALL ".join(parts), params):
        found[row[-1]][row[-2]] = _totals(row, True)
    return found


def combine(parts: Iterable[PeriodTotals]) -> PeriodTotals:
    """Return the totals of several disjoint groups of responses together."""
    respondents = short = 0
    totals = {c: (0, 0) for c in _CODES}
    squares = {c: 0 for c in _CODES}
    pairs: dict[tuple[str, str], Pair] = {}
    for part in parts:
        respondents += part.respondents
        short += part.short
        for code, (total, n) in part.totals.items():
            totals[code] = (totals[code][0] + total, totals[code][1] + n)
            squares[code] += part.squares[code]
        for p, sums in part.pairs.items():
            before = pairs.get(p, (0, 0, 0, 0))
            pairs[p] = (before[0] + sums[0], before[1] + sums[1], before[2] + sums[2],
                        before[3] + sums[3])
    return PeriodTotals(totals, respondents, short, squares, pairs)


def by_service(db: Database, start: date, end: date, channel: str | None = None
               ) -> list[tuple[dict[str, Any], PeriodTotals]]:
    """Return each service with responses dated start..end, in the office's order, and sums."""
    params: list = [start.isoformat(), end.isoformat()]
    if channel:
        params.append(channel)
    # From the services to their rows: one range of the key per service.
    rows = db.execute(
        f"SELECT {_SUMS}, s.code, s.name, s.name_en, s.position, s.active FROM services s "
        "JOIN daily_totals t ON t.counted = 1 AND t.service = s.code "
        f"AND t.local_date BETWEEN ? AND ?{' AND t.channel = ?' if channel else ''} "
        "GROUP BY s.code HAVING sum(respondents) > 0 ORDER BY s.position, s.code", params)
    keys = ("code", "name", "name_en", "position", "active")
    return [(dict(zip(keys, row[-5:])), _totals(row[:-5])) for row in rows]


PROFILE_COLUMNS = ("gender", "age_group", "education", "occupation")


def profile_counts(db: Database, start: date, end: date, channel: str | None = None
                   ) -> dict[str, dict[str | None, int]]:
    """Count the period's respondents by each profile field (None: not given), in one read."""
    where = "local_date BETWEEN ? AND ? AND counted = 1" + (" AND channel = ?" if channel else "")
    params = [start.isoformat(), end.isoformat(), *([channel] if channel else [])]
    parts = " UNION ALL ".join(
        f"SELECT '{column}', {column}, count(*) FROM responses WHERE {where} "
        f"AND ({ANY_ANSWER}) GROUP BY {column}" for column in PROFILE_COLUMNS)
    counts: dict[str, dict[str | None, int]] = {column: {} for column in PROFILE_COLUMNS}
    for column, value, n in db.execute(parts, params * len(PROFILE_COLUMNS)):
        counts[column][value] = n
    return counts
