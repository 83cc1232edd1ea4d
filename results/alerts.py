"""The alerts check: this month so far against the previous month, and overdue actions."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlite_utils import Database

import store
from ikm import alerts, clock, mail, periods
from results import alert_words, summary


def found(db: Database, today: date, settings: dict[str, Any]) -> list[alerts.Alert]:
    """Return every alert the figures and the follow-up plans call for today."""
    month = periods.containing("month", today)
    previous = month.previous()
    now, before = summary.period_results(db, [(month.start, today),
                                              (previous.start, previous.end)])
    actions = store.actions.list_actions(db, clock.parse_offset(settings["utc_offset"]), "open")
    return alerts.found(month.start.isoformat()[:7], now, before,
                        summary.unsur_changes(now, before), actions, today)


def check(db: Database, today: date, settings: dict[str, Any]) -> list[int]:
    """Store the alerts not raised before, e-mail queued when SMTP is set; return new ids."""
    current = found(db, today, settings)
    # Read first: most checks find nothing new, and then take no write lock at all.
    seen = store.alerts.known(db, [a.cause for a in current])
    new = [a for a in current if a.cause not in seen]
    if not new:
        return []
    recipients = settings["alert_recipients"] if mail.configured(settings) else []
    return store.alerts.raise_new(
        db, [store.alerts.Raised(a, *alert_words.mail(a, settings["office_name"]))
             for a in new], recipients)
