"""One period's results, put together from the store and the scoring."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta, timezone
from typing import Any

from sqlite_utils import Database

import store
from ikm import scoring, uncertainty
from ikm.method import PERMENPAN_2017, SHORT_2017, Method
from ikm.periods import Period, months_back
from ikm.validation import CHANNELS

TREND_MONTHS = 12


def period_method(sums: store.totals.PeriodTotals) -> Method:
    """Return the short method when every respondent of the period had the short survey."""
    if sums.respondents and sums.short == sums.respondents:
        return SHORT_2017
    return PERMENPAN_2017


def _score(sums: store.totals.PeriodTotals, se: float | None = None) -> scoring.Result:
    method = period_method(sums)
    return scoring.score({c: sums.totals[c] for c in method.codes}, sums.respondents, method, se,
                         sums.squares)


def period_result(db: Database, start: date, end: date, service: str | None = None,
                  channel: str | None = None) -> scoring.Result:
    """Return the IKM of the counted responses dated start..end, with its 95% CI."""
    return period_results(db, [(start, end)], service, channel)[0]


def period_results(db: Database, spans: list[tuple[date, date]], service: str | None = None,
                   channel: str | None = None) -> list[scoring.Result]:
    """Return the IKM of each of several periods that do not overlap, in one read."""
    return _with_ci(store.totals.spans_totals(db, spans, service, channel))


def _with_ci(sums: list[store.totals.PeriodTotals]) -> list[scoring.Result]:
    """Score each period's sums with the 95% CI, from the sums per pair of unsur they hold."""
    results = []
    for period_sums in sums:
        method = period_method(period_sums)
        codes = {c: period_sums.totals[c] for c in method.codes}
        sum_sq = uncertainty.squared_influence(codes, period_sums.squares, period_sums.pairs,
                                               method)
        results.append(_score(period_sums,
                              uncertainty.standard_error(period_sums.respondents, sum_sq)))
    return results


def by_channel(db: Database, start: date, end: date, service: str | None = None
               ) -> dict[str, scoring.Result | None]:
    """Return each channel's IKM (None where it has no respondents), in CHANNELS' order."""
    return _channels(store.totals.by_channel(db, start, end, service))


def _channels(found: dict[str, store.totals.PeriodTotals]) -> dict[str, scoring.Result | None]:
    return {c: _score(found[c]) if c in found else None for c in CHANNELS}


@dataclass
class Split:
    """Periods' results beside the first period's per channel, from one read of the sums."""

    results: list[scoring.Result]  # per period: of the channel chosen, or of all, with CI
    channels: dict[str, scoring.Result | None]  # the first period's, in CHANNELS' order
    everyone: scoring.Result  # the first period's, every channel together


def split(db: Database, spans: list[tuple[date, date]], service: str | None = None,
          channel: str | None = None) -> Split:
    """Return the periods' IKM (of one channel, or all) and the first one's per channel.

    The sums are read per channel and added up: every one is an integer, so the total is
    exactly the plain sum's, and the channels cost no read of their own.
    """
    found = store.totals.spans_by_channel(db, spans, service)
    empty = store.totals.combine([])
    sums = [parts.get(channel, empty) if channel else store.totals.combine(parts.values())
            for parts in found]
    results = _with_ci(sums)
    everyone = _score(store.totals.combine(found[0].values())) if channel else results[0]
    return Split(results, _channels(found[0]), everyone)


def by_service(db: Database, period: Period, channel: str | None = None
               ) -> list[tuple[dict[str, Any], scoring.Result]]:
    """Return each service with responses in the period and its IKM, in the office order."""
    return [(s, _score(sums))
            for s, sums in store.totals.by_service(db, period.start, period.end, channel)]


def trend(db: Database, end: date, months: int = TREND_MONTHS, channel: str | None = None
          ) -> list[tuple[Period, scoring.Result | None]]:
    """Return the IKM of each of the `months` months up to the one containing `end`."""
    spans = months_back(end, months)
    groups = store.totals.monthly_totals(db, spans[0].start, spans[-1].end, channel)
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
    result: scoring.Result  # of the channel chosen, or of every channel
    previous: scoring.Result
    change: uncertainty.Change | None
    services: list[tuple[dict[str, Any], scoring.Result]]
    trend: list[tuple[Period, scoring.Result | None]]
    profile: dict[str, dict[str | None, int]]
    population: int | None
    channel: str | None = None  # the one channel the figures are limited to, if any
    channels: dict[str, scoring.Result | None] = field(default_factory=dict)
    everyone: scoring.Result | None = None  # every channel together (no CI when filtered)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def all_respondents(self) -> int:
        """Respondents of every channel: the sample counts them all, whatever is shown."""
        return (self.everyone or self.result).respondents

    @property
    def min_sample(self) -> int | None:
        return None if self.population is None else uncertainty.sample_size(self.population)

    @property
    def sample_enough(self) -> bool | None:
        minimum = self.min_sample
        return None if minimum is None else self.all_respondents >= minimum


