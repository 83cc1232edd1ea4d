"""The server's health gathered from the database, the backups folder and the disk."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlite_utils import Database

import store
from ikm import clock, health, release

# A kiosk heard from this long ago still vouches for the time its clock read then.
FRESH_KIOSK = timedelta(hours=1)


def server_clock(db: Database, now: datetime, kiosks: list[dict[str, Any]] | None = None
                 ) -> clock.ServerClock | None:
    """Judge the server's clock against what it cannot precede (ikm.clock.server_behind).

    `kiosks` is store.kiosks.heard(db) when the caller has read it already.
    """
    made = datetime.combine(release.DATE, datetime.min.time(), timezone.utc)
    kiosks = store.kiosks.heard(db) if kiosks is None else kiosks
    stored = [datetime.fromisoformat(t) for t in
              (store.responses.newest_received(db), *(k["last_seen"] for k in kiosks)) if t]
    kiosk_clocks = []
    for kiosk in kiosks:
        if kiosk["last_seen"] and kiosk["clock_offset_ms"] is not None:
            seen = datetime.fromisoformat(kiosk["last_seen"])
            # Heard lately by the server's clock, or "later" than now: the clock went back.
            if seen >= now - FRESH_KIOSK:
                kiosk_clocks.append(seen - timedelta(milliseconds=kiosk["clock_offset_ms"]))
    return clock.server_behind(now, made, max(stored, default=None), kiosk_clocks)


def facts(db: Database, folder: Path, settings: dict[str, Any], now: datetime,
          clock_found: clock.ServerClock | None, kiosks: list[dict[str, Any]] | None = None
          ) -> health.Facts:
    """Return what the health rules need, read now (`kiosks` as for server_clock)."""
    kiosks = store.kiosks.heard(db) if kiosks is None else kiosks
    newest = store.backups.newest(folder)
    outcome = store.backups.last_outcome(folder)
    second = settings["backup_folder"]
    free: int | None = None
    total: int | None = None
    try:
        disk = shutil.disk_usage(folder)
        free, total = disk.free, disk.total
    except OSError:
        pass  # unknown: not a concern of its own
    return health.Facts(
        now=now, tz=clock.parse_offset(settings["utc_offset"]),
        office_hours=settings["office_hours"], holidays=settings["holidays"],
        since=store.schema.made_at(db) or now,
        last_backup=newest[1] if newest else None,
        backup_failure=outcome.error if outcome else None,
        second_folder=second,
        second_folder_problem=second_folder_problem(second, outcome),
        disk_free=free, disk_total=total,
        kiosks=[health.Kiosk(k["name"], k["last_seen"] and datetime.fromisoformat(k["last_seen"]),
                             k["rejected"] or 0) for k in kiosks],
        server_clock=clock_found)


def second_folder_problem(second: str, outcome: store.backups.Outcome | None) -> str | None:
    """Return "missing" when the second folder is not there now, why the last copy sent to
    it failed, or None when it is fine (or none is set)."""
    if not second:
        return None
    if not Path(second).is_dir():
        return health.MISSING
    if outcome and outcome.second_folder == second and outcome.second_error != health.MISSING:
        return outcome.second_error
    return None
