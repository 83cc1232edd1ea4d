"""A period's responses as CSV, safe from formula injection, for staff to download."""
from __future__ import annotations

import csv
import io
from datetime import date, timezone
from typing import Any

from sqlite_utils import Database

import store
from ikm.clock import local_time
from ikm.periods import Period

# U1..U9 keep their codes as names, so `python -m ikm` reads the file as it is.
COLUMNS = store.responses.EXPORT_COLUMNS
# A spreadsheet runs a cell starting with one of these as a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
STATUS_LABELS = {"baru": "Baru", "ditindaklanjuti": "Ditindaklanjuti", "selesai": "Selesai"}


def neutralise(value: Any) -> Any:
    """Return text a spreadsheet will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def filename(period: Period, suffix: str, include_flagged: bool = False) -> str:
    """Return a download's file name, e.g. skm-2026-11-01_2026-11-30.csv."""
    extra = "_termasuk-ditandai" if include_flagged else ""
    return f"skm-{period.start.isoformat()}_{period.end.isoformat()}{extra}.{suffix}"


def response_rows(db: Database, start: date, end: date, tz: timezone,
                  include_flagged: bool = False) -> list[dict[str, Any]]:
    """Return the period's responses in COLUMNS order, oldest first; times in office time.

    Without `include_flagged` these are exactly the responses the IKM counts.
    """
    rows = store.responses.for_export(db, start, end, include_flagged)
    for row in rows:
        row["answered_at"] = local_time(row["answered_at"], tz)
    return rows


def csv_text(rows: list[dict[str, Any]]) -> str:
    """Return the rows as CSV text with a byte-order mark, so Excel on Windows reads UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    # Every field quoted: the OWASP advice, and a sniffer cannot mistake ; or ' inside text.
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(COLUMNS)
    for row in rows:
        values = {**row, "answered_at": row["answered_at"].isoformat(timespec="seconds")}
        writer.writerow(neutralise(values[c]) for c in COLUMNS)
    return out.getvalue()
