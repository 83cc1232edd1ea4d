"""An office's database made by the earliest release opens with today's code, nothing lost.

The database and what the old code said about it are in tests/fixtures/earliest (README.md
there says how they were made). Every test works on its own copy of the old folder.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
from support import signed_in

import kiosk
import store
from ikm import release
from store.schema import connect, migrations, rows

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "earliest"
EXPECTED = json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))
PERIODS = {"2026-10": ("2026-10-01", "2026-10-31"), "2026-11": ("2026-11-01", "2026-11-30"),
           "all": ("2026-10-01", "2026-11-30")}
# The figures of /api/ikm that must not move between versions.
FIGURES = ("ikm", "index", "grade", "respondents")
UNSUR_FIGURES = ("total", "n", "nrr")


@pytest.fixture
def folder(tmp_path) -> Path:
    """An instance folder holding the old database as the old code left it (no secret key)."""
    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copyfile(FIXTURE / "skm.db", instance / "skm.db")
    return instance


@pytest.fixture
def app(folder):
    """Today's app on the old folder (overrides conftest's app, so `client` and `db` use it)."""
    return kiosk.create_app({"TESTING": True}, instance_path=folder)


def applied(database: Path) -> list[str]:
    """Return the names of the migrations applied to a database, in the order applied."""
    db = connect(database)
    try:
        return [m.name for m in migrations.applied(db)]
    finally:
        db.close()


def test_opening_the_old_folder_brings_its_schema_up_to_date(folder):
    database = folder / "skm.db"
    assert applied(database) == EXPECTED["migrations"]  # the fixture is the old schema
    kiosk.create_app({"TESTING": True}, instance_path=folder)  # as the server opens it
    # What opening an old folder must leave behind besides its database is checked here.
    assert set(applied(database)) == store.instance.known_changes()
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_every_response_is_kept_unchanged(db):
    columns = EXPECTED["response_columns"]
    kept = {r["id"]: r for r in rows(db, f"SELECT {', '.join(columns)} FROM responses")}
    assert len(kept) == len(EXPECTED["responses"])
    for old in EXPECTED["responses"]:
        assert kept[old[0]] == dict(zip(columns, old))


def test_every_account_signs_in_with_its_old_password_and_keeps_its_role(app, db):
    from support import sign_in

    for user in EXPECTED["users"]:
        assert store.accounts.get_user(db, user["username"])["role"] == user["role"]
        client, reply = sign_in(app, user["username"], user["password"])
        assert (reply.status_code == 302) == user["active"], (user["username"], reply.text)
        assert signed_in(client) == user["active"]
        if user["active"]:  # the role still decides: only an admin opens the accounts page
            allowed = client.get("/staff/users").status_code == 200
            assert allowed == (user["role"] == "admin"), user["username"]


def test_every_kiosk_keeps_its_name_and_its_token(client, db):
    for old in EXPECTED["kiosks"]:
        row = store.kiosks.get(db, old["id"])
        assert row["name"] == old["name"]
        assert (row["revoked_at"] is not None) == old["revoked"]
        now = datetime.now(timezone.utc).isoformat()
        reply = client.post("/api/responses", headers={"Authorization": f"Bearer {old['token']}"},
                            json={"id": f"00000000-0000-4000-8000-00000000000{old['id']}",
                                  "service": "KK", "answered_at": now, "duration_ms": 60000,
                                  "answers": {"U1": 4}})
        assert reply.status_code == (401 if old["revoked"] else 201), reply.text


def test_services_settings_populations_and_audit_are_kept(db):
    services = {r["code"]: r for r in rows(
        db, "SELECT code, name, name_en, position, active FROM services")}
    for old in EXPECTED["services"]:
        assert services[old["code"]] == old
    stored = dict(db.execute("SELECT key, value FROM settings").fetchall())
    assert {k: stored.get(k) for k in EXPECTED["settings"]} == EXPECTED["settings"]
    settings = store.settings.read(db)
    for key, value in EXPECTED["settings"].items():
        assert settings[key] == json.loads(value), key
    assert rows(db, "SELECT month, service, count FROM populations ORDER BY month, service"
                ) == EXPECTED["populations"]
    audit = [i for (i,) in db.execute("SELECT id FROM audit ORDER BY id")]
    assert audit[:len(EXPECTED["audit"])] == EXPECTED["audit"]


def same_figures(new: dict, old: dict) -> None:
    """Assert that today's /api/ikm answer has the old answer's figures, unsur by unsur."""
    for key in FIGURES:
        assert new[key] == old[key], key
    assert [u["code"] for u in new["unsur"]] == [u["code"] for u in old["unsur"]]
    for new_unsur, old_unsur in zip(new["unsur"], old["unsur"]):
        for key in UNSUR_FIGURES:
            assert new_unsur[key] == old_unsur[key], (old_unsur["code"], key)


@pytest.mark.parametrize("period", sorted(PERIODS))
def test_the_ikm_of_each_period_is_what_the_old_code_said(client, period):
    start, end = PERIODS[period]
    reply = client.get(f"/api/ikm?from={start}&to={end}")
    assert reply.status_code == 200
    same_figures(reply.get_json(), EXPECTED["ikm"][period])


@pytest.mark.parametrize("period, service", [
    (period, service) for period in sorted(PERIODS)
    for service in sorted(EXPECTED["ikm_by_service"][period])])
def test_the_ikm_of_each_service_is_what_the_old_code_said(client, period, service):
    start, end = PERIODS[period]
    reply = client.get(f"/api/ikm?from={start}&to={end}&service={service}")
    assert reply.status_code == 200
    same_figures(reply.get_json(), EXPECTED["ikm_by_service"][period][service])


def test_the_trend_is_what_the_old_code_said(client):
    new = client.get("/api/trend?to=2026-11-30").get_json()["months"]
    old = EXPECTED["trend"]["months"]
    keys = ("month", "respondents", "ikm", "grade")
    assert [{k: m[k] for k in keys} for m in new] == [{k: m[k] for k in keys} for m in old]


def test_the_command_line_backs_up_the_upgraded_folder(app, folder, tmp_path):
    dest = tmp_path / "copy.db"
    assert kiosk.main(["backup", str(dest), "--instance", str(folder)]) == 0
    with sqlite3.connect(dest) as conn:
        ids = {i for (i,) in conn.execute("SELECT id FROM responses")}
    assert ids == {row[0] for row in EXPECTED["responses"]}


def test_the_command_line_opens_the_old_folder_first(folder, tmp_path):
    assert kiosk.main(["backup", str(tmp_path / "copy.db"), "--instance", str(folder)]) == 0
    assert set(applied(folder / "skm.db")) == store.instance.known_changes()


def test_the_old_database_is_backed_up_before_it_is_migrated(folder, tmp_path):
    assert kiosk.main(["backup", str(tmp_path / "copy.db"), "--instance", str(folder)]) == 0
    (before,) = (folder / "backups").glob(f"skm-before-{release.VERSION}-*.db")
    assert applied(before) == EXPECTED["migrations"]  # as it was, before the migrations
    with sqlite3.connect(before) as conn:
        ids = {i for (i,) in conn.execute("SELECT id FROM responses")}
    assert ids == {row[0] for row in EXPECTED["responses"]}
    # Opened again, it is up to date: no second backup.
    assert kiosk.main(["backup", str(tmp_path / "again.db"), "--instance", str(folder)]) == 0
    assert len(list((folder / "backups").glob("skm-before-*.db"))) == 1


def test_a_new_database_needs_no_backup_before_its_first_migrations(tmp_path):
    folder = tmp_path / "fresh"
    assert kiosk.main(["backup", str(tmp_path / "copy.db"), "--instance", str(folder)]) == 0
    assert not (folder / "backups").exists()
