"""Faults beyond the kiosk's: full disk, read-only or locked database, backups, migrations."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path

import pytest
from support import post_form, with_pragma

import kiosk
import store
import store.schema
from ikm import office
from ikm.validation import parse

ROOT = Path(__file__).resolve().parent.parent


def response(day: int = 5) -> dict:
    return {"id": str(uuid.uuid4()), "service": "KK", "duration_ms": 40000,
            "answered_at": f"2026-10-{day:02d}T10:00:00+07:00",
            "answers": {f"U{i}": 1 + (i + day) % 4 for i in range(1, 10)}}


@pytest.fixture
def post(client, kiosk_token):
    def send(body):
        return client.post("/api/responses", json=body,
                           headers={"Authorization": f"Bearer {kiosk_token}"})
    return send


def test_a_full_disk_answers_503_and_stores_nothing(post, db, monkeypatch):
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    with_pragma(monkeypatch, f"PRAGMA max_page_count = {pages}")  # no room to grow
    batch = [response(d) for d in range(1, 30)]
    reply = post(batch)
    assert reply.status_code == 503 and reply.json["field"] == "server"
    assert reply.headers["Retry-After"] == "30"
    assert db["responses"].count == 0
    monkeypatch.undo()  # space freed: the kiosk's next try is stored
    assert [r["status"] for r in post(batch).json["results"]] == ["stored"] * 29


def test_a_read_only_database_answers_503(post, db, monkeypatch):
    with_pragma(monkeypatch, "PRAGMA query_only = 1")
    reply = post(response())
    assert reply.status_code == 503 and db["responses"].count == 0


def test_a_read_only_database_still_shows_the_staff_pages(client, db, monkeypatch, login):
    signed_in = login("staff")
    with_pragma(monkeypatch, "PRAGMA query_only = 1")
    assert signed_in.get("/staff/").status_code == 200
    # A form that has to write: the page explains, nothing half-stored.
    page = post_form(signed_in, "/staff/population?month=2026-10", {"s_KK": "100"})
    assert page.status_code == 503 and "tidak dapat menyimpan" in page.text
    assert db["populations"].count == 0


def test_a_long_reader_does_not_block_kiosks(post, db, app):
    reader = sqlite3.connect(app.config["DATABASE"])
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM responses").fetchone()  # holds a read snapshot
    try:
        assert post(response()).status_code == 201
    finally:
        reader.rollback()
        reader.close()
    assert db["responses"].count == 1


def test_a_writer_holding_the_lock_too_long_gets_503_then_the_retry_works(post, db, app):
    app.config["DB_TIMEOUT"] = 0.3
    holder = sqlite3.connect(app.config["DATABASE"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        body = response()
        assert post(body).status_code == 503
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert post(body).status_code == 201 and db["responses"].count == 1


def test_backup_while_kiosks_write_is_consistent_and_restores_the_same_ikm(
        app, client, post, tmp_path):
    for day in range(1, 21):
        assert post(response(day)).status_code == 201
    stop = threading.Event()

    def keep_writing():
        # Kiosks keep sending (dated November) while the backup runs.
        conn = store.schema.connect(app.config["DATABASE"])
        settings = {**office.DEFAULTS, "min_survey_seconds": 0}
        while not stop.is_set():
            item = parse({**response(), "answered_at": "2026-11-02T10:00:00+07:00"}, {"KK"})
            store.responses.record(conn, None, [item], settings)
        conn.close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        copy = store.backup.backup(Path(app.config["DATABASE"]), tmp_path)
    finally:
        stop.set()
        writer.join()
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    october = client.get("/api/ikm?from=2026-10-01&to=2026-10-31").json

    restored = tmp_path / "restored"
    restored.mkdir()
    kept = store.backup.restore(copy, restored / "skm.db")
    assert kept is None
    again = kiosk.create_app({"TESTING": True}, instance_path=restored).test_client()
    assert again.get("/api/ikm?from=2026-10-01&to=2026-10-31").json == october
    assert october["respondents"] == 20


def test_backup_command_while_the_server_serves(server_process, tmp_path):
    server_process.start()
    dest = tmp_path / "cadangan.db"
    done = subprocess.run([sys.executable, "kiosk.py", "backup", str(dest), "--instance",
                           str(server_process.instance)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and dest.exists(), done.stderr
    again = subprocess.run([sys.executable, "kiosk.py", "backup", str(dest), "--instance",
                            str(server_process.instance)], cwd=ROOT, capture_output=True,
                           text=True, timeout=60)
    assert again.returncode == 2 and "exists" in again.stderr


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    junk = tmp_path / "foto.db"
    sqlite3.connect(junk).execute("CREATE TABLE x (y)").connection.close()
    with pytest.raises(ValueError, match="not an SKM database"):
        store.backup.restore(junk, tmp_path / "skm.db")


def test_admins_download_a_backup_that_opens(login, tmp_path):
    reply = login("admin").get("/staff/backup.db")
    assert reply.status_code == 200
    assert reply.headers["Content-Disposition"].startswith("attachment; filename=skm-cadangan-")
    path = tmp_path / "dl.db"
    path.write_bytes(reply.data)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM services").fetchone()[0] == 13
    conn.close()


SLOW_MIGRATION = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from store.schema import connect, migrations

    @migrations(name="9999_slow_test_migration")
    def slow(db):
        db["big"].create({{"id": int, "text": str}}, pk="id")
        db["big"].insert_all({{"id": i, "text": "x" * 100}} for i in range(20000))
        print("half done", flush=True)
        time.sleep(60)

    migrations.apply(connect({db!r}))
""")


