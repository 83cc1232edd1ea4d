"""A staff session ends on the server: logout, a new password or role, or a long idle."""
from __future__ import annotations

import time

import pytest
from support import PASSWORD, csrf_token, post_form, settings_form

import store
from store.audit import COMMAND_LINE


def copy_of(app, client):
    """Return a second client holding a copy of this one's session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def opens_staff_pages(client) -> bool:
    return client.get("/staff/").status_code == 200


def logout(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client.get("/staff/").text)})


def test_a_cookie_kept_from_before_logout_opens_nothing(app, login):
    client = login("staff")
    kept = copy_of(app, client)
    assert opens_staff_pages(kept)
    assert logout(client).status_code == 302
    assert not opens_staff_pages(kept)
    assert kept.get("/staff/").headers["Location"].startswith("/login")


def test_logout_ends_the_sessions_on_other_computers_too(app, login):
    office_pc = login("staff")
    other_pc = app.test_client()
    token = csrf_token(other_pc.get("/login").text)
    other_pc.post("/login", data={"username": "staff1", "password": PASSWORD,
                                  "csrf_token": token})
    assert opens_staff_pages(other_pc)
    logout(office_pc)
    assert not opens_staff_pages(other_pc)


def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(app, login):
    client = login("staff")
    kept = copy_of(app, client)
    reply = post_form(client, "/staff/password", {"current": PASSWORD, "new": "sandi-baru-123",
                                                  "confirm": "sandi-baru-123"})
    assert reply.status_code == 302
    page = client.get("/staff/")  # this session goes on
    assert page.status_code == 200 and "Sesi di komputer lain sudah berakhir" in page.text
    assert not opens_staff_pages(kept)


@pytest.mark.parametrize("change, data", [
    ("password", {"password": "sandi-baru-123", "confirm": "sandi-baru-123"}),
    ("role", {"role": "viewer"}),
])
def test_an_admins_reset_or_role_change_ends_that_users_sessions(app, login, db, change,
                                                                 data):
    staff = login("staff")
    assert opens_staff_pages(staff)
    admin = app.test_client()
    store.accounts.create_user(db, "admin1", PASSWORD, "admin", actor=COMMAND_LINE)
    token = csrf_token(admin.get("/login").text)
    admin.post("/login", data={"username": "admin1", "password": PASSWORD, "csrf_token": token})
    user_id = store.accounts.get_user(db, "staff1")["id"]
    assert post_form(admin, f"/staff/users/{user_id}/{change}", data).status_code == 302
    assert not opens_staff_pages(staff)
    assert opens_staff_pages(admin)  # the admin's own session goes on


def test_an_old_style_session_without_a_version_is_not_trusted(login, db):
    client = login("viewer")
    with client.session_transaction() as session:
        # As sessions were written before they carried the account's version.
        session["_user_id"] = str(store.accounts.get_user(db, "viewer1")["id"])
    assert not opens_staff_pages(client)


def set_used(client, seconds_ago: float) -> None:
    with client.session_transaction() as session:
        session["used"] = time.time() - seconds_ago


def test_a_session_idle_longer_than_eight_hours_ends(login):
    client = login("viewer")
    set_used(client, 7.9 * 3600)
    assert opens_staff_pages(client)  # and this use starts the eight hours again
    set_used(client, 8.1 * 3600)
    reply = client.get("/staff/")
    assert reply.status_code == 302 and reply.headers["Location"].startswith("/login")
    assert "lama tidak dipakai" in client.get(reply.headers["Location"]).text
    assert not opens_staff_pages(client)


def test_the_idle_limit_is_the_offices_setting(login, db):
    client = login("viewer")
    store.settings.save(db, {"session_idle_hours": 1}, actor=COMMAND_LINE)
    set_used(client, 50 * 60)
    assert opens_staff_pages(client)
    set_used(client, 70 * 60)
    assert not opens_staff_pages(client)


def test_an_admin_sets_the_idle_limit_within_bounds(login, db):
    client = login("admin")
    page = client.get("/staff/settings/survey").text
    assert 'name="session_idle_hours"' in page and 'value="8"' in page
    reply = post_form(client, "/staff/settings/survey",
                      settings_form(db, session_idle_hours="100"))
    assert reply.status_code == 200 and "isi angka bulat dari 1 sampai 72" in reply.text
    reply = post_form(client, "/staff/settings/survey", settings_form(db, session_idle_hours="4"))
    assert reply.status_code == 302
    assert store.settings.read(db)["session_idle_hours"] == 4


def test_no_remember_me_cookie_is_ever_set(app, login):
    client = login("viewer")
    assert client.get_cookie("remember_token") is None
    assert client.get_cookie("session") is not None


def test_a_pages_files_neither_count_as_use_nor_outlive_an_idle_session(login):
    client = login("viewer")
    set_used(client, 8.1 * 3600)
    with client.get("/static/staff.css") as reply:  # a page left open all night reloads it
        assert reply.status_code == 200 and "Set-Cookie" not in reply.headers
    assert not opens_staff_pages(client)
