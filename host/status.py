"""`python kiosk.py status`: how the server is doing, whether or not it runs."""
from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import store
from host import health as gathered
from ikm import clock, health, release

# The concerns in the command line's words (the staff pages have their own, web/health.py).
WORDS = {
    health.SERVER_CLOCK: "the server's clock is {behind_days} days behind (it is at least "
                         "{evidence}): set the PC's date and time, then restart the server",
    health.BACKUP_FAILED: "the last backup failed ({reason}); check the disk's free "
                          "space. The earlier backups are untouched",
    health.BACKUP_OLD: "the last backup is {age_days} days old; is the server running every "
                       "working day?",
    (health.BACKUP_OLD, "never"): "there is no backup yet; start the server (it makes one at "
                                  "start), or run: python kiosk.py backup FOLDER",
    health.SECOND_FOLDER: "the second backup folder {folder} is missing (flash disk "
                          "unplugged?): the copy there was skipped",
    health.SECOND_COPY: "the last copy into the second backup folder {folder} failed "
                        "({reason}); is that disk full?",
    health.DISK_LOW: "the disk is almost full: {free_gb} GB ({free_percent}%) free",
    health.KIOSK_SILENT: "kiosk {name} has not been heard from since {since}; is it on and "
                         "on the office Wi-Fi?",
    health.KIOSK_SET_ASIDE: "kiosk {name} has set aside {count} responses the server could "
                            "not store",
}


def words(concern: health.Concern) -> str:
    """Return a concern in plain English."""
    details = {k: _when(v) if isinstance(v, datetime) else v for k, v in concern.details.items()}
    key = (concern.kind, "never") if details.get("never") else concern.kind
    return WORDS[key].format(**details)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 0:
        return "in the future"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def report(folder: Path, database: Path, autostart: Callable[[Path], tuple[bool, str]],
           now: datetime | None = None) -> tuple[int, list[str]]:
    """Return the exit status (0 all well, 1 something needs a person) and the lines to print."""
    now = now or datetime.now(timezone.utc)
    lines: list[str] = []
    attention: list[str] = []
    running = store.instance.held(folder)
    holder = store.instance.holder(folder) if running else None
    where = f" (pid {holder.get('pid')}, on {holder.get('host')}:{holder.get('port')})" \
        if holder and holder.get("command") == "serve" else ""
    lines.append(f"Server:        {'running' + where if running else 'not running'}")
    lines.append(f"Version:       {release.VERSION}")
    if not database.exists():
        lines.append(f"Database:      none yet at {database} (the first start makes it)")
        attention.append("there is no database yet: start the server")
    else:
        try:
            with contextlib.closing(store.schema.connect(database)) as db:
                lines.append(f"Database:      {database}, {_size(database.stat().st_size)}, "
                             f"{store.responses.count_all(db)} responses")
                settings = store.settings.read(db)
                kiosks = store.kiosks.heard(db)
                found = gathered.facts(db, folder, settings, now,
                                       gathered.server_clock(db, now, kiosks), kiosks)
        except (sqlite3.Error, OSError) as exc:
            lines.append(f"Database:      {database} cannot be read ({exc})")
            attention.append(f"the database cannot be read: {exc}")
        else:
            lines += _details(found, kiosks, now)
            attention += [words(c) for c in health.concerns(found)]
    auto_ok, auto_line = autostart(folder)
    lines.append(f"Autostart:     {auto_line}")
    if not running:
        attention.append("the server is not running: start it (python kiosk.py"
                         f" --instance {folder}), or let it start by itself: python kiosk.py "
                         f"autostart install --instance {folder}")
    if not auto_ok:
        attention.append(f"autostart: {auto_line}")
    if attention:
        lines.append("Needs attention:")
        lines += [f"  - {line}" for line in attention]
        return 1, lines
    lines.append("All is well.")
    return 0, lines


def _details(f: health.Facts, kiosks: list[dict], now: datetime) -> list[str]:
    newest = f.last_backup
    lines = [f"Last backup:   {_when(newest.astimezone(f.tz))} ({_ago(now - newest)})"
             if newest else "Last backup:   none yet"]
    if not f.second_folder:
        lines.append("Second folder: not set (Pengaturan > Cadangan data)")
    else:
        problem = f.second_folder_problem
        lines.append(f"Second folder: {f.second_folder} "
                     + ("OK" if not problem else "MISSING" if problem == health.MISSING
                        else f"copy failed ({problem})"))
    if f.disk_free is not None and f.disk_total:
        lines.append(f"Disk:          {_size(f.disk_free)} free of {_size(f.disk_total)} "
                     f"({f.disk_free / f.disk_total:.0%})")
    if f.server_clock is None:
        lines.append(f"Server clock:  {_when(now.astimezone(f.tz))}, looks right")
    else:
        lines.append(f"Server clock:  {_when(now.astimezone(f.tz))}, "
                     f"{f.server_clock.behind.days} days behind")
    if not kiosks:
        lines.append("Kiosks:        none paired yet")
    for n, k in enumerate(kiosks):
        seen = clock.local_time(k["last_seen"], f.tz)
        heard = f"last heard {_when(seen)} ({_ago(now - seen)})" if seen else "never heard"
        extra = f", {k['outbox']} waiting in its outbox" if k["outbox"] else ""
        extra += f", {k['rejected']} set aside" if k["rejected"] else ""
        lines.append(f"{'Kiosks:' if n == 0 else '':<15}{k['name']}: {heard}{extra}")
    return lines
