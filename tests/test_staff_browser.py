"""The staff pages in Chromium: sign in, read the IKM, move between periods, print, save PNGs."""
from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from support import PASSWORD

import store
from bench.seed import seed
from results import summary
from store.audit import COMMAND_LINE

pytestmark = pytest.mark.slow  # a browser, server processes or a benchmark

SHOTS = Path(__file__).resolve().parent.parent / "test-output" / "staff"
EMPTY = "Belum ada jawaban survei untuk periode ini."
HEADING = "Indeks Kepuasan Masyarakat: "
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember")


def office_today() -> date:
    """Today at the office (WIB), which may already be tomorrow in UTC."""
    return datetime.now(timezone(timedelta(hours=7))).date()


@pytest.fixture(scope="module")
def office_db(tmp_path_factory):
    """Thirteen months of an ordinary office up to yesterday, seeded once for this module."""
    from store.schema import open_db

    path = tmp_path_factory.mktemp("office") / "skm.db"
    db = open_db(path)
    seed(db, date(2025, 10, 27), date(2026, 11, 27), 10, random.Random(14_2017))
    store.accounts.create_user(db, "viewer1", PASSWORD, "viewer", actor=COMMAND_LINE)
    db.close()
    return path


@pytest.fixture
def office(office_db, tmp_path):
    """The seeded database copied into this test's fresh instance folder."""
    import shutil

    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copy(office_db, instance / "skm.db")
    return instance


@pytest.fixture
def app(office):
    """The conftest app, on the seeded instance (live_server serves this one)."""
    from kiosk import create_app

    return create_app({"TESTING": True}, instance_path=office)


