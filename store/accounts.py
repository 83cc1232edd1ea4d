"""Staff accounts: roles, hashed passwords, sessions that end, and the one-time setup link."""
from __future__ import annotations

import re
from typing import Any

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from ikm.clock import utc_now
from ikm.refused import Refused
from store import audit
from store.schema import one, rows, write_transaction
from store.tokens import hash_token, new_token

# Each role may do everything the roles before it may.
ROLES = ("viewer", "staff", "admin")
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


def hash_password(password: str) -> str:
    """Return a password's stored form (scrypt, by Werkzeug; salted, slow on purpose)."""
    return generate_password_hash(password)


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
        if db.table("users").count_where("username = ?", [username]):
            raise AccountError(f"username {username!r} is taken", "taken")
        db.table("users").insert({"username": username, "role": role, "active": 1,
                                  "password_hash": hash_password(password),
                                  "created_at": utc_now()})
        audit.record(db, "user", actor, f"{username}: created as {role}")
        created = get_user(db, username)
    assert created is not None  # inserted just above, in this transaction
    return created


def get_user(db: Database, username: str) -> dict[str, Any] | None:
    return one(db, "SELECT * FROM users WHERE username = ?", [username.strip().lower()])


def get_by_id(db: Database, user_id: int) -> dict[str, Any] | None:
    """Return one account, or None."""
    return one(db, "SELECT * FROM users WHERE id = ?", [user_id])


def everyone(db: Database) -> list[dict[str, Any]]:
    """Return every account, active ones first, by name."""
    return rows(db, "SELECT * FROM users ORDER BY active DESC, username")


def count_active(db: Database) -> int:
    """Return how many accounts may sign in."""
    return db.execute("SELECT count(*) FROM users WHERE active = 1").fetchone()[0]


def end_sessions(db: Database, user_id: int) -> None:
    """End every session of an account: each carries the version it was signed in with."""
    db.execute("UPDATE users SET session_version = session_version + 1 WHERE id = ?", [user_id])


def change_password(db: Database, user_id: int, old: str | None, new: str, *,
                    actor: audit.Actor) -> dict[str, Any]:
    """Set a new password and end the account's sessions; return the updated account.

    `old` must match unless an admin resets it (old=None).
    """
    user = db.table("users").get(user_id)
    if old is not None and not check_password_hash(user["password_hash"], old):
        raise AccountError("the current password is not right", "wrong_password")
    _check_password(new)
    with write_transaction(db):
        db.table("users").update(user_id, {"password_hash": hash_password(new)})
        end_sessions(db, user_id)
        whose = "own password" if actor.username == user["username"] else "password reset"
        audit.record(db, "password", actor, f"{user['username']}: {whose}")
    return db.table("users").get(user_id)


def has_admin(db: Database) -> bool:
    return bool(db.table("users").count_where("role = 'admin' AND active = 1"))


def new_setup_token(db: Database) -> str:
    """Replace the one-time setup token (only while there is no administrator)."""
    token = new_token(24)
    with write_transaction(db):
        db.table("setup_tokens").delete_where()
        db.table("setup_tokens").insert({"token_hash": hash_token(token), "created_at": utc_now()})
    return token


def setup_token_valid(db: Database, token: str) -> bool:
    return not has_admin(db) and bool(
        db.table("setup_tokens").count_where("token_hash = ?", [hash_token(token)]))


def use_setup_token(db: Database, token: str, username: str, password: str,
                    ip: str | None = None) -> dict[str, Any]:
    """Create the first administrator with the setup token; the token then stops working."""
    with write_transaction(db):
        if not setup_token_valid(db, token):
            raise AccountError("this setup link has been used or replaced", "used_link")
        user = create_user(db, username, password, "admin",
                           actor=audit.Actor(username.strip().lower(), ip))
        db.table("setup_tokens").delete_where()
        audit.record(db, "setup", audit.Actor(user["username"], ip), user["username"])
    return user


def _keep_an_admin(db: Database, user_id: int) -> None:
    if not db.table("users").count_where("role = 'admin' AND active = 1 AND id != ?", [user_id]):
        raise Refused("user", "last_admin")


def set_role(db: Database, user_id: int, role: str, *, acting_id: int | None = None,
             actor: audit.Actor) -> None:
    """Change an account's role and end its sessions; never demote oneself or the last admin."""
    if role not in ROLES:
        raise Refused("role", "invalid", role=role)
    with write_transaction(db):
        user = db.table("users").get(user_id)
        if user["role"] == "admin" and role != "admin":
            if user_id == acting_id:
                raise Refused("role", "self")
            _keep_an_admin(db, user_id)
        db.table("users").update(user_id, {"role": role})
        end_sessions(db, user_id)
        audit.record(db, "user", actor, f"{user['username']}: role {user['role']} -> {role}")


def set_active(db: Database, user_id: int, active: bool, *, acting_id: int | None = None,
               actor: audit.Actor) -> None:
    """Let an account sign in again, or stop it; never oneself, never the last admin."""
    with write_transaction(db):
        user = db.table("users").get(user_id)
        if not active:
            if user_id == acting_id:
                raise Refused("user", "self")
            if user["role"] == "admin":
                _keep_an_admin(db, user_id)
        db.table("users").update(user_id, {"active": int(active)})
        if not active:
            end_sessions(db, user_id)
        audit.record(db, "user", actor,
                     f"{user['username']}: {'active again' if active else 'deactivated'}")


def reset_password(db: Database, user_id: int, new: str, *, actor: audit.Actor) -> None:
    """Set a new password chosen by an admin, and lift the slowdown of failed attempts."""
    with write_transaction(db):
        user = change_password(db, user_id, None, new, actor=actor)
        # Whoever forgot their password has often been slowed down trying.
        forget_failures(db, user["username"])


def forget_failures(db: Database, username: str) -> int:
    """Forget a name's failed sign-ins from every address; return how many there were."""
    return db.execute("DELETE FROM login_failures WHERE username = ?", [username]).rowcount
