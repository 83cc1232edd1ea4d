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
    from ikm.db import connect

    conn = connect(app.config["DATABASE"])
    yield conn
    conn.close()


@pytest.fixture
def kiosk_token(db):
    """A paired kiosk's bearer token."""
    from ikm import devices

    _, token = devices.add_kiosk(db, "Loket 1")
    return token


@pytest.fixture
def live_server(app):
    """The app served by waitress on a free local port, as in production."""
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.effective_port}", app=app)
    server.close()
    thread.join(timeout=5)


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
    context = browser.new_context(viewport={"width": width, "height": height},
                                  has_touch=True, is_mobile=True)
    yield context
    context.close()
