"""The follow-up plans of a period: the PEKPPP figures, and each action's unsur then and now."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timezone

from sqlite_utils import Database

import store
from ikm import follow_up, scoring, uncertainty
from ikm.periods import Period
from results import summary
from store.actions import Action


def figures(actions: list[Action], period: Period) -> follow_up.Figures:
    """Return the period's PEKPPP figures from the actions' dates."""
    return follow_up.figures([a.dated() for a in actions], period.start, period.end)


@dataclass(frozen=True)
class Tracked:
    """An action with its unsur's score when it was decided (baseline) and now."""

    action: Action
    before: scoring.UnsurScore | None
    now: scoring.UnsurScore | None
    change: uncertainty.Change | None


def in_report(actions: list[Action], period: Period) -> list[Action]:
    """Return the actions decided by the period's end that are open, or closed in the period."""
    return [a for a in actions if a.created_at.date() <= period.end
            and (a.is_open or (a.closed_at and period.start <= a.closed_at.date() <= period.end))]


def tracked(db: Database, actions: list[Action], now: scoring.Result) -> list[Tracked]:
    """Pair each action with its unsur then and now, and whether it moved beyond the noise."""
    baselines: dict[tuple[date, date], scoring.Result] = {}  # one read per distinct period
    current = {u.code: u for u in now.unsur}
    rows = []
    for a in actions:
        before = None
        if a.baseline_from and a.baseline_to:
            key = (a.baseline_from, a.baseline_to)
            if key not in baselines:
                baselines[key] = summary.period_result(db, *key)
            before = next((u for u in baselines[key].unsur if u.code == a.unsur), None)
            change = summary.unsur_changes(now, baselines[key]).get(a.unsur)
        else:
            change = None
        rows.append(Tracked(a, before if before and before.n else None,
                            current.get(a.unsur), change))
    return rows


def report(db: Database, period: Period, now: scoring.Result, tz: timezone
           ) -> tuple[list[Tracked], list[Action], follow_up.Figures]:
    """Return the report's actions with then-and-now, the open ones, and the PEKPPP figures."""
    actions = store.actions.list_actions(db, tz)
    return (tracked(db, in_report(actions, period), now),
            [a for a in actions if a.is_open], figures(actions, period))
