"""What needs a person at the server: plain facts in, the concerns worth saying out.

The health strip on the staff pages and `python kiosk.py status` both judge by these
rules; each says its concerns in its own words.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from ikm.clock import ServerClock
from ikm.office_hours import Holidays, OfficeHours, opening

BACKUP_MAX_AGE = timedelta(days=2)
DISK_MIN_FREE = 10**9  # bytes: 1 GB, room for a year of a busy office's responses
DISK_MIN_SHARE = 0.05
KIOSK_SILENCE = timedelta(hours=2)  # of office hours on working days
# Counting further back than this changes nothing: two office hours lie within any week.
SILENCE_HORIZON = timedelta(days=14)

# Concerns, each with the details its wording needs.
BACKUP_OLD = "backup_old"  # age_days, or never=True
BACKUP_FAILED = "backup_failed"  # reason
SECOND_FOLDER = "second_folder"  # folder: missing
SECOND_COPY = "second_copy"  # folder, reason: there, but the copy failed (full, read-only)
DISK_LOW = "disk_low"  # free_gb, free_percent
KIOSK_SILENT = "kiosk_silent"  # name, since (office time)
KIOSK_SET_ASIDE = "kiosk_set_aside"  # name, count
SERVER_CLOCK = "server_clock"  # behind_days, evidence (office time)

MISSING = "missing"  # the second folder is not there (a flash disk unplugged)



@dataclass(frozen=True)
class Kiosk:
    """An active, paired kiosk as the server last heard from it."""

    name: str
    last_seen: datetime | None
    set_aside: int = 0


@dataclass(frozen=True)
class Facts:
    """What the server knows about itself at `now` (its own clock, timezone-aware)."""

    now: datetime
    tz: timezone
    office_hours: OfficeHours
    since: datetime  # when the database was made: from then on a backup is due
    last_backup: datetime | None = None
    backup_failure: str | None = None  # why the last automatic backup failed, if it did
    second_folder: str = ""  # "" when none is set
    second_folder_problem: str | None = None  # "missing", or why the last copy failed
    disk_free: int | None = None
    disk_total: int | None = None
    kiosks: Sequence[Kiosk] = ()
    server_clock: ServerClock | None = None
    holidays: Holidays = ()  # a kiosk silent on a public holiday needs nobody


@dataclass(frozen=True)
class Concern:
    """One thing that needs a person, with what its wording needs."""

    kind: str
    details: dict[str, Any] = field(default_factory=dict)


def concerns(f: Facts) -> list[Concern]:
    """Return what needs a person, most pressing first; [] when all is well."""
    found: list[Concern] = []
    if f.server_clock is not None:
        found.append(Concern(SERVER_CLOCK, {
            "behind_days": round(f.server_clock.behind / timedelta(days=1)),
            "evidence": f.server_clock.evidence.astimezone(f.tz)}))
    if f.backup_failure:
        found.append(Concern(BACKUP_FAILED, {"reason": f.backup_failure}))
    age = f.now - (f.last_backup or f.since)
    if age > BACKUP_MAX_AGE:
        found.append(Concern(BACKUP_OLD, {"age_days": age.days, "never": f.last_backup is None}))
    if f.second_folder and f.second_folder_problem == MISSING:
        found.append(Concern(SECOND_FOLDER, {"folder": f.second_folder}))
    elif f.second_folder and f.second_folder_problem:
        found.append(Concern(SECOND_COPY, {"folder": f.second_folder,
                                           "reason": f.second_folder_problem}))
    if f.disk_free is not None and disk_low(f.disk_free, f.disk_total):
        share = f.disk_free / f.disk_total if f.disk_total else 0
        found.append(Concern(DISK_LOW, {"free_gb": round(f.disk_free / 10**9, 1),
                                        "free_percent": round(share * 100, 1)}))
    for kiosk in f.kiosks:
        if kiosk.last_seen is not None and office_time_between(
                kiosk.last_seen, f.now, f.office_hours, f.tz, f.holidays) > KIOSK_SILENCE:
            found.append(Concern(KIOSK_SILENT, {"name": kiosk.name,
                                                "since": kiosk.last_seen.astimezone(f.tz)}))
        if kiosk.set_aside:
            found.append(Concern(KIOSK_SET_ASIDE, {"name": kiosk.name,
                                                   "count": kiosk.set_aside}))
    return found


def disk_low(free: int, total: int | None) -> bool:
    """Return whether a disk has less than 1 GB or 5% free."""
    return free < DISK_MIN_FREE or bool(total) and free < DISK_MIN_SHARE * (total or 0)


def office_time_between(start: datetime, end: datetime, hours: OfficeHours,
                        tz: timezone, holidays: Holidays = ()) -> timedelta:
    """Return how much of the office's opening hours lies between two moments."""
    start = max(start, end - SILENCE_HORIZON)
    total = timedelta()
    day = start.astimezone(tz).date()
    while day <= end.astimezone(tz).date():
        span = _opening(day, hours, holidays, tz)
        if span is not None:
            total += max(timedelta(), min(end, span[1]) - max(start, span[0]))
        day += timedelta(days=1)
    return total


def _opening(day: date, hours: OfficeHours, holidays: Holidays, tz: timezone
             ) -> tuple[datetime, datetime] | None:
    found = opening(day, hours, holidays)
    if found is None:
        return None
    return datetime.combine(day, found[0], tz), datetime.combine(day, found[1], tz)
