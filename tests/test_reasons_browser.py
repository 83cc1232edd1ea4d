""""Apa yang kurang?" in a browser: asked only after an unhappy face, one tap, then on."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

import store
from ikm.profile import FIELDS
from store.audit import COMMAND_LINE
from store.schema import rows

pytestmark = pytest.mark.slow  # a browser, server processes or a benchmark

SHOTS = Path(__file__).resolve().parent.parent / "test-output" / "reasons"
# Record every screen the kiosk shows, so a test can say the reason screen never came.
WATCH = """() => {
  window.shown = [];
  new MutationObserver(() => {
    const on = [...document.querySelectorAll(".screen")].find((s) => !s.hidden);
    if (on && window.shown[window.shown.length - 1] !== on.id) window.shown.push(on.id);
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["hidden"] });
}"""


class Taps:
    """A citizen's fingers: every tap goes through here and is counted."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def __call__(self, selector: str) -> None:
        self.page.tap(selector)
        self.count += 1

    def face(self, answer: int) -> None:
        self(f'#question .face[data-answer="{answer}"]')

    def on(self, screen: str) -> None:
        expect(self.page.locator(f"#{screen}")).to_be_visible()


def progress(page) -> str:
    return page.get_attribute(".progress", "aria-valuenow")


def answer(taps: Taps, value: int) -> None:
    """Answer one question and wait for the next screen."""
    before = progress(taps.page)
    taps.face(value)
    expect(taps.page.locator(".progress")).not_to_have_attribute("aria-valuenow", before)


def finish(taps: Taps) -> None:
    for _ in FIELDS:
        taps.on("profile")
        taps("#profile .skip")
    taps.on("comment")
    taps('[data-action="finish"]')
    taps.on("thanks")


def reasons_of(db) -> list[tuple[str, int]]:
    return [(r["unsur"], r["reason_id"]) for r in rows(
        db, "SELECT unsur, reason_id FROM response_reasons ORDER BY unsur")]


