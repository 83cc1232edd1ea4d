"""Attacks the server must withstand: odd input, script in text, stolen tokens, snooping."""
from __future__ import annotations

import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import post_form

import store
from ikm import office
from ikm.validation import parse
from store.audit import COMMAND_LINE

SCRIPT = "<script>alert('xss')</script>"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)
fields = {
    "id": st.one_of(st.uuids().map(str), json_values),
    "service": st.one_of(st.sampled_from(["KK", "IMB", "kk", ""]), json_values),
    "answered_at": st.one_of(st.just("2026-10-05T10:00:00+07:00"), st.datetimes().map(str),
                             json_values),
    "answers": st.one_of(st.dictionaries(st.sampled_from(["U1", "U3", "U9", "U10", "u1"]),
                                         json_values, max_size=4), json_values),
    "profile": st.one_of(st.dictionaries(st.sampled_from(["gender", "age", "education"]),
                                         json_values, max_size=3), json_values),
    "comment": st.one_of(st.text(max_size=50), json_values),
    "duration_ms": json_values, "questionnaire": st.one_of(st.sampled_from(["full", "short"]),
                                                           json_values),
}
responses = st.fixed_dictionaries({}, optional=fields)
bodies = st.one_of(responses, st.lists(responses, max_size=5), json_values)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=bodies)
def test_fuzzed_responses_never_cause_a_5xx_and_store_only_valid_rows(client, db, kiosk_token,
                                                                      body):
    reply = client.post("/api/responses", json=body,
                        headers={"Authorization": f"Bearer {kiosk_token}"})
    assert reply.status_code < 500
    for row in db["responses"].rows:
        assert str(uuid.UUID(row["id"])) == row["id"]
        assert row["service"] in {s["code"] for s in db["services"].rows}
        assert all(row[f"u{i}"] in (None, 1, 2, 3, 4) for i in range(1, 10))
        assert row["comment"] is None or isinstance(row["comment"], str)


def test_security_headers_on_pages_and_api(client):
    for url in ("/", "/login", "/kiosk/", "/api/services"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-eval" not in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_cookies_are_secure_over_https_only(app, login):
    plain = app.test_client()
    assert "Secure" not in plain.get("/login").headers["Set-Cookie"]
    secure = app.test_client()
    page = secure.get("/login", base_url="https://kantor.example")
    cookie = page.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_carry_no_inline_script(client, login):
    signed_in = login("admin")
    for url in ("/", "/kiosk/", "/kiosk/pair", "/staff/", "/staff/report", "/staff/comments",
                "/staff/settings/", "/staff/kiosks/new", "/staff/services"):
        html = signed_in.get(url).text
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), url  # no onclick= handlers
        assert "style=\"" not in html, url


def test_script_in_a_comment_and_a_service_name_is_escaped_everywhere(db, kiosk_token, login,
                                                                      client):
    db["services"].update("KK", {"name": SCRIPT})
    item = parse({"id": str(uuid.uuid4()), "service": "KK", "comment": SCRIPT,
                  "answered_at": "2026-10-05T10:00:00+07:00", "answers": {"U1": 4}}, {"KK"})
    store.responses.record(db, None, [item], {**office.DEFAULTS, "min_survey_seconds": 0})
    signed_in = login("admin")
    pages = ["/", "/kiosk/", "/staff/?kind=month&from=2026-10-01",
             "/staff/report?kind=month&from=2026-10-01",
             "/staff/comments?kind=month&from=2026-10-01", "/staff/services",
             "/staff/flagged?kind=month&from=2026-10-01", "/staff/population?month=2026-10"]
    for url in pages:
        text = signed_in.get(url).text
        assert SCRIPT not in text, url
        assert "<script>alert" not in text, url
    report = signed_in.get("/staff/report?kind=month&from=2026-10-01").text
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in report


def test_a_kiosk_token_opens_no_staff_page(client, kiosk_token):
    headers = {"Authorization": f"Bearer {kiosk_token}"}
    for url in ("/staff/", "/staff/exports/csv", "/staff/settings/", "/staff/backup.db"):
        reply = client.get(url, headers=headers)
        assert reply.status_code == 302 and "/login" in reply.headers["Location"], url


