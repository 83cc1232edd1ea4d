"""Sending the queued e-mail through the office's SMTP server, whenever the network allows."""
from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from sqlite_utils import Database

import store
from host.logs import redact
from ikm import mail

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15  # a network that is down must not hold the upkeep (and backups) long

# Sends one message with the office's settings, or raises OSError (smtplib's errors are).
Sender = Callable[[dict[str, Any], EmailMessage], None]


def smtp_send(settings: dict[str, Any], message: EmailMessage) -> None:
    """Send one message through the SMTP server the settings name."""
    host, port, security = settings["smtp_host"], settings["smtp_port"], settings["smtp_security"]
    context = ssl.create_default_context()
    smtp = (smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_SECONDS, context=context)
            if security == "ssl" else smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS))
    with smtp:
        if security == "starttls":
            smtp.starttls(context=context)
        if settings["smtp_user"]:
            smtp.login(settings["smtp_user"], settings["smtp_password"])
        smtp.send_message(message)


def message(item: dict[str, Any], settings: dict[str, Any]) -> EmailMessage:
    """Return a queued row as an e-mail from the office's sender."""
    sender = mail.sender(settings)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = item["recipient"]
    msg["Subject"] = item["subject"]
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(item["body"])
    return msg


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def send_due(db: Database, settings: dict[str, Any], now: datetime,
             send: Sender = smtp_send) -> int:
    """Send the messages whose time has come; return how many went."""
    # A failure puts that message off (longer each time) and ends the round: with the
    # network down, every other message would only wait out the same timeout.
    if not mail.configured(settings):
        return 0  # they wait, counted on the settings page, until SMTP is set again
    done = 0
    for item in store.mail.due(db, _iso(now)):
        try:
            send(settings, message(item, settings))
        except (OSError, ValueError) as exc:
            # smtplib's errors are OSErrors; ValueError: a header the library refuses.
            error = redact(f"{type(exc).__name__}: {exc}", [settings["smtp_password"]])
            store.mail.failed(db, item["id"], error, _iso(now))
            log.warning("e-mail to %s not sent (try %s), tried again later: %s",
                        item["recipient"], item["attempts"] + 1, error)
            break
        store.mail.sent(db, item["id"], _iso(now))
        done += 1
    if done:
        log.info("%s e-mail sent", done)
    return done
