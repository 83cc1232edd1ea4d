"""`add-kiosk` and `create-user`: who may send responses, and who may read them."""
from __future__ import annotations

import argparse
import sys

import store
from cli.common import base_url, open_instance


def cmd_add_kiosk(args: argparse.Namespace) -> int:
    """Register a kiosk and print its pairing link and token."""

    _, db = open_instance(args)
    try:
        # Audited in the same transaction as the kiosk it adds.
        kiosk_id, token = store.kiosks.add_kiosk(db, args.name, actor=store.audit.COMMAND_LINE)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"Kiosk {args.name!r} added (id {kiosk_id}).")
    link = store.kiosks.pairing_link(base_url(args), token)
    print(f"Open this link on the tablet to pair it:\n  {link}")
    print(f"Token (for scripts, Authorization: Bearer ...):\n  {token}")
    print("Keep both private: anyone holding them can send survey responses.")
    return 0


def _password(username: str) -> str | None:
    """Read the new password from the prompt (twice) or standard input; None if they differ."""
    import getpass

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass(f"Password for {username}: ")
    return password if getpass.getpass("Again: ") == password else None


def cmd_create_user(args: argparse.Namespace) -> int:
    """Create a staff account; the password comes from the prompt or standard input."""

    _, db = open_instance(args)  # a broken folder is said before anyone types a password
    try:
        password = _password(args.username)
        if password is None:
            print("error: the two passwords differ", file=sys.stderr)
            return 2
        # Audited in the same transaction as the account it creates.
        user = store.accounts.create_user(db, args.username, password, args.role,
                                          actor=store.audit.COMMAND_LINE)
    except store.accounts.AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"User {user['username']!r} created with role {user['role']}.")
    return 0
