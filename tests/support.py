"""What the tests share besides fixtures: accounts and forms, servers, kiosks in a browser.

Fixtures live in conftest.py; everything a test imports by name lives here, so that no
test module imports conftest or another test module.
"""
from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from werkzeug.security import generate_password_hash

import store
from ikm import office
from store.audit import COMMAND_LINE
from store.schema import connect

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "kata-sandi-rahasia"


def fast_password_hash(password: str) -> str:
    """Hash a password cheaply: scrypt's cost protects offices, and only slows tests."""
    return generate_password_hash(password, method="pbkdf2:sha256:1")


# --- staff accounts and forms ------------------------------------------------------------

def csrf_token(page_text: str) -> str:
    """Return the CSRF token of the first form on a page."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page_text).group(1)


def post_form(client, url: str, data: dict, page_url: str | None = None):
    """Submit a form the way a browser does: fetch its page for the CSRF token, then POST."""
    token = csrf_token(client.get(page_url or url).text)
    return client.post(url, data={**data, "csrf_token": token})


def sign_in(app, username: str, password: str = PASSWORD, ip: str = "127.0.0.1"):
    """Sign a fresh client in from an address; return it and the login reply."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    token = csrf_token(client.get("/login").text)
    reply = client.post("/login", data={"username": username, "password": password,
                                        "csrf_token": token})
    return client, reply


def signed_in(client) -> bool:
    return client.get("/staff/").status_code == 200


def settings_form(db, **changes) -> dict:
    """Return the settings form as the page fills it in, with some answers changed."""
    current = store.settings.read(db)
    order = office.questions({**current, "questionnaire": "full"})
    data = {k: current[k] for k in ("office_name", "utc_offset", "questionnaire",
                                    "idle_seconds", "thanks_seconds", "min_survey_seconds",
                                    "burst_count", "burst_window_seconds",
                                    "session_idle_hours")}
    if current["discard_partial"]:
        data["discard_partial"] = "y"
    data.update({f"order_{c}": order.index(c) + 1 for c in order})
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def with_pragma(monkeypatch, pragma: str) -> None:
    """Make every new connection of the app carry a PRAGMA that simulates a fault."""
    real = store.schema.connect

    def faulty(path, timeout=10):
        db = real(path, timeout)
        db.execute(pragma)
        return db

    monkeypatch.setattr("web.database.connect", faulty)


# --- responses -------------------------------------------------------------------------

def answer_rows(n: int, high: int, low: int, **unsur: tuple[int, ...]) -> list[dict]:
    """n respondents' answers to every unsur: high and low in turn, or an unsur's own turn."""
    cycles = {c: unsur.get(c, (high, low)) for c in office.QUESTIONNAIRES["full"]}
    return [{c: turn[i % len(turn)] for c, turn in cycles.items()} for i in range(n)]


def record_answers(db, day: str, rows: list[dict]) -> None:
    """Store responses to service KK on an office day, one per row of answers."""
    import uuid

    from ikm.validation import parse

    items = [parse({"id": str(uuid.uuid4()), "service": "KK", "answers": row,
                    "answered_at": f"{day}T{8 + i % 8:02d}:{i % 60:02d}:00+07:00"}, {"KK"})
             for i, row in enumerate(rows)]
    store.responses.record(db, None, items, {**office.DEFAULTS, "min_survey_seconds": 0})


# --- who may open what -------------------------------------------------------------------

# Values for the URL parameters of the staff pages that act on one thing.
SAMPLE_ARGS = {"kiosk_id": 1, "user_id": 1, "code": "KK", "direction": "up",
               "response_id": "00000000-0000-4000-8000-000000000001", "first": 1, "last": 2,
               "action_id": 1, "theme_id": 1,
               "reason_id": 1}
# Every staff page a browser opens by address (GET) and the least role that may open it,
# pages about one thing with SAMPLE_ARGS. The one table of pages and roles: a new page must
# be added here, or test_access's test_every_staff_page_is_in_the_table fails, so no page
# is left without a decision about who may see it.
LEAST_ROLE = {
    "/staff/": "viewer",
    "/staff/report": "viewer",
    "/staff/password": "viewer",  # any signed-in account changes its own password
    "/staff/population": "staff",
    "/staff/comments": "staff",
    "/staff/exports": "staff",
    "/staff/exports/csv": "staff",
    "/staff/exports/xlsx": "staff",
    "/staff/flagged": "staff",
    "/staff/paper/": "staff",  # paper questionnaires: printed, typed in, imported
    "/staff/paper/forms/1-2": "staff",  # a printed batch (test_access reserves forms 1-2)
    "/staff/paper/entry": "staff",
    "/staff/paper/import": "staff",
    "/staff/settings/": "admin",
    "/staff/settings/survey": "admin",
    "/staff/services": "admin",
    "/staff/services/new": "admin",
    "/staff/services/KK/edit": "admin",
    "/staff/services/KK/retire": "admin",
    "/staff/settings/themes": "admin",
    "/staff/settings/themes/1/edit": "admin",
    "/staff/settings/themes/1/retire": "admin",
    "/staff/settings/hours": "admin",  # opening hours and holidays: the kiosk's quiet hours
    "/staff/settings/reasons": "admin",  # the chips after an unhappy face
    "/staff/settings/reasons/1/edit": "admin",
    "/staff/settings/reasons/1/retire": "admin",
    "/staff/settings/audio": "admin",  # prompts read aloud: recorded, uploaded, deleted
    "/staff/kiosks": "admin",
    "/staff/kiosks/new": "admin",
    "/staff/kiosks/1/edit": "admin",
    "/staff/kiosks/1/revoke": "admin",
    "/staff/kiosks/1/repair": "admin",
    "/staff/kiosks/1/pairing": "admin",
    "/staff/users": "admin",
    "/staff/users/new": "admin",
    "/staff/users/1/role": "admin",
    "/staff/users/1/password": "admin",
    "/staff/users/1/deactivate": "admin",
    "/staff/audit": "admin",  # who signed in and changed what
    "/staff/settings/log": "admin",  # the server log: paths, errors, tracebacks
    "/staff/settings/backups": "admin",  # backup files, the second folder's path
    "/staff/backup.db": "admin",  # the whole database, password hashes included
    "/staff/slips": "staff",  # survey slips for citizens' phones: made at the counter
    "/staff/slips/sheet": "staff",
    "/staff/settings/phone": "admin",  # where slips lead, and the poster switched on
    "/staff/settings/poster": "admin",
    "/staff/actions": "viewer",  # follow-up plans: read by all, changed by staff
    "/staff/actions/new": "staff",
    "/staff/actions/1": "viewer",  # test_access makes action 1
    "/staff/actions/1/edit": "staff",
    "/staff/alerts": "viewer",  # alerts: seen by all, acknowledged by staff
    "/staff/settings/mail": "admin",  # the SMTP server and its password (never shown)
}
ROLES = ("viewer", "staff", "admin")


