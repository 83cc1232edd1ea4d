"""The kiosk in a real browser: a tablet taps through surveys and the database records them."""
from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from support import tap_face

import store
from ikm.__main__ import main as calculator
from ikm.method import PERMENPAN_2017
from ikm.profile import FIELDS
from results.summary import period_result
from store.audit import COMMAND_LINE

pytestmark = pytest.mark.slow  # a browser, server processes or a benchmark

SCREENS_DIR = Path(__file__).resolve().parent.parent / "test-output" / "screens"
WIDE = (date(2000, 1, 1), date(2100, 1, 1))  # every office date, whatever the time zone
ANSWERS = [4, 3, 4, 2, 3, 4, 4, 1, 3]
WIB = timezone(timedelta(hours=7))


# --- helpers ------------------------------------------------------------------------

def use_settings(db, **values) -> None:
    """Store settings for the next page load; tests tap faster than a human, so no flags."""
    store.settings.save(db, {"min_survey_seconds": 0, "burst_count": 1000,
                             "thanks_seconds": 1, **values}, actor=COMMAND_LINE)


def pair(page, url: str, token: str) -> None:
    """Pair the tablet through the pairing link and wait for the kiosk's welcome."""
    page.goto(f"{url}/kiosk/pair#{token}")
    page.wait_for_url(f"{url}/kiosk/", timeout=10_000)
    expect(page.locator("#welcome")).to_be_visible()


def step(page) -> int:
    return int(page.get_attribute(".progress", "aria-valuenow"))


def tap_and_advance(page, selector: str) -> None:
    """Tap, then wait until the kiosk moved on one step (the progress bar says so)."""
    before = step(page)
    page.tap(selector)
    expect(page.locator(".progress")).to_have_attribute("aria-valuenow", str(before + 1))


def face(answer: int) -> str:
    return f'#question .face[data-answer="{answer}"]'


def start_survey(page, service: str = "KTP-EL") -> None:
    page.tap("#welcome .start")
    expect(page.locator("#service")).to_be_visible()
    page.tap(f'#service .tile[data-service="{service}"]')
    expect(page.locator("#question")).to_be_visible()


def answer_questions(page, answers) -> None:
    for a in answers:
        tap_face(page, a)


def take_survey(page, answers, service: str = "KTP-EL", profile=(None,) * len(FIELDS),
                comment: str | None = None) -> None:
    """Tap through a whole survey from the welcome screen to the thanks screen."""
    start_survey(page, service)
    answer_questions(page, answers)
    for code in profile:
        expect(page.locator("#profile")).to_be_visible()
        tap_and_advance(page, "#profile .skip" if code is None
                        else f'#profile .option[data-option="{code}"]')
    expect(page.locator("#comment")).to_be_visible()
    if comment:
        page.tap("#comment textarea")
        page.keyboard.type(comment)
        page.tap('#comment [data-action="send"]')
    else:
        page.tap('#comment [data-action="finish"]')
    expect(page.locator("#thanks")).to_be_visible()


