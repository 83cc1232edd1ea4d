"""A citizen's own phone in Chromium: a slip's link, answered by touch, counted once."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import PASSWORD, tap_face

import store
from ikm.profile import FIELDS
from store.audit import COMMAND_LINE
from store.schema import rows

pytestmark = pytest.mark.slow  # a browser, server processes or a benchmark

SHOTS = Path(__file__).resolve().parent.parent / "test-output" / "phone"
ANSWERS = [4, 3, 4, 2, 3, 4, 4, 1, 3]


@pytest.fixture
def phone(browser, live_server, db):
    """A phone-sized browser (390x844, touch) whose requests are all recorded."""
    store.settings.save(db, {"min_survey_seconds": 0}, actor=COMMAND_LINE)
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                                  is_mobile=True, locale="id-ID")
    context.urls = []
    context.on("request", lambda r: context.urls.append(r.url))
    yield context
    context.close()
    # Nothing a phone opens comes from anywhere but the office's server.
    assert [u for u in context.urls if not u.startswith(live_server.url + "/")] == []


def slip(db, service: str | None = None) -> str:
    (made,) = store.slips.create(db, 1, service, 14, actor=COMMAND_LINE)
    return made["code"]


def stored(db, code: str) -> list[dict]:
    return rows(db, "SELECT id, channel, slip, u1, u9 FROM responses WHERE slip = ?", [code])


def wait_for_rows(db, code: str, count: int, timeout: float = 10) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        found = stored(db, code)
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) == count, f"{len(found)} stored for {code}, expected {count}"
            return found
        time.sleep(0.2)


def tap_and_advance(page, selector: str) -> None:
    """Tap, then wait until the survey moved on one step (the progress bar says so)."""
    before = int(page.get_attribute(".progress", "aria-valuenow"))
    page.tap(selector)
    expect(page.locator(".progress")).to_have_attribute("aria-valuenow", str(before + 1))


def face(answer: int) -> str:
    return f'#question .face[data-answer="{answer}"]'


def finish(page) -> None:
    for _ in FIELDS:
        tap_and_advance(page, "#profile .skip")
    expect(page.locator("#comment")).to_be_visible()
    page.tap("[data-action=finish]")
    expect(page.locator("#thanks")).to_be_visible()


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_a_slips_link_is_answered_by_touch_and_counts_once(phone, live_server, db, app):
    code = slip(db, "KK")
    page = phone.new_page()
    page.goto(f"{live_server.url}/s/{code}")
    expect(page.locator("#welcome")).to_be_visible()
    shoot(page, "welcome")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    page.tap("#welcome .start")  # the slip names the service: straight to the questions
    expect(page.locator("#question")).to_be_visible()
    for n in range(1, 5):
        box = page.locator(face(n)).bounding_box()
        assert box["width"] >= 120 and box["height"] >= 120, box  # big touch targets
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    shoot(page, "question")
    for answer in ANSWERS:
        tap_face(page, answer)
    finish(page)
    (row,) = wait_for_rows(db, code, 1)
    assert (row["channel"], row["u1"], row["u9"]) == ("phone", 4, 3)
    expect(page.locator("#thanks .delivery")).to_contain_text("sudah kami terima")
    expect(page.locator("#thanks .countdown")).to_have_count(0)
    time.sleep(1.5)  # the thanks stay: no countdown back to the welcome on a phone
    expect(page.locator("#thanks")).to_be_visible()
    shoot(page, "thanks")
    channels = app.test_client().get("/api/ikm").json["channels"]
    assert channels["phone"]["respondents"] == 1

    again = page.goto(f"{live_server.url}/s/{code}")
    assert again.status == 410
    expect(page.locator("h1")).to_have_text("Terima kasih!")
    expect(page.locator(".sub")).to_contain_text("Kode kupon ini sudah dipakai")
    shoot(page, "used-code")
    assert len(stored(db, code)) == 1


def test_a_phone_that_loses_the_network_sends_once_it_is_back(phone, live_server, db):
    code = slip(db)
    page = phone.new_page()
    page.goto(f"{live_server.url}/s/{code}")
    page.tap("#welcome .start")  # a slip for no service: the citizen chooses
    expect(page.locator("#service .tile")).to_have_count(13)
    shoot(page, "service")
    page.tap('#service .tile[data-service="IMB"]')
    for answer in ANSWERS[:-1]:
        tap_face(page, answer)
    phone.set_offline(True)
    tap_face(page, ANSWERS[-1])
    finish(page)
    expect(page.locator("#thanks .delivery")).to_contain_text("Belum terkirim", timeout=10_000)
    expect(page.locator(".offline")).to_be_visible()
    shoot(page, "offline")
    time.sleep(1)
    assert stored(db, code) == []
    assert store.slips.state(store.slips.get(db, code)) is None  # not used until stored

    phone.set_offline(False)
    wait_for_rows(db, code, 1, timeout=30)  # the outbox retries at least every 15 s
    expect(page.locator("#thanks .delivery")).to_contain_text("sudah kami terima",
                                                              timeout=10_000)
    time.sleep(2)  # a second send would show up now
    assert len(stored(db, code)) == 1
    assert store.slips.state(store.slips.get(db, code)) == "used"


def test_the_phone_page_is_small_and_loads_nothing_from_elsewhere(phone, live_server, db):
    code = slip(db)
    page = phone.new_page()
    seen = []
    page.on("response", lambda r: seen.append(r))
    page.goto(f"{live_server.url}/s/{code}", wait_until="load")
    expect(page.locator("#welcome")).to_be_visible()
    files = {r.url: len(r.body()) for r in seen}
    total = sum(files.values())
    print(f"phone page: {total} bytes uncompressed in {len(files)} files {files}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "page-bytes.json").write_text(json.dumps({"page": total, "files": files},
                                                      indent=2))
    assert {u.rsplit("/", 1)[-1] for u in files} >= {code, "kiosk.css", "outbox.js",
                                                     "kiosk.js"}
    assert total < 150_000


def test_a_code_typed_from_the_slip_opens_its_survey(phone, live_server, db):
    code = slip(db)
    page = phone.new_page()
    page.goto(f"{live_server.url}/s/")
    page.fill("#code", f"{code[:4].lower()} {code[4:].lower()}")
    page.tap("form .primary")
    expect(page).to_have_url(f"{live_server.url}/s/{code}")
    expect(page.locator("#welcome")).to_be_visible()
    page.goto(f"{live_server.url}/s/?code=ABC")
    expect(page.locator("h1")).to_have_text("Kode kupon tidak lengkap atau salah ketik")


def test_staff_print_a_sheet_of_slips(browser, live_server, db):
    store.accounts.create_user(db, "petugas", PASSWORD, "staff", actor=COMMAND_LINE)
    context = browser.new_context(viewport={"width": 1000, "height": 1200})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login?next=/staff/slips")
        page.fill("#username", "petugas")
        page.fill("#password", PASSWORD)
        page.click("form [type=submit]")
        expect(page).to_have_url(f"{live_server.url}/staff/slips")
        page.fill("#count", "10")
        page.select_option("#service", "KTP-EL")
        page.click("main form button.primary")
        expect(page.locator(".sheet .slip")).to_have_count(10)
        assert db["slips"].count == 10
        page.locator(".sheet").first.screenshot(path=str(SHOTS / "slip-sheet.png"))
        page.reload()
        expect(page.locator(".sheet .slip")).to_have_count(10)
        assert db["slips"].count == 10  # a reload makes no new slips
        page.emulate_media(media="print")
        expect(page.locator("header.top")).to_be_hidden()
        pdf = page.pdf(format="A4", print_background=True)
        assert pdf[:5] == b"%PDF-"
        (SHOTS / "slip-sheet-printed.pdf").write_bytes(pdf)
    finally:
        context.close()
