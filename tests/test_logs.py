"""The server log: rotated, written once per folder, never holding a secret, shown to admins."""
from __future__ import annotations

import html
import logging
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from support import PASSWORD, csrf_token

import store
from host import logs
from store.tokens import new_token

log = logging.getLogger("store.backups")


@pytest.fixture(autouse=True)
def root_logger():
    """Leave the root logger as it was: later tests must not write into a removed folder."""
    root = logging.getLogger()
    level, before = root.level, list(root.handlers)
    yield root
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def written(folder: Path) -> str:
    """Return everything in the logs folder, rotated files included."""
    return "".join(p.read_text(encoding="utf-8") for p in sorted((folder / "logs").iterdir()))


def instance(app) -> Path:
    return Path(app.instance_path)


# --- the file -------------------------------------------------------------------------

def test_a_line_says_when_how_bad_who_and_what(tmp_path):
    logs.setup(tmp_path)
    log.info("backup written to %s", "D:/cadangan")
    line = logs.log_path(tmp_path).read_text(encoding="utf-8")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO store\.backups: "
                        r"backup written to D:/cadangan\n", line), line
    assert logs.log_path(tmp_path) == tmp_path / "logs" / "skm.log"


def test_debug_lines_are_left_out(tmp_path):
    logs.setup(tmp_path)
    log.debug("too much detail")
    log.warning("worth keeping")
    text = logs.log_path(tmp_path).read_text(encoding="utf-8")
    assert "worth keeping" in text and "too much detail" not in text


def test_setting_up_twice_adds_no_second_handler(tmp_path, root_logger):
    first = logs.setup(tmp_path)
    assert logs.setup(tmp_path) is first
    assert root_logger.handlers.count(first) == 1
    log.info("once")
    assert logs.log_path(tmp_path).read_text(encoding="utf-8").count("once") == 1


def test_a_second_setup_adds_its_secrets(tmp_path):
    logs.setup(tmp_path)
    logs.setup(tmp_path, ["kunci-rahasia-1234"])
    log.info("the key is kunci-rahasia-1234")
    assert "kunci-rahasia-1234" not in written(tmp_path)


def test_the_log_rotates_and_keeps_a_few_files(tmp_path):
    logs.setup(tmp_path, max_bytes=300, backups=2)
    for n in range(100):
        log.info("line %03d of a log that grows past its limit", n)
    names = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert names == ["skm.log", "skm.log.1", "skm.log.2"]
    assert all(p.stat().st_size <= 300 for p in (tmp_path / "logs").iterdir())
    assert "line 099" in logs.log_path(tmp_path).read_text(encoding="utf-8")


def test_a_folder_that_cannot_be_written_does_not_stop_the_server(tmp_path, capsys,
                                                                 root_logger):
    folder = tmp_path / "not-a-folder"
    folder.write_text("a file where the folder should be")
    before = list(root_logger.handlers)
    handler = logs.setup(folder)
    assert isinstance(handler, logging.NullHandler)
    assert root_logger.handlers == before
    log.error("still running")  # nothing raised
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no log file" in err


# --- nothing secret is written ----------------------------------------------------------

def test_secrets_in_messages_and_tracebacks_are_hidden(tmp_path):
    bearer, pairing, setup, key = new_token(), new_token(), new_token(), new_token()
    logs.setup(tmp_path, [key])
    log.info("GET /api/services Authorization: Bearer %s", bearer)
    log.info("open http://x/kiosk/pair#%s on the tablet", pairing)
    log.info("Exception on /setup/%s [POST]", setup)
    log.info("form password=hunter2&username=camat")
    log.info('body {"username": "camat", "password": "hunter3", "new_password": "hunter4"}')
    log.info("config %s", {"SECRET_KEY": key, "token": bearer})
    log.info("the key alone: %s", key)
    try:
        raise RuntimeError(f"refused Bearer {bearer} for /kiosk/pair#{pairing} "
                           f"and /setup/{setup} with password=hunter5 under {key}")
    except RuntimeError:
        log.exception("unexpected")
    text = written(tmp_path)
    assert "Traceback (most recent call last)" in text and "RuntimeError: refused" in text
    for secret in (bearer, pairing, setup, key, "hunter2", "hunter3", "hunter4", "hunter5"):
        assert secret not in text, secret
    assert text.count("[hidden]") >= 14
    assert "Bearer [hidden]" in text and "/kiosk/pair#[hidden]" in text
    assert "/setup/[hidden]" in text and '"password": "[hidden]"' in text