def wait_for_rows(db, count: int, timeout: float = 10.0) -> list[dict]:
    """Poll the database until it holds `count` responses; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        rows = list(db["responses"].rows)
        if len(rows) >= count or time.monotonic() > deadline:
            assert len(rows) == count, f"{len(rows)} responses stored, expected {count}"
            return rows
        time.sleep(0.1)


def answers_of(row: dict) -> list[int | None]:
    return [row[c.lower()] for c in PERMENPAN_2017.codes]


def outbox_pending(page) -> list:
    """Return the surveys waiting in the tablet's IndexedDB outbox."""
    return page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open("skm-kiosk");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
            const get = open.result.transaction("outbox").objectStore("outbox").getAll();
            get.onsuccess = () => { open.result.close(); resolve(get.result); };
            get.onerror = () => reject(get.error);
        };
    })""")


@pytest.fixture
def page(tablet):
    page = tablet.new_page()
    yield page
    page.close()


# --- 1. a whole survey by touch -----------------------------------------------------

def test_full_survey_by_touch_is_stored_as_answered(live_server, db, kiosk_token, page):
    """A citizen taps through every screen; the database holds exactly what was tapped."""
    use_settings(db, thanks_seconds=1)
    pair(page, live_server.url, kiosk_token)
    start_survey(page, "KTP-EL")
    expect(page.locator(".progress-text")).to_have_text("Pertanyaan 1 dari 9")
    answer_questions(page, ANSWERS)
    for code in ("P", None, "SMA", "Swasta"):
        tap_and_advance(page, "#profile .skip" if code is None
                        else f'#profile .option[data-option="{code}"]')
    page.tap("#comment textarea")
    page.keyboard.type("Antrean panjang, tapi petugas ramah.")
    page.tap('#comment [data-action="send"]')
    expect(page.locator("#thanks")).to_be_visible()
    # The thanks screen hands the tablet back to the next citizen by itself.
    expect(page.locator("#welcome")).to_be_visible(timeout=5_000)
    expect(page.locator("#thanks")).to_be_hidden()

    (row,) = wait_for_rows(db, 1)
    assert row["service"] == "KTP-EL" and row["questionnaire"] == "full"
    assert answers_of(row) == ANSWERS
    assert (row["gender"], row["age_group"], row["age"]) == ("P", None, None)
    assert (row["education"], row["occupation"]) == ("SMA", "Swasta")
    assert row["comment"] == "Antrean panjang, tapi petugas ramah."
    assert row["duration_ms"] > 0
    assert (row["counted"], row["flag"]) == (1, None)
    answered_at = datetime.fromisoformat(row["answered_at"])
    assert abs(datetime.now(timezone.utc) - answered_at) < timedelta(minutes=1)
    assert row["local_date"] == answered_at.astimezone(WIB).date().isoformat()


# --- 2. the IKM from the database equals the calculator's ---------------------------

def test_ikm_from_kiosk_surveys_equals_the_calculator(live_server, db, kiosk_token, page,
                                                      write_csv, capsys):
    """Three kiosk surveys give the same IKM as `python -m ikm` on the same answers."""
    surveys = [ANSWERS, [3, 3, 2, 4, 3, 3, 2, 3, 2], [2, 4, 3, 3, 4, 2, 3, 4, 1]]
    use_settings(db, thanks_seconds=30)
    pair(page, live_server.url, kiosk_token)
    for answers in surveys:
        take_survey(page, answers)
        page.tap("#thanks")  # the next citizen need not wait for the countdown
        expect(page.locator("#welcome")).to_be_visible()
    rows = wait_for_rows(db, len(surveys))
    assert sorted(answers_of(r) for r in rows) == sorted(surveys)
    assert all(r["counted"] == 1 for r in rows)

    kiosk = period_result(db, *WIDE).to_dict()
    assert calculator([str(write_csv(list(PERMENPAN_2017.codes), surveys)), "--json"]) == 0
    sheet = json.loads(capsys.readouterr().out)
    for key in ("respondents", "ikm", "grade", "index", "method_key"):
        assert kiosk[key] == sheet[key], key
    assert [(u["code"], u["total"], u["n"], u["nrr"]) for u in kiosk["unsur"]] == \
        [(u["code"], u["total"], u["n"], u["nrr"]) for u in sheet["unsur"]]
    assert kiosk["ci95"] == pytest.approx(sheet["ci95"], abs=0.01)


# --- 3. the short questionnaire -----------------------------------------------------

def test_short_mode_asks_u7_u3_u9_and_scores_as_short(live_server, db, kiosk_token, page):
    """The short kiosk asks three questions in the office's order and stores only those."""
    use_settings(db, questionnaire="short")
    pair(page, live_server.url, kiosk_token)
    start_survey(page, "KK")
    expect(page.locator(".progress-text")).to_have_text("Pertanyaan 1 dari 3")
    asked = []
    for a in (4, 2, 3):
        asked.append(page.locator(".question-text").text_content())
        tap_face(page, a)
    expect(page.locator("#profile")).to_be_visible()
    assert asked == [PERMENPAN_2017.unsur_by_code(c).question for c in ("U7", "U3", "U9")]
    for _ in FIELDS:
        tap_and_advance(page, "#profile .skip")
    page.tap('#comment [data-action="finish"]')
    expect(page.locator("#thanks")).to_be_visible()

    (row,) = wait_for_rows(db, 1)
    assert row["questionnaire"] == "short" and row["service"] == "KK"
    assert {c: v for c, v in zip(PERMENPAN_2017.codes, answers_of(row)) if v is not None} \
        == {"U7": 4, "U3": 2, "U9": 3}
    assert row["comment"] is None and row["counted"] == 1
    assert period_result(db, *WIDE).method.key == "2017-short"


