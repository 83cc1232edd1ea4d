"""Consistent copies of the database while the server runs, and putting one back."""
from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import store

PAGES_PER_STEP = 256  # copy in small steps so kiosks' writes are never held up for long
_SOUND = re.compile(r"[0-9a-f]{64}")  # a recording's file is named by its sha256
log = logging.getLogger(__name__)


def copy_recordings(source: Path, dest: Path) -> int:
    """Copy into `dest` the recordings of `source` it lacks; return how many were copied.

    The recorded prompts live in files, not in the database: each backup folder keeps a
    copy beside the database files, so a restore on another PC brings the office's voice
    back. Files are named by their content's hash and never change, so one copy each
    serves every backup; none is ever deleted there (an older backup may name it).
    """
    if not source.is_dir():
        return 0
    copied = 0
    for sound in sorted(source.iterdir()):
        target = dest / sound.name
        if not _SOUND.fullmatch(sound.name) or not sound.is_file() or target.exists():
            continue
        dest.mkdir(exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        try:
            shutil.copyfile(sound, partial)
            os.replace(partial, target)  # never a half file under a sound's name
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        copied += 1
    if copied:
        store.instance.sync_folder(dest)
    return copied


def backup(source: Path, dest: Path, *, replace: bool = False) -> Path:
    """Copy the database to `dest` (a file, or a folder for a dated file) with SQLite's
    online backup, consistent even while kiosks write; return the file written.

    An existing `dest` is refused, unless `replace` (a newer backup of the same day).
    """
    if dest.is_dir():
        dest = dest / f"skm-{datetime.now():%Y%m%d-%H%M%S}.db"
    if dest.exists() and not replace:
        raise FileExistsError(f"{dest} exists; choose a new name or a folder")
    if not dest.parent.is_dir():  # sqlite3 would only say "unable to open database file"
        raise FileNotFoundError(f"the folder {dest.parent} does not exist; create it, or "
                                f"check the flash disk is plugged in")
    partial = dest.with_name(dest.name + ".partial")
    try:
        with contextlib.closing(sqlite3.connect(source)) as src, \
                contextlib.closing(sqlite3.connect(partial)) as out:
            src.backup(out, pages=PAGES_PER_STEP)
            check(out)
    except BaseException:
        partial.unlink(missing_ok=True)  # e.g. a full flash disk: leave no half copy behind
        raise
    # A half-written backup never carries the final name: written, checked, then renamed.
    os.replace(partial, dest)
    store.instance.sync_folder(dest.parent)
    return dest


def check(conn: sqlite3.Connection) -> None:
    """Raise ValueError unless the database passes SQLite's integrity check."""
    result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise ValueError(f"integrity check failed: {result}")


def restore(backup_file: Path, database: Path) -> Path | None:
    """Put a backup in place of the database (server stopped); return where the old one went.

    A backup from a newer version of the program is refused: this one would not know its
    schema. An older one is fine: its migrations run when it is next opened.
    """
    _verify(backup_file, database)
    kept = _keep(database) if database.exists() else None
    restoring = database.with_name(database.name + ".restoring")
    restoring.unlink(missing_ok=True)
    # Through SQLite rather than a file copy, so a backup's own -wal file is included.
    with contextlib.closing(sqlite3.connect(backup_file)) as src, \
            contextlib.closing(sqlite3.connect(restoring)) as out:
        src.backup(out)
    # The old -wal must go first: SQLite would replay it over the restored pages.
    for suffix in ("-wal", "-shm"):
        Path(str(database) + suffix).unlink(missing_ok=True)
    os.replace(restoring, database)  # a power cut leaves the old file or the new, never half
    store.instance.sync_folder(database.parent)
    try:  # the recordings kept beside the backup, for a restore on another PC
        copy_recordings(backup_file.parent / store.recordings.FOLDER,
                        database.parent / store.recordings.FOLDER)
    except OSError as exc:
        log.warning("recordings beside %s not copied back: %s", backup_file, exc)
    return kept


def _verify(backup_file: Path, database: Path) -> None:
    """Raise ValueError (or OSError) unless `backup_file` is a whole SKM backup we know."""
    if not backup_file.is_file():  # sqlite3.connect would create an empty one
        raise FileNotFoundError(f"{backup_file} does not exist; give the path of a backup file")
    if database.exists() and backup_file.resolve() == database.resolve():
        raise ValueError(f"{backup_file} is the database itself; give the path of a backup file")
    with backup_file.open("rb") as f:
        if f.read(len(store.instance.SQLITE_HEADER)) != store.instance.SQLITE_HEADER:
            raise ValueError(f"{backup_file} is not an SKM database (not even SQLite)")
    with contextlib.closing(sqlite3.connect(backup_file)) as conn:
        try:
            check(conn)
        except (ValueError, sqlite3.DatabaseError) as exc:
            raise ValueError(f"the backup {backup_file} is damaged ({exc}); choose another "
                             f"backup") from None
        if not conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'responses'"
                            ).fetchone()[0]:
            raise ValueError(f"{backup_file} is not an SKM database")
    newer = store.instance.newer_changes(backup_file)
    if newer:
        raise ValueError(f"the backup {backup_file} comes from a newer version of this program "
                         f"(it has {', '.join(newer)}); update the program first, then restore "
                         f"it")


def _keep(database: Path) -> Path:
    """Copy the database beside itself before it is replaced; return the copy's path."""
    kept = database.with_name(f"{database.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}")
    try:
        with contextlib.closing(sqlite3.connect(database)) as old, \
                contextlib.closing(sqlite3.connect(kept)) as copy:
            old.backup(copy)  # includes what is still in the WAL file
    except sqlite3.DatabaseError:
        # Damaged, or not a database at all (the reason to restore): keep it as it is.
        kept.unlink(missing_ok=True)
        for suffix in ("", "-wal"):
            if Path(f"{database}{suffix}").exists():
                _copy_synced(Path(f"{database}{suffix}"), Path(f"{kept}{suffix}"))
    return kept


def _copy_synced(source: Path, dest: Path) -> None:
    shutil.copyfile(source, dest)
    with dest.open("rb+") as f:
        os.fsync(f.fileno())


def only_in(previous: Path, database: Path) -> int | None:
    """Count the responses `previous` holds that `database` lacks (by id); None if unreadable."""
    try:
        with contextlib.closing(sqlite3.connect(database)) as conn:
            conn.execute("ATTACH DATABASE ? AS previous", [str(previous)])
            return conn.execute("SELECT count(*) FROM previous.responses WHERE id NOT IN "
                                "(SELECT id FROM main.responses)").fetchone()[0]
    except sqlite3.DatabaseError:
        return None
