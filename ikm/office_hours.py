"""The office's opening hours and public holidays: read, checked, said in words."""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time

from ikm.refused import Refused

OfficeHours = Sequence[Sequence[str] | None]  # Monday first: ("08:00", "16:00") or None
Holidays = Sequence[Sequence[str]]  # ("2026-12-25", "Hari Raya Natal")
DAYS = {"id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
        "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
CLOSED = {"id": "tutup", "en": "closed"}
MAX_HOLIDAYS = 100
MAX_HOLIDAY_NAME = 60
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

# Fixed-date national holidays ahead; staff add the moving ones (Idul Fitri, Idul Adha,
# Nyepi, Waisak...) and cuti bersama from each year's joint ministerial decree.
DEFAULT_HOLIDAYS = [
    ["2026-12-25", "Hari Raya Natal"], ["2027-01-01", "Tahun Baru Masehi"],
    ["2027-05-01", "Hari Buruh Internasional"], ["2027-06-01", "Hari Lahir Pancasila"],
    ["2027-08-17", "Hari Kemerdekaan RI"], ["2027-12-25", "Hari Raya Natal"],
]


def span(opens: str, closes: str) -> list[str]:
    """Return one day's opening as stored; refuse a time that is not HH:MM or an empty day."""
    for value in (opens, closes):
        if not _CLOCK.match(value or ""):
            raise Refused("office_hours", "time", value=value or "")
    if opens >= closes:
        raise Refused("office_hours", "order", opens=opens, closes=closes)
    return [opens, closes]


def parse_holidays(text: str) -> list[list[str]]:
    """Return the holidays written one per line, "2026-12-25 Hari Raya Natal", by date.

    Refuse a line without a date first (naming its number), a name too long, or too many.
    """
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = " ".join(line.split())
        if not line:
            continue
        day, _, name = line.partition(" ")
        try:
            date.fromisoformat(day)
        except ValueError:
            raise Refused("holidays", "date", line=number, text=line[:40]) from None
        if len(name) > MAX_HOLIDAY_NAME:
            raise Refused("holidays", "name", line=number, max=MAX_HOLIDAY_NAME)
        found[day] = name
    if len(found) > MAX_HOLIDAYS:
        raise Refused("holidays", "too_many", count=len(found), max=MAX_HOLIDAYS)
    return [[day, found[day]] for day in sorted(found)]


def holiday(day: date, holidays: Holidays) -> str | None:
    """Return the holiday's name ("" when unnamed) if the office is closed for one, else None."""
    iso = day.isoformat()
    return next((h[1] for h in holidays if h[0] == iso), None)


def opening(day: date, hours: OfficeHours, holidays: Holidays = ()) -> tuple[time, time] | None:
    """Return when the office opens and closes on a day, or None (a weekend, a holiday)."""
    hours_today = hours[day.weekday()] if day.weekday() < len(hours) else None
    if not hours_today or holiday(day, holidays) is not None:
        return None
    opens, closes = (time.fromisoformat(t) for t in hours_today)
    return opens, closes


def is_open(moment: datetime, hours: OfficeHours, holidays: Holidays = ()) -> bool:
    """Say whether the office is open at a moment of its own local time."""
    found = opening(moment.date(), hours, holidays)
    return found is not None and found[0] <= moment.time() < found[1]


def describe(hours: OfficeHours, lang: str = "id") -> str:
    """Say the week's hours in words, days with the same hours together.

    E.g. "Senin–Kamis 08.00–16.00 · Jumat 08.00–16.30 · Sabtu–Minggu tutup".
    """
    days = DAYS.get(lang, DAYS["id"])
    parts: list[str] = []
    n = 0
    while n < 7:
        today = hours[n] if n < len(hours) else None
        last = n
        while last + 1 < 7 and (hours[last + 1] if last + 1 < len(hours) else None) == today:
            last += 1
        names = days[n] if last == n else f"{days[n]}–{days[last]}"
        said = (f"{today[0].replace(':', '.')}–{today[1].replace(':', '.')}" if today
                else CLOSED.get(lang, CLOSED["id"]))
        parts.append(f"{names} {said}")
        n = last + 1
    return " · ".join(parts)
