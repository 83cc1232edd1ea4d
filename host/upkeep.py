"""The running server's upkeep: a backup at start and daily, the clock checked hourly,
alerts checked and their e-mail sent."""
from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlite_utils import Database

import store
from host import health, mail
from ikm import clock

log = logging.getLogger(__name__)

POLL_SECONDS = 30
CLOCK_EVERY = timedelta(hours=1)
BACKUP_AGE = timedelta(days=1)  # at start, a backup older than this is renewed at once
ALERTS_EVERY = timedelta(minutes=10)  # a month's figures move slowly

# results.alerts.check, given by the caller: host/ knows nothing of results/.
AlertCheck = Callable[[Database, date, dict[str, Any]], object]


def utc_now() -> datetime:
    """Return the server's clock, in UTC."""
    return datetime.now(timezone.utc)


class Upkeep:
    """What the server does by itself; `tick` runs whatever is due, a thread calls it."""

    def __init__(self, database: Path, folder: Path,
                 now: Callable[[], datetime] = utc_now, alerts: AlertCheck | None = None,
                 send: mail.Sender = mail.smtp_send) -> None:
        self.database, self.folder, self.now = database, folder, now
        self.alerts, self.send = alerts, send
        self.next_alerts: datetime | None = None
        self.server_clock: clock.ServerClock | None = None
        self.next_backup: datetime | None = None
        self.next_clock_check: datetime | None = None
        self._backup_time: str | None = None
        self._lock = threading.Lock()  # a tick and a "back up now" never overlap
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> None:
        """Check the clock hourly, back up when due, check alerts, send the mail due."""
        with self._lock, contextlib.closing(store.schema.connect(self.database)) as db:
            now = self.now()
            settings = store.settings.read(db)
            if self.next_clock_check is None or now >= self.next_clock_check:
                self._check_clock(db, now)
            # With the server's clock behind, the date a backup is named by is the true one.
            true_now = now + (self.server_clock.behind if self.server_clock else timedelta())
            tz = clock.parse_offset(settings["utc_offset"])
            if self.next_backup is None:  # at start
                newest = store.backups.newest(self.folder)
                if newest is None or now - newest[1] > BACKUP_AGE:
                    self._backup(true_now, tz, settings["backup_folder"])
            elif true_now >= self.next_backup:
                self._backup(true_now, tz, settings["backup_folder"])
            if self.next_backup is None or true_now >= self.next_backup \
                    or settings["backup_time"] != self._backup_time:
                self._backup_time = settings["backup_time"]
                self.next_backup = clock.next_daily(true_now, settings["backup_time"], tz)
            if self.alerts and (self.next_alerts is None or now >= self.next_alerts):
                self.next_alerts = now + ALERTS_EVERY
                try:
                    self.alerts(db, true_now.astimezone(tz).date(), settings)
                except Exception:  # noqa: BLE001 - the mail already waiting still goes
                    log.exception("the alerts check failed; trying again in %s", ALERTS_EVERY)
            # The server's clock, as the queue's times are: a message is due by that clock.
            mail.send_due(db, settings, now, self.send)

    def backup_now(self, second_folder: str, tz: timezone) -> store.backups.Outcome:
        """Make today's backup now (a person asked for it), as the daily one would."""
        with self._lock:
            return self._backup(self.now() + (self.server_clock.behind if self.server_clock
                                              else timedelta()), tz, second_folder)

    def _backup(self, true_now: datetime, tz: timezone, second: str) -> store.backups.Outcome:
        return store.backups.daily(self.database, self.folder, true_now.astimezone(tz).date(),
                                   second)

    def _check_clock(self, db: Database, now: datetime) -> None:
        found = health.server_clock(db, now)
        if found and not self.server_clock:
            log.warning("the server's clock (%s) is behind by %s: responses are placed by "
                        "the kiosks' clocks until it is set right", now.isoformat(),
                        found.behind)
        elif self.server_clock and not found:
            log.info("the server's clock looks right again (%s)", now.isoformat())
        self.server_clock = found
        self.next_clock_check = now + CLOCK_EVERY

    def start(self) -> None:
        """Run the upkeep on a thread of its own until stop() (the first tick at once)."""
        self._thread = threading.Thread(target=self._run, name="upkeep", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread, waiting for a backup in progress to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while True:
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - the server must go on serving regardless
                log.exception("upkeep failed; trying again in %s s", POLL_SECONDS)
            if self._stop.wait(POLL_SECONDS):
                return
