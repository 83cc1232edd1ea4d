"""Alerts for staff: what in this month so far, or in the follow-up plans, needs a look.

Each alert carries a cause key that names exactly what raised it, so that the store keeps
one alert per cause however often the figures are checked.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol, TypeGuard

from ikm.follow_up import OPEN
from ikm.scoring import Result, UnsurScore
from ikm.uncertainty import Change, change

DROP, GRADE, OVERDUE = "drop", "grade", "overdue"
KINDS = (DROP, GRADE, OVERDUE)
OVERALL = "IKM"  # the subject of a drop of the whole index, beside the unsur codes
# A grade is read from a rounded mean: early in a month a handful of answers moves an unsur
# across a band boundary by chance. Both months need this many answers to the unsur before
# a fall of its grade is worth a person's attention (a drop has its own test of the noise).
MIN_GRADE_RESPONDENTS = 30


@dataclass(frozen=True)
class Alert:
    """Something found that staff should know of, once per cause."""

    cause: str  # e.g. drop:2026-11:IKM, grade:2026-11:U3:C, overdue:12:2026-11-30
    kind: str
    subject: str  # IKM, an unsur code, or an action's id
    month: str | None  # the month (YYYY-MM) whose figures raised it
    details: dict[str, Any] = field(default_factory=dict)  # the numbers its message says


class DueAction(Protocol):
    """What an alert needs of a follow-up action (store.actions.Action has it)."""

    @property
    def id(self) -> int: ...

    @property
    def unsur(self) -> str: ...

    @property
    def what(self) -> str: ...

    @property
    def who(self) -> str | None: ...

    @property
    def due(self) -> date | None: ...

    @property
    def status(self) -> str: ...


def found(month: str, now: Result, before: Result,
          unsur_changes: Mapping[str, Change | None], actions: Iterable[DueAction],
          today: date) -> list[Alert]:
    """Return the alerts of the month so far (`now`) against the previous month (`before`)."""
    # unsur_changes: each unsur's change of NRR x 25 with its noise, as the report has them
    # (results.summary.unsur_changes), so that an alert and the report never disagree.
    return [*drops(month, now, before, unsur_changes), *grade_falls(month, now, before),
            *overdue(actions, today)]


def _drop(delta: Change | None) -> TypeGuard[Change]:
    return delta is not None and delta.delta < 0 and delta.significant is True


def drops(month: str, now: Result, before: Result,
          unsur_changes: Mapping[str, Change | None]) -> list[Alert]:
    """Return the falls, overall and per unsur, that exceed the noise of both samples."""
    alerts = []
    # The short survey's IKM averages three unsur, the full one nine: not comparable.
    overall = change(now, before) if now.method.key == before.method.key else None
    if _drop(overall):
        alerts.append(Alert(f"{DROP}:{month}:{OVERALL}", DROP, OVERALL, month, {
            "now": str(now.ikm), "before": str(before.ikm), "delta": str(overall.delta),
            "respondents": now.respondents, "before_respondents": before.respondents}))
    old = {u.code: u for u in before.unsur}
    for u in now.unsur:
        delta = unsur_changes.get(u.code)
        if _drop(delta) and u.code in old:
            alerts.append(Alert(f"{DROP}:{month}:{u.code}", DROP, u.code, month, {
                **_pair(u, old[u.code]), "delta": str(delta.delta)}))
    return alerts


def _pair(now: UnsurScore, before: UnsurScore) -> dict[str, Any]:
    return {"now": str(now.ikm), "before": str(before.ikm), "respondents": now.n,
            "before_respondents": before.n}


def grade_falls(month: str, now: Result, before: Result) -> list[Alert]:
    """Return the unsur whose grade is worse than last month's, on enough answers."""
    old = {u.code: u for u in before.unsur}
    alerts = []
    for u in now.unsur:
        prev = old.get(u.code)
        if (u.band is None or prev is None or prev.band is None
                or min(u.n, prev.n) < MIN_GRADE_RESPONDENTS):
            continue
        # The grade table lists the bands best first: a later band is a worse grade.
        if now.method.grades.index(u.band) > now.method.grades.index(prev.band):
            alerts.append(Alert(f"{GRADE}:{month}:{u.code}:{u.band.mutu}", GRADE, u.code,
                                month, {**_pair(u, prev), "grade": u.band.mutu,
                                        "before_grade": prev.band.mutu}))
    return alerts


def overdue(actions: Iterable[DueAction], today: date) -> list[Alert]:
    """Return the open actions whose due date has passed; a new due date is a new cause."""
    return [Alert(f"{OVERDUE}:{a.id}:{a.due.isoformat()}", OVERDUE, str(a.id), None, {
                "action_id": a.id, "unsur": a.unsur, "what": a.what, "who": a.who,
                "due": a.due.isoformat()})
            for a in actions if a.status in OPEN and a.due is not None and a.due < today]
