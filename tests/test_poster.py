"""The standing poster: off until an admin opens it; one response per browser a day, and
the same abuse rules as a kiosk."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from support import post_form

import store
from store.audit import COMMAND_LINE
from store.schema import one, rows
from store.tokens import hash_token

COOKIE = "skm_browser"


def answer(seconds_ago: int = 0, **changes) -> dict:
    return {"id": str(uuid.uuid4()), "service": "KK", "duration_ms": 45_000,
            "answered_at": (datetime.now(timezone.utc)
                            - timedelta(seconds=seconds_ago)).isoformat(),
            "answers": {f"U{i}": 4 for i in range(1, 10)}, **changes}


@pytest.fixture
def poster_on(db):
    store.settings.save(db, {"poster_enabled": True}, actor=COMMAND_LINE)


def visitor(app):
    """A browser that opened the poster's page: it holds its cookie."""
    browser = app.test_client()
    page = browser.get("/p")
    assert page.status_code == 200, page.text
    return browser, page


def cookie_of(browser) -> str:
    return browser.get_cookie(COOKIE, path="/p").value


def test_the_poster_is_off_by_default(client, db):
    assert store.settings.read(db)["poster_enabled"] is False
    page = client.get("/p")
    assert page.status_code == 404 and "Survei belum dibuka di sini" in page.text
    assert COOKIE not in page.headers.get("Set-Cookie", "")
    reply = client.post("/p", json=answer())
    assert reply.status_code == 404 and reply.json["field"] == "poster"
    assert db["responses"].count == 0


def test_an_admin_opens_the_poster_and_prints_it(login, db, client):
    admin = login("admin")
    reply = post_form(admin, "/staff/settings/phone", {"survey_address": "http://10.0.0.5:5000",
                                                       "slip_days": 14, "poster_enabled": "y"})
    assert reply.status_code == 302 and store.settings.read(db)["poster_enabled"] is True
    assert "poster_enabled=true" in one(db, "SELECT detail FROM audit WHERE action = "
                                            "'settings'")["detail"]
    sheet = admin.get("/staff/settings/poster")
    assert sheet.status_code == 200
    assert sheet.text.count('class="qr"') == 1 and "10.0.0.5:5000/p" in sheet.text
    assert "Survei Kepuasan Masyarakat" in sheet.text
    assert login("staff").get("/staff/settings/poster").status_code == 403


def test_the_poster_page_names_the_browser_in_a_lasting_private_cookie(app, poster_on):
    browser, page = visitor(app)
    settings = re.search(r'id="kiosk-config">(.*?)</script>', page.text, re.S).group(1)
    assert '"mode": "poster"' in settings and '"post_url": "/p"' in settings
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/p" in cookie and "Max-Age=34560000" in cookie
    again = browser.get("/p")
    assert COOKIE not in again.headers.get("Set-Cookie", "")  # kept, not replaced


def test_one_response_per_browser_per_day(app, db, poster_on):
    browser, _ = visitor(app)
    first = browser.post("/p", json=answer())
    assert first.status_code == 201
    row = one(db, "SELECT channel, browser, slip FROM responses")
    assert row == {"channel": "poster", "browser": hash_token(cookie_of(browser)), "slip": None}
    assert cookie_of(browser) not in str(rows(db, "SELECT * FROM responses"))

    second = browser.post("/p", json=answer())
    assert second.status_code == 409 and second.json["field"] == "browser"
    assert second.json["error"] == "Anda sudah mengisi survei hari ini. Terima kasih."
    listed = browser.post("/p", json=[answer()])
    assert listed.json["results"][0]["status"] == "invalid"
    assert db["responses"].count == 1
    page = browser.get("/p")
    assert "Anda sudah mengisi survei hari ini" in page.text and "kiosk-config" not in page.text
    # A resend of the stored one is acknowledged (the outbox relies on it).
    first_id = one(db, "SELECT id FROM responses")["id"]
    assert browser.post("/p", json={**answer(), "id": first_id}).json["status"] == "duplicate"

    other, _ = visitor(app)
    assert other.post("/p", json=answer()).status_code == 201
    assert db["responses"].count == 2


def test_a_post_without_the_pages_cookie_is_refused(client, db, poster_on):
    reply = client.post("/p", json=answer())
    assert reply.status_code == 400 and reply.json["field"] == "browser"
    client.set_cookie(COOKIE, "short", path="/p")
    assert client.post("/p", json=answer()).status_code == 400
    assert db["responses"].count == 0


def test_poster_responses_meet_the_same_abuse_rules(app, db, poster_on):
    store.settings.save(db, {"min_survey_seconds": 10, "burst_count": 3,
                             "burst_window_seconds": 60}, actor=COMMAND_LINE)
    hasty, _ = visitor(app)
    assert hasty.post("/p", json=answer(duration_ms=2_000)).status_code == 201
    assert one(db, "SELECT flag, counted FROM responses") == {"flag": "too_fast", "counted": 0}
    # Browsers that each answer once, seconds apart: one hand with cleared cookies.
    for n in range(3):
        browser, _ = visitor(app)
        assert browser.post("/p", json=answer(seconds_ago=30 - n)).status_code == 201
    flags = [r["flag"] for r in rows(db, "SELECT flag FROM responses ORDER BY answered_at")]
    assert flags.count("burst") >= 1
    assert one(db, "SELECT count(*) AS n FROM responses WHERE channel = 'poster'")["n"] == 4


def test_the_poster_closed_again_takes_nothing(app, db, poster_on):
    browser, _ = visitor(app)
    store.settings.save(db, {"poster_enabled": False}, actor=COMMAND_LINE)
    assert browser.post("/p", json=answer()).status_code == 404
    assert "Survei belum dibuka di sini" in browser.get("/p").text
    assert db["responses"].count == 0
