"""The instance folder: one server at a time, a database that opens, files written whole."""
from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from sqlite_utils import Database

from store.schema import migrations

LOCK_FILE = "server.lock"
# Who holds the lock, for the refusal message. Only informative: the lock is the truth, so
# a server.json left by a server that died means nothing while the lock is free.
HOLDER_FILE = "server.json"
SECRET_KEY_FILE = "secret_key"
BACKUPS = "backups"  # where the server keeps its daily backups
SQLITE_HEADER = b"SQLite format 3\x00"
STOP_IT = "stop it first (Ctrl+C in its window, or stop the service)"


class InstanceError(Exception):
    """A fault a person has to mend; the message says what is wrong and what to do."""


class Busy(InstanceError):
    """Another process (a server, or a restore) holds the instance folder's lock."""


# --- one server at a time --------------------------------------------------------------


@contextlib.contextmanager
def locked(folder: Path, command: str, **details: Any) -> Iterator[None]:
    """Hold the folder's lock for the block, or raise Busy at once naming who holds it.

    `command` ("serve" or "restore") and `details` (host, port) are noted in server.json.
    """
    lock = FileLock(folder / LOCK_FILE)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        raise Busy(_refusal(folder, command)) from None
    except OSError as exc:
        raise InstanceError(cannot_write(folder, exc)) from None
    try:
        _note_holder(folder, command, details)
        yield
    finally:
        # While the lock is still held, so that no newer holder's note is removed.
        with contextlib.suppress(OSError):
            (folder / HOLDER_FILE).unlink(missing_ok=True)
        lock.release()


def held(folder: Path) -> bool:
    """Return whether a server (or a restore) holds the folder's lock now."""
    if not (folder / LOCK_FILE).exists():
        return False
    lock = FileLock(folder / LOCK_FILE)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        return True
    lock.release()
    return False


def _note_holder(folder: Path, command: str, details: dict[str, Any]) -> None:
    note = {"command": command, "pid": os.getpid(),
            "started_at": datetime.now().isoformat(timespec="seconds"), **details}
    try:
        write_atomically(folder / HOLDER_FILE, json.dumps(note).encode(), mode=0o644)
    except OSError:
        pass  # only informative; a full disk shows itself where it matters


