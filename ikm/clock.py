"""Placing a response in time when the tablet's clock cannot be trusted.

After a power cut a cheap tablet may wake up in 1970, or years ahead. The rule:

1. A time is possible if it lies between the kiosk's registration (less a day) and
   the moment the server received it (plus five minutes of slack).
2. When the kiosk said what its clock read as it sent the request and that differs
   from the server's clock by more than two minutes, the kiosk's clock is off by that
   much: the response is placed at its own time shifted by that offset, if possible.
3. Otherwise the kiosk's own time is used, if possible.
4. Otherwise the response is placed at the time the server received it, the latest
   it can have been answered.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import overload

EARLIEST = datetime(2017, 1, 1, tzinfo=timezone.utc)  # PermenPAN-RB 14/2017
FUTURE_SLACK = timedelta(minutes=5)
SKEW_TOLERANCE = timedelta(minutes=2)
SERVER_TOLERANCE = timedelta(days=1)  # a server clock behind by more than this is wrong
KIOSKS_AGREE = timedelta(hours=1)  # two kiosk clocks this close vouch for each other

KIOSK, CORRECTED, RECEIVED = "kiosk", "corrected", "received"


def place(kiosk_time: datetime, received: datetime, kiosk_now: datetime | None = None,
          earliest: datetime | None = None, server: ServerClock | None = None
          ) -> tuple[datetime, str]:
    """Return the best estimate of when a response was answered, and which rule gave it.

    `server` says how far the server's own clock is behind, when it is (server_behind).
    """
    lower = max(EARLIEST, earliest - timedelta(days=1)) if earliest else EARLIEST
    if server is not None:
        if kiosk_time >= max(lower, server.evidence - SERVER_TOLERANCE):
            return kiosk_time, KIOSK
        return received + server.behind, RECEIVED

    def possible(t: datetime) -> bool:
        return lower <= t <= received + FUTURE_SLACK

    if kiosk_now is not None:
        offset = received - kiosk_now
        if abs(offset) > SKEW_TOLERANCE:
            try:
                corrected = kiosk_time + offset
            except OverflowError:  # a clock centuries off shifts a time past year 9999
                corrected = None
            if corrected is not None and possible(corrected):
                return corrected, CORRECTED
    if possible(kiosk_time):
        return kiosk_time, KIOSK
    return received, RECEIVED


@dataclass(frozen=True)
class ServerClock:
    """A server clock found behind: by how much, and the latest time it cannot precede."""

    behind: timedelta
    evidence: datetime


def server_behind(now: datetime, made: datetime, stored: datetime | None = None,
                  kiosk_clocks: Iterable[datetime] = ()) -> ServerClock | None:
    """Return how far the server's clock (`now`) is behind, when over a day; else None.

    `made` is when the program was made, `stored` the newest time the server itself
    wrote (a response received, a kiosk heard from), `kiosk_clocks` what each kiosk's
    clock read when last heard from.
    """
    evidence = max(made, stored or made)
    agreed = _agreed(sorted(kiosk_clocks))
    if agreed is not None:
        evidence = max(evidence, agreed)
    if evidence - now <= SERVER_TOLERANCE:
        return None
    return ServerClock(evidence - now, evidence)


def _agreed(clocks: list[datetime]) -> datetime | None:
    """Return the earliest of the kiosk clocks that another kiosk's clock agrees with."""
    for earlier, later in zip(clocks, clocks[1:]):
        if later - earlier <= KIOSKS_AGREE:
            return earlier
    return None


# --- the time of day, in UTC and at the office ------------------------------------

def utc_now() -> str:
    """Return the current UTC time as ISO 8601 with offset."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def parse_offset(text: str) -> timezone:
    """Return a fixed time zone from '+07:00'."""
    sign = -1 if text.startswith("-") else 1
    hours, minutes = text.lstrip("+-").split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


TIME_ZONES = {"+07:00": "WIB", "+08:00": "WITA", "+09:00": "WIT"}


def zone_name(offset: str) -> str:
    """Return the name people use for an offset: WIB, WITA, WIT (else UTC+hh:mm)."""
    return TIME_ZONES.get(offset, f"UTC{offset}")


@overload
def local_time(utc_iso: str, tz: timezone) -> datetime: ...
@overload
def local_time(utc_iso: None, tz: timezone) -> None: ...
@overload
def local_time(utc_iso: str | None, tz: timezone) -> datetime | None: ...


def local_time(utc_iso: str | None, tz: timezone) -> datetime | None:
    """Return a stored UTC time as the office's wall-clock time."""
    return datetime.fromisoformat(utc_iso).astimezone(tz) if utc_iso else None


def next_daily(now: datetime, at: str, tz: timezone) -> datetime:
    """Return the next moment after `now` when the office's clocks show `at` ("12:30")."""
    wall = time.fromisoformat(at)
    local = now.astimezone(tz)
    due = datetime.combine(local.date(), wall, tz)
    return due if due > now else datetime.combine(local.date() + timedelta(days=1), wall, tz)


def clock_skew_minutes(offset_ms: int | None) -> int | None:
    """Return how many minutes a tablet's clock is behind (+) or ahead (-), if it matters."""
    if offset_ms is None or abs(offset_ms) <= SKEW_TOLERANCE.total_seconds() * 1000:
        return None
    return round(offset_ms / 60_000)
