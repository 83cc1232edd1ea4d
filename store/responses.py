"""Responses in SQLite: record them once and durably; the ones flagged as possible abuse."""
from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlite_utils import Database

from ikm import clock
from ikm.clock import parse_offset, utc_now
from ikm.validation import KIOSK, PAPER, POSTER, Incoming, Invalid, abuse_flag
from store import audit, daily_totals, kiosks, paper, reasons, slips
from store.schema import ANSWER_COLUMNS, one, unavailable, write_transaction

STORED, DUPLICATE = "stored", "duplicate"


def _utc(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds")


# The columns a response fills, in one order: one INSERT that SQLite prepares once per
# connection, instead of sqlite-utils looking the table up again for every response.
_COLUMNS = ("id", "kiosk_id", "service", "questionnaire", "answered_at", "kiosk_time", "clock",
            "received_at", "local_date", "duration_ms", *ANSWER_COLUMNS, "gender", "age",
            "age_group", "education", "occupation", "comment", "flag", "counted", "channel",
            "slip", "serial", "browser", "entered_by")
_INSERT = (f"INSERT INTO responses ({', '.join(_COLUMNS)}) "
           f"VALUES ({', '.join('?' * len(_COLUMNS))})")
_CODES = tuple(c.upper() for c in ANSWER_COLUMNS)
_PROFILE = ("gender", "age", "age_group", "education", "occupation")


_KEY_AT = tuple(_COLUMNS.index(k) for k in daily_totals.KEY)
_ANSWERS_AT = slice(_COLUMNS.index(ANSWER_COLUMNS[0]), _COLUMNS.index(ANSWER_COLUMNS[-1]) + 1)


def totals_of(rows: list[list[Any]]) -> list[daily_totals.Response]:
    """Return what the daily totals need of responses' rows (in the order of _COLUMNS)."""
    return [(tuple(row[i] for i in _KEY_AT), row[_ANSWERS_AT]) for row in rows]


def _row(r: Incoming, kiosk_id: int | None, flag: str | None, received_at: str,
         placed: tuple[datetime, str], answered_at: str, local_date: str,
         entered_by: str | None) -> list[Any]:
    """Return a response's values in the order of _COLUMNS."""
    return [r.id, kiosk_id, r.service, r.questionnaire, answered_at, _utc(r.answered_at),
            placed[1], received_at, local_date, r.duration_ms,
            *[r.answers.get(c) for c in _CODES], *[r.profile.get(k) for k in _PROFILE],
            r.comment, flag, 0 if flag else 1, r.channel, r.slip, r.serial, r.browser,
            entered_by]


def record(db: Database, kiosk: dict[str, Any] | None, items: list[Incoming],
           settings: dict[str, Any], kiosk_now: datetime | None = None,
           server: clock.ServerClock | None = None, entered_by: str | None = None,
           then: Callable[[list[str | Invalid]], None] | None = None) -> list[str | Invalid]:
    """Store new responses and the kiosk's contact in one transaction that commits here.

    Returns, per item, stored, duplicate, or why it could not be stored (Invalid); one
    item SQLite refuses never keeps the others out. `kiosk_now` is what the kiosk's clock
    read when it sent them, `server` how far the server's own clock is behind when it is
    (see ikm.clock); `entered_by`, who typed paper forms in. A slip is used, a paper
    serial taken, in the same transaction as its response. `then` is called with the
    statuses before the commit: what it writes (an audit entry) commits with them, and what
    it raises undoes them all. When this returns, the transaction has committed with
    synchronous=FULL: the responses are on disk and may be acknowledged.
    """
    if db.conn.in_transaction:
        raise RuntimeError("record commits by itself: call it outside a transaction")
    tz = parse_offset(settings["utc_offset"])
    window = timedelta(seconds=settings["burst_window_seconds"])
    received_at = utc_now()
    received = datetime.fromisoformat(received_at)
    kiosk_id = kiosk["id"] if kiosk else None
    registered = datetime.fromisoformat(kiosk["created_at"]) if kiosk else None
    statuses: list[str | Invalid] = []
    fresh = []
    with write_transaction(db):
        # One look-up for the whole batch; `seen` also catches an id sent twice in it.
        seen = _existing(db, [r.id for r in items])
        for n, r in enumerate(items):
            if r.id in seen:
                statuses.append(DUPLICATE)
                continue
            seen.add(r.id)
            # A paper form is dated by what is written on it; the clock rules are for devices.
            placed = (r.answered_at, FORM) if r.channel == PAPER else \
                clock.place(r.answered_at, received, kiosk_now, registered, server)
            local_date = placed[0].astimezone(tz).date().isoformat()
            problem = _once(db, r, local_date, received_at)
            statuses.append(problem or STORED)
            if problem is None:
                fresh.append((n, r, placed, local_date, _utc(placed[0]),
                              _utc(placed[0] - window)))
        # Bursts are judged on the kiosk's clock, never on arrival: an outbox delivers a
        # morning's surveys in one request. The batch is inserted in one go at the end,
        # so the responses stored before it are counted in one query, and its own
        # earlier ones here, kept sorted.
        group = _burst_group(kiosk_id, items)
        stored = _recent(db, group, [(low, at) for *_, at, low in fresh],
                         settings["burst_count"])
        rows: list[tuple[int, list[Any]]] = []
        batch_times: list[str] = []
        for (n, r, placed, local_date, at, low), before in zip(fresh, stored):
            recent = before + (bisect.bisect_right(batch_times, at)
                               - bisect.bisect_left(batch_times, low))
            if group is not None:
                bisect.insort(batch_times, at)
            flag = abuse_flag(r, recent, settings)
            rows.append((n, _row(r, kiosk_id, flag, received_at, placed, at, local_date,
                                 entered_by)))
        left_out = set()
        for n, problem in _insert(db, rows):
            left_out.add(n)
            statuses[n] = problem
            slip = items[n].slip
            if slip:  # the slip stays unused until a response is stored for it
                slips.release(db, slip)
        daily_totals.add(db, totals_of([row for n, row in rows if n not in left_out]))
        reasons.store_given(db, [(items[n].id, code, reason) for n, _ in rows
                                 if n not in left_out
                                 for code, reason in items[n].reasons.items()])
        if kiosk is not None:
            kiosks.seen(db, kiosk)
        if then is not None:
            then(statuses)
    return statuses


def _insert(db: Database, rows: list[tuple[int, list[Any]]]) -> list[tuple[int, Invalid]]:
    """Insert the rows in one go; if SQLite refuses one, insert the others one by one.

    Return the rows left out and why. Storage that cannot be written now (a full disk, a
    held lock: store.schema.unavailable) refuses the whole batch instead: that is raised, and
    the caller answers 503.
    """
    db.execute("SAVEPOINT batch")
    try:
        db.conn.executemany(_INSERT, [row for _, row in rows])
        db.execute("RELEASE batch")
        return []
    except (sqlite3.Error, ValueError, OverflowError) as exc:
        if unavailable(exc):
            raise
        db.execute("ROLLBACK TO batch")
        db.execute("RELEASE batch")
    refused = []
    for n, row in rows:
        db.execute("SAVEPOINT one")
        try:
            db.execute(_INSERT, row)
        except (sqlite3.Error, ValueError, OverflowError) as exc:
            if unavailable(exc):
                raise
            db.execute("ROLLBACK TO one")
            refused.append((n, Invalid("response", f"cannot be stored ({type(exc).__name__})")))
        db.execute("RELEASE one")
    return refused


FORM = "form"  # the clock rule of a paper form: the date written on it


def _once(db: Database, r: Incoming, local_date: str, now: str) -> Invalid | None:
    """Take what a response may have only once (its slip, its paper serial, the poster
    today); return why it cannot, or None."""
    if r.slip:
        problem = slips.claim(db, r.slip, r.id, now)
        if problem:
            return Invalid("code", problem)
    if r.serial:
        found = paper.entered(db, r.serial)
        if found:
            return Invalid("serial", f"form {r.serial} was already entered on "
                                     f"{found['received_at'][:10]} by {found['entered_by']}")
    if r.browser and one(db, "SELECT 1 FROM responses WHERE browser = ? AND local_date = ? "
                              "LIMIT 1", [r.browser, local_date]):
        return Invalid("browser", "this browser already answered the poster's survey today")
    return None


def _burst_group(kiosk_id: int | None, items: list[Incoming]) -> tuple[str, list] | None:
    """Return whose recent responses count toward a burst: this kiosk's, or the poster's
    (a condition on responses and its parameters)."""
    channels = {r.channel for r in items}
    if channels == {KIOSK} and kiosk_id is not None:
        return "kiosk_id = ?", [kiosk_id]
    if channels == {POSTER}:
        # Written out, so that SQLite uses the poster's partial index (0009_channels).
        return f"channel = '{POSTER}'", []
    return None


def _existing(db: Database, ids: list[str]) -> set[str]:
    """Return which of these response ids are already stored."""
    found: set[str] = set()
    for i in range(0, len(ids), 500):  # well under SQLite's limit of bound parameters
        chunk = ids[i:i + 500]
        found.update(rid for (rid,) in db.execute(
            f"SELECT id FROM responses WHERE id IN ({', '.join('?' * len(chunk))})", chunk))
    return found


def _recent(db: Database, group: tuple[str, list] | None, spans: list[tuple[str, str]],
            cap: int) -> list[int]:
    """Count the group's stored responses answered in each (low, high), stopping at `cap`.

    `group` is a condition from _burst_group (never text from outside); None counts nothing.
    """
    if group is None:
        return [0] * len(spans)
    condition, condition_params = group
    # The burst rule only asks whether there are `cap` (burst_count): counting stops there,
    # so a flood from one kiosk token costs each request no more than a quiet day does.
    counts: list[int] = []
    for i in range(0, len(spans), 300):
        chunk = spans[i:i + 300]
        values = ", ".join("(?, ?, ?)" for _ in chunk)
        params = [v for n, (low, high) in enumerate(chunk) for v in (n, low, high)]
        counts += [c for (c,) in db.execute(
            f"WITH span(n, low, high) AS (VALUES {values}) "
            f"SELECT (SELECT count(*) FROM (SELECT 1 FROM responses WHERE {condition} "
            "AND answered_at BETWEEN span.low AND span.high LIMIT ?)) FROM span ORDER BY n",
            [*params, *condition_params, cap])]
    return counts


def flagged(db: Database, start: date, end: date) -> list[dict[str, Any]]:
    """Return the period's responses flagged as possible abuse, newest first."""
    return list(db.table("responses").rows_where(
        "local_date BETWEEN ? AND ? AND flag IS NOT NULL", [start.isoformat(), end.isoformat()],
        order_by="answered_at DESC"))


def set_counted(db: Database, ids: list[str], counted: bool, *, actor: audit.Actor) -> int:
    """Include flagged responses in the IKM (or leave them out again); return how many."""
    chosen = f"flag IS NOT NULL AND id IN ({', '.join('?' * len(ids))})"
    with write_transaction(db):
        # The responses whose flag changes move from one row of totals to the other.
        moving = daily_totals.of(db, f"{chosen} AND counted != ?", [*ids, int(counted)])
        daily_totals.add(db, moving, -1)
        cursor = db.execute(f"UPDATE responses SET counted = ? WHERE {chosen}",
                            [int(counted), *ids])
        daily_totals.add(db, [((int(counted), *key[1:]), answers) for key, answers in moving])
        what = "counted" if counted else "left out"
        more = " ..." if len(ids) > 5 else ""
        audit.record(db, "flagged", actor, f"{cursor.rowcount} {what}: {', '.join(ids[:5])}{more}")
    return cursor.rowcount


_CODES_UPPER = tuple(c.upper() for c in ANSWER_COLUMNS)
EXPORT_COLUMNS = ("id", "answered_at", "local_date", "service", "service_name",
                  "questionnaire", *_CODES_UPPER, "gender", "age_group", "education",
                  "occupation", "comment", "comment_status", "comment_note", "flag", "counted",
                  "kiosk", "channel")


def counts(db: Database, start: date, end: date) -> dict[str, int]:
    """Count the period's responses: all, counted in the IKM, left out, with a comment."""
    row = db.execute(
        "SELECT count(*), coalesce(sum(counted = 1), 0), "
        "coalesce(sum(comment IS NOT NULL AND comment != ''), 0) "
        "FROM responses WHERE local_date BETWEEN ? AND ?",
        [start.isoformat(), end.isoformat()]).fetchone()
    return {"responses": row[0], "counted": row[1], "not_counted": row[0] - row[1],
            "comments": row[2]}


def for_export(db: Database, start: date, end: date, include_flagged: bool = False
               ) -> list[dict[str, Any]]:
    """Return the period's responses as EXPORT_COLUMNS, oldest first (times in UTC).

    Without `include_flagged` these are exactly the responses the IKM counts.
    """
    answers = ", ".join(f"r.{c} AS {c.upper()}" for c in ANSWER_COLUMNS)
    where = "r.local_date BETWEEN ? AND ?" + ("" if include_flagged else " AND r.counted = 1")
    cursor = db.execute(
        f"SELECT r.id, r.answered_at, r.local_date, r.service, s.name AS service_name, "
        f"r.questionnaire, {answers}, r.gender, r.age_group, r.education, r.occupation, "
        f"r.comment, CASE WHEN r.comment IS NOT NULL AND r.comment != '' "
        f"THEN coalesce(r.comment_status, 'baru') END AS comment_status, r.comment_note, "
        f"r.flag, r.counted, k.name AS kiosk, r.channel FROM responses r "
        f"LEFT JOIN services s ON s.code = r.service LEFT JOIN kiosks k ON k.id = r.kiosk_id "
        f"WHERE {where} ORDER BY r.answered_at, r.id", [start.isoformat(), end.isoformat()])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values)) for values in cursor.fetchall()]


def newest_received(db: Database) -> str | None:
    """Return when the server received the response it stored last (by its own clock)."""
    found = one(db, "SELECT received_at FROM responses ORDER BY rowid DESC LIMIT 1")
    return found["received_at"] if found else None


def count_all(db: Database) -> int:
    """Return how many responses the database holds, counted or not."""
    return db.execute("SELECT count(*) FROM responses").fetchone()[0]
