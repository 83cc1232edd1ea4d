"""axe-core on every page and kiosk screen: no serious or critical finding, text contrast
at least 4.5:1, and touch targets of at least 48x48 CSS px on the citizens' screens."""
from __future__ import annotations

import random
import re
from datetime import datetime, timedelta, timezone

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from support import LEAST_ROLE, PASSWORD, pair, staff_page, tap_face

import store
from bench.seed import response, seed
from ikm.method import PERMENPAN_2017
from ikm.profile import FIELDS
from store.audit import COMMAND_LINE

pytestmark = pytest.mark.slow  # a browser, server processes or a benchmark

AXE = Axe()  # axe.min.js from the installed package: nothing comes from the internet
# color-contrast is on by default; named here so that no change of axe's defaults turns it
# off. It holds normal text to 4.5:1 and large text (24 px, or 18.66 px bold) to 3:1, as
# WCAG 2 AA allows; its impact is "serious", so it is counted. "incomplete" is asked for too:
# axe leaves there what it measured but does not trust (a one-letter badge).
OPTIONS = {"resultTypes": ["violations", "incomplete"],
           "rules": {"color-contrast": {"enabled": True}}}
COUNTED = {"serious", "critical"}
TARGET = 48  # CSS px, both ways: a finger on a tablet or phone
WIB = timezone(timedelta(hours=7))
# Every element a citizen may tap, when it is shown.
TAPPABLE = "button, a[href], input:not([type=hidden]), select, textarea, [role=button]"
SMALL_TARGETS = """(sel) => [...document.querySelectorAll(sel)]
  .filter((el) => el.checkVisibility({ visibilityProperty: true, opacityProperty: true }))
  .map((el) => [el, el.getBoundingClientRect()])
  .filter(([, box]) => box.width < %d || box.height < %d)
  .map(([el, box]) => `${el.outerHTML.slice(0, 80)} ${Math.round(box.width)}x${
    Math.round(box.height)}`)""" % (TARGET, TARGET)


def report(problems: dict) -> str:
    """Return the problems, one page or screen with its findings a line."""
    return "\n".join(f"{where}: {found}" for where, found in problems.items())


def low_contrast(rule: dict) -> list:
    """Return the targets of an undecided color-contrast whose measured ratio is too low."""
    low = []
    for node in rule["nodes"]:
        for check in node["any"]:
            data = check.get("data") or {}
            # 0: nothing measured (plotly's SVG text; its colours are set in results/charts.py)
            ratio, expected = data.get("contrastRatio") or 0, data.get("expectedContrastRatio")
            if ratio and expected and ratio < float(expected.split(":")[0]):
                low.append((node["target"], f"{ratio}:1"))
    return low


def findings(page) -> list[str]:
    """Return axe's serious and critical findings on the page as it is shown now, each
    starting with its rule's id, and the text axe measured below its contrast."""
    results = AXE.run(page, options=OPTIONS).response
    found = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
             for v in results["violations"] if v["impact"] in COUNTED]
    return found + [f"color-contrast (measured, undecided): {low}"
                    for v in results["incomplete"]
                    if v["id"] == "color-contrast" and (low := low_contrast(v))]


def small_targets(page) -> list[str]:
    """Return the visible tappable elements smaller than TARGET either way."""
    return page.evaluate(SMALL_TARGETS, TAPPABLE)


@pytest.fixture(scope="module")
def office_db(tmp_path_factory):
    """Three months of responses up to now (this month's too), and one of each thing the
    staff pages about one thing show (LEAST_ROLE's sample objects, as test_access makes)."""
    from store.schema import open_db

    path = tmp_path_factory.mktemp("office") / "skm.db"
    db = open_db(path)
    now = datetime.now(WIB)
    seed(db, now.date() - timedelta(days=90), now.date() - timedelta(days=1), 6,
         random.Random(17))
    # A few from the last hours, so that this month has charts even on its first day.
    rng = random.Random(18)
    store.responses.record(
        db, None, [response(rng, now - timedelta(minutes=m)) for m in range(5, 65, 5)],
        {**store.settings.read(db), "min_survey_seconds": 0, "burst_count": 10**9})
    store.accounts.create_user(db, "someone", PASSWORD, "viewer", actor=COMMAND_LINE)
    store.accounts.create_user(db, "admin1", PASSWORD, "admin", actor=COMMAND_LINE)
    store.paper.new_batch(db, 2, actor=COMMAND_LINE)
    store.actions.create(db, "U9", "Perbaiki AC ruang tunggu", actor=COMMAND_LINE)
    store.settings.save(db, {"min_survey_seconds": 0, "burst_count": 10**6,
                             "thanks_seconds": 30, "poster_enabled": True,
                             "quiet_hours": False},  # the screens at any hour
                        actor=COMMAND_LINE)
    db.close()
    return path


