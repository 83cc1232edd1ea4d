"""The tests' fixtures: the app and its database, servers, a browser, signed-in clients,
files of questionnaires. What tests import by name is in support.py."""
from __future__ import annotations

import csv
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from support import (
    CHROMIUM,
    PASSWORD,
    ServerProcess,
    csrf_token,
    fast_password_hash,
    free_port,
    stop_waitress,
)


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


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch):
    """Hash passwords cheaply in tests (scrypt took most of the admin tests' time)."""
    import store.accounts
    import store.signin

    monkeypatch.setattr(store.accounts, "hash_password", fast_password_hash)
    monkeypatch.setattr(store.signin, "hash_password", fast_password_hash)
    monkeypatch.setattr(store.signin, "_dummy", {})


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
    # The kiosk takes surveys at any hour: a test's outcome must not depend on when it runs
    # (tests/test_quiet_hours_browser.py sets the hours and the clock itself).
    store.settings.save(db, {"quiet_hours": False}, actor=COMMAND_LINE)
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
