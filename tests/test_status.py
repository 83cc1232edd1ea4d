"""`python kiosk.py status`: what a person needs to know, whether or not the server runs."""
from __future__ import annotations

import os
import time
from collections import namedtuple
from datetime import datetime, timedelta, timezone

import pytest
from support import ServerProcess, free_port

import kiosk
import store
from store.audit import COMMAND_LINE
from store.schema import connect, open_db, write_transaction

Usage = namedtuple("Usage", "total used free")
ROOMY = Usage(100 * 10**9, 40 * 10**9, 60 * 10**9)


@pytest.fixture(autouse=True)
def machine(monkeypatch):
    """A roomy disk and an installed autostart, unless a test says otherwise."""
    monkeypatch.setattr("host.health.shutil.disk_usage", lambda path: ROOMY)
    monkeypatch.setattr("host.autostart.state", lambda folder: (True, "installed and running"))


def status(folder, capsys) -> tuple[int, str]:
    code = kiosk.main(["status", "--instance", str(folder)])
    return code, capsys.readouterr().out


def test_a_folder_never_started(tmp_path, capsys):
    code, out = status(tmp_path / "instance", capsys)
    assert code == 1
    assert "Server:        not running" in out and "Database:      none yet" in out
    assert "Needs attention:" in out and "there is no database yet" in out
    assert not (tmp_path / "instance" / "skm.db").exists()  # status changes nothing


def test_with_the_server_running_all_is_well(tmp_path, capsys):
    folder = tmp_path / "instance"
    server = ServerProcess(folder, free_port()).start()
    try:
        # The start-up backup runs beside the serving: wait for its outcome to be noted.
        deadline = time.monotonic() + 20
        while not (folder / "backups" / "last.json").exists():
            assert time.monotonic() < deadline, "no backup at start"
            time.sleep(0.05)
        db = connect(folder / "skm.db")
        kiosk_id, _ = store.kiosks.add_kiosk(db, "Loket 1", actor=COMMAND_LINE)
        now = datetime.now(timezone.utc).isoformat()
        with write_transaction(db):
            db.execute("UPDATE kiosks SET paired_at = ?, last_seen = ?, outbox = 2 WHERE id = ?",
                       [now, now, kiosk_id])
        db.close()
        code, out = status(folder, capsys)
    finally:
        server.stop()
    assert f"Server:        running (pid {server_pid(out)}, on 127.0.0.1:{server.port})" in out
    assert "0 responses" in out
    assert "Last backup:   " in out and "(0 min ago)" in out  # made at start
    assert "Disk:          60.0 GB free of 100.0 GB (60%)" in out
    assert "Loket 1: last heard" in out and "2 waiting in its outbox" in out
    assert "Autostart:     installed and running" in out
    assert out.rstrip().endswith("All is well.") and code == 0


def server_pid(out: str) -> str:
    return out.split("(pid ", 1)[1].split(",", 1)[0]


def test_what_needs_a_person_is_listed_and_exits_1(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "instance"
    folder.mkdir()
    open_db(folder / "skm.db").close()
    store.backups.daily(folder / "skm.db", folder, datetime.now().date())
    (backup,) = (folder / "backups").glob("skm-*.db")
    old = (datetime.now() - timedelta(days=3)).timestamp()
    os.utime(backup, (old, old))
    monkeypatch.setattr("host.health.shutil.disk_usage",
                        lambda path: Usage(100 * 10**9, 99.5 * 10**9, 5 * 10**8))
    monkeypatch.setattr("host.autostart.state", lambda folder: (False, "not installed"))
    code, out = status(folder, capsys)
    assert code == 1
    attention = out.split("Needs attention:", 1)[1]
    assert "the last backup is 3 days old" in attention
    assert "the disk is almost full: 0.5 GB (0.5%) free" in attention
    assert "the server is not running" in attention and "autostart install" in attention
    assert "autostart: not installed" in attention


def test_a_missing_second_folder_is_said(tmp_path, capsys):
    folder = tmp_path / "instance"
    folder.mkdir()
    db = open_db(folder / "skm.db")
    store.settings.save(db, {"backup_folder": str(tmp_path / "flashdisk")}, actor=COMMAND_LINE)
    db.close()
    code, out = status(folder, capsys)
    assert code == 1
    assert f"Second folder: {tmp_path / 'flashdisk'} MISSING" in out
    assert "second backup folder" in out.split("Needs attention:", 1)[1]