def holder(folder: Path) -> dict[str, Any] | None:
    """Return what the lock's holder noted about itself, or None when unknown."""
    try:
        note = json.loads((folder / HOLDER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return note if isinstance(note, dict) else None


def _describe(note: dict[str, Any] | None) -> str:
    if note is None:
        return "details unknown"
    parts = [f"pid {note.get('pid', '?')}"]
    if note.get("port"):
        parts.append(f"on {note.get('host', '?')}:{note['port']}")
    since = str(note.get("started_at", "")).replace("T", " ")[:16]
    if since:
        parts.append(f"since {since}")
    return ", ".join(parts)


def _refusal(folder: Path, wanted: str) -> str:
    note = holder(folder)
    who = f"({_describe(note)})"
    if note is not None and note.get("command") == "restore":
        return (f"a restore is in progress on the instance folder {folder} {who}; "
                f"wait for it to finish, then try again")
    if wanted == "restore":
        return (f"cannot restore while a server is running on the instance folder {folder} "
                f"{who}; {STOP_IT}, then run the restore again")
    return (f"a server is already running on the instance folder {folder} {who}; "
            f"use that one, or {STOP_IT}")


# --- a folder and a database that work ---------------------------------------------------


def cannot_write(path: Path, exc: OSError) -> str:
    """Say in plain words why nothing can be written at `path`, and what to do."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return f"the disk holding {path} is full ({reason}); free some space, then try again"
    if not path.exists():
        return (f"cannot create the instance folder {path} ({reason}); "
                f"choose a writable place with --instance")
    kind = "instance folder" if path.is_dir() else "database file"
    return (f"the {kind} {path} is read-only ({reason}), so nothing can be saved there; "
            f"make it writable, or choose a writable folder with --instance")


def check_writable(folder: Path, database: Path) -> None:
    """Raise InstanceError unless the folder and the database can be written."""
    for place in dict.fromkeys((folder, database.parent)):
        try:
            place.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=place, prefix=".write-test-")
            os.close(fd)
            os.unlink(name)
        except OSError as exc:
            raise InstanceError(cannot_write(place, exc)) from None
    for path in (database, *_companions(database)):
        # Asked, not opened: closing a descriptor of the database would drop the POSIX
        # locks of any SQLite connection this process holds on it.
        if path.exists() and not os.access(path, os.W_OK):
            refused = PermissionError(errno.EACCES, "no permission to write")
            raise InstanceError(cannot_write(path, refused))


def _companions(database: Path) -> tuple[Path, Path]:
    return Path(f"{database}-wal"), Path(f"{database}-shm")


def check_database(database: Path, folder: Path) -> None:
    """Raise InstanceError unless the database is absent (a first start) or opens whole."""
    if not database.exists() or database.stat().st_size == 0:
        return  # SQLite makes a new database
    with database.open("rb") as f:
        header = f.read(100)
    if not header.startswith(SQLITE_HEADER):
        raise InstanceError(f"the database {database} is not an SQLite database; "
                            f"{restore_hint(folder)}")
    problem = _quick_check(database)
    if problem:
        raise InstanceError(f"the database {database} is {_damage(database, header, problem)}; "
                            f"{restore_hint(folder)}")
    newer = newer_changes(database)
    if newer:
        raise InstanceError(f"the database {database} was written by a newer version of this "
                            f"program (it has {', '.join(newer)}); update the program first")


def _quick_check(database: Path) -> str | None:
    """Return what SQLite's quick check finds wrong, or None when the database is whole."""
    conn = sqlite3.connect(database, timeout=10)
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        if (exc.sqlite_errorname or "").startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
            return str(exc)
        raise InstanceError(f"cannot read the database {database} ({exc}); "
                            f"try again in a moment") from None
    finally:
        conn.close()
    if rows == [("ok",)]:
        return None
    return str(rows[0][0])[:200]


def _damage(database: Path, header: bytes, problem: str) -> str:
    """Word the damage: a file cut short is the commonest after a power cut or a bad copy."""
    size, expected = database.stat().st_size, _size_in_header(header)
    leftovers = [p for p in (*_companions(database), Path(f"{database}-journal")) if p.exists()]
    if expected and size < expected and not leftovers:
        return f"truncated (it has {size} of its {expected} bytes)"
    return f"damaged ({problem})"


def _size_in_header(header: bytes) -> int | None:
    """Return the database's size as its header records it, when the header vouches for it."""
    if len(header) < 100:
        return None
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The page count is valid only when the change counter matches "version-valid-for".
    if header[24:28] != header[92:96] or not pages:
        return None
    return pages * page_size


def known_changes() -> set[str]:
    """Return the names of the schema changes (migrations) this version knows."""
    with contextlib.closing(Database(memory=True)) as empty:
        return {m.name for m in migrations.pending(empty)}


def newer_changes(database: Path) -> list[str]:
    """Return the schema changes applied to a database that this version does not know."""
    with contextlib.closing(Database(sqlite3.connect(database, timeout=10))) as db:
        applied = [m.name for m in migrations.applied(db)]
    known = known_changes()
    return [name for name in applied if name not in known]


def latest_backup(folder: Path) -> Path | None:
    """Return the newest backup in the instance's backups folder, if any."""
    try:
        files = [p for p in (folder / BACKUPS).iterdir() if p.is_file() and p.suffix == ".db"]
    except OSError:
        return None
    return max(files, key=lambda p: (p.stat().st_mtime, p.name), default=None)


def restore_hint(folder: Path) -> str:
    """Say how to restore the latest backup, with the exact command where one is known."""
    newest = latest_backup(folder)
    command = (f"python kiosk.py restore {_quoted(newest or 'BACKUP.db')} "
               f"--instance {_quoted(folder)}")
    if newest:
        return f"restore the latest backup: {command}"
    return (f"restore your latest backup: {command} "
            f"(in place of BACKUP.db, the latest file the backup command wrote)")


def _quoted(path: Path | str) -> str:
    text = str(path)
    return f'"{text}"' if any(c.isspace() for c in text) else text


# --- files written whole -------------------------------------------------------------------


def write_atomically(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write a file whole or not at all: a temporary file, on the disk, then renamed."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """Put the rename itself on the disk (POSIX; Windows cannot open a folder for this)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def secret_key(folder: Path) -> str:
    """Return the instance's secret key, making it on the first start (never left empty)."""
    path = folder / SECRET_KEY_FILE
    try:
        key = path.read_text(encoding="ascii", errors="replace").strip()
    except FileNotFoundError:
        key = ""
    except OSError as exc:
        raise InstanceError(f"cannot read the secret key {path} ({exc.strerror}); "
                            f"check the file's permissions") from None
    if key:
        return key
    # Missing, or empty as an older version could leave it on a full disk.
    key = secrets.token_hex(32)
    try:
        write_atomically(path, key.encode("ascii"))
    except OSError as exc:
        raise InstanceError(f"cannot write the secret key: {cannot_write(folder, exc)}"
                            ) from None
    return key