def test_a_crash_in_the_middle_of_a_migration_leaves_nothing_half_done(tmp_path):
    database = tmp_path / "skm.db"
    store.schema.open_db(database).close()
    script = tmp_path / "migrate.py"
    script.write_text(SLOW_MIGRATION.format(root=str(ROOT), db=str(database)))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "half done"
    proc.kill()  # power cut while the migration's transaction is open
    proc.wait()
    proc.stdout.close()
    db = store.schema.open_db(database)  # the server starting again
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert "big" not in db.table_names()
    applied = [m.name for m in store.schema.migrations.applied(db)]
    assert "9999_slow_test_migration" not in applied
    assert db["services"].count == 13


def restore_command(source: Path, folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "kiosk.py", "restore", str(source), "--instance",
                           str(folder)], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=False)


def test_restore_refuses_a_backup_from_a_newer_version_of_the_program(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    store.schema.open_db(folder / "skm.db").close()
    newer = tmp_path / "dari-versi-baru.db"
    db = store.schema.open_db(newer)
    db["_sqlite_migrations"].insert({"migration_set": "ikm", "name": "0099_next_year",
                                     "applied_at": "2027-01-01"})
    db.close()
    before = (folder / "skm.db").read_bytes()
    done = restore_command(newer, folder)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        f"error: the backup {newer} comes from a newer version of this program (it has "
        f"0099_next_year); update the program first, then restore it")
    assert (folder / "skm.db").read_bytes() == before
    assert not list(folder.glob("skm.db.before-restore-*"))


def test_restore_brings_an_older_backup_up_to_date_and_audits_it_there(tmp_path):
    old = tmp_path / "cadangan-lama.db"
    db = store.schema.connect(old)
    store.schema.migrations.apply(db, stop_before="0007_audit_actor")  # before audit had `via`
    db.close()
    folder = tmp_path / "instance"
    folder.mkdir()
    store.schema.open_db(folder / "skm.db").close()
    done = restore_command(old, folder)
    assert done.returncode == 0, done.stderr
    db = store.schema.connect(folder / "skm.db")
    assert not store.schema.migrations.pending(db)
    [entry] = db["audit"].rows
    kept = next(folder.glob("skm.db.before-restore-*"))
    assert (entry["action"], entry["via"], entry["username"]) == ("restore", "cli", None)
    assert entry["detail"] == (f"restored from {old}; the previous database was kept as "
                               f"{kept}")
    db.close()


def test_restore_says_how_many_responses_only_the_previous_database_held(
        app, post, tmp_path):
    assert post(response(1)).status_code == 201
    copy = store.backup.backup(Path(app.config["DATABASE"]), tmp_path / "cadangan.db")
    for day in (2, 3, 4):  # acknowledged after the backup
        assert post(response(day)).status_code == 201
    done = restore_command(copy, Path(app.instance_path))
    assert done.returncode == 0, done.stderr
    kept = next(Path(app.instance_path).glob("skm.db.before-restore-*"))
    assert done.stdout.splitlines() == [
        f"Restored {copy}.",
        f"The previous database was kept as {kept}.",
        "It holds 3 responses that the backup does not have; they are only in that kept file.",
        "Start the server again.",
    ]
    with sqlite3.connect(kept) as conn:
        assert conn.execute("SELECT count(*) FROM responses").fetchone()[0] == 4
    conn.close()


def test_restore_over_a_database_that_is_not_one_keeps_it_as_it_was(app, tmp_path):
    copy = store.backup.backup(Path(app.config["DATABASE"]), tmp_path / "cadangan.db")
    database = Path(app.config["DATABASE"])
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    database.write_bytes(b"not a database, half a copied file")
    done = restore_command(copy, Path(app.instance_path))
    assert done.returncode == 0, done.stderr
    kept = next(Path(app.instance_path).glob("skm.db.before-restore-*"))
    assert kept.read_bytes() == b"not a database, half a copied file"
    assert "It could not be read, so it was kept as it was" in done.stdout
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM services").fetchone()[0] == 13
    conn.close()
