"""`backup`, `restore`, `status` and `rebuild-totals`: the data kept safe and right, and how
the server is doing."""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path

import store
from cli.common import database_path, folder_of, open_instance
from store import recount


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a consistent copy of the database, also while the server runs."""
    from store.schema import write_transaction

    app, db = open_instance(args)
    try:
        written = store.backup.backup(Path(app.config["DATABASE"]), Path(args.dest))
        # The recorded prompts are files: they go beside the copy, for a restore elsewhere.
        sounds = store.backup.copy_recordings(
            Path(app.config["DATABASE"]).parent / store.recordings.FOLDER,
            written.parent / store.recordings.FOLDER)
        with write_transaction(db):
            store.audit.record(db, "backup", store.audit.COMMAND_LINE,
                               f"backup written to {os.path.abspath(written)}")
    except (OSError, ValueError, sqlite3.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"Backup written: {written}")
    if sounds:
        print(f"Recordings copied beside it: {sounds}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Put a backup in place of the database; refused while a server runs on the folder."""

    folder = folder_of(args)
    database = database_path(folder)
    source = Path(os.path.abspath(args.source))
    store.instance.check_writable(folder, database)
    # Held for the whole restore: no server can start on a half-restored database.
    with store.instance.locked(folder, "restore"):
        try:
            kept = store.backup.restore(source, database)
        except (OSError, ValueError, sqlite3.Error) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        _audit_restore(database, source, kept)
        only_before = store.backup.only_in(kept, database) if kept else 0
    print(f"Restored {source}.")
    if kept:
        print(f"The previous database was kept as {kept}.")
        print(_previous_responses(only_before))
    print("Start the server again.")
    return 0


def _audit_restore(database: Path, source: Path, kept: Path | None) -> None:
    """Note the restore in the restored database, migrated first (an old backup's audit
    table lacks the columns an entry needs)."""
    from store.schema import open_db, write_transaction

    db = open_db(database)
    try:
        with write_transaction(db):
            store.audit.record(db, "restore", store.audit.COMMAND_LINE,
                               f"restored from {source}; the previous database was kept as {kept}"
                               if kept else f"restored from {source}; there was no database before")
    finally:
        db.close()


def _previous_responses(count: int | None) -> str:
    if count is None:
        return "It could not be read, so it was kept as it was, for a specialist to look at."
    if count == 0:
        return "Every response it held is also in the backup."
    return (f"It holds {count} response{'s' if count != 1 else ''} that the backup does not "
            f"have; {'they are' if count != 1 else 'it is'} only in that kept file.")


def cmd_status(args: argparse.Namespace) -> int:
    """Say how the server is doing (whether or not it runs); 1 when something needs a person."""
    from host import autostart, status

    folder = folder_of(args)
    code, lines = status.report(folder, database_path(folder), autostart.state)
    print("\n".join(lines))
    return code


def cmd_rebuild_totals(args: argparse.Namespace) -> int:
    """Recompute the daily totals from the responses; 1 when some had to be put right."""
    _, db = open_instance(args)
    try:
        fixed = recount.rebuild(db)
    finally:
        db.close()
    if not fixed:
        print("The daily totals agree with the responses: nothing to put right.")
        return 0
    print(f"{len(fixed)} row{'s' if len(fixed) != 1 else ''} of daily totals differed from the "
          f"responses and {'were' if len(fixed) != 1 else 'was'} recomputed:")
    for counted, service, day, questionnaire, channel in fixed:
        every = "every service" if service == store.daily_totals.EVERY_SERVICE else service
        print(f"  {day}  {every}, {questionnaire}, {channel}, "
              f"{'counted' if counted else 'left out'}")
    return 1
