"""Periods in the office's own time zone."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ikm.config import parse_offset


def today(settings: dict[str, Any]) -> date:
    """Return today's date at the office."""
    return datetime.now(parse_offset(settings["utc_offset"])).date()


def current_month(settings: dict[str, Any]) -> tuple[date, date]:
    """Return the first and last day of the office's current month."""
    day = today(settings)
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)