# --- 4. the back button -------------------------------------------------------------

def test_back_shows_the_earlier_answer_and_a_changed_answer_is_stored(live_server, db,
                                                                       kiosk_token, page):
    """Going back marks the answer given; changing it stores the new one."""
    use_settings(db)
    pair(page, live_server.url, kiosk_token)
    start_survey(page)
    first_question = page.locator(".question-text").text_content()
    tap_face(page, 2)
    expect(page.locator(".progress-text")).to_have_text("Pertanyaan 2 dari 9")
    page.tap(".bar .back")
    expect(page.locator(".progress-text")).to_have_text("Pertanyaan 1 dari 9")
    expect(page.locator(".question-text")).to_have_text(first_question)
    expect(page.locator(".face.chosen")).to_have_count(1)
    expect(page.locator(".face.chosen")).to_have_attribute("data-answer", "2")
    answer_questions(page, [4, *ANSWERS[1:]])
    for _ in FIELDS:
        tap_and_advance(page, "#profile .skip")
    page.tap('#comment [data-action="finish"]')
    expect(page.locator("#thanks")).to_be_visible()

    (row,) = wait_for_rows(db, 1)
    assert answers_of(row) == [4, *ANSWERS[1:]]


# --- 5. English on request ----------------------------------------------------------

def test_english_on_request_then_indonesian_for_the_next_citizen(live_server, db,
                                                                  kiosk_token, page):
    """The language button shows the English texts; the next citizen gets Indonesian."""
    use_settings(db, thanks_seconds=1)
    pair(page, live_server.url, kiosk_token)
    welcome_id = page.locator("#welcome h1").text_content()
    page.tap('#welcome [data-action="language"]')
    expect(page.locator("#welcome h1")).to_have_text("How was our service today?")
    expect(page.locator("#welcome .start")).to_have_text("Start")
    expect(page.locator('#welcome [data-action="language"]')).to_have_text("Bahasa Indonesia")
    start_survey(page, "KTP-EL")
    expect(page.locator(".progress-text")).to_have_text("Question 1 of 9")
    tiles_en = page.locator("#service .tile").all_text_contents()
    assert "Electronic ID card (KTP-el) recording" in tiles_en
    for u in PERMENPAN_2017.unsur:
        expect(page.locator(".question-text")).to_have_text(u.question_en)
        expect(page.locator("#question .face-label")).to_have_text(list(u.labels_en))
        tap_and_advance(page, face(3))
    expect(page.locator("#profile .profile-title")).to_have_text("Gender")
    for _ in FIELDS:
        tap_and_advance(page, "#profile .skip")
    page.tap('#comment [data-action="finish"]')
    expect(page.locator("#thanks h1")).to_have_text("Thank you!")

    expect(page.locator("#welcome")).to_be_visible(timeout=5_000)
    expect(page.locator("#welcome h1")).to_have_text(welcome_id)
    assert welcome_id == "Bagaimana pelayanan kami hari ini?"
    assert page.evaluate("document.documentElement.lang") == "id"
    start_survey(page, "KTP-EL")
    expect(page.locator(".question-text")).to_have_text(PERMENPAN_2017.unsur[0].question)
    expect(page.locator("#question .face-label")).to_have_text(list(PERMENPAN_2017.unsur[0].labels))
    (row,) = wait_for_rows(db, 1)
    assert answers_of(row) == [3] * 9


