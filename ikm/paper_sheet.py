"""A spreadsheet of paper forms: the calculator's answer columns, plus serial, service, date."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

from ikm.method import PERMENPAN_2017, SHORT_CODES
from ikm.paper import check_date, paper_response, tidy_serial
from ikm.sheet import MAX_ERRORS, InputError, read_sheet
from ikm.sheet import _normal as normal
from ikm.validation import Incoming

# The optional columns, named by any of these (any case; spaces and dots do not count).
HEADERS = {
    "serial": ("serial", "Nomor Formulir", "No Formulir"),
    "service": ("service", "Layanan", "Jenis Layanan"),
    "date": ("date", "Tanggal"),
}
NAMES = {key: names[1] for key, names in HEADERS.items()}  # said when the column is absent
_KEYS = {normal(name): key for key, names in HEADERS.items() for name in names}
DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


@dataclass
class PaperSheet:
    """The forms of a file, validated, each with its row in the file."""

    forms: list[Incoming] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    empty: int = 0  # rows without any answer: left out, as the calculator leaves them out
    warnings: list[str] = field(default_factory=list)


def service_names(services: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Return what a cell may say for each service (code or name, any case) -> its code."""
    names = {}
    for s in services:
        for text in (s["name_en"], s["name"], s["code"]):  # a code wins over a name
            if text:
                names[" ".join(str(text).split()).casefold()] = s["code"]
    return names


def _columns(header: list[object]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for index, cell in enumerate(header):
        key = _KEYS.get(normal(str(cell))) if cell is not None else None
        if key is None:
            continue
        if key in found:
            raise InputError(f"columns {found[key][1]!r} and {str(cell).strip()!r} both hold "
                             f"the {key}; keep one")
        found[key] = (index, str(cell).strip())
    return found


def _service(value: object, services: dict[str, str], default: str | None) -> str:
    text = " ".join(str(value).split()) if value is not None else ""
    if not text:
        if default is None:
            raise ValueError("empty; fill it in, or choose the service of the whole file "
                             "(--service)")
        return default
    code = services.get(text.casefold())
    if code is None:
        raise ValueError(f"{text!r} is not a service of this office")
    return code


def _date(value: object, default: date | None, today: date) -> date:
    if isinstance(value, datetime):  # an Excel date cell
        value = value.date()
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is None:
            raise ValueError("empty; fill it in, or choose the date of the whole file (--date)")
        return default
    if not isinstance(value, date):
        text = str(value).strip()
        dmy = DMY.fullmatch(text)
        try:
            value = (date(int(dmy[3]), int(dmy[2]), int(dmy[1])) if dmy
                     else date.fromisoformat(re.split(r"[T ]", text)[0]))
        except ValueError:
            raise ValueError(f"{text[:30]!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)") from None
    return check_date(value, today)


def read_forms(path: str | Path, services: dict[str, str], tz: timezone, today: date,
               service: str | None = None, day: date | None = None) -> PaperSheet:
    """Read and check every form of a file; raise InputError naming each bad cell.

    `services` is service_names(); `service` and `day` fill what the file leaves empty.
    """
    sheet = read_sheet(path, PERMENPAN_2017)
    columns = _columns(sheet.header)
    questionnaire = "short" if set(sheet.columns) <= set(SHORT_CODES) else "full"
    out = PaperSheet(warnings=sheet.warnings)
    errors: list[str] = []
    serials: dict[str, int] = {}
    for number, answers, record in zip(sheet.row_numbers, sheet.rows, sheet.records):
        given = {code: a for code, a in answers.items() if a is not None}
        if not given:
            out.empty += 1
            continue
        readers: dict[str, Callable[[object], Any]] = {
            "serial": partial(_serial, serials=serials, number=number),
            "service": partial(_service, services=services, default=service),
            "date": partial(_date, default=day, today=today)}
        cells: dict[str, Any] = {}
        for key, read in readers.items():
            index, written = columns.get(key, (None, NAMES[key]))
            try:
                cells[key] = read(record[index] if index is not None and index < len(record)
                                  else None)
            except ValueError as exc:
                errors.append(f"row {number}, column {written}: {exc}")
        if len(cells) == 3:
            out.forms.append(paper_response(cells["serial"], cells["service"], cells["date"], tz,
                                            questionnaire, given))
            out.rows.append(number)
    if errors:
        extra = len(errors) - MAX_ERRORS
        raise InputError("\n".join(errors[:MAX_ERRORS] + ([f"... and {extra} more"]
                                                          if extra > 0 else [])))
    if not out.forms:
        raise InputError(f"{path}: no row holds an answer")
    return out


def _serial(value: object, serials: dict[str, int], number: int) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # a form without a number: stored, but never recognised again
    serial = tidy_serial(value)
    if serial in serials:
        raise ValueError(f"form {serial} is also on row {serials[serial]}")
    serials[serial] = number
    return serial
