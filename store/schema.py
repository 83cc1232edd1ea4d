"""The SQLite database: connections that survive power cuts, and the schema's history."""
from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from ikm import clock, office
from ikm.method import PERMENPAN_2017
from ikm.reasons import DEFAULT_REASONS
from ikm.themes import DEFAULT_THEMES

log = logging.getLogger(__name__)
migrations = Migrations("ikm")
ANSWER_COLUMNS = tuple(c.lower() for c in PERMENPAN_2017.codes)  # u1 .. u9


def connect(path: str | Path, timeout: float = 10) -> Database:
    """Open the database with the settings every connection needs.

    `timeout` is how long a write waits for another writer (or a backup) to finish.
    """
    conn = sqlite3.connect(str(path), timeout=timeout, check_same_thread=False)
    db = Database(conn)
    # synchronous is per connection: FULL makes a commit reach the disk before it returns,
    # so a response acknowledged to a kiosk survives a power cut (WAL alone does not).
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    # A batch's statement journal (and any sort) stays in memory, not a temp file created
    # and deleted on every request.
    db.execute("PRAGMA temp_store=MEMORY")
    return db


def rows(db: Database, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Run a query and return its rows as dicts.

    Plain sqlite3: sqlite-utils' db.query wraps every query in a savepoint (two more
    statements), which the pages read often enough to notice.
    """
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values)) for values in cursor.fetchall()]


def one(db: Database, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
    """Run a query for one row; return it as a dict, or None when there is none."""
    found = rows(db, sql, params)
    return found[0] if found else None


def open_db(path: str | Path) -> Database:
    """Open the database and bring its schema up to date."""
    db = connect(path)
    waiting = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    if waiting:
        log.info("database %s brought up to date: %s", path, ", ".join(waiting))
    return db


def made_at(db: Database) -> datetime | None:
    """Return when the database was made (its first migration), or None if unknown."""
    found = one(db, "SELECT min(applied_at) AS at FROM _sqlite_migrations")
    try:
        return datetime.fromisoformat(found["at"]) if found and found["at"] else None
    except ValueError:
        return None


# What SQLite says when the storage cannot take a write now (disk full, read-only, locked
# too long, failing): retrying later may work, and nothing about the data is at fault.
UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL", "SQLITE_READONLY",
               "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_NOMEM", "SQLITE_PROTOCOL")


class Locked(sqlite3.OperationalError):
    """This process's writers took too long to give the database a turn."""


def unavailable(exc: BaseException) -> bool:
    """Return whether an error says the storage cannot be written now, not that a row is bad."""
    if isinstance(exc, Locked):
        return True
    name = getattr(exc, "sqlite_errorname", None) or ""
    return isinstance(exc, sqlite3.OperationalError) and name.startswith(UNAVAILABLE)