def test_english_chosen_then_left_returns_to_indonesian(live_server, db, kiosk_token, page):
    """A citizen who picks English and leaves without starting leaves no English behind."""
    use_settings(db, idle_seconds=1)
    pair(page, live_server.url, kiosk_token)
    page.tap('#welcome [data-action="language"]')
    expect(page.locator("#welcome h1")).to_have_text("How was our service today?")
    # Idle for three times the idle time: the next citizen must be greeted in Indonesian.
    expect(page.locator("#welcome h1")).to_have_text("Bagaimana pelayanan kami hari ini?",
                                                     timeout=3_000)


# --- 6. a citizen who walks away ----------------------------------------------------

def test_walked_away_keeps_partial_answers_unless_told_to_discard(live_server, db,
                                                                   kiosk_token, page):
    """Idle kiosks return to welcome; the partial survey is kept, or dropped when set."""
    use_settings(db, idle_seconds=2, discard_partial=False)
    pair(page, live_server.url, kiosk_token)
    start_survey(page, "KK")
    answer_questions(page, [4, 1, 3])
    expect(page.locator(".progress-text")).to_have_text("Pertanyaan 4 dari 9")
    walked_away = time.monotonic()
    expect(page.locator("#welcome")).to_be_visible(timeout=5_000)
    assert time.monotonic() - walked_away >= 1.5  # not before the idle time has passed
    (row,) = wait_for_rows(db, 1)
    assert row["service"] == "KK"
    assert answers_of(row) == [4, 1, 3] + [None] * 6
    assert (row["gender"], row["education"], row["occupation"], row["comment"]) == \
        (None, None, None, None)

    use_settings(db, idle_seconds=2, discard_partial=True)
    page.goto(f"{live_server.url}/kiosk/")
    expect(page.locator("#welcome")).to_be_visible()
    start_survey(page, "KK")
    answer_questions(page, [2, 2, 2])
    expect(page.locator("#welcome")).to_be_visible(timeout=5_000)
    # A kept survey enters the outbox before the welcome shows and leaves it only once
    # stored; an empty outbox and an unchanged table mean nothing is on its way.
    assert outbox_pending(page) == []
    time.sleep(4)
    assert db["responses"].count == 1


# --- 7. nothing leaves the office, and the page is small ----------------------------

def test_no_request_leaves_the_server_and_the_page_is_small(browser, live_server, db,
                                                             kiosk_token, tablet, page):
    """Every request goes to the office server; a fresh kiosk load is under 150 kB."""
    use_settings(db)
    urls = []
    tablet.on("request", lambda r: urls.append(r.url))  # the context's: the service worker's too
    pair(page, live_server.url, kiosk_token)
    take_survey(page, ANSWERS, profile=("L", "30-39", "D4/S1", "PNS"), comment="Baik.")
    wait_for_rows(db, 1)
    assert any(u.endswith("/api/responses") for u in urls)
    assert any(u.endswith("/api/kiosk/hello") for u in urls)
    assert [u for u in urls if not u.startswith(live_server.url + "/")] == []

    # A fresh context has empty caches; the token is put where pairing would put it.
    fresh = browser.new_context(viewport={"width": 800, "height": 1280}, has_touch=True,
                                is_mobile=True)
    try:
        fresh.add_init_script(
            f"localStorage.setItem('skm-kiosk-token', {json.dumps(kiosk_token)})")
        other = fresh.new_page()
        seen, worker = [], []
        other.on("response", lambda r: seen.append(r))
        fresh.on("response", lambda r: r.request.service_worker and worker.append(r))
        other.goto(f"{live_server.url}/kiosk/", wait_until="load")
        expect(other.locator("#welcome")).to_be_visible()
        if other.evaluate("'serviceWorker' in navigator"):
            other.evaluate("navigator.serviceWorker.ready.then(() => true)")
        files = {r.url: len(r.body()) for r in seen if "/api/" not in r.url}
        # Playwright gives no body for the service worker's own fetches: use their length.
        copies = {r.url: int(r.all_headers().get("content-length", 0)) for r in worker}
    finally:
        fresh.close()
    total = sum(files.values())
    first_visit = total + sum(copies.values())
    print(f"kiosk page: {total} bytes uncompressed in {len(files)} files {files}; "
          f"with the service worker's copies: {first_visit} bytes")
    SCREENS_DIR.parent.mkdir(parents=True, exist_ok=True)
    (SCREENS_DIR.parent / "kiosk-page-bytes.json").write_text(json.dumps(
        {"page": total, "files": files, "first_visit": first_visit,
         "service_worker": copies}, indent=2))
    assert {u.rsplit("/", 1)[-1] for u in files} >= {"", "kiosk.css", "outbox.js", "kiosk.js"}
    assert total < 150_000


