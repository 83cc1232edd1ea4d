"""Seeded benchmark databases: built once per size and seed, cached under bench/.cache."""
from __future__ import annotations

import os
import random
import time
from collections import deque
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock_time
from pathlib import Path

import store
from bench.seed import WIB, response
from ikm import clock
from ikm.validation import abuse_flag
from store.audit import COMMAND_LINE
from store.schema import open_db

CACHE = Path(__file__).resolve().parent / ".cache"
FORMAT = 1  # bump when the generator changes, so cached databases are rebuilt
END = date(2025, 12, 31)  # every data set ends with whole calendar years
# Size -> calendar years it spans: a busy office's year, then years of history.
YEARS = {10_000: 1, 100_000: 3, 1_000_000: 8}
KIOSKS = 4
CHUNK = 50_000  # rows per executemany and transaction


def years_for(size: int) -> int:
    """Return how many calendar years a data set of this size spans."""
    return YEARS.get(size, max(1, round(size / 125_000)))


def office_days(size: int, window: int | None = None) -> list[date]:
    """Return the weekdays of the years a data set spans (the office shuts at weekends),
    or every day of the last `window` days (a busy unit open every day)."""
    if window:
        return [END - timedelta(days=i) for i in range(window - 1, -1, -1)]
    start = date(END.year - years_for(size) + 1, 1, 1)
    days = (start + timedelta(days=i) for i in range((END - start).days + 1))
    return [d for d in days if d.weekday() < 5]


def path_for(size: int, seed: int, window: int | None = None, kiosks: int = KIOSKS) -> Path:
    """Return the instance folder of a cached data set (its database is skm.db)."""
    if window:
        return CACHE / f"data-{size}-{window}d-{kiosks}k-s{seed}-v{FORMAT}"
    return CACHE / f"data-{size}-s{seed}-v{FORMAT}"


def _timestamps(size: int, rng: random.Random, window: int | None) -> list[datetime]:
    days = office_days(size, window)
    # Some days are busier than others: weights drawn once per day, not uniform.
    weights = [max(0.2, rng.gauss(1.0, 0.25)) for _ in days]
    picks = sorted(rng.choices(range(len(days)), weights, k=size))
    opening = clock_time(7, 30)
    return sorted(datetime.combine(days[i], opening, WIB)
                  + timedelta(seconds=rng.randint(0, 8 * 3600)) for i in picks)


def _fill(db, size: int, rng: random.Random, last_days: int | None, kiosks: int) -> None:
    kiosk_ids = []
    for n in range(1, kiosks + 1):
        kiosk_id, _ = store.kiosks.add_kiosk(db, f"Loket {n}", actor=COMMAND_LINE)
        db["kiosks"].update(kiosk_id, {"created_at": "2017-01-01T00:00:00.000+00:00"})
        kiosk_ids.append(kiosk_id)
    settings = store.settings.read(db)
    tz = clock.parse_offset(settings["utc_offset"])
    window = timedelta(seconds=settings["burst_window_seconds"])
    stamps = _timestamps(size, rng, last_days)
    first, span = stamps[0], (stamps[-1] - stamps[0]).total_seconds() or 1
    recent = {k: deque() for k in kiosk_ids}
    rows = []
    for when in stamps:
        # A slow improvement over the years, as bench.seed has it.
        r = response(rng, when, 0.3 * (when - first).total_seconds() / span)
        kiosk_id = rng.choice(kiosk_ids)
        queue = recent[kiosk_id]
        while queue and queue[0] < when - window:
            queue.popleft()
        flag = abuse_flag(r, len(queue), settings)  # the server's own abuse rule
        queue.append(when)
        received = (when + timedelta(seconds=rng.randint(1, 30))).astimezone(timezone.utc)
        # The row exactly as the server writes it (store.responses), placed by the kiosk's clock.
        at = received.isoformat(timespec="milliseconds")
        rows.append(store.responses._row(r, kiosk_id, flag, at, (when, "kiosk"),
                                         store.responses._utc(when),
                                         when.astimezone(tz).date().isoformat(), None))
        if len(rows) >= CHUNK:
            _insert(db, rows)
            rows = []
    if rows:
        _insert(db, rows)


def _insert(db, rows: list) -> None:
    """Insert rows as the server does, with the daily totals it keeps in the same transaction."""
    with db.conn:
        db.conn.executemany(store.responses._INSERT, rows)
        store.daily_totals.add(db, store.responses.totals_of(rows))


def build(size: int, seed: int, log=print, window: int | None = None,
          kiosks: int = KIOSKS) -> Path:
    """Return the instance folder of a seeded data set, building it if not cached: over
    whole years by its size, or over the last `window` days."""
    folder = path_for(size, seed, window, kiosks)
    if (folder / "skm.db").exists():
        return folder
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = folder.with_name(folder.name + ".partial")
    partial.mkdir(exist_ok=True)
    for leftover in partial.glob("skm.db*"):
        leftover.unlink()
    started = time.perf_counter()
    db = open_db(partial / "skm.db")  # the real schema, through the real migrations
    # A throwaway copy: no need to wait for the disk while seeding.
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")
    _fill(db, size, random.Random(seed), window, kiosks)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    os.replace(partial, folder)  # a crash mid-seed never leaves a half data set
    log(f"  seeded {size:,} responses in {time.perf_counter() - started:.1f} s -> {folder}")
    return folder
