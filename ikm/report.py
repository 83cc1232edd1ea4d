"""One period's results, put together from the store and the scoring."""
from __future__ import annotations

from datetime import date

from sqlite_utils import Database

from ikm import scoring, store
from ikm.method import PERMENPAN_2017, SHORT_2017, Method


def period_method(totals: store.PeriodTotals) -> Method:
    """Return the short method when every respondent of the period had the short survey."""
    if totals.respondents and totals.short == totals.respondents:
        return SHORT_2017
    return PERMENPAN_2017


def period_result(db: Database, start: date, end: date, service: str | None = None
                  ) -> scoring.Result:
    """Return the IKM of the counted responses dated start..end, with its 95% CI."""
    sums = store.period_totals(db, start, end, service)
    method = period_method(sums)
    totals = {c: sums.totals[c] for c in method.codes}
    influence = scoring.influence(totals, method)
    sum_sq = store.influence_sum(db, start, end, service, influence)
    se = scoring.standard_error(sums.respondents, sum_sq)
    return scoring.score(totals, sums.respondents, method, se)
