"""The server's own backups: one a day in INSTANCE/backups, copied to a second folder,
the last 14 days and 12 months kept."""
from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import sqlite3
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from ikm.health import MISSING
from store import backup, instance, recordings

log = logging.getLogger(__name__)

DAILY_KEPT = 14
MONTHLY_KEPT = 12
STATE_FILE = "last.json"  # how the last automatic backup went, for the strip and `status`
DAILY = re.compile(r"skm-(\d{4})-(\d{2})-(\d{2})\.db")


@dataclass(frozen=True)
class Outcome:
    """How an automatic backup went: where it is, or why it failed; the second copy too."""

    at: str  # UTC, ISO 8601
    file: str | None = None
    error: str | None = None
    second_folder: str = ""
    second_error: str | None = None


def folder(instance_folder: Path) -> Path:
    """Return the folder the server's own backups go to."""
    return instance_folder / instance.BACKUPS


def name(day: date) -> str:
    """Return a daily backup's file name, e.g. skm-2026-11-30.db."""
    return f"skm-{day.isoformat()}.db"


def daily(database: Path, instance_folder: Path, today: date, second: str = "") -> Outcome:
    """Back the database up as today's file, copy it to `second` (if set), prune old ones.

    Never raises: a full or read-only disk is said in the outcome (and the log), the
    previous backups stay as they were, and the server goes on serving.
    """
    at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    here = folder(instance_folder)
    try:
        here.mkdir(exist_ok=True)
        _tidy(here)
        written = backup.backup(database, here / name(today), replace=True)
    except (OSError, sqlite3.Error, ValueError) as exc:
        log.error("backup into %s failed: %s", here, exc)
        outcome = Outcome(at, error=_reason(exc), second_folder=second)
        _note(instance_folder, outcome)
        return outcome
    log.info("backup written: %s (%d bytes)", written, written.stat().st_size)
    _prune(here)
    _recordings(instance_folder / recordings.FOLDER, here / recordings.FOLDER)
    outcome = Outcome(at, file=str(written), second_folder=second,
                      second_error=copy_to(written, Path(second)) if second else None)
    _note(instance_folder, outcome)
    return outcome


def copy_to(written: Path, second: Path) -> str | None:
    """Copy a backup into the second folder and prune there; return why not, or None."""
    if not second.is_dir():
        log.warning("second backup folder %s is missing; copy skipped", second)
        return MISSING
    dest = second / written.name
    partial = dest.with_name(dest.name + ".partial")
    try:
        _tidy(second)
        shutil.copyfile(written, partial)
        with partial.open("rb+") as f:
            os.fsync(f.fileno())
        os.replace(partial, dest)  # never a half copy under a backup's name
        instance.sync_folder(second)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        log.error("copy of %s into %s failed: %s", written.name, second, exc)
        return _reason(exc)
    log.info("backup copied to %s", dest)
    _prune(second)
    _recordings(written.parent / recordings.FOLDER, second / recordings.FOLDER)
    return None


def _recordings(source: Path, dest: Path) -> None:
    """Keep the recorded prompts beside the backups; a failure is logged, the backup stands."""
    try:
        copied = backup.copy_recordings(source, dest)
    except OSError as exc:
        log.warning("recordings not copied into %s: %s", dest, exc)
        return
    if copied:
        log.info("%d recordings copied into %s", copied, dest)


def kept(days: list[date]) -> set[date]:
    """Return which daily backups to keep: the last 14, and each of the last 12 months' last."""
    newest_first = sorted(set(days), reverse=True)
    keep = set(newest_first[:DAILY_KEPT])
    months: dict[tuple[int, int], date] = {}
    for day in newest_first:
        months.setdefault((day.year, day.month), day)  # the newest of its month
    keep.update(sorted(months.values(), reverse=True)[:MONTHLY_KEPT])
    return keep


def _days(place: Path) -> dict[date, Path]:
    found = {}
    for path in place.iterdir():
        match = DAILY.fullmatch(path.name)
        if match and path.is_file():
            with contextlib.suppress(ValueError):
                found[date(*map(int, match.groups()))] = path
    return found


def _prune(place: Path) -> None:
    """Remove the daily backups the retention rule no longer keeps; leave other files."""
    try:
        days = _days(place)
        for day in sorted(set(days) - kept(list(days))):
            days[day].unlink()
            log.info("old backup removed: %s", days[day])
    except OSError as exc:
        log.error("could not remove old backups in %s: %s", place, exc)


def _tidy(place: Path) -> None:
    """Remove what a backup cut short by a power cut left (never a file named as a backup).

    Only ours: the second folder may be a share other programs write to as well.
    """
    for path in place.glob("skm-*.partial*"):
        with contextlib.suppress(OSError):
            path.unlink()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _note(instance_folder: Path, outcome: Outcome) -> None:
    try:
        instance.write_atomically(folder(instance_folder) / STATE_FILE,
                                  json.dumps(asdict(outcome)).encode(), mode=0o644)
    except OSError as exc:  # the backup folder is unwritable: the outcome is in the log
        log.error("could not note the backup's outcome: %s", exc)
        _last_failure[str(instance_folder)] = outcome
        return
    _last_failure.pop(str(instance_folder), None)


# An outcome that could not be written down (the folder is read-only), kept in memory so
# the running server still shows it.
_last_failure: dict[str, Outcome] = {}


def last_outcome(instance_folder: Path) -> Outcome | None:
    """Return how the last automatic backup went, or None before the first."""
    if str(instance_folder) in _last_failure:
        return _last_failure[str(instance_folder)]
    try:
        data = json.loads((folder(instance_folder) / STATE_FILE).read_text(encoding="utf-8"))
        return Outcome(**data)
    except (OSError, ValueError, TypeError):
        return None


def newest(instance_folder: Path) -> tuple[Path, datetime] | None:
    """Return the newest backup in the backups folder and when it was written (UTC)."""
    latest = instance.latest_backup(instance_folder)
    if latest is None:
        return None
    try:
        written = datetime.fromtimestamp(latest.stat().st_mtime, timezone.utc)
    except OSError:
        return None
    return latest, written


def before_upgrade(database: Path, instance_folder: Path, version: str) -> Path | None:
    """Back the database up before this version's migrations change it; None if none run."""
    from store.schema import migrations

    if not database.exists() or database.stat().st_size == 0:
        return None
    with contextlib.closing(sqlite3.connect(database, timeout=10)) as conn:
        applied = {name for (name,) in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [migrations.name])
        } if conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_sqlite_migrations'"
                          ).fetchone() else set()
    waiting = sorted(instance.known_changes() - applied)
    if not applied or not waiting:
        return None  # a new database, or one already up to date
    here = folder(instance_folder)
    here.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    written = backup.backup(database, here / f"skm-before-{version}-{stamp}.db", replace=True)
    log.info("backup before the migrations %s: %s", ", ".join(waiting), written)
    return written


def listing(instance_folder: Path) -> list[dict[str, object]]:
    """Return the backups in the backups folder, newest first: name, size and time (UTC)."""
    try:
        files = [p for p in folder(instance_folder).iterdir()
                 if p.suffix == ".db" and p.is_file()]
    except OSError:
        return []
    found = []
    for path in files:
        with contextlib.suppress(OSError):
            info = path.stat()
            found.append({"name": path.name, "size": info.st_size,
                          "at": datetime.fromtimestamp(info.st_mtime, timezone.utc)})
    return sorted(found, key=lambda b: (b["at"], b["name"]), reverse=True)
