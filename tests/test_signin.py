"""Failed sign-ins slow down one name from one address; nobody can lock another out."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from support import PASSWORD, post_form, sign_in, signed_in

import store
from store.audit import COMMAND_LINE

ATTACKER = "10.0.0.66"
OFFICE_PC = "10.0.0.5"


@pytest.fixture
def camat(db):
    return store.accounts.create_user(db, "camat", PASSWORD, "admin", actor=COMMAND_LINE)


def fail(app, times: int, name: str = "camat", ip: str = ATTACKER) -> list[int]:
    """Try a wrong password; return the status of each reply (200 wrong, 429 slowed)."""
    return [sign_in(app, name, "tebak-tebakan", ip)[1].status_code for _ in range(times)]


def age_failures(db, seconds: float) -> None:
    """Move every failed sign-in back in time, as if that long had passed."""
    for rowid, at in list(db.execute("SELECT rowid, at FROM login_failures")):
        earlier = datetime.fromisoformat(at) - timedelta(seconds=seconds)
        db.execute("UPDATE login_failures SET at = ? WHERE rowid = ?",
                   [earlier.isoformat(timespec="milliseconds"), rowid])
    db.conn.commit()


def test_an_attacker_elsewhere_cannot_keep_the_owner_out(app, db, camat):
    assert fail(app, 20) == [200] * 5 + [429] * 15  # after five, not even checked
    client, reply = sign_in(app, "camat", PASSWORD, OFFICE_PC)
    assert reply.status_code == 302 and signed_in(client)


def test_after_the_wait_the_address_may_try_again_and_each_failure_doubles_it(app, db, camat):
    fail(app, 5)
    assert sign_in(app, "camat", PASSWORD, ATTACKER)[1].status_code == 429
    age_failures(db, 31)
    fail(app, 1)  # the sixth failure: a minute now
    reply = sign_in(app, "camat", PASSWORD, ATTACKER)[1]
    assert reply.status_code == 429 and re.search(r"dalam (59|60) detik", reply.text)
    age_failures(db, 61)
    client, reply = sign_in(app, "camat", PASSWORD, ATTACKER)
    assert reply.status_code == 302 and signed_in(client)


@pytest.mark.parametrize("failures, wait", [(4, None), (5, 30), (6, 60), (7, 120), (9, 480),
                                            (10, 900), (14, 900)])
def test_the_wait_grows_from_30_seconds_to_15_minutes(db, failures, wait):
    now = datetime(2026, 11, 30, 3, 0, tzinfo=timezone.utc)
    db["login_failures"].insert_all({"username": "camat", "ip": ATTACKER,
                                     "at": (now - timedelta(seconds=1)).isoformat()}
                                    for _ in range(failures))
    left = store.signin.wait_for(db, "camat", ATTACKER, now)
    assert (left and round(left.total_seconds()) + 1) == wait if wait else left is None


def test_the_right_password_from_a_known_address_gets_through_while_slowed(app, db, camat):
    assert sign_in(app, "camat", PASSWORD, OFFICE_PC)[1].status_code == 302  # known now
    fail(app, 8, ip=OFFICE_PC)  # someone else at the same computer guesses
    reply = sign_in(app, "camat", PASSWORD, OFFICE_PC)[1]
    # Ten seconds at most between checks, so guessing there stays slow.
    assert reply.status_code == 429 and re.search(r"dalam (9|10) detik", reply.text)
    age_failures(db, 11)
    client, reply = sign_in(app, "camat", PASSWORD, OFFICE_PC)
    assert reply.status_code == 302 and signed_in(client)
    assert sign_in(app, "camat", PASSWORD, ATTACKER)[1].status_code == 302  # never slowed


def test_a_wrong_password_from_a_known_address_is_still_counted(app, db, camat):
    assert sign_in(app, "camat", PASSWORD, OFFICE_PC)[1].status_code == 302
    fail(app, 5, ip=OFFICE_PC)
    age_failures(db, 11)
    reply = sign_in(app, "camat", "masih-salah-1", OFFICE_PC)[1]
    assert reply.status_code == 200 and "kata sandi salah" in reply.text
    assert db["login_failures"].count == 6


def test_trying_many_names_from_one_address_is_slowed_too(app, db, camat):
    for n in range(30):
        fail(app, 1, name=f"tebak{n}")
    assert sign_in(app, "camat", PASSWORD, ATTACKER)[1].status_code == 429
    assert sign_in(app, "camat", PASSWORD, OFFICE_PC)[1].status_code == 302


def test_an_unknown_name_is_checked_against_a_dummy_hash(app, db, camat, monkeypatch):
    checked = []
    real = store.signin.check_password_hash

    def spy(stored, password):
        checked.append(stored)
        return real(stored, password)

    monkeypatch.setattr(store.signin, "check_password_hash", spy)
    sign_in(app, "tidak-ada", "apa-saja-123")
    sign_in(app, "camat", "apa-saja-123")
    # Both cost one scrypt check with the same parameters: the time tells nothing.
    assert checked[0] == store.signin.dummy_hash()
    assert checked[1] == store.accounts.get_user(db, "camat")["password_hash"]
    assert checked[0].split("$")[0] == checked[1].split("$")[0]


def test_an_admin_sees_and_lifts_the_slowdown(app, db, camat, login):
    store.accounts.create_user(db, "budi", PASSWORD, "staff", actor=COMMAND_LINE)
    assert fail(app, 6, name="budi") == [200] * 5 + [429]
    admin = login("admin")
    page = admin.get("/staff/users").text
    assert "masuk diperlambat: 5 kali gagal" in page and "Izinkan masuk lagi" in page
    budi = store.accounts.get_user(db, "budi")["id"]
    reply = post_form(admin, f"/staff/users/{budi}/unlock", {}, page_url="/staff/users")
    assert reply.status_code == 302
    assert "budi dapat mencoba masuk lagi sekarang" in admin.get("/staff/users").text
    assert db["login_failures"].count == 0
    client, reply = sign_in(app, "budi", PASSWORD, ATTACKER)
    assert reply.status_code == 302
    (entry,) = db["audit"].rows_where("action = 'unlock'")
    assert entry["username"] == "admin1" and entry["detail"] == "budi: 5 failed sign-ins"


def test_only_an_admin_lifts_a_slowdown(app, db, camat, login):
    staff = login("staff")
    reply = post_form(staff, f"/staff/users/{camat['id']}/unlock", {}, page_url="/staff/")
    assert reply.status_code == 403


def test_failed_sign_ins_are_counted_under_their_own_kind_never_as_the_user(app, db, camat):
    fail(app, 7)
    failed, slowed = (list(db["audit"].rows_where("action = ?", [kind]))
                      for kind in ("login_failed", "login_locked"))
    assert [(e["username"], e["detail"], e["ip"], e["count"]) for e in failed] == [
        (None, "camat", ATTACKER, 5)]
    assert [(e["username"], e["count"]) for e in slowed] == [(None, 2)]
    assert not list(db["audit"].rows_where("username = 'camat'"))


def test_a_read_only_database_still_lets_staff_sign_in(app, db, camat, monkeypatch):
    from support import with_pragma

    with_pragma(monkeypatch, "PRAGMA query_only = 1")
    client, reply = sign_in(app, "camat", PASSWORD, OFFICE_PC)
    assert reply.status_code == 302 and signed_in(client)
    assert sign_in(app, "camat", "salah-sekali", OFFICE_PC)[1].status_code == 200