@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """Run a write transaction that takes the write lock first (nested: a savepoint).

    A deferred BEGIN that reads before it writes can fail with SQLITE_BUSY under
    concurrent writers in WAL mode; BEGIN IMMEDIATE waits for the lock instead.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    db.conn.execute("COMMIT")


@migrations(name="0001_wal", transactional=False)
def _wal(db: Database) -> None:
    # WAL lets staff read the IKM while kiosks write; the mode persists in the file.
    db.enable_wal()


@migrations(name="0002_core_tables")
def _core_tables(db: Database) -> None:
    db.table("services").create(
        {"code": str, "name": str, "name_en": str, "position": int, "active": int,
         "created_at": str},
        pk="code", not_null={"name", "position", "active"}, defaults={"active": 1},
    )
    db.table("kiosks").create(
        {"id": int, "name": str, "token_hash": str, "pairing_hash": str,
         "pairing_expires": str, "created_at": str, "paired_at": str, "revoked_at": str,
         "last_seen": str, "last_error": str, "outbox": int},
        pk="id", not_null={"name", "token_hash", "created_at"},
    )
    db.table("kiosks").create_index(["token_hash"], unique=True)
    columns = {
        "id": str, "kiosk_id": int, "service": str, "questionnaire": str,
        "answered_at": str, "received_at": str, "local_date": str, "duration_ms": int,
        **{c: int for c in ANSWER_COLUMNS},
        "gender": str, "age": int, "age_group": str, "education": str, "occupation": str,
        "comment": str, "flag": str, "counted": int,
    }
    db.table("responses").create(
        columns, pk="id",
        not_null={"service", "questionnaire", "answered_at", "received_at", "local_date",
                  "counted"},
        foreign_keys=[("kiosk_id", "kiosks", "id"), ("service", "services", "code")],
    )
    # Every IKM query filters on the office date of a response; this covers them.
    db.table("responses").create_index(["local_date", "counted"])
    db.table("responses").create_index(["kiosk_id", "answered_at"])
    db.table("settings").create({"key": str, "value": str}, pk="key")


@migrations(name="0003_default_services")
def _default_services(db: Database) -> None:
    now = clock.utc_now()
    db.table("services").insert_all(
        {"code": code, "name": name, "name_en": name_en, "position": i, "active": 1,
         "created_at": now}
        for i, (code, name, name_en) in enumerate(office.DEFAULT_SERVICES, start=1)
    )


@migrations(name="0004_clock_and_kiosk_status")
def _clock_and_status(db: Database) -> None:
    # kiosk_time: the time as the tablet's clock gave it; answered_at is our best estimate.
    db.table("responses").add_column("kiosk_time", str)
    db.table("responses").add_column("clock", str)
    db.table("kiosks").add_column("rejected", int)
    db.table("kiosks").add_column("clock_offset_ms", int)


@migrations(name="0005_staff")
def _staff(db: Database) -> None:
    db.table("users").create(
        {"id": int, "username": str, "password_hash": str, "role": str, "active": int,
         "created_at": str},
        pk="id", not_null={"username", "password_hash", "role", "active"},
    )
    db.table("users").create_index(["username"], unique=True)
    db.table("login_failures").create({"username": str, "at": str})
    db.table("login_failures").create_index(["username", "at"])  # 0008 adds the address
    db.table("setup_tokens").create({"token_hash": str, "created_at": str}, pk="token_hash")
    # Follow-up of what citizens wrote: baru -> ditindaklanjuti -> selesai.
    db.table("responses").add_column("comment_status", str)
    db.table("responses").add_column("comment_note", str)
    db.table("responses").add_column("comment_updated_at", str)
    db.table("responses").add_column("comment_updated_by", str)
    # Service users per service per month, entered by staff, for the sample size.
    db.table("populations").create({"month": str, "service": str, "count": int},
                                   pk=("month", "service"),
                                   foreign_keys=[("service", "services", "code")])


@migrations(name="0006_audit")
def _audit(db: Database) -> None:
    # Who signed in, exported or changed a setting, and when: admins can read it.
    db.table("audit").create({"id": int, "at": str, "username": str, "action": str, "detail": str,
                              "ip": str}, pk="id", not_null={"at", "action"})
    db.table("audit").create_index(["at"])


@migrations(name="0007_audit_actor")
def _audit_actor(db: Database) -> None:
    # via: "web" (a signed-in user) or "cli" (the command line); count: repeated refused
    # sign-ins from one address for one name, kept on one row.
    db.table("audit").add_column("via", str, not_null_default="web")
    db.table("audit").add_column("count", int, not_null_default=1)


@migrations(name="0008_sessions_and_signin")
def _sessions_and_signin(db: Database) -> None:
    # A session carries the version of its account it was signed in with: raising the
    # version (logout, a new password, a new role) ends every session signed in before.
    db.table("users").add_column("session_version", int, not_null_default=1)
    # Failed sign-ins are counted per name *and* address, so nobody slows down another
    # address; addresses a user signed in from are let through with the right password.
    db.table("login_failures").add_column("ip", str)
    db.table("login_failures").create_index(["ip", "at"])
    db.table("login_failures").create_index(["at"])
    db.table("signin_addresses").create({"username": str, "ip": str, "last_success": str},
                                        pk=("username", "ip"), not_null={"last_success"})


@migrations(name="0009_channels")
def _channels(db: Database) -> None:
    # Every response says how it came: a kiosk, a citizen's phone from a slip, the poster,
    # or a paper form typed in by staff. Older responses all came from kiosks.
    db.table("responses").add_column("channel", str, not_null_default="kiosk")
    db.table("responses").add_column("slip", str)  # phone: the slip's one-time code
    db.table("responses").add_column("serial", str)  # paper: the form's printed number
    db.table("responses").add_column("browser", str)  # poster: a hash of the browser's id
    db.table("responses").add_column("entered_by", str)  # paper: who typed it in
    # One response per slip and per paper form, whatever retries or typists do.
    db.execute("CREATE UNIQUE INDEX responses_slip ON responses(slip) WHERE slip IS NOT NULL")
    db.execute("CREATE UNIQUE INDEX responses_serial ON responses(serial) "
               "WHERE serial IS NOT NULL")
    db.execute("CREATE INDEX responses_browser ON responses(browser, local_date) "
               "WHERE browser IS NOT NULL")
    # The burst rule counts the poster's recent responses as it counts a kiosk's.
    db.execute("CREATE INDEX responses_poster ON responses(answered_at) "
               "WHERE channel = 'poster'")
    db.table("slips").create(
        {"code": str, "service": str, "created_at": str, "expires_at": str, "used_at": str,
         "response_id": str, "created_by": str},
        pk="code", not_null={"created_at", "expires_at"},
        foreign_keys=[("service", "services", "code")])
    # Numbered batches of printed paper questionnaires: serials first .. first+count-1.
    db.table("paper_batches").create(
        {"id": int, "first": int, "count": int, "created_at": str, "created_by": str},
        pk="id", not_null={"first", "count", "created_at"})


@migrations(name="0010_follow_up_and_themes")
def _follow_up_and_themes(db: Database) -> None:
    # Rencana tindak lanjut: what the evaluation meeting decided, against an unsur (and a
    # service), who does it by when, and its dated notes as it goes.
    db.table("actions").create(
        {"id": int, "unsur": str, "service": str, "what": str, "who": str, "due": str,
         "status": str, "public_note": str, "created_at": str, "created_by": str,
         "baseline_from": str, "baseline_to": str, "closed_at": str, "updated_at": str},
        pk="id", not_null={"unsur", "what", "status", "created_at"},
        foreign_keys=[("service", "services", "code")])
    db.table("actions").create_index(["status", "due"])
    db.table("action_notes").create(
        {"id": int, "action_id": int, "at": str, "username": str, "status": str,
         "note": str},
        pk="id", not_null={"action_id", "at"}, foreign_keys=[("action_id", "actions", "id")])
    db.table("action_notes").create_index(["action_id", "at"])
    # Themes of what citizens write: keywords per unsur (or none), editable by staff.
    db.table("themes").create(
        {"id": int, "unsur": str, "name": str, "name_en": str, "keywords": str,
         "position": int, "active": int, "created_at": str},
        pk="id", not_null={"name", "keywords", "position", "active", "created_at"},
        defaults={"active": 1})


@migrations(name="0011_default_themes")
def _default_themes(db: Database) -> None:
    # The office starts with sensible keywords per unsur; staff edit them in Pengaturan.
    now = clock.utc_now()
    db.table("themes").insert_all(
        {"unsur": unsur, "name": name, "name_en": name_en, "keywords": json.dumps(list(words)),
         "position": n, "active": 1, "created_at": now}
        for n, (unsur, name, name_en, words) in enumerate(DEFAULT_THEMES, start=1))


@migrations(name="0012_reasons")
def _reasons(db: Database) -> None:
    # "Apa yang kurang?": the reasons a citizen may tap after an unhappy face, per unsur,
    # renamed or retired by staff but never deleted, so that past counts keep their names.
    db.table("reasons").create(
        {"id": int, "unsur": str, "name": str, "name_en": str, "position": int,
         "active": int, "created_at": str},
        pk="id", not_null={"unsur", "name", "position", "active", "created_at"},
        defaults={"active": 1})
    now = clock.utc_now()
    db.table("reasons").insert_all(
        {"unsur": unsur, "name": name, "name_en": name_en, "position": n, "active": 1,
         "created_at": now}
        for n, (unsur, name, name_en) in enumerate(DEFAULT_REASONS, start=1))
    # At most one reason per unsur of a response, stored with it in one transaction.
    db.table("response_reasons").create(
        {"response_id": str, "unsur": str, "reason_id": int},
        pk=("response_id", "unsur"),
        foreign_keys=[("response_id", "responses", "id"), ("reason_id", "reasons", "id")])
    db.table("response_reasons").create_index(["reason_id"])


@migrations(name="0013_alerts")
def _alerts(db: Database) -> None:
    # What staff are told of (a drop, a grade fallen, an action overdue), one row per cause
    # however often it is found, kept after it is acknowledged.
    db.table("alerts").create(
        {"id": int, "cause": str, "kind": str, "subject": str, "month": str, "details": str,
         "raised_at": str, "acknowledged_at": str, "acknowledged_by": str, "note": str},
        pk="id", not_null={"cause", "kind", "subject", "details", "raised_at"})
    db.table("alerts").create_index(["cause"], unique=True)
    db.table("alerts").create_index(["acknowledged_at", "raised_at"])
    # E-mail waiting to go out, kept after it went: retried with growing pauses while the
    # network is down, never dropped.
    db.table("mail").create(
        {"id": int, "alert_id": int, "recipient": str, "subject": str, "body": str,
         "created_at": str, "attempts": int, "next_try_at": str, "last_error": str,
         "last_try_at": str, "sent_at": str},
        pk="id", not_null={"recipient", "subject", "body", "created_at", "attempts",
                           "next_try_at"},
        defaults={"attempts": 0}, foreign_keys=[("alert_id", "alerts", "id")])
    db.execute("CREATE INDEX mail_waiting ON mail(next_try_at) WHERE sent_at IS NULL")


@migrations(name="0014_daily_totals")
def _daily_totals(db: Database) -> None:
    # Totals per office day, service, questionnaire, channel and counted or not, kept with
    # every change to the responses (store.daily_totals): a period's IKM and its interval
    # read a few rows per day instead of every response. WITHOUT ROWID, which sqlite-utils
    # cannot write: the rows are stored in key order, the days of a period side by side.
    from store import daily_totals, recount

    types = {"counted": "INTEGER", "local_date": "TEXT", "service": "TEXT",
             "questionnaire": "TEXT", "channel": "TEXT"}
    columns = [f"{c} {types[c]} NOT NULL" for c in daily_totals.KEY]
    columns += [f"{c} INTEGER NOT NULL" for c in daily_totals.COLUMNS]
    db.execute(f"CREATE TABLE daily_totals ({', '.join(columns)}, "
               f"PRIMARY KEY ({', '.join(daily_totals.KEY)})) WITHOUT ROWID")
    recount.fill(db)  # from the responses already stored, in SQL


@migrations(name="0015_recordings")
def _recordings(db: Database) -> None:
    # The prompts staff recorded for the kiosk to read aloud, one per language and prompt;
    # the sound itself is a file in the instance folder named by its sha256 (store.recordings).
    db.table("recordings").create(
        {"lang": str, "key": str, "mime": str, "size": int, "sha256": str,
         "created_at": str, "created_by": str},
        pk=("lang", "key"), not_null={"mime", "size", "sha256", "created_at"})
