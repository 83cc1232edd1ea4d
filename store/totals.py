"""Sum the stored responses of a period: the integers every IKM is computed from."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from store.schema import ANSWER_COLUMNS


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
    """Sum the squared influence of every respondent of the period (see uncertainty.influence)."""
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