def overview(db: Database, period: Period, today: date | None = None,
             channel: str | None = None) -> Overview:
    """Gather one period's IKM, its comparison, per-service results, trend and profile.

    The trend ends with the period's last month, or with this month (`today`) when the
    period runs on into the future: months that have not happened are not drawn. With a
    `channel`, every figure but the per-channel table and the sample is that channel's.
    """
    previous_period = period.previous()
    both = split(db, [(period.start, period.end), (previous_period.start, previous_period.end)],
                 channel=channel)
    result, previous = both.results
    return Overview(
        period=period, result=result, previous=previous,
        change=uncertainty.change(result, previous),
        services=by_service(db, period, channel),
        trend=trend(db, min(period.end, today) if today else period.end, channel=channel),
        profile=store.totals.profile_counts(db, period.start, period.end, channel),
        population=store.populations.population(db, _months(period)),
        channel=channel, channels=both.channels, everyone=both.everyone,
    )


DROP_THRESHOLD = 1.0  # IKM points; smaller moves of one unsur are not worth a meeting's time
MIN_SERVICE_N = 10  # a service with fewer respondents in either period moves by chance


@dataclass
class MonthlyReport:
    """The evaluation report of a period: the overview, comparisons and a drafted agenda."""

    overview: Overview
    year_before: scoring.Result
    year_change: uncertainty.Change | None
    unsur_changes: dict[str, uncertainty.Change | None]  # of NRR x 25 from the previous period
    weakest: list[scoring.UnsurScore]
    drops: list[tuple[scoring.UnsurScore, uncertainty.Change]]
    service_drops: list[tuple[dict[str, Any], float]]


def unsur_changes(now: scoring.Result, before: scoring.Result
                  ) -> dict[str, uncertainty.Change | None]:
    """Return each unsur's change of NRR x 25 from before to now, with its noise."""
    old = {u.code: u for u in before.unsur}
    changes: dict[str, uncertainty.Change | None] = {}
    for u in now.unsur:
        prev = old.get(u.code)
        if not u.n or prev is None or not prev.n:
            changes[u.code] = None
            continue
        se = math.hypot(u.se, prev.se) if u.se is not None and prev.se is not None else None
        changes[u.code] = uncertainty.Change(u.ikm - prev.ikm, se)
    return changes


def monthly_report(db: Database, period: Period, today: date | None = None) -> MonthlyReport:
    """Gather what the monthly evaluation meeting looks at, with its drafted agenda."""
    ov = overview(db, period, today)
    last_year = period.year_before()
    year_before = period_result(db, last_year.start, last_year.end)
    changes = unsur_changes(ov.result, ov.previous)
    by_code = {u.code: u for u in ov.result.unsur}
    drops = sorted(((by_code[c], d) for c, d in changes.items()
                    if d is not None and d.delta <= -DROP_THRESHOLD), key=lambda x: x[1].delta)
    previous_services = {s["code"]: r for s, r in by_service(db, period.previous())}
    service_drops = []
    for service, result in ov.services:
        before = previous_services.get(service["code"])
        if (result.ikm is not None and before and before.ikm is not None
                and min(result.respondents, before.respondents) >= MIN_SERVICE_N):
            delta = float(result.ikm - before.ikm)
            if delta <= -DROP_THRESHOLD:
                service_drops.append((service, delta))
    service_drops.sort(key=lambda x: x[1])
    return MonthlyReport(
        overview=ov, year_before=year_before,
        year_change=uncertainty.change(ov.result, year_before), unsur_changes=changes,
        weakest=ov.result.lowest()[:3], drops=drops, service_drops=service_drops,
    )


def comments_by_service(db: Database, period: Period, tz: timezone
                        ) -> list[tuple[dict[str, Any], list[store.comments.Comment]]]:
    """Return what citizens wrote in the period, grouped by service in the office order."""
    grouped: dict[str, list[store.comments.Comment]] = {}
    for c in store.comments.list_comments(db, period.start, period.end, tz):  # newest first
        grouped.setdefault(c.service, []).append(c)
    services = store.services.in_order(db)
    return [(s, grouped[s["code"]]) for s in services if s["code"] in grouped]


def open_complaints(groups: list[tuple[dict[str, Any], list[store.comments.Comment]]]) -> int:
    """Count the comments whose follow-up is not finished."""
    return sum(1 for _, items in groups for c in items if c.status != "selesai")
