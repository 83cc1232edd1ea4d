"""The audit log records what really happened, by whom, in the change's own transaction."""
from __future__ import annotations

import re
import uuid

import pytest
from support import PASSWORD, csrf_token, post_form, settings_form

import store
from ikm import office
from ikm.validation import parse
from store.audit import COMMAND_LINE


def entries(db) -> list[tuple]:
    return [(e["username"], e["action"], e["detail"]) for e in db["audit"].rows_where(
        "action NOT IN ('login', 'login_failed', 'login_locked')", order_by="id")]


def post_routes(app) -> list[str]:
    """Every URL that takes a POST, with ids and codes that exist."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith("/api/"):
            continue
        url = re.sub(r"<int:\w+>", "1", rule.rule)
        url = re.sub(r"<direction>", "up", url)
        urls.append(re.sub(r"<\w+>", "KK", url))
    return urls


@pytest.fixture
def flagged(db):
    """A response flagged as too fast, so that the flagged page has something to count."""
    item = parse({"id": str(uuid.uuid4()), "service": "KK", "duration_ms": 500,
                  "answered_at": "2026-11-02T09:15:00+07:00", "answers": {"U1": 4}}, {"KK"})
    store.responses.record(db, None, [item], office.DEFAULTS)
    return item.id


def test_anonymous_posts_with_a_login_pages_token_write_nothing(app, client, db, kiosk_token):
    store.accounts.create_user(db, "admin1", PASSWORD, "admin", actor=COMMAND_LINE)
    before = db["audit"].count
    token = csrf_token(client.get("/login").text)
    urls = post_routes(app)
    assert len(urls) > 20
    for url in urls:
        if url.startswith(("/login", "/setup/")):
            continue
        reply = client.post(url, data={"csrf_token": token, "username": "admin1",
                                       "role": "viewer", "s_KK": "1"})
        assert reply.status_code in (302, 400, 404), url
    assert db["audit"].count == before  # no "admin1 changed a role" from a stranger


def test_a_refused_request_writes_nothing(login, db):
    viewer = login("viewer")
    before = db["audit"].count
    assert post_form(viewer, "/staff/services/new", {"code": "SKTM", "name": "Surat"},
                     page_url="/staff/").status_code == 403
    admin = login("admin")
    before = db["audit"].count
    reply = post_form(admin, "/staff/services/new", {"code": "bad code!", "name": "Surat"})
    assert reply.status_code == 200 and db["audit"].count == before  # invalid: not stored
    reply = admin.post("/staff/services/new", data={"code": "SKTM", "name": "Surat"})
    assert reply.status_code == 400 and db["audit"].count == before  # no CSRF token


CHANGES = [
    ("/staff/services/new", {"code": "SKTM", "name": "Surat Keterangan Tidak Mampu"},
     "service", "SKTM: added as Surat Keterangan Tidak Mampu"),
    ("/staff/services/KK/edit", {"name": "Kartu Keluarga", "name_en": ""}, "service",
     "KK: renamed Kartu Keluarga"),
    ("/staff/services/KK/retire", {}, "service", "KK: retired"),
    ("/staff/services/IMB/move/up", {}, "service", "IMB: moved up"),
    ("/staff/kiosks/new", {"name": "Loket 2"}, "kiosk", "2: added as Loket 2"),
    ("/staff/kiosks/1/edit", {"name": "Ruang tunggu"}, "kiosk", "1: renamed Ruang tunggu"),
    ("/staff/kiosks/1/revoke", {}, "kiosk", "1: revoked"),
    ("/staff/kiosks/1/repair", {}, "kiosk", "1: new pairing link"),
    ("/staff/users/new", {"username": "budi", "password": "sandi-budi-1",
                          "confirm": "sandi-budi-1", "role": "staff"}, "user",
     "budi: created as staff"),
    ("/staff/users/1/role", {"role": "staff"}, "user", "someone: role viewer -> staff"),
    ("/staff/users/1/password", {"password": "sandi-baru-12", "confirm": "sandi-baru-12"},
     "password", "someone: password reset"),
    ("/staff/users/1/deactivate", {}, "user", "someone: deactivated"),
    ("/staff/population?month=2026-10", {"s_KK": "120"}, "population", "2026-10: KK=120"),
]


@pytest.mark.parametrize("url, data, action, detail", CHANGES)
def test_each_change_writes_one_entry_by_the_signed_in_admin(login, db, kiosk_token, url,
                                                             data, action, detail):
    store.accounts.create_user(db, "someone", PASSWORD, "viewer", actor=COMMAND_LINE)
    admin = login("admin")
    before = entries(db)
    reply = post_form(admin, url, data, page_url=url.replace("/move/up", "").replace(
        "/staff/services/IMB", "/staff/services"))
    assert reply.status_code == 302, reply.text
    assert entries(db)[len(before):] == [("admin1", action, detail)]
    (last,) = db["audit"].rows_where(order_by="id DESC", limit=1)
    assert last["ip"] == "127.0.0.1" and last["via"] == "web"


def test_settings_say_what_changed(login, db):
    admin = login("admin")
    post_form(admin, "/staff/settings/survey", settings_form(db, idle_seconds="90"))
    assert entries(db)[-1] == ("admin1", "settings", "idle_seconds=90")


def test_counting_a_flagged_response_and_following_up_a_comment_are_recorded(login, db,
                                                                             flagged):
    staff = login("staff")
    period = "/staff/flagged?kind=month&from=2026-11-01"
    assert post_form(staff, period, {"include": flagged}).status_code == 302
    assert entries(db)[-1] == ("staff1", "flagged", f"1 counted: {flagged}")


def test_own_password_and_logout_are_recorded_as_oneself(login, db):
    client = login("viewer")
    post_form(client, "/staff/password", {"current": PASSWORD, "new": "sandi-baru-123",
                                          "confirm": "sandi-baru-123"})
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/staff/").text)})
    assert entries(db)[-2:] == [("viewer1", "password", "viewer1: own password"),
                                ("viewer1", "logout", "")]


def test_a_change_whose_audit_entry_cannot_be_written_is_not_stored_either(login, db, app):
    admin = login("admin")
    db.execute("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit "
               "BEGIN SELECT RAISE(ABORT, 'audit refused'); END")
    db.conn.commit()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    reply = post_form(admin, "/staff/services/new", {"code": "SKTM", "name": "Surat"})
    assert reply.status_code == 500
    assert not db["services"].count_where("code = 'SKTM'")


def test_an_export_and_a_backup_download_are_recorded(login, db):
    admin = login("admin")
    admin.get("/staff/exports/csv?kind=month&from=2026-10-01")
    admin.get("/staff/backup.db")
    details = [d for _u, a, d in entries(db) if a == "export"]
    assert details[0] == "skm-2026-10-01_2026-10-31.csv"
    assert details[1].startswith("backup download skm-cadangan-")


def test_the_audit_page_shows_the_command_line_and_counted_failures(app, login, db):
    store.accounts.create_user(db, "budi", PASSWORD, "staff", actor=COMMAND_LINE)
    for _ in range(3):
        other = app.test_client()
        other.post("/login", data={"username": "budi", "password": "salah-sekali",
                                   "csrf_token": csrf_token(other.get("/login").text)})
    page = login("admin").get("/staff/audit").text
    assert "baris perintah" in page and "budi: created as staff" in page
    assert "3 kali" in page


def test_read_only_storage_keeps_exports_and_backup_downloads_working(login, monkeypatch):
    from support import with_pragma

    admin = login("admin")
    with_pragma(monkeypatch, "PRAGMA query_only = 1")
    assert admin.get("/staff/").status_code == 200
    assert admin.get("/staff/exports/csv?kind=month&from=2026-10-01").status_code == 200
    assert admin.get("/staff/backup.db").status_code == 200
    reply = post_form(admin, "/staff/services/new", {"code": "SKTM", "name": "Surat"})
    assert reply.status_code == 503 and "tidak dapat menyimpan" in reply.text
