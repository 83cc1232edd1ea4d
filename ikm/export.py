"""A period's responses as CSV, safe from formula injection, for staff to download."""
from __future__ import annotations

import csv
import io
from datetime import date, timezone
from typing import Any

from sqlite_utils import Database

from ikm.config import local_time
from ikm.method import PERMENPAN_2017
from ikm.periods import Period

CODES = PERMENPAN_2017.codes
# U1..U9 keep their codes as names, so `python -m ikm` reads the file as it is.
COLUMNS = ("id", "answered_at", "local_date", "service", "service_name", "questionnaire",
           *CODES, "gender", "age_group", "education", "occupation", "comment",
           "comment_status", "comment_note", "flag", "counted", "kiosk")
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


def summary(db: Database, start: date, end: date) -> dict[str, int]:
    """Count the period's responses: all, counted in the IKM, left out, with a comment."""
    row = db.execute(
        "SELECT count(*), coalesce(sum(counted = 1), 0), "
        "coalesce(sum(comment IS NOT NULL AND comment != ''), 0) "
        "FROM responses WHERE local_date BETWEEN ? AND ?",
        [start.isoformat(), end.isoformat()]).fetchone()
    return {"responses": row[0], "counted": row[1], "not_counted": row[0] - row[1],
            "comments": row[2]}


def response_rows(db: Database, start: date, end: date, tz: timezone,
                  include_flagged: bool = False) -> list[dict[str, Any]]:
    """Return the period's responses in COLUMNS order, oldest first; times in office time.

    Without `include_flagged` these are exactly the responses the IKM counts.
    """
    answers = ", ".join(f"r.{c.lower()} AS {c}" for c in CODES)
    where = "r.local_date BETWEEN ? AND ?" + ("" if include_flagged else " AND r.counted = 1")
    cursor = db.execute(
        f"SELECT r.id, r.answered_at, r.local_date, r.service, s.name AS service_name, "
        f"r.questionnaire, {answers}, r.gender, r.age_group, r.education, r.occupation, "
        f"r.comment, CASE WHEN r.comment IS NOT NULL AND r.comment != '' "
        f"THEN coalesce(r.comment_status, 'baru') END AS comment_status, r.comment_note, "
        f"r.flag, r.counted, k.name AS kiosk FROM responses r "
        f"LEFT JOIN services s ON s.code = r.service LEFT JOIN kiosks k ON k.id = r.kiosk_id "
        f"WHERE {where} ORDER BY r.answered_at, r.id", [start.isoformat(), end.isoformat()])
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, values)) for values in cursor.fetchall()]
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
