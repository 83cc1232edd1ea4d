"""Audit entries for what only reads data out: exports and backup downloads.

Changes write their own entry, in their own transaction, where they commit (ikm/*);
sign-ins are counted by store.signin. Nothing here guesses from a request what happened.
"""
from __future__ import annotations

import sqlite3

from flask import current_app

import store
from store.schema import unavailable, write_transaction
from web.auth import actor
from web.database import get_db


def note_export(detail: str) -> None:
    """Record that the signed-in user took data out; a read-only database only loses the note."""
    who = actor()
    try:
        with write_transaction(get_db()) as db:
            store.audit.record(db, "export", who, detail)
    except sqlite3.OperationalError as exc:
        if not unavailable(exc):
            raise
        # The download still goes: reading must keep working while the disk is full or
        # read-only. The server's log keeps what the audit table could not.
        current_app.logger.warning("export by %s from %s not audited (%s): %s",
                                   who.username, who.ip, exc, detail)
