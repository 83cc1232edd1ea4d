"""Staff accounts: roles, hashed passwords, sessions that end, and the one-time setup link."""
from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from ikm import audit
from ikm.config import utc_now
from ikm.db import write_transaction

# Each role may do everything the roles before it may.
ROLES = ("viewer", "staff", "admin")
ROLE_NAMES = {"viewer": "Pembaca (viewer)", "staff": "Petugas (staff)", "admin": "Admin"}
MIN_PASSWORD = 8
_USERNAME = re.compile(r"[a-z0-9._-]{3,32}")


class AccountError(ValueError):
    """A request about an account that cannot be done; `reason` says why, for the pages."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def at_least(role: str, needed: str) -> bool:
    """Return whether `role` may do what `needed` may."""
    return ROLES.index(role) >= ROLES.index(needed)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password needs at least {MIN_PASSWORD} characters",
                           "short_password")


def create_user(db: Database, username: str, password: str, role: str, *,
                actor: audit.Actor) -> dict[str, Any]:
    """Create an account; usernames are lower-case letters, digits and . _ -."""
    username = username.strip().lower()
    if not _USERNAME.fullmatch(username):
        raise AccountError("username: 3-32 lower-case letters, digits, '.', '_' or '-'",
                           "bad_username")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}", "bad_role")
    _check_password(password)
    with write_transaction(db):
        if db["users"].count_where("username = ?", [username]):
            raise AccountError(f"username {username!r} is taken", "taken")
        db["users"].insert({"username": username, "role": role, "active": 1,
                            "password_hash": generate_password_hash(password),
                            "created_at": utc_now()})
        audit.record(db, "user", actor, f"{username}: created as {role}")
    return get_user(db, username)


def get_user(db: Database, username: str) -> dict[str, Any] | None:
    rows = list(db["users"].rows_where("username = ?", [username.strip().lower()], limit=1))
    return rows[0] if rows else None


def end_sessions(db: Database, user_id: int) -> None:
    """End every session of an account: each carries the version it was signed in with."""
    db.execute("UPDATE users SET session_version = session_version + 1 WHERE id = ?", [user_id])


def change_password(db: Database, user_id: int, old: str | None, new: str, *,
                    actor: audit.Actor) -> dict[str, Any]:
    """Set a new password and end the account's sessions; return the updated account.

    `old` must match unless an admin resets it (old=None).
    """
    user = db["users"].get(user_id)
    if old is not None and not check_password_hash(user["password_hash"], old):
        raise AccountError("the current password is not right", "wrong_password")
    _check_password(new)
    with write_transaction(db):
        db["users"].update(user_id, {"password_hash": generate_password_hash(new)})
        end_sessions(db, user_id)
        whose = "own password" if actor.username == user["username"] else "password reset"
        audit.record(db, "password", actor, f"{user['username']}: {whose}")
    return db["users"].get(user_id)


def has_admin(db: Database) -> bool:
    return bool(db["users"].count_where("role = 'admin' AND active = 1"))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_setup_token(db: Database) -> str:
    """Replace the one-time setup token (only while there is no administrator)."""
    token = secrets.token_urlsafe(24)
    with write_transaction(db):
        db["setup_tokens"].delete_where()
        db["setup_tokens"].insert({"token_hash": _digest(token), "created_at": utc_now()})
    return token


def setup_token_valid(db: Database, token: str) -> bool:
    return not has_admin(db) and bool(
        db["setup_tokens"].count_where("token_hash = ?", [_digest(token)]))


def use_setup_token(db: Database, token: str, username: str, password: str,
                    ip: str | None = None) -> dict[str, Any]:
    """Create the first administrator with the setup token; the token then stops working."""
    with write_transaction(db):
        if not setup_token_valid(db, token):
            raise AccountError("this setup link has been used or replaced", "used_link")
        user = create_user(db, username, password, "admin",
                           actor=audit.Actor(username.strip().lower(), ip))
        db["setup_tokens"].delete_where()
        audit.record(db, "setup", audit.Actor(user["username"], ip), user["username"])
    return user
