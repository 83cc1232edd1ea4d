"""Consistent copies of the database while the server runs, and putting one back."""
from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

PAGES_PER_STEP = 256  # copy in small steps so kiosks' writes are never held up for long


def backup(source: Path, dest: Path) -> Path:
    """Copy the database to `dest` (a file, or a folder for a dated file) with SQLite's
    online backup, consistent even while kiosks write; return the file written."""
    if dest.is_dir():
        dest = dest / f"skm-{datetime.now():%Y%m%d-%H%M%S}.db"
    if dest.exists():
        raise FileExistsError(f"{dest} exists; choose a new name or a folder")
    partial = dest.with_name(dest.name + ".partial")
    with sqlite3.connect(source) as src, sqlite3.connect(partial) as out:
        src.backup(out, pages=PAGES_PER_STEP)
        check(out)
    src.close()
    out.close()
    partial.rename(dest)  # a half-written backup never carries the final name
    return dest


def check(conn: sqlite3.Connection) -> None:
    """Raise ValueError unless the database passes SQLite's integrity check."""
    result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise ValueError(f"integrity check failed: {result}")


def restore(backup_file: Path, database: Path) -> Path | None:
    """Put a backup in place of the database (server stopped); return where the old one went."""
    with sqlite3.connect(backup_file) as conn:
        check(conn)
        if not conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'responses'"
                            ).fetchone()[0]:
            raise ValueError(f"{backup_file} is not an SKM database")
    conn.close()
    kept = None
    if database.exists():
        kept = database.with_name(f"{database.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}")
        with sqlite3.connect(database) as old, sqlite3.connect(kept) as copy:
            old.backup(copy)  # includes what is still in the WAL file
        old.close()
        copy.close()
    for suffix in ("-wal", "-shm"):
        Path(str(database) + suffix).unlink(missing_ok=True)
    shutil.copyfile(backup_file, database)
    return kept