def wait_for_responses(db, count: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while db["responses"].count < count:
        assert time.monotonic() < deadline, f"{db['responses'].count} stored, expected {count}"
        time.sleep(0.1)


def reason(db, unsur: str, name: str) -> int:
    return next(r.id for r in store.reasons.in_order(db) if (r.unsur, r.name) == (unsur, name))


@pytest.fixture
def kiosk(tablet, live_server, db, kiosk_token):
    store.settings.save(db, {"min_survey_seconds": 0, "burst_count": 1000,
                             "thanks_seconds": 1}, actor=COMMAND_LINE)
    page = tablet.new_page()
    page.goto(f"{live_server.url}/kiosk/pair#{kiosk_token}")
    page.wait_for_url(f"{live_server.url}/kiosk/", timeout=10_000)
    expect(page.locator("#welcome")).to_be_visible()
    page.evaluate(WATCH)
    yield Taps(page)
    page.close()


def test_the_happy_path_gets_no_extra_tap(kiosk, db):
    """Best answers everywhere, profile and comment skipped: 16 taps, no reason screen."""
    kiosk("#welcome .start")
    kiosk('#service .tile[data-service="KK"]')
    for _ in range(9):
        answer(kiosk, 4)
    finish(kiosk)
    assert kiosk.count == 2 + 9 + len(FIELDS) + 1
    assert "reason" not in kiosk.page.evaluate("window.shown")
    wait_for_responses(db, 1)
    assert reasons_of(db) == []


def test_an_unhappy_face_asks_why_and_one_tap_records_it(kiosk, db):
    page = kiosk.page
    SHOTS.mkdir(parents=True, exist_ok=True)
    kiosk("#welcome .start")
    kiosk('#service .tile[data-service="KK"]')
    for _ in range(2):
        answer(kiosk, 4)  # U1, U2
    # U3, too slow: asked why; Back returns to the question with the face still chosen.
    question = page.locator(".question-text").text_content()
    kiosk.face(2)
    kiosk.on("reason")
    expect(page.locator("#reason h2")).to_have_text("Apa yang kurang?")
    expect(page.locator("#reason .reason-question")).to_have_text(question)
    expect(page.locator("#reason .option")).to_have_text(
        ["Antrean panjang", "Petugas tidak di tempat", "Sistem atau jaringan mati",
         "Disuruh datang lagi lain hari"])
    for chip in page.locator("#reason .option, #reason .skip").all():
        box = chip.bounding_box()
        assert box["height"] >= 48 and box["width"] >= 48, box  # big enough for a thumb
        assert box["y"] + box["height"] <= 1280  # on screen, no scrolling
    page.screenshot(path=str(SHOTS / "u3-portrait.png"))
    kiosk(".bar .back")
    kiosk.on("question")
    expect(page.locator(".face.chosen")).to_have_attribute("data-answer", "2")
    kiosk.face(1)
    kiosk.on("reason")
    kiosk('#reason .option:text("Antrean panjang")')
    kiosk.on("question")
    expect(page.locator(".progress-text")).to_have_text("Pertanyaan 4 dari 9")
    # U4: unhappy but skipped: nothing recorded for it.
    kiosk.face(2)
    kiosk.on("reason")
    kiosk("#reason .skip")
    expect(page.locator(".progress-text")).to_have_text("Pertanyaan 5 dari 9")
    for _ in range(4):
        answer(kiosk, 3)  # U5..U8
    kiosk.face(1)  # U9, facilities
    kiosk.on("reason")
    expect(page.locator("#reason .option")).to_have_count(5)
    kiosk('#reason .option:text("Panas, AC rusak")')
    finish(kiosk)
    wait_for_responses(db, 1)
    assert reasons_of(db) == [("U3", reason(db, "U3", "Antrean panjang")),
                              ("U9", reason(db, "U9", "Panas, AC rusak"))]
    (row,) = rows(db, "SELECT u3, u4, u9 FROM responses")
    assert row == {"u3": 1, "u4": 2, "u9": 1}


def test_a_changed_mind_drops_the_reason(kiosk, db):
    page = kiosk.page
    kiosk("#welcome .start")
    kiosk('#service .tile[data-service="KK"]')
    kiosk.face(1)  # U1
    kiosk.on("reason")
    kiosk('#reason .option:text("Syarat tidak jelas")')
    kiosk.on("question")
    kiosk(".bar .back")
    expect(page.locator(".progress-text")).to_have_text("Pertanyaan 1 dari 9")
    answer(kiosk, 4)  # happier after all: no screen, and the reason goes
    for _ in range(8):
        answer(kiosk, 4)
    finish(kiosk)
    wait_for_responses(db, 1)
    assert reasons_of(db) == []


@pytest.mark.viewport(1280, 800)
def test_english_chips_in_landscape(kiosk, db):
    page = kiosk.page
    kiosk('[data-action="language"]')
    kiosk("#welcome .start")
    kiosk('#service .tile[data-service="KK"]')
    for _ in range(8):
        answer(kiosk, 4)
    kiosk.face(2)
    kiosk.on("reason")
    expect(page.locator("#reason h2")).to_have_text("What fell short?")
    expect(page.locator("#reason .option").first).to_have_text("Not enough seats")
    for chip in page.locator("#reason .option, #reason .skip").all():
        box = chip.bounding_box()
        assert box["y"] + box["height"] <= 800  # all on the landscape screen
    page.screenshot(path=str(SHOTS / "u9-landscape-en.png"))
    kiosk('#reason .option:text("Power cut")')
    finish(kiosk)
    wait_for_responses(db, 1)
    assert reasons_of(db) == [("U9", reason(db, "U9", "Listrik padam"))]


def test_a_phone_asks_why_too(browser, live_server, db):
    store.settings.save(db, {"min_survey_seconds": 0}, actor=COMMAND_LINE)
    (made,) = store.slips.create(db, 1, "KK", 14, actor=COMMAND_LINE)
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                                  is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{made['code']}")
    taps = Taps(page)
    taps("#welcome .start")
    taps.face(1)
    taps.on("reason")
    page.screenshot(path=str(SHOTS / "phone.png"))
    taps('#reason .option:text("Syarat terlalu banyak")')
    for _ in range(8):
        answer(taps, 4)
    finish(taps)
    wait_for_responses(db, 1)
    context.close()
    assert rows(db, "SELECT channel FROM responses") == [{"channel": "phone"}]
    assert reasons_of(db) == [("U1", reason(db, "U1", "Syarat terlalu banyak"))]
