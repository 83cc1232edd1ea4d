"""The instance folder: one server at a time, a damaged database said in one line, and
files (the secret key) written whole."""
from __future__ import annotations

import errno
import json
import os
import random
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from support import ServerProcess, free_port

import kiosk
import store
from store.audit import COMMAND_LINE
from store.schema import connect, open_db

ROOT = Path(__file__).resolve().parent.parent


def run_kiosk(*args: str, stdin: str | None = None, timeout: float = 60
              ) -> subprocess.CompletedProcess:
    """Run `python kiosk.py ARGS` to the end; its output as text."""
    return subprocess.run([sys.executable, "kiosk.py", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=timeout, check=False)


def one_line(text: str) -> str:
    """Return the only line of a message, failing when there is a traceback or more."""
    assert "Traceback" not in text
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def started(folder: Path) -> None:
    """Start a server on the folder, wait until it answers, and stop it."""
    server = ServerProcess(folder, free_port())
    try:
        server.start()
    finally:
        server.stop(kill=True)  # also when it never answered


def seeded_database(path: Path, rows: int = 3000) -> None:
    """A real database with enough responses that its table spans many pages."""
    db = open_db(path)
    db["responses"].insert_all(
        {"id": f"r{i:05d}", "service": "KK", "questionnaire": "full",
         "answered_at": "2026-10-01T10:00:00+07:00", "received_at": "2026-10-01T03:00:01Z",
         "local_date": "2026-10-01", "counted": 1, "comment": "antrian lama " * 8}
        for i in range(rows))
    db.close()  # the last connection checkpoints: everything is in skm.db, no -wal left
    assert not Path(f"{path}-wal").exists()


# --- one server at a time --------------------------------------------------------------


def test_a_second_server_is_refused_while_the_other_commands_still_work(
        server_process, tmp_path):
    server = server_process.start()
    folder = str(server.instance)
    second = run_kiosk("--host", "127.0.0.1", "--port", str(free_port()), "--instance", folder)
    assert second.returncode == 2
    line = one_line(second.stderr)
    assert line.startswith(f"error: a server is already running on the instance folder "
                           f"{folder} (pid {server.proc.pid}, on 127.0.0.1:{server.port}, since ")
    assert line.endswith("stop it first (Ctrl+C in its window, or stop the service)")
    # SQLite's WAL lets the other commands work beside the server.
    assert run_kiosk("add-kiosk", "Loket 2", "--instance", folder).returncode == 0
    made = run_kiosk("create-user", "petugas", "--role", "staff", "--instance", folder,
                     stdin="kata-sandi-rahasia\n")
    assert made.returncode == 0, made.stderr
    saved = run_kiosk("backup", str(tmp_path / "cadangan.db"), "--instance", folder)
    assert saved.returncode == 0, saved.stderr
    urllib.request.urlopen(server.url + "/api/services", timeout=5).close()  # still serving


def test_restore_while_the_server_runs_is_refused_and_nothing_is_lost(server_process, tmp_path):
    copy = store.backup.backup(server_process.instance / "skm.db", tmp_path / "cadangan.db")
    db = connect(server_process.instance / "skm.db")
    _, token = store.kiosks.add_kiosk(db, "Loket 1", actor=COMMAND_LINE)
    db.close()
    server = server_process.start()
    body = json.dumps({"id": "0b7a5a7e-4d7c-4a5e-9d59-6d0f4d5b7c11", "service": "KK",
                       "answered_at": "2026-11-30T09:00:00+07:00", "duration_ms": 40000,
                       "answers": {f"U{i}": 3 for i in range(1, 10)}}).encode()
    request = urllib.request.Request(server.url + "/api/responses", body, {
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.status == 201  # acknowledged: it must survive what follows

    done = run_kiosk("restore", str(copy), "--instance", str(server.instance))
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert line.startswith(f"error: cannot restore while a server is running on the instance "
                           f"folder {server.instance} (pid {server.proc.pid}, ")
    assert "stop it first (Ctrl+C in its window, or stop the service)" in line
    assert not list(server.instance.glob("skm.db.before-restore-*"))
    urllib.request.urlopen(server.url + "/api/services", timeout=5).close()  # still serving
    db = connect(server.instance / "skm.db")
    assert db["responses"].count == 1
    db.close()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM],
                         ids=["Ctrl+C in its window", "a service manager stopping it"])
def test_the_running_server_notes_itself_in_server_json_and_stopping_removes_it(
        server_process, stop):
    server = server_process.start()
    note = json.loads((server.instance / "server.json").read_text())
    assert note["command"] == "serve" and note["pid"] == server.proc.pid
    assert (note["host"], note["port"]) == ("127.0.0.1", server.port)
    assert note["started_at"] and note["version"]
    server.proc.send_signal(stop)
    assert server.proc.wait(timeout=30) == 0
    server.proc = None
    assert not (server.instance / "server.json").exists()


def test_a_server_killed_without_warning_leaves_no_lock_behind(server_process, tmp_path):
    copy = store.backup.backup(server_process.instance / "skm.db", tmp_path / "cadangan.db")
    server = server_process.start()
    first = server.proc.pid
    server.stop(kill=True)  # a power cut, as far as the folder knows
    # Its server.json stays behind; the lock, held by the dead process, does not.
    assert json.loads((server.instance / "server.json").read_text())["pid"] == first
    restored = run_kiosk("restore", str(copy), "--instance", str(server.instance))
    assert restored.returncode == 0, restored.stderr
    server.start()
    assert json.loads((server.instance / "server.json").read_text())["pid"] == server.proc.pid


# --- a database that does not open ----------------------------------------------------------


def with_backups(folder: Path, source: Path) -> Path:
    """Two daily backups in INSTANCE/backups, as the server keeps them; return the newest."""
    (folder / "backups").mkdir()
    older = store.backup.backup(source, folder / "backups" / "skm-2026-11-28.db")
    newest = store.backup.backup(source, folder / "backups" / "skm-2026-11-29.db")
    os.utime(older, (1_700_000_000, 1_700_000_000))
    return newest


def refused_start(folder: Path) -> str:
    """Start the server on a folder whose database is broken; return its one line."""
    done = run_kiosk("--host", "127.0.0.1", "--port", str(free_port()), "--instance", str(folder))
    assert done.returncode == 2 and "Traceback" not in done.stdout
    return one_line(done.stderr)


def test_a_text_file_named_skm_db_stops_the_start_in_one_line(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    (folder / "skm.db").write_text("Laporan bulan November\n")
    line = refused_start(folder)
    assert line == (f"error: the database {folder / 'skm.db'} is not an SQLite database; "
                    f"restore your latest backup: python kiosk.py restore BACKUP.db --instance "
                    f"{folder} (in place of BACKUP.db, the latest file the backup command wrote)")


def test_a_truncated_database_stops_the_start_naming_the_latest_backup(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    database = folder / "skm.db"
    seeded_database(database)
    newest = with_backups(folder, database)
    size = database.stat().st_size
    os.truncate(database, size // 2)
    line = refused_start(folder)
    assert line == (f"error: the database {database} is truncated (it has {size // 2} of its "
                    f"{size} bytes); restore the latest backup: python kiosk.py restore "
                    f"{newest} --instance {folder}")


def test_a_database_damaged_in_the_middle_stops_the_start_and_its_restore_command_works(
        tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    database = folder / "skm.db"
    seeded_database(database)
    newest = with_backups(folder, database)
    page = 4096
    middle = database.stat().st_size // page // 2 * page
    with database.open("r+b") as f:
        f.seek(middle)
        f.write(random.Random(11).randbytes(4 * page))
    conn = sqlite3.connect(database)
    with pytest.raises(sqlite3.DatabaseError, match="malformed"):  # SQLite sees it too
        conn.execute("PRAGMA quick_check").fetchall()
    conn.close()

    line = refused_start(folder)
    assert line.startswith(f"error: the database {database} is damaged (")
    assert line.endswith(f"restore the latest backup: python kiosk.py restore {newest} "
                         f"--instance {folder}")
    # The command the message gives is the one that mends it.
    restored = run_kiosk(*shlex.split(line.split("backup: python kiosk.py ", 1)[1]))
    assert restored.returncode == 0, restored.stderr
    started(folder)
    db = connect(database)
    assert db["responses"].count == 3000
    db.close()


@pytest.mark.parametrize("command", [["add-kiosk", "Loket 1"], ["backup", "cadangan.db"],
                                     ["create-user", "camat", "--role", "admin"]])
def test_commands_on_a_damaged_database_say_so_in_one_line(tmp_path, command, capsys,
                                                           monkeypatch):
    import io

    folder = tmp_path / "instance"
    folder.mkdir()
    (folder / "skm.db").write_bytes(store.instance.SQLITE_HEADER + b"\x00" * 10)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("kata-sandi-rahasia\n"))
    assert kiosk.main([*command, "--instance", str(folder)]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"error: the database {folder / 'skm.db'} is ")
    assert "python kiosk.py restore" in line
    assert not (tmp_path / "cadangan.db").exists()


def test_a_database_from_a_newer_version_stops_the_start(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    db = open_db(folder / "skm.db")
    db["_sqlite_migrations"].insert({"migration_set": "ikm", "name": "9999_from_the_future",
                                     "applied_at": "2027-01-01"})
    db.close()
    line = refused_start(folder)
    assert line == (f"error: the database {folder / 'skm.db'} was written by a newer version of "
                    f"this program (it has 9999_from_the_future); update the program first")


# --- a read-only instance folder ---------------------------------------------------------------


def read_only_mount_works(folder: Path) -> bool:
    """Whether this machine lets us mount a folder read-only in a private mount namespace."""
    probe = subprocess.run(["unshare", "--mount", "sh", "-c",
                            'mount --bind -o ro "$1" "$1" && ! touch "$1/probe"', "sh",
                            str(folder)], capture_output=True, timeout=30, check=False)
    return probe.returncode == 0 and not (folder / "probe").exists()


def test_a_read_only_instance_folder_is_said_in_one_line(tmp_path):
    # Tests run as root, for whom chmod takes nothing away: the folder is mounted read-only
    # instead, in a mount namespace of the server's own, so nothing outside it changes.
    folder = tmp_path / "instance"
    folder.mkdir()
    open_db(folder / "skm.db").close()
    if not shutil.which("unshare") or not read_only_mount_works(folder):
        pytest.skip("this machine does not allow a read-only bind mount (unshare --mount)")
    done = subprocess.run(
        ["unshare", "--mount", "sh", "-c",
         ('mount --bind -o ro "$1" "$1" && exec "$2" kiosk.py --host 127.0.0.1 --port "$3" '
          '--instance "$1"'), "sh", str(folder), sys.executable, str(free_port())],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert one_line(done.stderr) == (
        f"error: the instance folder {folder} is read-only (Read-only file system), so nothing "
        f"can be saved there; make it writable, or choose a writable folder with --instance")


def test_an_instance_folder_without_write_permission_is_said_in_one_line(
        tmp_path, capsys, monkeypatch):
    # The same check as an office PC's folder without permission (EACCES) meets it; root
    # cannot be refused a write, so the refusal is injected where the check writes.
    folder = tmp_path / "instance"
    folder.mkdir()

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(store.instance.tempfile, "mkstemp", refused)
    assert kiosk.main(["add-kiosk", "Loket 1", "--instance", str(folder)]) == 2
    assert one_line(capsys.readouterr().err) == (
        f"error: the instance folder {folder} is read-only (Permission denied), so nothing "
        f"can be saved there; make it writable, or choose a writable folder with --instance")
    assert not (folder / "skm.db").exists()


# --- the secret key ----------------------------------------------------------------------------


def test_a_first_start_on_a_full_disk_leaves_no_secret_key_and_a_later_start_works(
        tmp_path, capsys, monkeypatch):
    folder = tmp_path / "instance"
    folder.mkdir()

    def disk_full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", disk_full)
    code = kiosk.main(["add-kiosk", "Loket 1", "--instance", str(folder)])
    monkeypatch.undo()
    assert code == 2
    assert one_line(capsys.readouterr().err) == (
        f"error: cannot write the secret key: the disk holding {folder} is full (No space left "
        f"on device); free some space, then try again")
    assert os.listdir(folder) == []  # neither a secret_key nor its temporary file

    started(folder)  # space freed
    assert len((folder / "secret_key").read_text()) == 64


def test_an_empty_secret_key_left_by_an_older_version_is_made_anew(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    (folder / "secret_key").write_text("")
    app = kiosk.create_app(instance_path=folder)
    key = (folder / "secret_key").read_text()
    assert len(key) == 64 and app.config["SECRET_KEY"] == key
    assert kiosk.create_app(instance_path=folder).config["SECRET_KEY"] == key  # and kept
