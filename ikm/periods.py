"""Survey periods in the office's own time zone: month, quarter, semester, year, custom."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ikm.clock import parse_offset

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
ROMAN = ("I", "II", "III", "IV")
KINDS = ("month", "quarter", "semester", "year", "custom")
# The dates an office can ask about. Python's dates end at year 9999 and a period's
# neighbours, a year before or the trend's twelve months must stay within them.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


@dataclass(frozen=True)
class Period:
    """A span of office dates, both ends included."""

    start: date
    end: date
    kind: str = "custom"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self, lang: str = "id") -> str:
        """Return the period as people say it: 'November 2026', 'Triwulan IV 2026'."""
        months = MONTHS_EN if lang == "en" else MONTHS
        y = self.start.year
        if self.kind == "month":
            return f"{months[self.start.month - 1]} {y}"
        if self.kind == "quarter":
            word = "Quarter" if lang == "en" else "Triwulan"
            return f"{word} {ROMAN[(self.start.month - 1) // 3]} {y}"
        if self.kind == "semester":
            word = "Semester"
            return f"{word} {ROMAN[(self.start.month - 1) // 6]} {y}"
        if self.kind == "year":
            return str(y) if lang == "en" else f"Tahun {y}"
        return f"{_day(self.start, months)} - {_day(self.end, months)}"

    def short_label(self, lang: str = "id") -> str:
        """Return a month as 'Nov 2026' (for chart axes); other kinds as label()."""
        if self.kind != "month":
            return self.label(lang)
        months = MONTHS_EN if lang == "en" else MONTHS
        return f"{months[self.start.month - 1][:3]} {self.start.year}"

    def previous(self) -> "Period":
        """Return the period of the same kind just before this one."""
        if self.kind in ("month", "quarter", "semester", "year"):
            return containing(self.kind, self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def year_before(self) -> "Period":
        """Return the same period one year earlier."""
        if self.kind in ("month", "quarter", "semester", "year"):
            return containing(self.kind, _minus_year(self.start))
        return Period(_minus_year(self.start), _minus_year(self.end))

    def query(self) -> dict[str, str]:
        """Return URL arguments that select this period again."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "kind": self.kind}


def _day(d: date, months: tuple[str, ...]) -> str:
    return f"{d.day} {months[d.month - 1]} {d.year}"


def _minus_year(d: date) -> date:
    return d.replace(year=d.year - 1, day=min(d.day, 28) if d.month == 2 else d.day)


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def containing(kind: str, day: date) -> Period:
    """Return the month, quarter, semester or year that contains `day`."""
    size = {"month": 1, "quarter": 3, "semester": 6, "year": 12}[kind]
    first_month = (day.month - 1) // size * size + 1
    start = date(day.year, first_month, 1)
    return Period(start, _month_end(day.year, first_month + size - 1), kind)


def today(settings: dict[str, Any]) -> date:
    """Return today's date at the office."""
    return datetime.now(parse_offset(settings["utc_offset"])).date()


def current_month(settings: dict[str, Any]) -> tuple[date, date]:
    """Return the first and last day of the office's current month."""
    period = containing("month", today(settings))
    return period.start, period.end


def months_back(end: date, count: int) -> list[Period]:
    """Return `count` whole months ending with the month of `end`, oldest first."""
    months = [containing("month", end)]
    while len(months) < count:
        months.insert(0, months[0].previous())
    return months


class BadDate(ValueError):
    """A date argument that cannot be read or lies outside the years an office can ask about."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def parse_date(name: str, text: str) -> date:
    """Return a YYYY-MM-DD date within EARLIEST..LATEST; raise BadDate naming the argument."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise BadDate(name, f"{text!r} is not a date (YYYY-MM-DD)") from None
    if not EARLIEST <= day <= LATEST:
        raise BadDate(name, f"{text} is outside the years this office can ask about "
                            f"({EARLIEST.year}-{LATEST.year})")
    return day


def from_args(args: dict[str, str], settings: dict[str, Any]) -> Period:
    """Return the period that URL arguments select (this month by default).

    Takes kind=month|quarter|semester|year with a date inside it (`from`), or
    from=YYYY-MM-DD&to=YYYY-MM-DD for custom dates; raises ValueError naming the argument.
    """
    kind = args.get("kind") or ("custom" if args.get("to") else "month")
    if kind not in KINDS:
        raise ValueError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    start = parse_date("from", args["from"]) if args.get("from") else today(settings)
    if kind != "custom":
        return containing(kind, start)
    end = parse_date("to", args["to"]) if args.get("to") else start
    if end < start:
        raise ValueError("to: the period ends before it starts")
    return Period(start, end, "custom")