@pytest.fixture
def app(office_db, tmp_path):
    """The conftest app on a copy of the seeded database (live_server and db use this one)."""
    import shutil

    from kiosk import create_app

    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copy(office_db, instance / "skm.db")
    return create_app({"TESTING": True}, instance_path=instance)


def test_staff_pages_have_no_serious_findings(browser, live_server, db):
    store.kiosks.add_kiosk(db, "Loket 1", actor=COMMAND_LINE)  # kiosk 1
    page = staff_page(browser, live_server.url, "admin1", PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/staff/")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    found = {}
    for url in sorted(LEAST_ROLE):
        reply = page.request.head(live_server.url + url)
        if not reply.headers.get("content-type", "").startswith("text/html"):
            continue  # a download: exports, the database file
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")  # plotly has drawn its charts
        if problems := findings(page):
            found[url] = problems
    page.close()
    assert found == {}, report(found)
    # axe is injected from the package, plotly served by this server: nothing from elsewhere.
    assert [u for u in requests if not u.startswith(live_server.url + "/")] == []


@pytest.mark.parametrize("path", ["/", "/login", "/s/", "/s/ZZZZ-ZZZZ", "/p"])
def test_public_and_phone_pages_have_no_serious_findings(browser, live_server, path):
    page = browser.new_page(viewport={"width": 390, "height": 844}, has_touch=True,
                            is_mobile=True)
    page.goto(live_server.url + path)
    page.wait_for_load_state("networkidle")
    assert findings(page) == []
    if path not in ("/", "/login"):  # citizens' phone pages; these two are read or typed in
        assert small_targets(page) == []
    page.close()


def check_screen(page, screen: str, problems: dict) -> None:
    """Wait for a screen, then note axe's findings and its small targets."""
    expect(page.locator(f"#{screen}")).to_be_visible()
    if found := findings(page) + small_targets(page):
        problems[screen] = found


def tap_through(page, problems: dict) -> None:
    """Check each screen from the welcome to the thanks, tapping an unhappy face once."""
    check_screen(page, "welcome", problems)
    page.tap("#welcome .start")
    check_screen(page, "service", problems)
    page.locator("#service .tile").first.tap()
    check_screen(page, "question", problems)
    page.tap('#question .face[data-answer="1"]')
    check_screen(page, "reason", problems)
    page.tap("#reason .skip")
    for _ in range(len(PERMENPAN_2017.codes) - 1):
        tap_face(page, 4)
    check_screen(page, "profile", problems)
    for _ in FIELDS:
        before = page.get_attribute(".progress", "aria-valuenow")
        page.tap('#profile [data-action="skip"]')
        expect(page.locator(".progress")).not_to_have_attribute("aria-valuenow", before)
    check_screen(page, "comment", problems)
    page.tap('#comment [data-action="finish"]')
    check_screen(page, "thanks", problems)


def test_kiosk_screens_in_both_text_sizes(tablet, live_server, db):
    _, token = store.kiosks.add_kiosk(db, "Loket 1", actor=COMMAND_LINE)
    page = tablet.new_page()
    pair(page, live_server, token)
    problems: dict = {}
    tap_through(page, problems)
    page.tap("#thanks")  # the next citizen asks for large text
    page.tap("#welcome .large-toggle")
    expect(page.locator("body")).to_have_class(re.compile(r"\blarge\b"))
    large: dict = {}
    tap_through(page, large)
    assert problems == {}, report(problems)
    assert large == {}, report(large)


def test_the_kiosks_closed_screen(tablet, live_server, db):
    _, token = store.kiosks.add_kiosk(db, "Loket 1", actor=COMMAND_LINE)
    store.settings.save(db, {"quiet_hours": True}, actor=COMMAND_LINE)
    page = tablet.new_page()
    page.clock.install(time=datetime(2026, 11, 30, 7, 0, tzinfo=WIB))  # before opening
    page.goto(f"{live_server.url}/kiosk/pair#{token}")
    problems: dict = {}
    check_screen(page, "closed", problems)
    assert problems == {}, report(problems)


def test_phone_survey_screens(browser, live_server, db):
    (made,) = store.slips.create(db, 1, None, 14, actor=COMMAND_LINE)
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                                  is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{made['code']}")
    problems: dict = {}
    tap_through(page, problems)
    # The slip is spent now: the page that says so is a phone page too.
    page.goto(f"{live_server.url}/s/{made['code']}")
    check_screen(page, "used", problems)
    context.close()
    assert problems == {}, report(problems)
