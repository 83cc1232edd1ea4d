"""The kiosk for every citizen: quiet hours on a fake clock, fewer taps, and large text."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

import store
from ikm.profile import FIELDS
from store.audit import COMMAND_LINE

pytestmark = pytest.mark.slow  # a browser, server processes or a benchmark

SHOTS = Path(__file__).resolve().parent.parent / "test-output" / "quiet"
WIB = timezone(timedelta(hours=7))
MONDAY_7AM = datetime(2026, 11, 30, 7, 0, tzinfo=WIB)  # an hour before the office opens
HOURS = "Senin–Kamis 08.00–16.00 · Jumat 08.00–16.30 · Sabtu–Minggu tutup"


def open_kiosk(tablet, live_server, db, token, at: datetime | None = None, **settings):
    """Pair a tablet whose clock reads `at` (a fake clock the test moves), quiet hours on."""
    store.settings.save(db, {"min_survey_seconds": 0, "burst_count": 1000,
                             "thanks_seconds": 3, "quiet_hours": True, **settings},
                        actor=COMMAND_LINE)
    page = tablet.new_page()
    if at is not None:
        page.clock.install(time=at)
    page.goto(f"{live_server.url}/kiosk/pair#{token}")
    page.wait_for_url(f"{live_server.url}/kiosk/", timeout=10_000)
    return page


def long_press(page, ms: int) -> None:
    """Hold a finger on the closed screen for `ms` of the tablet's (fake) time."""
    closed = page.locator("#closed")
    closed.dispatch_event("pointerdown")
    page.clock.run_for(ms)
    closed.dispatch_event("pointerup")


def wait_for_responses(db, count: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while db["responses"].count < count:
        assert time.monotonic() < deadline, f"{db['responses'].count} stored, expected {count}"
        time.sleep(0.1)


def best_answers(page) -> int:
    """Tap through a survey with the best answer everywhere, skipping what can be skipped;
    return the taps it took."""
    taps = 0
    for selector in ["#welcome .start", '#service .tile[data-service="KK"]',
                     *['#question .face[data-answer="4"]'] * 9,
                     '#profile [data-action="skip_profile"]', '#comment [data-action="finish"]']:
        page.locator(selector).first.tap()
        taps += 1
    expect(page.locator("#thanks")).to_be_visible()
    return taps


# --- quiet hours ------------------------------------------------------------------------

def test_the_kiosk_rests_outside_the_hours_and_opens_with_them(tablet, live_server, db,
                                                                  kiosk_token):
    page = open_kiosk(tablet, live_server, db, kiosk_token, MONDAY_7AM)
    expect(page.locator("#closed")).to_be_visible()
    expect(page.locator("#closed h1")).to_have_text("Layanan sedang tutup")
    expect(page.locator("#closed .hours-text")).to_have_text(f"Jam layanan: {HOURS}")
    expect(page.locator("#closed .holiday-text")).to_be_hidden()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "closed.png"))
    page.locator("#closed").tap()  # a citizen's tap does nothing
    expect(page.locator("#closed")).to_be_visible()
    page.clock.run_for("01:00:30")  # 08:00:30: open
    expect(page.locator("#welcome")).to_be_visible()
    page.clock.run_for("08:00:00")  # 16:00:30: closed again
    expect(page.locator("#closed")).to_be_visible()


def test_a_holiday_is_closed_all_day_and_named(tablet, live_server, db, kiosk_token):
    christmas = datetime(2026, 12, 25, 10, 0, tzinfo=WIB)  # a Friday, in office hours
    page = open_kiosk(tablet, live_server, db, kiosk_token, christmas)
    expect(page.locator("#closed")).to_be_visible()
    expect(page.locator("#closed .holiday-text")).to_have_text(
        "Hari ini libur: Hari Raya Natal")


def test_quiet_hours_switched_off_take_surveys_at_any_hour(tablet, live_server, db,
                                                           kiosk_token):
    page = open_kiosk(tablet, live_server, db, kiosk_token, MONDAY_7AM, quiet_hours=False)
    expect(page.locator("#welcome")).to_be_visible()


def test_a_long_press_wakes_it_for_one_survey_which_is_sent(tablet, live_server, db,
                                                            kiosk_token):
    page = open_kiosk(tablet, live_server, db, kiosk_token, MONDAY_7AM)
    expect(page.locator("#closed")).to_be_visible()
    long_press(page, 800)  # too short: a brush of a sleeve
    expect(page.locator("#closed")).to_be_visible()
    long_press(page, 2100)
    expect(page.locator("#welcome")).to_be_visible()
    best_answers(page)
    page.clock.run_for(4000)  # the thanks count down, then the kiosk rests again
    expect(page.locator("#closed")).to_be_visible()
    wait_for_responses(db, 1)  # the outbox sends while the kiosk rests
    long_press(page, 2100)
    expect(page.locator("#welcome")).to_be_visible()
    page.clock.run_for("00:01:30")  # woken, then left alone: rests again after idle time
    expect(page.locator("#closed")).to_be_visible()


# --- fewer taps and large text --------------------------------------------------------

def test_the_best_answer_path_takes_thirteen_taps(tablet, live_server, db, kiosk_token):
    page = open_kiosk(tablet, live_server, db, kiosk_token, quiet_hours=False)
    assert best_answers(page) == 13
    wait_for_responses(db, 1)
    row = next(db["responses"].rows)
    assert (row["u1"], row["u9"], row["gender"], row["comment"]) == (4, 4, None, None)


def test_skip_all_keeps_what_was_chosen_before_it(tablet, live_server, db, kiosk_token):
    page = open_kiosk(tablet, live_server, db, kiosk_token, quiet_hours=False)
    page.tap("#welcome .start")
    page.tap('#service .tile[data-service="KK"]')
    for _ in range(9):
        page.locator('#question .face[data-answer="3"]').tap()
    page.tap('#profile .option[data-option="P"]')  # gender given, the rest skipped at once
    expect(page.locator(".profile-title")).to_have_text(FIELDS[1].title)
    page.tap('#profile [data-action="skip_profile"]')
    expect(page.locator("#comment")).to_be_visible()
    page.tap('#comment [data-action="finish"]')
    wait_for_responses(db, 1)
    row = next(db["responses"].rows)
    assert (row["gender"], row["age_group"], row["education"]) == ("P", None, None)


def test_large_text_is_for_one_survey_only(tablet, live_server, db, kiosk_token):
    page = open_kiosk(tablet, live_server, db, kiosk_token, quiet_hours=False)
    expect(page.locator("#welcome")).to_be_visible()
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    toggle = page.locator(".large-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.tap()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_have_text("Teks biasa")
    expect(page.locator("#welcome")).to_be_visible()  # the toggle does not start a survey
    large = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert large >= 1.2 * normal
    page.tap("#welcome .start")
    page.tap('#service .tile[data-service="KK"]')
    expect(page.locator("#question")).to_be_visible()
    for selector in (".face", ".bar .back"):  # still on screen and big enough to tap
        box = page.locator(selector).last.bounding_box()
        assert box["y"] + box["height"] <= 1280 and box["height"] >= 48
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "large-question.png"))
    for _ in range(9):
        page.locator('#question .face[data-answer="4"]').tap()
    page.tap('#profile [data-action="skip_profile"]')
    page.tap('#comment [data-action="finish"]')
    expect(page.locator("#welcome")).to_be_visible(timeout=10_000)  # the next citizen
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") == normal
