"""A response as a kiosk sends it: validation field by field, and the abuse rules."""
from __future__ import annotations

import uuid
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ikm.office import QUESTIONNAIRES
from ikm.periods import EARLIEST, LATEST
from ikm.profile import AGE_GROUP, EDUCATION, GENDER, OCCUPATION, age_group
from ikm.reasons import UNHAPPY

MAX_COMMENT = 2000
MAX_DURATION_MS = 24 * 3600 * 1000


class Invalid(ValueError):
    """A response field that cannot be stored; says which field and why."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class Incoming:
    """A validated response, ready to store."""

    id: str
    service: str
    answered_at: datetime
    questionnaire: str = "full"
    answers: dict[str, int] = field(default_factory=dict)
    duration_ms: int | None = None
    profile: dict[str, Any] = field(default_factory=dict)
    comment: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)  # unsur -> why it was unhappy
    # Where it came from (CHANNELS), set by the route that took it, never by the sender.
    channel: str = "kiosk"
    slip: str | None = None  # phone: the one-time code of the slip it answers
    serial: str | None = None  # paper: the number printed on the form
    browser: str | None = None  # poster: the browser's own id, one response a day each


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _code(profile: dict, key: str, allowed: tuple[str, ...]) -> str | None:
    value = profile.get(key)
    if value is None:
        return None
    if value not in allowed:
        raise Invalid(f"profile.{key}", f"{value!r} is not one of {', '.join(allowed)}")
    return value


def _profile(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid("profile", "must be an object")
    out = {
        "gender": _code(value, "gender", GENDER.codes),
        "age_group": _code(value, "age_group", AGE_GROUP.codes),
        "education": _code(value, "education", EDUCATION.codes),
        "occupation": _code(value, "occupation", OCCUPATION.codes),
        "age": None,
    }
    age = value.get("age")
    if age is not None:
        if not _integer(age) or not 10 <= age <= 120:
            raise Invalid("profile.age", f"{age!r} is not an age in whole years (10-120)")
        out["age"] = age
        out["age_group"] = out["age_group"] or age_group(age)
    return {k: v for k, v in out.items() if v is not None}


def _answers(value: Any, questionnaire: str) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid("answers", "must be an object such as {\"U1\": 4}")
    asked = QUESTIONNAIRES[questionnaire]
    answers = {}
    for code, answer in value.items():
        if code not in asked:
            raise Invalid(f"answers.{code}", f"not an unsur of the {questionnaire} questionnaire")
        if answer is None:
            continue
        if not _integer(answer) or not 1 <= answer <= 4:
            raise Invalid(f"answers.{code}", f"{answer!r} is not an answer (1-4)")
        answers[code] = answer
    return answers


def _text(field: str, value: str) -> str:
    # JSON may carry a lone surrogate (an escaped \udc80): a Python string, but not text
    # that UTF-8, and so SQLite, can hold.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        problem = f"is not valid Unicode text (at character {exc.start + 1})"
        raise Invalid(field, problem) from None
    return value


def _reasons(value: Any, answers: dict[str, int], known: Mapping[int, str]) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid("reasons", "must be an object such as {\"U9\": 12}")
    reasons = {}
    for code, reason in value.items():
        if reason is None:
            continue
        if answers.get(code) not in UNHAPPY:
            raise Invalid(f"reasons.{code}", "a reason is given only with an answer of 1 or 2")
        if not _integer(reason) or known.get(reason) != code:
            raise Invalid(f"reasons.{code}", f"{reason!r} is not a reason for {code}")
        reasons[code] = reason
    return reasons


def clock_time(value: Any) -> datetime | None:
    """Return an ISO 8601 time with offset within the years a clock may show, else None."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
        # Year 1 at +14:00 is a valid string but falls outside Python's datetime in UTC.
        utc = when.astimezone(timezone.utc) if when.tzinfo else None
    except (ValueError, OverflowError):
        return None
    return when if utc and EARLIEST.year <= utc.year <= LATEST.year else None


def _time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise Invalid("answered_at", "must be an ISO 8601 time, e.g. 2026-11-28T10:15:00+07:00")
    when = clock_time(value)
    if when is None:
        try:
            naive = datetime.fromisoformat(value).tzinfo is None
        except ValueError:
            raise Invalid("answered_at", f"{value!r} is not an ISO 8601 time") from None
        if naive:
            raise Invalid("answered_at", f"{value!r} has no offset (add +07:00 or Z)")
        raise Invalid("answered_at", f"{value!r} is outside the years a kiosk's clock can "
                                     f"show ({EARLIEST.year}-{LATEST.year})")
    return when


KIOSK, PHONE, POSTER, PAPER = "kiosk", "phone", "poster", "paper"
CHANNELS = (KIOSK, PHONE, POSTER, PAPER)
BURST_CHANNELS = (KIOSK, POSTER)  # where many surveys in a minute mean one hand at work


def parse(obj: Any, services: Container[str], reasons: Mapping[int, str] | None = None
          ) -> Incoming:
    """Validate one response object; raise Invalid naming the first bad field.

    `reasons` maps the office's reason ids to their unsur (store.reasons.unsur_of).
    """
    if not isinstance(obj, dict):
        raise Invalid("response", "must be a JSON object")
    try:
        rid = str(uuid.UUID(obj["id"])) if isinstance(obj.get("id"), str) else None
    except ValueError:
        rid = None
    if rid is None:
        raise Invalid("id", "must be a UUID made by the kiosk")
    service = obj.get("service")
    if not isinstance(service, str) or service not in services:
        raise Invalid("service", f"{service!r} is not a service of this office")
    questionnaire = obj.get("questionnaire", "full")
    if not isinstance(questionnaire, str) or questionnaire not in QUESTIONNAIRES:
        raise Invalid("questionnaire", f"{questionnaire!r} is not one of full, short")
    duration = obj.get("duration_ms")
    if duration is not None and (not _integer(duration) or not 0 <= duration <= MAX_DURATION_MS):
        raise Invalid("duration_ms", f"{duration!r} is not a duration in milliseconds")
    comment = obj.get("comment")
    if comment is not None:
        if not isinstance(comment, str):
            raise Invalid("comment", "must be text")
        comment = _text("comment", comment).replace("\x00", "").strip() or None
        if comment and len(comment) > MAX_COMMENT:
            raise Invalid("comment", f"{len(comment)} characters; at most {MAX_COMMENT}")
    answers = _answers(obj.get("answers"), questionnaire)
    return Incoming(
        id=rid, service=service, answered_at=_time(obj.get("answered_at")),
        questionnaire=questionnaire, answers=answers, duration_ms=duration,
        profile=_profile(obj.get("profile")), comment=comment,
        reasons=_reasons(obj.get("reasons"), answers, reasons or {}),
    )


def abuse_flag(response: Incoming, recent: int, settings: dict[str, Any]) -> str | None:
    """Return why a response looks like abuse, or None.

    Judged on the kiosk's own clock only: `recent` counts this kiosk's responses
    answered within the burst window before this one (the poster's, for the poster).
    Paper forms typed in an afternoon are neither fast nor a burst.
    """
    if response.channel == PAPER:
        return None
    if (response.duration_ms is not None and response.answers
            and response.duration_ms < settings["min_survey_seconds"] * 1000):
        return "too_fast"
    if recent + 1 >= settings["burst_count"]:
        return "burst"
    return None