# --- 8. tablets that are not (or no longer) paired ----------------------------------

def test_unpaired_and_revoked_tablets_do_not_run_the_survey(live_server, db, page):
    """No token: the unpaired screen; a revoked pairing link: refused, nothing kept."""
    page.goto(f"{live_server.url}/kiosk/")
    expect(page.locator("#unpaired")).to_be_visible()
    expect(page.locator("#unpaired h1")).to_have_text("Tablet ini belum dipasangkan")
    expect(page.locator("#welcome")).to_be_hidden()
    page.tap("#unpaired h1")  # a tap on an unpaired kiosk starts nothing
    expect(page.locator("#unpaired")).to_be_visible()
    expect(page.locator("#service")).to_be_hidden()

    kiosk_id, token = store.kiosks.add_kiosk(db, "Loket 2", actor=COMMAND_LINE)
    store.kiosks.revoke(db, kiosk_id, actor=COMMAND_LINE)
    page.goto(f"{live_server.url}/kiosk/pair#{token}")
    expect(page.locator(".pair-status")).to_contain_text("tidak berlaku")
    expect(page.locator("#pair a.primary")).to_be_hidden()
    assert page.evaluate("localStorage.length") == 0
    assert page.url == f"{live_server.url}/kiosk/pair"  # the token left the address bar


# --- 9. both orientations -----------------------------------------------------------

def inside_viewport(page, selector: str) -> None:
    """Assert every element matched is entirely on screen, with nothing scrolled."""
    view = page.viewport_size
    assert page.evaluate("[window.scrollX, window.scrollY]") == [0, 0]
    # The screens scroll on their own (overflow-y: auto): none may need to.
    assert page.evaluate("Array.from(document.querySelectorAll('.screen:not([hidden])'))"
                         ".every(s => s.scrollHeight <= s.clientHeight && s.scrollTop === 0)")
    boxes = [page.locator(selector).nth(i).bounding_box()
             for i in range(page.locator(selector).count())]
    assert boxes, selector
    for box in boxes:
        assert box["x"] >= 0 and box["y"] >= 0, (selector, box)
        assert box["x"] + box["width"] <= view["width"] + 0.5, (selector, box, view)
        assert box["y"] + box["height"] <= view["height"] + 0.5, (selector, box, view)


def shoot(page, orientation: str, screen: str) -> None:
    SCREENS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS_DIR / f"{orientation}-{screen}.png"))