def test_the_audit_log_records_logins_exports_and_changes(app, client, login):
    from support import csrf_token

    client.post("/login", data={"username": "admin1", "password": "wrong",
                                "csrf_token": csrf_token(client.get("/login").text)})
    signed_in = login("admin")
    signed_in.get("/staff/exports/csv?kind=month&from=2026-10-01")
    assert post_form(signed_in, "/staff/population?month=2026-10",
                     {"s_KK": "120"}).status_code == 302
    page = signed_in.get("/staff/audit").text
    for words in ("gagal masuk", "masuk", "ekspor", "jumlah pengguna layanan"):
        assert words in page, words
    assert "2026-10: KK=120" in page and "skm-2026-10-01_2026-10-31.csv" in page
    assert "wrong" not in page  # passwords are never written down
    assert login("staff", "petugas").get("/staff/audit").status_code == 403


@pytest.mark.parametrize("next_url", ["//evil.example/", "http://evil.example/x"])
def test_login_never_redirects_off_site(client, db, next_url):
    from support import PASSWORD, csrf_token

    import store

    store.accounts.create_user(db, "camat", PASSWORD, "viewer", actor=COMMAND_LINE)
    token = csrf_token(client.get("/login").text)
    reply = client.post(f"/login?next={next_url}",
                        data={"username": "camat", "password": PASSWORD, "csrf_token": token})
    assert reply.headers["Location"] == "/staff/"


def test_every_audit_action_has_words_on_the_page():
    from store.audit import ACTIONS
    from web.admin.audit import LABELS

    assert set(LABELS) == set(ACTIONS)


def test_the_audit_log_never_keeps_the_setup_token(client, db, login):
    from support import PASSWORD, csrf_token

    import store

    token = store.accounts.new_setup_token(db)
    page = client.get(f"/setup/{token}").text
    client.post(f"/setup/{token}", data={"username": "camat", "password": PASSWORD,
                                         "confirm": PASSWORD, "csrf_token": csrf_token(page)})
    log = client.get("/staff/audit").text
    assert "admin pertama dibuat" in log
    assert token not in log


# --- behind an HTTPS proxy ---------------------------------------------------------------

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "6.6.6.6, 192.168.1.23",
             "X-Forwarded-Host": "skm.kecamatan.example"}


def test_without_the_proxy_setting_forwarded_headers_are_ignored(client):
    page = client.get("/login", headers=FORWARDED)
    assert "Secure" not in page.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in page.headers


@pytest.fixture
def proxied(tmp_path):
    from kiosk import create_app

    return create_app({"TESTING": True, "BEHIND_PROXY": True},
                      instance_path=tmp_path / "proxied")


def test_behind_the_proxy_cookies_are_secure_and_hsts_is_sent(proxied):
    page = proxied.test_client().get("/login", headers=FORWARDED)
    cookie = page.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    # A plain request that did not come through the proxy is not taken for HTTPS.
    assert "Secure" not in proxied.test_client().get("/login").headers["Set-Cookie"]


def test_behind_the_proxy_the_client_address_is_the_one_hop_the_proxy_saw(proxied):
    from support import PASSWORD, csrf_token

    import store
    from store.audit import COMMAND_LINE
    from store.schema import connect

    db = connect(proxied.config["DATABASE"])
    store.accounts.create_user(db, "camat", PASSWORD, "admin", actor=COMMAND_LINE)
    client = proxied.test_client()
    token = csrf_token(client.get("/login", headers=FORWARDED).text)
    # Over HTTPS Flask-WTF also wants the page's own address as the referrer, as browsers send.
    reply = client.post("/login", headers={
        **FORWARDED, "Referer": "https://skm.kecamatan.example/login"}, data={
        "username": "camat", "password": PASSWORD, "csrf_token": token})
    assert reply.status_code == 302
    (entry,) = db["audit"].rows_where("action = 'login'")
    db.close()
    assert entry["ip"] == "192.168.1.23"  # not what the client wrote further left


@pytest.mark.parametrize("options, secure", [((), False), (("--behind-proxy",), True)])
def test_the_server_trusts_the_proxy_only_when_started_behind_one(server_process, options,
                                                                  secure):
    import urllib.request

    server_process.start(*options)
    request = urllib.request.Request(server_process.url + "/login", headers=FORWARDED)
    with urllib.request.urlopen(request, timeout=10) as page:
        cookie = page.headers["Set-Cookie"]
        hsts = page.headers["Strict-Transport-Security"]
    assert ("; Secure" in cookie) is secure and (hsts is not None) is secure
