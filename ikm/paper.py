"""A paper questionnaire typed in by staff: its serial, service, date and answers, checked."""
from __future__ import annotations

import re
import uuid
from collections.abc import Container, Sequence
from datetime import date, datetime, time, timezone
from typing import Any

from ikm.periods import EARLIEST, LATEST
from ikm.refused import Refused
from ikm.validation import PAPER, Incoming

SERIAL_DIGITS = 12
SERIAL_WIDTH = 6  # as printed on the forms (store.paper.serial_text)
# The form carries a date, not a time: it is placed at noon, well inside the office's day.
NOON = time(12)
# Ids made from the serial: the same form typed or imported twice is the same response.
NAMESPACE = uuid.UUID("6f0c3b8e-1d2a-4f6b-9a57-2c1e5d7b8a90")


def tidy_serial(value: Any) -> str:
    """Return a serial as printed (six digits at least); raise ValueError when it is none."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{value!r} is not a form number")
    text = str(value).strip()
    if not re.fullmatch(r"\d{1,%d}" % SERIAL_DIGITS, text):
        raise ValueError(f"{text[:20]!r} is not a form number (digits only, at most "
                         f"{SERIAL_DIGITS})")
    if int(text) == 0:
        raise ValueError("0 is not a form number")
    return f"{int(text):0{SERIAL_WIDTH}d}"


def form_id(serial: str | None) -> str:
    """Return a form's response id: fixed by its serial, else a fresh one."""
    return str(uuid.uuid5(NAMESPACE, serial) if serial else uuid.uuid4())


def check_date(day: date, today: date) -> date:
    """Return the date written on a form; raise ValueError when no form can carry it."""
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{day.isoformat()} is outside the years {EARLIEST.year}-"
                         f"{LATEST.year}")
    if day > today:
        raise ValueError(f"{day.isoformat()} is in the future")
    return day


def noon(day: date, tz: timezone) -> datetime:
    """Return the moment a form dated `day` is placed at: noon, office time."""
    return datetime.combine(day, NOON, tzinfo=tz)


def paper_response(serial: str | None, service: str, day: date, tz: timezone,
                   questionnaire: str, answers: dict[str, int]) -> Incoming:
    """Return a validated paper form ready to store."""
    return Incoming(id=form_id(serial), service=service, answered_at=noon(day, tz),
                    questionnaire=questionnaire, answers=answers, channel=PAPER,
                    serial=serial)


def _answers(value: Any, codes: Sequence[str]) -> dict[str, int]:
    if not isinstance(value, dict):
        raise Refused("answers", "format")
    answers = {}
    for code, answer in value.items():
        if code not in codes:
            raise Refused("answers", "unknown", code=str(code)[:12])
        if answer is None:
            continue  # left blank on the form
        if isinstance(answer, bool) or not isinstance(answer, int) or not 1 <= answer <= 4:
            raise Refused(f"answers.{code}", "answer", code=code, value=str(answer)[:12])
        answers[code] = answer
    if not answers:
        raise Refused("answers", "none")
    return answers


def _date(value: Any, today: date) -> date:
    if value in (None, ""):
        raise Refused("date", "required")
    try:
        day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise Refused("date", "format", value=str(value)[:20])
    try:
        return check_date(day, today)
    except ValueError:
        raise Refused("date", "future" if day > today else "range", value=day.isoformat(),
                      low=EARLIEST.year, high=LATEST.year) from None


def typed_form(obj: Any, services: Container[str], codes: Sequence[str], questionnaire: str,
               today: date, tz: timezone) -> Incoming:
    """Check one form as the entry page sends it; raise Refused naming the first bad field.

    `codes` are the unsur the office's questionnaire asks, `today` the office's date.
    """
    if not isinstance(obj, dict):
        raise Refused("form", "format")
    if obj.get("serial") in (None, ""):
        raise Refused("serial", "required")
    try:
        serial = tidy_serial(obj["serial"])
    except ValueError:
        raise Refused("serial", "digits", value=str(obj["serial"])[:20],
                      digits=SERIAL_DIGITS) from None
    service = obj.get("service")
    if service in (None, ""):
        raise Refused("service", "required")
    if not isinstance(service, str) or service not in services:
        raise Refused("service", "unknown", value=str(service)[:40])
    day = _date(obj.get("date"), today)
    answers = _answers(obj.get("answers"), codes)
    return paper_response(serial, service, day, tz, questionnaire, answers)