@pytest.fixture
def desk(browser, live_server):
    """A desktop browser page (1366x900) that records requests, console errors and crashes."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID",
                                  timezone_id="Asia/Jakarta", accept_downloads=True)
    page = context.new_page()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.requests, page.errors = [], []
    context.on("request", lambda r: page.requests.append(r.url))
    page.on("console", lambda m: m.type == "error" and page.errors.append(
        f"console: {m.text} ({m.location})"))
    page.on("pageerror", lambda e: page.errors.append(f"page error: {e}"))
    yield page
    context.close()
    # Everything the staff pages need is served by this server: plotly.js included.
    assert [u for u in page.requests if not u.startswith(live_server.url + "/")] == []
    assert page.errors == []


def sign_in(page, url: str, next_path: str = "/staff/") -> None:
    """Open a staff page, get sent to the login page, sign in and land on the page."""
    page.goto(url + next_path)
    expect(page).to_have_url(f"{url}/login?next={quote(next_path, safe='')}")
    page.fill("#username", "viewer1")
    page.fill("#password", PASSWORD)
    page.click("form [type=submit]")
    expect(page).to_have_url(url + next_path)


def points(page, figure: str, trace: str):
    return page.locator(f'.chart[data-figure="{figure}"] .trace.{trace} .point')


def expect_drawn(page, figure: str) -> None:
    expect(page.locator(f'.chart[data-figure="{figure}"] .main-svg').first).to_be_attached()


def trend_points(db_path: Path, end: date) -> int:
    """How many of the twelve months up to `end` have responses (one point each)."""
    from store.schema import connect

    db = connect(db_path)
    try:
        return sum(1 for _, r in summary.trend(db, end) if r is not None)
    finally:
        db.close()


def expect_full_page(page, office: Path, end: date) -> None:
    """A period with responses: every chart drawn with its marks."""
    for figure in ("unsur", "trend", "services", "profile0", "profile1", "profile2",
                   "profile3"):
        expect_drawn(page, figure)
    expect(points(page, "unsur", "bars")).to_have_count(9)
    expect(points(page, "trend", "scatter")).to_have_count(trend_points(office / "skm.db", end))
    expect(points(page, "services", "bars")).not_to_have_count(0)
    # Gender: L, P and not given; the others have more bars.
    expect(points(page, "profile0", "bars")).to_have_count(3)
    for i in (1, 2, 3):
        expect(points(page, f"profile{i}", "bars")).not_to_have_count(0)
    expect(page.locator("[data-ikm]")).to_have_text(re.compile(r"^\d{2,3}\.\d{2}$"))
    expect(page.get_by_text(EMPTY)).to_have_count(0)


def heading(page):
    return page.locator("main h1")


def test_the_ikm_page_in_a_browser(desk, live_server, office):
    page, url = desk, live_server.url
    sign_in(page, url)
    # The IKM page opens on this month at the office, with no link to a month to come.
    today = office_today()
    expect(heading(page)).to_have_text(f"{HEADING}{BULAN[today.month - 1]} {today.year}")
    expect(page.locator('a[rel="next"]')).to_have_count(0)
    if (today.year, today.month) != (2026, 11):  # the data ends on 27 November 2026
        page.goto(f"{url}/staff/?kind=month&from=2026-11-01")
    expect(heading(page)).to_have_text(HEADING + "November 2026")
    expect_full_page(page, office, date(2026, 11, 30))
    expect(points(page, "trend", "scatter")).to_have_count(12)  # December 2025 onwards
    ikm = float(page.locator("[data-ikm]").inner_text())
    assert 25 <= ikm <= 100
    assert page.locator("[data-grade]").inner_text() in "ABCD"
    assert int(page.locator("[data-respondents]").inner_text()) > 100

    page.click('a[rel="prev"]')
    expect(heading(page)).to_have_text(HEADING + "Oktober 2026")
    expect_full_page(page, office, date(2026, 10, 31))
    expect(points(page, "trend", "scatter")).to_have_count(12)  # November 2025 onwards
    expect(page.locator('a[rel="next"]')).to_contain_text("November 2026")
    page.screenshot(path=SHOTS / "ikm-month.png", full_page=True)

    page.get_by_role("link", name="Triwulan", exact=True).click()
    expect(heading(page)).to_have_text(HEADING + "Triwulan IV 2026")
    expect_full_page(page, office, min(date(2026, 12, 31), today))  # no month to come

    page.get_by_role("link", name="Tahun", exact=True).click()
    expect(heading(page)).to_have_text(HEADING + "Tahun 2026")
    expect_full_page(page, office, min(date(2026, 12, 31), today))
    page.screenshot(path=SHOTS / "ikm-year.png", full_page=True)
    page.click('a[rel="prev"]')
    expect(heading(page)).to_have_text(HEADING + "Tahun 2025")
    expect_full_page(page, office, date(2025, 12, 31))

    page.fill("#p-from", "2026-08-01")
    page.fill("#p-to", "2026-09-15")
    page.get_by_role("button", name="Tampilkan").click()
    expect(heading(page)).to_have_text(HEADING + "1 Agustus 2026 - 15 September 2026")
    expect_full_page(page, office, date(2026, 9, 15))

    page.fill("#p-from", "2020-01-01")
    page.fill("#p-to", "2020-01-31")
    page.get_by_role("button", name="Tampilkan").click()
    expect(heading(page)).to_have_text(HEADING + "1 Januari 2020 - 31 Januari 2020")
    expect(page.get_by_text(EMPTY)).to_be_visible()
    expect(page.locator("[data-ikm]")).to_have_count(0)
    expect_drawn(page, "trend")  # the trend still shows, with nothing to mark
    expect(points(page, "trend", "scatter")).to_have_count(0)
    expect(page.locator('.chart[data-figure="unsur"]')).to_have_count(0)
    page.screenshot(path=SHOTS / "ikm-empty.png", full_page=True)
    assert any(u.startswith(f"{url}/vendor/plotly-") for u in page.requests)


def test_the_report_prints_and_saves_charts_as_png(desk, live_server, office, tmp_path):
    page, url = desk, live_server.url
    sign_in(page, url, "/staff/report?kind=month&from=2026-10-01")
    expect(page.locator("main h1")).to_have_text("Laporan Survei Kepuasan Masyarakat")
    expect(page.locator(".report-head .period")).to_contain_text("Oktober 2026")
    charts = page.locator(".chart[data-figure]")
    expect(charts).to_have_count(2)  # the unsur and the trend
    for figure in ("unsur", "trend"):
        expect_drawn(page, figure)
        camera = page.locator(f'.chart[data-figure="{figure}"] '
                              f'.modebar-btn[data-title*="png" i]')
        expect(camera).to_have_count(1)
    expect(points(page, "unsur", "bars")).to_have_count(9)

    # The Print button opens the browser's print dialog (stubbed: headless has none).
    printed = page.locator("[data-print]")
    expect(printed).to_be_visible()
    expect(printed).to_have_text("Cetak laporan")
    page.evaluate("() => { window.__printed = 0; window.print = () => window.__printed++; }")
    printed.click()
    assert page.evaluate("window.__printed") == 1

    # The camera icon saves the chart as a PNG, drawn in the browser: no network needed.
    page.context.route("**/*", lambda route: route.abort()
                       if not route.request.url.startswith(url) else route.continue_())
    unsur = page.locator('.chart[data-figure="unsur"]')
    unsur.hover()
    with page.expect_download() as info:
        unsur.locator('.modebar-btn[data-title*="png" i]').click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == "unsur-2026-10-01.png"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = saved.read_bytes()
    assert len(data) > 1000 and data[:8] == b"\x89PNG\r\n\x1a\n"
    page.screenshot(path=SHOTS / "report.png", full_page=True)
