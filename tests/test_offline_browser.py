"""The kiosk through power and network loss: nothing lost, nothing counted twice."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from support import BAD_ENTRY, pair, prepare, rows, tap_face

from store.schema import connect

pytestmark = pytest.mark.slow  # a browser, server processes or a benchmark

ARRIVAL_WAIT = 40  # seconds; the outbox retries at least every 15 s


def wait_for_rows(server, n: int, timeout: float = ARRIVAL_WAIT) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        found = rows(server)
        if len(found) >= n or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def take_survey(page, service: str, answers: list[int]) -> None:
    """Tap through one survey: service, answers, skip the profile, no comment."""
    page.tap("#welcome .start")
    page.tap(f"[data-service='{service}']")
    for answer in answers:
        tap_face(page, answer)
    for _ in range(4):
        page.tap("#profile .skip")
    page.tap("[data-action=finish]")
    page.wait_for_selector("#thanks", state="visible")
    page.wait_for_selector("#welcome", state="visible", timeout=5000)


def outbox_size(page) -> int:
    return page.evaluate(
        "new Outbox({token: 'x'}).pending().then(function (a) { return a.length; })")


SURVEYS = [("KTP-EL", [4, 4, 3, 3, 4, 4, 4, 2, 3]), ("KK", [3, 3, 3, 3, 3, 3, 3, 3, 3]),
           ("IMB", [2, 1, 2, 3, 2, 2, 1, 1, 2])]


def check_arrived(server, surveys) -> None:
    found = wait_for_rows(server, len(surveys))
    assert len(found) == len(surveys), f"{len(found)} of {len(surveys)} arrived"
    assert len({r["id"] for r in found}) == len(surveys)
    got = sorted((r["service"], [r[f"u{i}"] for i in range(1, 10)]) for r in found)
    assert got == sorted((s, a) for s, a in surveys)
    time.sleep(2)  # a late duplicate send would show up now
    assert len(rows(server)) == len(surveys)


def test_surveys_taken_while_the_server_is_down_survive_a_reload_and_arrive_once(
        browser, server_process):
    token = prepare(server_process.start())
    context = browser.new_context(viewport={"width": 800, "height": 1280}, has_touch=True)
    page = context.new_page()
    pair(page, server_process, token)
    page.evaluate("navigator.serviceWorker.ready.then(function () { return true; })")

    server_process.stop()
    for service, answers in SURVEYS:
        take_survey(page, service, answers)
    assert outbox_size(page) == 3
    page.wait_for_selector(".offline", state="visible", timeout=20000)

    # A reload (or a tablet restart) with the server down still shows a working kiosk.
    page.reload()
    page.wait_for_selector("#welcome", state="visible")
    page.tap("#welcome .start")
    assert page.locator("[data-service]").count() == 13
    page.tap(".bar .back")
    assert outbox_size(page) == 3

    server_process.start()
    check_arrived(server_process, SURVEYS)
    assert outbox_size(page) == 0
    page.wait_for_selector(".offline", state="hidden", timeout=20000)
    context.close()


def test_without_a_service_worker_an_open_page_keeps_its_outbox(browser, server_process):
    token = prepare(server_process.start())
    # Like a tablet on plain http://192.168.x.x: no service worker, IndexedDB still works.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True,
                                  service_workers="block")
    page = context.new_page()
    pair(page, server_process, token)
    assert page.evaluate("navigator.serviceWorker ? navigator.serviceWorker.controller : null") \
        is None

    server_process.stop()
    for service, answers in SURVEYS:
        take_survey(page, service, answers)
    assert outbox_size(page) == 3

    server_process.start()
    check_arrived(server_process, SURVEYS)
    context.close()


SHIFT_CLOCK = """
(() => {
  const offset = %d;
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args) { if (args.length) super(...args); else super(RealDate.now() + offset); }
    static now() { return RealDate.now() + offset; }
  }
  window.Date = ShiftedDate;
})();
"""


@pytest.mark.parametrize("tablet_time", [datetime(1970, 1, 1, 0, 10, tzinfo=timezone.utc),
                                         datetime(2031, 3, 1, 9, 0, tzinfo=timezone.utc)])
def test_a_tablet_clock_far_off_still_files_the_survey_today(browser, server_process,
                                                             tablet_time):
    token = prepare(server_process.start())
    context = browser.new_context(has_touch=True, service_workers="block")
    shift = int((tablet_time - datetime.now(timezone.utc)).total_seconds() * 1000)
    context.add_init_script(SHIFT_CLOCK % shift)
    page = context.new_page()
    pair(page, server_process, token)
    assert page.evaluate("new Date().getFullYear()") == tablet_time.year

    take_survey(page, "KK", [4] * 9)
    (row,) = wait_for_rows(server_process, 1)
    assert row["kiosk_time"].startswith(str(tablet_time.year))
    assert row["clock"] == "corrected"
    answered = datetime.fromisoformat(row["answered_at"])
    assert abs(answered - datetime.now(timezone.utc)) < timedelta(minutes=2)
    today = (datetime.now(timezone.utc) + timedelta(hours=7)).date()
    assert row["local_date"] in (today.isoformat(), (today - timedelta(days=1)).isoformat())
    db = connect(server_process.instance / "skm.db")
    offset = db["kiosks"].get(1)["clock_offset_ms"]
    db.close()
    assert offset is not None and abs(offset + shift) < 60_000
    context.close()


def test_an_invalid_outbox_entry_does_not_hold_back_the_valid_ones(browser, server_process):
    token = prepare(server_process.start())
    context = browser.new_context(has_touch=True, service_workers="block")
    page = context.new_page()
    pair(page, server_process, token)
    server_process.stop()
    # An entry the server will refuse, sorted first in the outbox.
    page.evaluate("entry => new Outbox({token: 'x'}).add(entry)", BAD_ENTRY)
    for service, answers in SURVEYS[:2]:
        take_survey(page, service, answers)
    assert outbox_size(page) == 3

    server_process.start()
    check_arrived(server_process, SURVEYS[:2])
    assert outbox_size(page) == 0
    rejected = page.evaluate("""new Promise(function (resolve) {
        var req = indexedDB.open("skm-kiosk", 1);
        req.onsuccess = function () {
          var get = req.result.transaction("rejected").objectStore("rejected").getAll();
          get.onsuccess = function () { resolve(get.result); };
        };
    })""")
    assert [(r["id"], r["field"]) for r in rejected] == [(BAD_ENTRY["id"], "answers.U1")]
    # The kiosk reports what it set aside, so staff can see it.
    deadline = time.monotonic() + 20
    while True:
        db = connect(server_process.instance / "skm.db")
        kiosk = db["kiosks"].get(1)
        db.close()
        if kiosk["rejected"] == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert kiosk["rejected"] == 1 and "answers.U1" in kiosk["last_error"]
    assert kiosk["outbox"] == 0
    context.close()
