"""The server's own backups: at start and daily at the set hour, kept 14 days and 12 months,
copied to a second folder, and never a half file under a backup's name."""
from __future__ import annotations

import errno
import json
import os
import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

import store
from host.upkeep import Upkeep
from store.audit import COMMAND_LINE
from store.schema import connect, migrations, open_db

WIB = timezone(timedelta(hours=7))


@pytest.fixture
def instance(tmp_path) -> Path:
    folder = tmp_path / "instance"
    folder.mkdir()
    db = open_db(folder / "skm.db")
    store.kiosks.add_kiosk(db, "Loket 1", actor=COMMAND_LINE)  # something to back up
    db.close()
    return folder


class FakeClock:
    """The server's clock, moved by the test."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def backups(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "backups").glob("*.db"))


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


def test_a_first_start_makes_a_backup_at_once_named_by_the_office_date(instance):
    clock = FakeClock(at(1, 0, 30))  # 17:30 UTC on 30 November: 1 December in Jambi
    Upkeep(instance / "skm.db", instance, clock).tick()
    assert backups(instance) == ["skm-2026-12-01.db"]
    with sqlite3.connect(instance / "backups" / "skm-2026-12-01.db") as conn:
        assert conn.execute("SELECT name FROM kiosks").fetchall() == [("Loket 1",)]
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_the_daily_backup_comes_at_half_past_twelve_and_once_a_day(instance):
    clock = FakeClock(at(1, 7, 45))
    upkeep = Upkeep(instance / "skm.db", instance, clock)
    upkeep.tick()  # start-up: no backup yet, so one now
    first = (instance / "backups" / "skm-2026-12-01.db").stat().st_mtime_ns
    for moment in (at(1, 8), at(1, 12, 29)):
        clock.now = moment
        upkeep.tick()
    assert (instance / "backups" / "skm-2026-12-01.db").stat().st_mtime_ns == first
    clock.now = at(1, 12, 30) + timedelta(seconds=20)
    upkeep.tick()  # the day's backup replaces the morning's with a newer copy
    assert (instance / "backups" / "skm-2026-12-01.db").stat().st_mtime_ns != first
    assert upkeep.next_backup == at(2, 12, 30)
    clock.now = at(1, 16)
    upkeep.tick()
    clock.now = at(2, 12, 31)
    upkeep.tick()
    assert backups(instance) == ["skm-2026-12-01.db", "skm-2026-12-02.db"]


def test_a_restart_with_a_fresh_backup_makes_none_and_an_old_one_is_renewed(instance):
    clock = FakeClock(at(1, 9))
    Upkeep(instance / "skm.db", instance, clock).tick()
    clock.now = at(1, 10)  # restarted an hour later: the backup is fresh
    Upkeep(instance / "skm.db", instance, clock).tick()
    assert backups(instance) == ["skm-2026-12-01.db"]
    path = instance / "backups" / "skm-2026-12-01.db"
    old = (at(1, 9) - timedelta(days=3)).timestamp()
    os.utime(path, (old, old))  # as if the PC had been off for three days
    Upkeep(instance / "skm.db", instance, clock).tick()
    assert path.stat().st_mtime > old


def test_the_hour_follows_the_setting(instance):
    clock = FakeClock(at(1, 9))
    upkeep = Upkeep(instance / "skm.db", instance, clock)
    upkeep.tick()
    db = open_db(instance / "skm.db")
    store.settings.save(db, {"backup_time": "15:00"}, actor=COMMAND_LINE)
    db.close()
    upkeep.tick()
    assert upkeep.next_backup == at(1, 15)


def test_fourteen_days_and_twelve_months_are_kept():
    days = [date(2025, 1, 1) + timedelta(days=n) for n in range(700)]
    kept = store.backups.kept(days)
    newest = days[-1]  # 2026-12-01
    assert {newest - timedelta(days=n) for n in range(14)} <= kept
    monthly = sorted(kept - {newest - timedelta(days=n) for n in range(14)})
    # The last backup of each month from January to October; November's last (the 30th) is
    # among the fourteen days, December's is the newest.
    assert len(monthly) == 10 and all((d + timedelta(days=1)).day == 1 for d in monthly)
    assert min(kept) == date(2026, 1, 31)


def test_old_backups_are_removed_and_other_files_left(instance):
    here = instance / "backups"
    here.mkdir()
    for n in range(40):
        (here / store.backups.name(date(2026, 11, 30) - timedelta(days=n))).write_bytes(b"x")
    (here / "skm-before-0.2.0-20261101-0800.db").write_bytes(b"x")
    (here / "notes.txt").write_text("kept")
    store.backups.daily(instance / "skm.db", instance, date(2026, 12, 1))
    names = backups(instance)
    assert "skm-2026-12-01.db" in names and "skm-2026-11-18.db" in names
    assert "skm-2026-11-17.db" not in names
    assert "skm-2026-10-31.db" in names  # October's last
    assert "skm-before-0.2.0-20261101-0800.db" in names and (here / "notes.txt").exists()
    assert len([n for n in names if n.startswith("skm-2026")]) == 14 + 1


def test_each_backup_is_copied_to_the_second_folder(instance, tmp_path):
    flash = tmp_path / "flashdisk"
    flash.mkdir()
    outcome = store.backups.daily(instance / "skm.db", instance, date(2026, 12, 1), str(flash))
    assert outcome.error is None and outcome.second_error is None
    assert (flash / "skm-2026-12-01.db").read_bytes() == \
        (instance / "backups" / "skm-2026-12-01.db").read_bytes()
    noted = json.loads((instance / "backups" / "last.json").read_text())
    assert noted["second_folder"] == str(flash) and noted["second_error"] is None


def test_a_missing_second_folder_is_skipped_and_said(instance, tmp_path):
    unplugged = tmp_path / "flashdisk"
    outcome = store.backups.daily(instance / "skm.db", instance, date(2026, 12, 1),
                                  str(unplugged))
    assert outcome.file and outcome.second_error == "missing"
    assert backups(instance) == ["skm-2026-12-01.db"] and not unplugged.exists()
    assert store.backups.last_outcome(instance).second_error == "missing"


def test_a_full_disk_keeps_the_earlier_backups_and_says_why(instance, monkeypatch, caplog):
    store.backups.daily(instance / "skm.db", instance, date(2026, 11, 30))
    before = (instance / "backups" / "skm-2026-11-30.db").read_bytes()
    real = sqlite3.connect

    def full(path, *args, **kwargs):
        if str(path).endswith(".partial"):
            (Path(str(path))).write_bytes(b"half")  # what a cut-short copy would leave
            raise sqlite3.OperationalError("database or disk is full")
        return real(path, *args, **kwargs)

    monkeypatch.setattr("store.backup.sqlite3.connect", full)
    outcome = store.backups.daily(instance / "skm.db", instance, date(2026, 12, 1))
    assert outcome.error == "database or disk is full" and outcome.file is None
    assert backups(instance) == ["skm-2026-11-30.db"]
    assert (instance / "backups" / "skm-2026-11-30.db").read_bytes() == before
    assert not list((instance / "backups").glob("*.partial*"))
    assert "backup into" in caplog.text and "disk is full" in caplog.text
    assert store.backups.last_outcome(instance).error == "database or disk is full"


def test_a_read_only_backups_folder_fails_without_stopping_anything(instance, monkeypatch):
    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("store.backup.backup", refused)
    monkeypatch.setattr("store.instance.write_atomically", refused)
    outcome = store.backups.daily(instance / "skm.db", instance, date(2026, 12, 1))
    assert outcome.error == "Permission denied"
    # The outcome could not be written down, yet the running server still knows it.
    assert store.backups.last_outcome(instance).error == "Permission denied"


def test_what_a_power_cut_left_never_looks_like_a_backup(instance):
    here = instance / "backups"
    here.mkdir()
    (here / "skm-2026-11-30.db.partial").write_bytes(b"SQLite format 3\x00 cut short")
    assert store.instance.latest_backup(instance) is None
    store.backups.daily(instance / "skm.db", instance, date(2026, 12, 1))
    assert sorted(p.name for p in here.iterdir()) == ["last.json", "skm-2026-12-01.db"]


def test_a_database_about_to_be_migrated_is_backed_up_first(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    db = connect(folder / "skm.db")
    migrations.apply(db, stop_before="0008_sessions_and_signin")  # as an older version left it
    db.close()
    written = store.backups.before_upgrade(folder / "skm.db", folder, "9.9")
    assert written is not None and written.name.startswith("skm-before-9.9-")
    with sqlite3.connect(written) as conn:
        assert "0008_sessions_and_signin" not in {
            n for (n,) in conn.execute("SELECT name FROM _sqlite_migrations")}
    open_db(folder / "skm.db").close()
    assert store.backups.before_upgrade(folder / "skm.db", folder, "9.9") is None


def test_a_server_backs_up_at_start_unless_its_settings_turn_upkeep_off(tmp_path):
    from support import ServerProcess, free_port

    quiet = tmp_path / "bench-rig"
    quiet.mkdir()
    (quiet / "settings.py").write_text("UPKEEP = False\n")
    for folder in (tmp_path / "office", quiet):
        server = ServerProcess(folder, free_port()).start()
        server.stop()
    (made,) = backups(tmp_path / "office")  # named by the office's date, WIB
    assert store.backups.DAILY.fullmatch(made)
    assert not (quiet / "backups").exists()
    log = (quiet / "logs" / "skm.log").read_text()
    assert "UPKEEP = False in settings.py: no automatic backups" in log