# --- servers -----------------------------------------------------------------------------

def stop_waitress(server, thread: threading.Thread) -> None:
    """Stop a waitress server in order: no new connections, requests done, then sockets.

    server.close() from another thread closes the sockets while the loop may be polling
    them, and the loop thread dies of EBADF (an error in this suite). The sockets are
    closed from inside the loop instead (its trigger), after the worker threads have
    finished what they were serving; an empty map then ends the loop.
    """
    from waitress import wasyncore

    def in_loop(work) -> None:
        done = threading.Event()
        server.trigger.pull_trigger(lambda: (work(), done.set()))
        assert done.wait(timeout=10), "the waitress loop did not answer"

    in_loop(lambda: wasyncore.dispatcher.close(server))  # the listening socket only
    server.task_dispatcher.shutdown(cancel_pending=False)
    server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    thread.join(timeout=10)
    assert not thread.is_alive(), "the waitress loop did not stop"


class ServerProcess:
    """`python kiosk.py` in its own process, to stop, kill and start again on one port."""

    def __init__(self, instance, port: int):
        self.instance, self.port = instance, port
        self.url = f"http://127.0.0.1:{port}"
        self.proc = None

    def start(self, *options: str, timeout: float = 20) -> "ServerProcess":
        """Start the server (with extra command-line options) and wait until it answers."""
        from pathlib import Path

        root = Path(__file__).resolve().parent.parent
        self.proc = subprocess.Popen(
            [sys.executable, "kiosk.py", "--host", "127.0.0.1", "--port", str(self.port),
             "--instance", str(self.instance), *options],
            cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.url + "/api/services", timeout=1).close()
                return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)

    def stop(self, kill: bool = False) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill() if kill else self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


def free_port() -> int:

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- kiosks in a browser -----------------------------------------------------------------

def prepare(server, **settings) -> str:
    """Register a kiosk and make the office's settings test-friendly; return its token."""
    db = connect(server.instance / "skm.db")
    _, token = store.kiosks.add_kiosk(db, "Loket 1", actor=COMMAND_LINE)
    # Quiet hours off: a test's outcome must not depend on the hour it runs at.
    store.settings.save(db, {"min_survey_seconds": 0, "burst_count": 10**6,
                             "thanks_seconds": 1, "quiet_hours": False, **settings},
                        actor=COMMAND_LINE)
    db.close()
    return token


def rows(server) -> list[dict]:
    db = connect(server.instance / "skm.db")
    try:
        return list(db["responses"].rows_where(order_by="answered_at"))
    finally:
        db.close()


def pair(page, server, token) -> None:
    page.goto(f"{server.url}/kiosk/pair#{token}")
    page.wait_for_url(f"{server.url}/kiosk/", timeout=10000)
    page.wait_for_selector("#welcome", state="visible")


def tap_face(page, answer: int) -> None:
    """Tap a face and wait until the survey moved on one step; an unhappy face brings the
    reason screen ("Apa yang kurang?"), which this skips."""
    from playwright.sync_api import expect  # only the browser tests have a page to tap

    before = int(page.get_attribute(".progress", "aria-valuenow"))
    page.tap(f'#question .face[data-answer="{answer}"]')
    if answer <= 2:
        expect(page.locator("#reason")).to_be_visible()
        page.tap("#reason .skip")
    expect(page.locator(".progress")).to_have_attribute("aria-valuenow", str(before + 1))


BAD_ENTRY = {
    "id": "00000000-0000-4000-8000-000000000000", "service": "KK",
    "answered_at": "2026-11-01T09:00:00+07:00", "answers": {"U1": 9},
}


# --- staff pages in a browser ----------------------------------------------------------

def staff_page(browser, url: str, username: str, password: str, width: int = 1280):
    """Return a new browser page signed in as a staff account."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#submit")
    return page


def print_pdf(page, path) -> tuple[int, str]:
    """Print the page as the office would (A4, print media) to `path`; return its page count
    and what pdfinfo says of it."""
    page.emulate_media(media="print")
    page.pdf(path=str(path), format="A4", print_background=True, prefer_css_page_size=True)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages")))
    return pages, info
