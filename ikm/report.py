"""One period's results, put together from the store and the scoring."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlite_utils import Database

from ikm import scoring, store
from ikm.method import PERMENPAN_2017, SHORT_2017, Method
from ikm.periods import Period, months_back

TREND_MONTHS = 12


def period_method(totals: store.PeriodTotals) -> Method:
    """Return the short method when every respondent of the period had the short survey."""
    if totals.respondents and totals.short == totals.respondents:
        return SHORT_2017
    return PERMENPAN_2017


def _score(sums: store.PeriodTotals, se: float | None = None) -> scoring.Result:
    method = period_method(sums)
    return scoring.score({c: sums.totals[c] for c in method.codes}, sums.respondents, method, se)


def period_result(db: Database, start: date, end: date, service: str | None = None
                  ) -> scoring.Result:
    """Return the IKM of the counted responses dated start..end, with its 95% CI."""
    sums = store.period_totals(db, start, end, service)
    method = period_method(sums)
    totals = {c: sums.totals[c] for c in method.codes}
    influence = scoring.influence(totals, method)
    sum_sq = store.influence_sum(db, start, end, service, influence)
    return _score(sums, scoring.standard_error(sums.respondents, sum_sq))


def by_service(db: Database, period: Period) -> list[tuple[dict[str, Any], scoring.Result]]:
    """Return each service with responses in the period and its IKM, in the office order."""
    groups = store.grouped_totals(db, period.start, period.end, "service")
    services = db["services"].rows_where(order_by="position")
    return [(s, _score(groups[s["code"]])) for s in services if s["code"] in groups]


def trend(db: Database, end: date, months: int = TREND_MONTHS
          ) -> list[tuple[Period, scoring.Result | None]]:
    """Return the IKM of each of the `months` months up to the one containing `end`."""
    spans = months_back(end, months)
    groups = store.grouped_totals(db, spans[0].start, spans[-1].end, "month")
    return [(p, _score(groups[p.start.isoformat()[:7]]) if p.start.isoformat()[:7] in groups
             else None) for p in spans]


def _months(period: Period) -> list[str]:
    months, day = [], period.start.replace(day=1)
    while day <= period.end:
        months.append(day.isoformat()[:7])
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


@dataclass
class Overview:
    """Everything the IKM page and the report show for one period."""

    period: Period
    result: scoring.Result
    previous: scoring.Result
    change: scoring.Change | None
    services: list[tuple[dict[str, Any], scoring.Result]]
    trend: list[tuple[Period, scoring.Result | None]]
    profile: dict[str, dict[str | None, int]]
    population: int | None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def min_sample(self) -> int | None:
        return None if self.population is None else scoring.sample_size(self.population)

    @property
    def sample_enough(self) -> bool | None:
        minimum = self.min_sample
        return None if minimum is None else self.result.respondents >= minimum


def overview(db: Database, period: Period) -> Overview:
    """Gather one period's IKM, its comparison, per-service results, trend and profile."""
    result = period_result(db, period.start, period.end)
    previous_period = period.previous()
    previous = period_result(db, previous_period.start, previous_period.end)
    return Overview(
        period=period, result=result, previous=previous,
        change=scoring.change(result, previous),
        services=by_service(db, period),
        trend=trend(db, period.end),
        profile=store.profile_counts(db, period.start, period.end),
        population=store.population(db, _months(period)),
    )
