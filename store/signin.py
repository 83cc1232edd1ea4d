"""Signing in: passwords checked in constant time, failures slowed per name and address.

The rule (README, Security): failures are counted per username *and* client address
over 15 minutes. From the 5th failure for one name from one address (or the 30th from
one address over all names) that address waits before its next try for that name:
30 seconds, doubling with each further failure, at most 15 minutes. Nobody is locked
out from elsewhere: other addresses are not slowed. An address from which the user
signed in before (a known address) is let through with the right password even while
slowed, after 10 seconds at most. An admin can lift the slowdown.
"""
from __future__ import annotations

import logging
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlite_utils import Database
from werkzeug.security import check_password_hash

from store import audit
from store.accounts import forget_failures, get_user, hash_password
from store.schema import unavailable, write_transaction

WINDOW = timedelta(minutes=15)
SLOW_AFTER = 5  # failures of one name from one address
ADDRESS_SLOW_AFTER = 30  # failures from one address over all names (trying many names)
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=15)
KNOWN_WAIT = timedelta(seconds=10)  # the most a known address waits for its next check
KNOWN_FOR = timedelta(days=90)  # how long a successful sign-in makes an address known
log = logging.getLogger(__name__)
_dummy: dict[str, str] = {}


@dataclass(frozen=True)
class Outcome:
    """What a sign-in attempt came to: the user, or how long to wait (None: wrong)."""

    user: dict[str, Any] | None = None
    wait: timedelta | None = None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds")


def wait_for(db: Database, username: str, ip: str | None,
             now: datetime | None = None) -> timedelta | None:
    """Return how long this address must still wait before trying this name, if at all."""
    now = now or _now()
    since = _iso(now - WINDOW)
    count, last = db.execute(
        "SELECT count(*), max(at) FROM login_failures WHERE username = ? AND ip IS ? AND at > ?",
        [username, ip, since]).fetchone()
    by_address, last_any = db.execute(
        "SELECT count(*), max(at) FROM login_failures WHERE ip IS ? AND at > ?",
        [ip, since]).fetchone()
    waits = [_pause(count, SLOW_AFTER, last, now), _pause(by_address, ADDRESS_SLOW_AFTER,
                                                          last_any, now)]
    return max((w for w in waits if w), default=None)


def _pause(failures: int, threshold: int, last: str | None, now: datetime
           ) -> timedelta | None:
    if failures < threshold or last is None:
        return None
    wait = min(FIRST_WAIT * 2 ** (failures - threshold), LONGEST_WAIT)
    left = datetime.fromisoformat(last) + wait - now
    return left if left > timedelta(0) else None


def is_known(db: Database, username: str, ip: str | None, now: datetime | None = None) -> bool:
    """Return whether this user signed in from this address within KNOWN_FOR."""
    since = _iso((now or _now()) - KNOWN_FOR)
    return db.execute("SELECT 1 FROM signin_addresses WHERE username = ? AND ip IS ? AND "
                      "last_success > ?", [username, ip, since]).fetchone() is not None


def authenticate(db: Database, username: str, password: str, ip: str | None) -> Outcome:
    """Check a sign-in; count a failure, or note the address as known on success.

    Reading and checking need no write: with the database read-only staff can still
    sign in and read; only the bookkeeping is then lost (and logged).
    """
    username = username.strip().lower()[:100]
    now = _now()
    wait = wait_for(db, username, ip, now)
    if wait and is_known(db, username, ip, now):
        wait = _known_wait(db, username, ip, now)
    if wait:
        _bookkeep(db, lambda: audit.count_failure(db, "login_locked", username, ip))
        return Outcome(wait=wait)
    user = get_user(db, username)
    # The dummy check makes an unknown name cost the same time as a known one.
    stored = user["password_hash"] if user else dummy_hash()
    if check_password_hash(stored, password) and user and user["active"]:
        _bookkeep(db, lambda: _succeeded(db, user, ip, now))
        return Outcome(user=user)
    _bookkeep(db, lambda: _failed(db, username, ip, now))
    return Outcome()


def dummy_hash() -> str:
    """Return a hash no password matches, made as real ones are (by accounts.hash_password).

    Checked when the name is unknown, so that an unknown name takes as long as a known one.
    """
    if "hash" not in _dummy:
        _dummy["hash"] = hash_password(secrets.token_hex(16))
    return _dummy["hash"]


def _known_wait(db: Database, username: str, ip: str | None, now: datetime
                ) -> timedelta | None:
    # A known address still waits a little between checks: someone else at the same
    # address must not get to guess at full speed.
    (last,) = db.execute("SELECT max(at) FROM login_failures WHERE username = ? AND ip IS ?",
                         [username, ip]).fetchone()
    left = datetime.fromisoformat(last) + KNOWN_WAIT - now if last else timedelta(0)
    return left if left > timedelta(0) else None


def _succeeded(db: Database, user: dict[str, Any], ip: str | None, now: datetime) -> None:
    db.execute("DELETE FROM login_failures WHERE username = ? AND ip IS ?",
               [user["username"], ip])
    db.execute("INSERT INTO signin_addresses (username, ip, last_success) VALUES (?, ?, ?) "
               "ON CONFLICT (username, ip) DO UPDATE SET last_success = excluded.last_success",
               [user["username"], ip, _iso(now)])
    audit.record(db, "login", audit.Actor(user["username"], ip))


def _failed(db: Database, username: str, ip: str | None, now: datetime) -> None:
    # Old failures go as new ones come, so the table holds about one window's worth.
    db.execute("DELETE FROM login_failures WHERE at <= ?", [_iso(now - WINDOW)])
    db.execute("INSERT INTO login_failures (username, ip, at) VALUES (?, ?, ?)",
               [username, ip, _iso(now)])
    audit.count_failure(db, "login_failed", username, ip)


def _bookkeep(db: Database, write: Callable[[], None]) -> None:
    """Write a sign-in's bookkeeping; a database that cannot be written only loses it."""
    try:
        with write_transaction(db):
            write()
    except sqlite3.OperationalError as exc:
        if not unavailable(exc):
            raise
        log.warning("sign-in not recorded (%s)", exc)


def slowed(db: Database) -> dict[str, int]:
    """Return each username that some address is being slowed down for, with its failures."""
    since = _iso(_now() - WINDOW)
    rows = db.execute("SELECT username, ip, count(*) FROM login_failures WHERE at > ? "
                      "GROUP BY username, ip HAVING count(*) >= ?", [since, SLOW_AFTER])
    found: dict[str, int] = {}
    for username, _ip, count in rows:
        found[username] = found.get(username, 0) + count
    return found


def lift(db: Database, username: str, actor: audit.Actor) -> int:
    """Forget a name's failed sign-ins from every address; return how many there were."""
    with write_transaction(db):
        forgotten = forget_failures(db, username)
        audit.record(db, "unlock", actor, f"{username}: {forgotten} failed sign-ins")
    return forgotten
