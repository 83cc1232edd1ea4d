"""Why citizens were unhappy in a period: each unsur's reasons, counted, for pages and report."""
from __future__ import annotations

from sqlite_utils import Database

import store
from ikm.periods import Period
from ikm.reasons import UnsurReasons, tally


def for_period(db: Database, period: Period, service: str | None = None,
               channel: str | None = None) -> list[UnsurReasons]:
    """Return, per unsur, how often each reason was given in the period's counted responses."""
    given, unhappy = store.reasons.counts(db, period.start.isoformat(), period.end.isoformat(),
                                          service, channel)
    if not given:
        return []
    return tally(store.reasons.in_order(db), given, unhappy)
