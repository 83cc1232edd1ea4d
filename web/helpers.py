"""What the pages share: the office's settings of this request, its language, period and
channel, and a row or a 404."""
from __future__ import annotations

from datetime import date, timedelta, timezone
from typing import Any, TypeVar

from flask import abort, flash, g, request
from flask_babel import get_locale
from flask_babel import gettext as _

import store
from ikm import clock, periods
from ikm.validation import CHANNELS
from web.database import get_db

T = TypeVar("T")


def office_settings() -> dict[str, Any]:
    """Return the office's settings, read once per request."""
    if "settings" not in g:
        g.settings = store.settings.read(get_db())
    return g.settings


def office_tz() -> timezone:
    """Return the office's time zone (WIB unless the office set another)."""
    return clock.parse_offset(office_settings()["utc_offset"])


def lang() -> str:
    """Return the page's language: id or en."""
    return str(get_locale() or "id")


def found(row: T | None) -> T:
    """Return the row a URL names, or answer 404 when there is none."""
    if row is None:
        abort(404)
    return row


def today() -> date:
    """Return today's date at the office."""
    return periods.today(office_settings())


def selected_period() -> periods.Period:
    """Return the period the URL asks for, or this month (with a message when it is wrong)."""
    try:
        return periods.from_args(request.args, office_settings())
    except ValueError as exc:
        flash(_("Periode tidak dapat dibaca (%(problem)s); ditampilkan bulan ini.",
                problem=str(exc)), "error")
        g.bad_request = True  # web.errors answers 400 with the page for this month
        return periods.containing("month", today())


def selected_channel() -> str | None:
    """Return the channel the URL limits the figures to, or None for every channel."""
    channel = request.args.get("channel") or None
    if channel is None or channel in CHANNELS:
        return channel
    # Cut short: the message travels in the session cookie.
    flash(_("Saluran tidak dikenal (%(channel)s); ditampilkan semua saluran.",
            channel=channel[:40]), "error")
    g.bad_request = True  # as for a bad period: the page for every channel, answered 400
    return None


def neighbours(period: periods.Period) -> tuple[periods.Period, periods.Period | None]:
    """Return the period before and the one after (None when it would be in the future)."""
    following = (periods.containing(period.kind, period.end + timedelta(days=1))
                 if period.kind != "custom" else None)
    if following and following.start > today():
        following = None
    return period.previous(), following
