"""E-mail of alerts as data: what makes the SMTP settings usable, addresses, retry times."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from ikm.refused import Refused

SECURITY = ("starttls", "ssl", "none")  # how the connection to the SMTP server is protected
MAX_RECIPIENTS = 20
MAX_ADDRESS = 254  # RFC 5321's longest forward path
MAX_HOST = 253
MAX_USER = 254
# Deliberately plain: a person types these; anything with spaces, commas, angle brackets
# or line breaks could not be one address, and a line break would forge a mail header.
_ADDRESS = re.compile(r"[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\".]+")
_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\]", re.IGNORECASE)
# Waiting times after each failed try: the network at a sub-district office comes and goes,
# so never give up, but after an hour of failures try no more than hourly.
FIRST_WAIT_MINUTES = 1
LONGEST_WAIT_MINUTES = 60


def backoff(attempts: int) -> timedelta:
    """Return how long to wait before the next try, after `attempts` failed ones."""
    doublings = min(max(0, attempts - 1), 6)  # 2**6 minutes is past the longest wait
    return timedelta(minutes=min(LONGEST_WAIT_MINUTES, FIRST_WAIT_MINUTES * 2**doublings))


def address(text: str | None, name: str = "smtp_from") -> str:
    """Return one e-mail address trimmed; refuse what cannot be one."""
    value = (text or "").strip()
    if len(value) > MAX_ADDRESS or not _ADDRESS.fullmatch(value):
        raise Refused(name, "address", address=value[:60])
    return value


def recipients(text: str | None) -> list[str]:
    """Return the comma-separated addresses as a list, each once; refuse a bad one."""
    found: list[str] = []
    for part in re.split(r"[,;\n]", text or ""):
        if part.strip():
            one = address(part, "alert_recipients")
            if one.lower() not in (f.lower() for f in found):
                found.append(one)
    if len(found) > MAX_RECIPIENTS:
        raise Refused("alert_recipients", "too_many", count=len(found), max=MAX_RECIPIENTS)
    return found


def host(text: str | None) -> str:
    """Return an SMTP server's name or address trimmed ("" for none); refuse a bad one."""
    value = (text or "").strip().lower()
    if value and (len(value) > MAX_HOST or not _HOST.fullmatch(value)):
        raise Refused("smtp_host", "invalid", host=value[:60])
    return value


def configured(settings: dict[str, Any]) -> bool:
    """Return whether alerts can be sent: a server, a sender and someone to send to."""
    return bool(settings["smtp_host"] and sender(settings) and settings["alert_recipients"])


def sender(settings: dict[str, Any]) -> str:
    """Return the From address: the one set, else the account's name when it is one."""
    if settings["smtp_from"]:
        return settings["smtp_from"]
    user = settings["smtp_user"] or ""
    return user if _ADDRESS.fullmatch(user) else ""