@pytest.mark.parametrize("orientation", [
    pytest.param("landscape", marks=pytest.mark.viewport(1280, 800)),
    pytest.param("portrait", marks=pytest.mark.viewport(800, 1280)),
])
def test_tiles_and_faces_fit_the_screen(orientation, live_server, db, kiosk_token, page):
    """Service tiles and faces are whole on screen and big; every screen is photographed."""
    use_settings(db, thanks_seconds=30)
    pair(page, live_server.url, kiosk_token)
    shoot(page, orientation, "welcome")
    page.tap("#welcome .start")
    expect(page.locator("#service")).to_be_visible()
    expect(page.locator("#service .tile")).to_have_count(13)
    inside_viewport(page, "#service .tile")
    # "(KTP-el)" stays on one line: browsers would break it after the hyphen.
    word = page.locator('#service .tile[data-service="KTP-EL"] .word')
    assert word.text_content() == "(KTP-el)"
    assert word.evaluate("w => w.getClientRects().length") == 1
    # ... and flows as the last words of one paragraph, not beside it.
    assert word.evaluate("w => Math.abs(w.getBoundingClientRect().bottom - "
                         "w.closest('.label').getBoundingClientRect().bottom)") < 2
    shoot(page, orientation, "service")
    page.tap('#service .tile[data-service="KTP-EL"]')
    expect(page.locator("#question")).to_be_visible()
    # Every question: the longest texts and labels (U5, U7, U8) are the hardest to fit.
    for _ in range(9):
        inside_viewport(page, "#question .face")
        for i in range(4):
            box = page.locator("#question .face").nth(i).bounding_box()
            assert box["width"] >= 120 and box["height"] >= 120, box
        if step(page) == 1:
            shoot(page, orientation, "question")
        tap_and_advance(page, face(3))
    expect(page.locator("#profile")).to_be_visible()
    inside_viewport(page, "#profile .option")
    shoot(page, orientation, "profile")
    for _ in FIELDS:
        tap_and_advance(page, "#profile .skip")
    expect(page.locator("#comment")).to_be_visible()
    shoot(page, orientation, "comment")
    page.tap('#comment [data-action="finish"]')
    expect(page.locator("#thanks")).to_be_visible()
    shoot(page, orientation, "thanks")


# --- 10. a survey finished while the previous one is being sent ----------------------

@pytest.mark.no_service_worker
def test_survey_finished_while_another_is_sending_is_sent_too(live_server, db, kiosk_token,
                                                              page):
    """A survey kept while the outbox is mid-send still reaches the server on its own."""
    use_settings(db, thanks_seconds=30)
    pair(page, live_server.url, kiosk_token)
    held = []  # a slow network: the first send waits until released, later ones go through
    page.route("**/api/responses",
               lambda route: route.continue_() if held else held.append(route))
    take_survey(page, [4] * 9)
    deadline = time.monotonic() + 5
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert len(held) == 1
    page.tap("#thanks")
    take_survey(page, [1] * 9)
    assert len(outbox_pending(page)) == 2
    # Release the held send; later sends go straight to the server (a route handler would
    # only run while this test's thread waits on Playwright, not in time.sleep below). A
    # route left unanswered stays a pending task that asyncio reports as an error when it is
    # collected, in whichever later test that happens.
    try:
        held[0].continue_()
    except PlaywrightError:  # the outbox gave up on that send already: nothing to release
        pass
    page.unroute("**/api/responses")
    # The next citizen may be hours away: the kiosk must send this one by itself; 6 s is
    # well beyond the outbox's first retry delay (1 s).
    rows = wait_for_rows(db, 2, timeout=6)
    assert sorted(answers_of(r) for r in rows) == [[1] * 9, [4] * 9]


# --- 11. a tablet whose token was revoked ------------------------------------------

def test_a_revoked_tablet_stops_taking_surveys_and_keeps_what_it_has(live_server, db,
                                                                    kiosk_token, page):
    """After a revoke the kiosk shows the pairing screen; its waiting survey is kept."""
    use_settings(db, thanks_seconds=30)
    pair(page, live_server.url, kiosk_token)
    store.kiosks.revoke(db, store.kiosks.kiosk_for_token(db, kiosk_token)["id"], actor=COMMAND_LINE)
    take_survey(page, [3] * 9)
    page.tap("#thanks")
    expect(page.locator("#unpaired")).to_be_visible(timeout=10000)
    assert len(outbox_pending(page)) == 1
    assert page.evaluate("localStorage.getItem('skm-kiosk-token')") is None
    # Paired again with a new token, the kept survey goes out.
    _, token = store.kiosks.add_kiosk(db, "Loket 1 (baru)", actor=COMMAND_LINE)
    db["kiosks"].update(2, {"created_at": "2026-01-01T00:00:00.000+00:00"})
    pair(page, live_server.url, token)
    (row,) = wait_for_rows(db, 1)
    assert answers_of(row) == [3] * 9 and row["kiosk_id"] == 2