@pytest.mark.parametrize("text, shown", [
    ("Cookie: session=eyJhIjoxfQ.abc; lang=en", "Cookie: [hidden]"),
    ("{'Authorization': 'Bearer abc', 'Host': 'x'}", "{'Authorization': '[hidden]', 'Host': 'x'}"),
    ("[('X-CSRFToken', 'IjE2.abc'), ('Accept', '*/*')]",
     "[('X-CSRFToken', '[hidden]'), ('Accept', '*/*')]"),
    ("[('csrf_token', 'IjE2'), ('current', 'a'), ('new', 'b'), ('confirm', 'b')]",
     "[('csrf_token', '[hidden]'), ('current', '[hidden]'), ('new', '[hidden]'), "
     "('confirm', '[hidden]')]"),
    ("GET /api/ikm?token=abc&from=2026-01-01", "GET /api/ikm?token=[hidden]&from=2026-01-01"),
    ("set session=abc; path=/", "set session=[hidden]; path=/"),
    ("kiosk token: abc", "kiosk token: [hidden]"),
    ("session_idle_hours=8 kinerja=baik", "session_idle_hours=8 kinerja=baik"),
    ('@bp.route("/setup/<token>")', '@bp.route("/setup/<token>")'),
])
def test_what_is_hidden_and_what_is_kept(text, shown):
    assert logs.redact(text) == shown


def test_real_requests_leave_no_secret_in_the_log(app, client, db):
    folder = instance(app)
    logs.setup(folder, [app.secret_key])

    # A careless log line of the future: everything a request carries.
    @app.after_request
    def tell_all(response):
        from flask import request

        app.logger.info("%s %s headers=%s form=%s body=%s cookies=%s -> %s", request.method,
                        request.url, dict(request.headers), request.form.to_dict(),
                        request.get_data(as_text=True), request.cookies, response.status)
        return response

    bogus = new_token()
    reply = client.post("/api/responses", json={"id": "x"},
                        headers={"Authorization": f"Bearer {bogus}"})
    assert reply.status_code == 401
    setup_token = store.accounts.new_setup_token(db)
    assert client.get(f"/setup/{setup_token}").status_code == 200
    csrf = csrf_token(client.get("/login").text)
    store.accounts.create_user(db, "camat", PASSWORD, "admin", actor=store.audit.COMMAND_LINE)
    reply = client.post("/login", data={"username": "camat", "password": "salah-hunter2",
                                        "csrf_token": csrf})
    assert reply.status_code == 200
    session = client.get_cookie("session").value
    text = written(folder)
    assert "/api/responses" in text and "/login" in text and "camat" in text
    for secret in (bogus, setup_token, "salah-hunter2", csrf, session, app.secret_key):
        assert secret not in text, secret


def test_an_unexpected_error_writes_its_traceback(app, client):
    folder = instance(app)
    logs.setup(folder)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: a 500, not a raise

    @app.get("/boom")
    def boom():
        raise ZeroDivisionError("the report divided by nothing")

    assert client.get("/boom").status_code == 500
    text = written(folder)
    assert "ERROR kiosk: Exception on /boom [GET]" in text
    assert "Traceback (most recent call last)" in text
    assert "ZeroDivisionError: the report divided by nothing" in text


# --- the last lines ---------------------------------------------------------------------

def test_tail_gives_the_last_lines_oldest_first(tmp_path):
    assert logs.tail(tmp_path) == []
    path = logs.log_path(tmp_path)
    path.parent.mkdir()
    # Long enough that the end is read in more than one block.
    path.write_text("".join(f"line {n:05d} " + "x" * 90 + "\n" for n in range(3000)),
                    encoding="utf-8")
    last = logs.tail(tmp_path)
    assert len(last) == 200 and last[0].startswith("line 02800") \
        and last[-1].startswith("line 02999")
    assert [s[:10] for s in logs.tail(tmp_path, 1500)] == \
        [f"line {n:05d}" for n in range(1500, 3000)]
    assert len(logs.tail(tmp_path, 5000)) == 3000
    assert logs.tail(tmp_path, 0) == []


def test_tail_of_a_short_log(tmp_path):
    path = logs.log_path(tmp_path)
    path.parent.mkdir()
    path.write_text("satu\ndua\n", encoding="utf-8")
    assert logs.tail(tmp_path) == ["satu", "dua"]


# --- the admin page ---------------------------------------------------------------------

URL = "/staff/settings/log"


def test_an_admin_sees_the_last_lines_newest_last(app, login):
    logs.setup(instance(app))
    log.info("backup written first")
    log.error("a fault afterwards")
    # A line written by something else, not through the formatter: hidden on the page too.
    with logs.log_path(instance(app)).open("a", encoding="utf-8") as f:
        f.write("Authorization: Bearer raw-token-123\n")
    page = login("admin").get(URL)
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Catatan server (log)" in text and str(logs.log_path(instance(app))) in text
    assert text.index("backup written first") < text.index("a fault afterwards") \
        < text.index("Authorization: [hidden]")
    assert "raw-token-123" not in text and "Belum ada catatan." not in text


def test_the_page_says_when_there_is_no_log(login):
    page = login("admin").get(URL)
    assert page.status_code == 200 and "Belum ada catatan." in page.text
    assert "<pre" not in page.text


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_other_roles_are_refused(login, role):
    assert login(role).get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client):
    reply = client.get(URL)
    location = urlsplit(reply.headers["Location"])
    assert reply.status_code == 302 and location.path == "/login"
    assert parse_qs(location.query)["next"] == [URL]
