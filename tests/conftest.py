"""Shared fixtures: files of questionnaires written the way offices write them."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest


@pytest.fixture
def write_csv(tmp_path):
    """Write a CSV with a header and rows; return its path."""

    def write(header: list[str], rows: list[list[object]], name: str = "skm.csv",
              delimiter: str = ",") -> Path:
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f, delimiter=delimiter)
            out.writerow(header)
            out.writerows(["" if v is None else v for v in row] for row in rows)
        return path

    return write


@pytest.fixture
def write_xlsx(tmp_path):
    """Write an .xlsx workbook with a header and rows; return its path."""
    import openpyxl

    def write(header: list[str], rows: list[list[object]], name: str = "skm.xlsx",
              title: str | None = None) -> Path:
        book = openpyxl.Workbook()
        sheet = book.active
        if title:
            sheet.append([title])
            sheet.append([])
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        path = tmp_path / name
        book.save(path)
        return path

    return write


# --- the app, a live server and a browser -------------------------------------------

import threading  # noqa: E402
from types import SimpleNamespace  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def app(tmp_path):
    """An app on a fresh instance folder."""
    from kiosk import create_app

    return create_app({"TESTING": True}, instance_path=tmp_path / "instance")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """A connection to the app's database, for looking at what was stored."""
    from store.schema import connect

    conn = connect(app.config["DATABASE"])
    yield conn
    conn.close()


@pytest.fixture
def kiosk_token(db):
    """A paired kiosk's bearer token; the kiosk was registered at the start of 2026."""
    import store
    from store.audit import COMMAND_LINE

    kiosk_id, token = store.kiosks.add_kiosk(db, "Loket 1", actor=COMMAND_LINE)
    # Responses dated before a kiosk existed are impossible (ikm.clock); tests send
    # responses from earlier this year.
    db["kiosks"].update(kiosk_id, {"created_at": "2026-01-01T00:00:00.000+00:00"})
    return token


@pytest.fixture
def live_server(app):
    """The app served by waitress on a free local port, as in production."""
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.effective_port}", app=app)
    stop_waitress(server, thread)


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


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; no browser is downloaded."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def tablet(browser, request):
    """A new browser context sized like a portrait tablet, with touch."""
    marker = request.node.get_closest_marker("viewport")
    width, height = marker.args if marker else (800, 1280)
    # page.route cannot see requests a service worker handles: tests that hold or fail
    # requests run the kiosk as on a plain-http tablet, without one.
    blocked = request.node.get_closest_marker("no_service_worker")
    context = browser.new_context(viewport={"width": width, "height": height},
                                  has_touch=True, is_mobile=True,
                                  service_workers="block" if blocked else "allow")
    yield context
    context.close()


class ServerProcess:
    """`python kiosk.py` in its own process, to stop, kill and start again on one port."""

    def __init__(self, instance, port: int):
        self.instance, self.port = instance, port
        self.url = f"http://127.0.0.1:{port}"
        self.proc = None

    def start(self, *options: str, timeout: float = 20) -> "ServerProcess":
        """Start the server (with extra command-line options) and wait until it answers."""
        import subprocess
        import sys
        import time
        import urllib.request
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
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server_process(tmp_path):
    """A real server process on a fresh instance folder (not yet started)."""
    from store.schema import open_db

    instance = tmp_path / "instance"
    instance.mkdir()
    open_db(instance / "skm.db").close()
    server = ServerProcess(instance, free_port())
    yield server
    server.stop(kill=True)


# --- staff accounts -------------------------------------------------------------------

import re  # noqa: E402

PASSWORD = "kata-sandi-rahasia"


def csrf_token(page_text: str) -> str:
    """Return the CSRF token of the first form on a page."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page_text).group(1)


@pytest.fixture
def login(app, client, db):
    """Create a user with a role and sign the test client in as them; return the client."""
    import store
    from store.audit import COMMAND_LINE

    def sign_in(role: str = "admin", username: str | None = None):
        name = username or f"{role}1"
        if not store.accounts.get_user(db, name):
            store.accounts.create_user(db, name, PASSWORD, role, actor=COMMAND_LINE)
        token = csrf_token(client.get("/login").text)
        reply = client.post("/login", data={"username": name, "password": PASSWORD,
                                            "csrf_token": token})
        assert reply.status_code == 302, reply.text
        return client

    return sign_in


def post_form(client, url: str, data: dict, page_url: str | None = None):
    """Submit a form the way a browser does: fetch its page for the CSRF token, then POST."""
    token = csrf_token(client.get(page_url or url).text)
    return client.post(url, data={**data, "csrf_token": token})
