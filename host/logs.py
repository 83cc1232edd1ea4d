"""The server's log: INSTANCE/logs/skm.log, rotated, with every secret hidden before writing.

The admin page shows this file, and offices send it to whoever helps them, so nothing
secret may ever reach it: kiosk and setup tokens, passwords, cookies, CSRF tokens, the
secret key. The formatter hides them in the final text, tracebacks included.
"""
from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path

MAX_BYTES = 1_000_000
BACKUPS = 5
HIDDEN = "[hidden]"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"  # local time, the office's clock on the wall
MIN_SECRET = 4  # a shorter "secret" would hide ordinary words all over the log

# Names whose values are secret: any containing these words (csrf_token, new_password,
# X-CSRFToken, setup_token...), and the password forms' own fields (web/forms.py).
_KEY = (r"[\w-]*(?:password|passwd|secret|token|csrf|api[_-]?key)[\w-]*"
        r"|pwd|session|cookie|authorization|confirm|current|new")
_PATTERNS = [
    # A header line: everything after the name, e.g. "Cookie: session=...; lang=en".
    (re.compile(r"(?im)^(\s*(?:authorization|proxy-authorization|cookie|set-cookie|"
                r"x-csrf-?token|x-api-key)\s*:\s*)\S.*$"), rf"\g<1>{HIDDEN}"),
    # Quoted name and value: JSON, a dict's repr, a (name, value) pair of form or headers.
    (re.compile(rf"""(?i)(["'])({_KEY})\1(\s*[:,]\s*)(["'])(?:\\.|(?!\4).)*\4"""),
     rf"\1\2\1\3\4{HIDDEN}\4"),
    (re.compile(rf"""(?i)(["'])({_KEY})\1(\s*:\s*)(?!["'\s])[^,}}\]\s]+"""),
     rf"\1\2\1\3{HIDDEN}"),
    # name=value in a query string, a form body, a cookie or a message.
    (re.compile(rf"""(?i)(?<![\w-])({_KEY})(\s*=\s*)(?:"[^"]*"|'[^']*'|[^\s&;,'")\]}}]+)"""),
     rf"\1\2{HIDDEN}"),
    # "token: abc" in a message (a type hint in a traceback's source line loses its type).
    (re.compile(r"""(?i)(?<![\w-])([\w-]*(?:password|passwd|secret|token)[\w-]*)(\s*:\s+)"""
                r"""(?!\[hidden\])[^\s&;,'")\]}]+"""), rf"\1\2{HIDDEN}"),
    (re.compile(r"(?i)\b(bearer)(\s+)[^\s\"',;)\]}]+"), rf"\1\2{HIDDEN}"),
    # The pairing link carries the kiosk token in its fragment; the setup link in its path.
    (re.compile(r"(/kiosk/pair/?#)[^\s\"'<>]+"), rf"\1{HIDDEN}"),
    (re.compile(r"(/setup/)(?![<{\[])[^\s/?#\"'<>]+"), rf"\1{HIDDEN}"),
]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return text with every secret it holds replaced by [hidden]."""
    for secret in sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """Format a record as usual, then hide the secrets in the whole text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__(FORMAT, DATE_FORMAT)
        self.secrets: set[str] = set(secrets)

    def format(self, record: logging.LogRecord) -> str:
        # The final text, so a secret in an argument, an exception or a traceback is caught.
        return redact(super().format(record), self.secrets)


def log_path(folder: Path) -> Path:
    """Return the current log file of an instance folder."""
    return Path(folder) / "logs" / "skm.log"


def _ours(folder: Path) -> logging.handlers.RotatingFileHandler | None:
    wanted = os.path.abspath(log_path(folder))
    for handler in logging.getLogger().handlers:
        if (isinstance(handler, logging.handlers.RotatingFileHandler)
                and isinstance(handler.formatter, RedactingFormatter)
                and handler.baseFilename == wanted):
            return handler
    return None


def setup(folder: Path, secrets: Iterable[str] = (), *, max_bytes: int = MAX_BYTES,
          backups: int = BACKUPS, console: bool = False) -> logging.Handler:
    """Write INFO and above to folder/logs/skm.log, rotated; once per folder.

    `console`: warnings and errors go to standard error as well.
    """
    secrets = list(secrets)
    handler = _ours(folder)
    if handler is not None:
        assert isinstance(handler.formatter, RedactingFormatter)
        handler.formatter.secrets.update(secrets)
        return handler
    path = log_path(folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    except OSError as exc:
        # The survey matters more than its log: serve anyway, and say so once.
        print(f"warning: no log file ({exc}); the server runs without one", file=sys.stderr)
        return logging.NullHandler()
    handler.setLevel(logging.INFO)
    formatter = RedactingFormatter(secrets)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)
    root.addHandler(handler)
    if console:
        # Flask adds no console handler of its own once the root logger has one: warnings
        # and errors still reach the server's window (or the service's journal), hidden alike.
        shown = logging.StreamHandler(sys.stderr)
        shown.setLevel(logging.WARNING)
        shown.setFormatter(formatter)
        root.addHandler(shown)
    return handler


def tail(folder: Path, lines: int = 200) -> list[str]:
    """Return the last lines of the current log, oldest first; [] when there is none."""
    if lines <= 0:
        return []
    try:
        with open(log_path(folder), "rb") as f:
            end = f.seek(0, os.SEEK_END)
            start, chunk = end, b""
            # Read back from the end in blocks until there are enough lines.
            while start > 0 and chunk.count(b"\n") <= lines:
                start = max(0, start - 64 * 1024)
                f.seek(start)
                chunk = f.read(end - start)
    except FileNotFoundError:
        return []
    return chunk.decode("utf-8", errors="replace").splitlines()[-lines:]
