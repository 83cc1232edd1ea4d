"""Paper forms in Chromium: twenty typed with the keyboard alone, and a printed A4 form."""
from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from support import PASSWORD, ROOT

import store
from ikm.method import PERMENPAN_2017
from store.audit import COMMAND_LINE

pytestmark = pytest.mark.slow  # a browser

SHOTS = ROOT / "test-output" / "paper"
WIB = timezone(timedelta(hours=7))
MOST_KEYS = 11  # Enter on the prefilled serial, nine answers, Enter


class Keyboard:
    """The page's keyboard, counting every key pressed."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.count += 1

    def type(self, text: str) -> None:
        for key in text:
            self.press(key)


@pytest.fixture
def desk(browser, live_server, db):
    """A desktop page (1366x900), signed in as staff, that records what it fetches."""
    store.accounts.create_user(db, "petugas", PASSWORD, "staff", actor=COMMAND_LINE)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID",
                                  timezone_id="Asia/Jakarta")
    page = context.new_page()
    page.requests, page.errors = [], []
    context.on("request", lambda r: page.requests.append(r.url))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(live_server.url + "/login")
    page.fill("#username", "petugas")
    page.fill("#password", PASSWORD)
    page.click("form [type=submit]")
    expect(page).to_have_url(live_server.url + "/staff/")
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield page
    context.close()
    assert page.errors == []
    assert [u for u in page.requests if not u.startswith(live_server.url + "/")] == []


def focused(page) -> str:
    return page.evaluate("document.activeElement.id")


def answers_of(n: int) -> str:
    """Form n's nine keys: digits 1-4, with a blank (space or 0) now and then."""
    keys = [str(1 + (n * 7 + i * 3) % 4) for i in range(9)]
    if n % 4 == 0:
        keys[n % 9] = " "
    if n % 5 == 0:
        keys[(n + 4) % 9] = "0"
    return "".join(keys)


def stored_answers(keys: str) -> list[int | None]:
    return [None if k in " 0-" else int(k) for k in keys]


def test_twenty_forms_typed_with_the_keyboard_alone(desk, live_server, db):
    page = desk
    page.goto(live_server.url + "/staff/paper/entry")
    assert focused(page) == "serial", "the cursor starts in the serial"
    keys = Keyboard(page)
    written = datetime.now(WIB).date() - timedelta(days=3)
    # The first form: service and date once (they stay), the serial typed in full.
    while focused(page) != "service":
        keys.press("Shift+Tab")
    keys.press("L")  # Legalisir Camat: the only service starting with L
    keys.press("Tab")  # the date input's first part: day or month, as the browser lays it
    keys.type("01022003")
    order = "%d%m%Y" if page.input_value("#date") == "2003-02-01" else "%m%d%Y"
    keys.press("Shift+Tab")
    keys.press("Shift+Tab")
    keys.type(written.strftime(order))
    assert page.input_value("#date") == written.isoformat()
    while focused(page) != "serial":
        keys.press("Tab")
    keys.type("1001")
    keys.press("Enter")
    assert focused(page) == "a-U1"
    # A wrong key is refused at once: the box stays empty, turns red, and the cursor stays.
    for wrong in ("5", "x", "9"):
        keys.press(wrong)
        assert page.input_value("#a-U1") == "" and focused(page) == "a-U1"
        expect(page.locator("#a-U1")).to_have_class("paper-cell refused")
    expect(page.locator("#paper-status")).to_contain_text("Hanya angka 1-4")
    keys.press("3")
    keys.press("Backspace")  # back to U1, cleared
    assert focused(page) == "a-U1" and page.input_value("#a-U1") == ""
    typed = {1001: answers_of(1)}
    keys.type(typed[1001])
    keys.press("Enter")
    expect(page.locator("#paper-entries tr")).to_have_count(1)
    first_form = keys.count
    per_form = []
    for n in range(2, 21):
        serial = 1000 + n
        expect(page.locator("#serial")).to_have_value(f"{serial:06d}")  # prefilled
        assert focused(page) == "serial"
        before = keys.count
        keys.press("Enter")
        typed[serial] = answers_of(n)
        keys.type(typed[serial])
        keys.press("Enter")
        expect(page.locator("#paper-entries tr")).to_have_count(n)
        per_form.append(keys.count - before)
    assert max(per_form) <= MOST_KEYS, per_form
    (SHOTS / "keystrokes.txt").write_text(
        f"first form: {first_form} keys (service, date, serial in full, three refused keys, "
        f"a Backspace)\nforms 2-20: {per_form}\n")
    page.screenshot(path=str(SHOTS / "entry-1366x900.png"))
    rows = store.schema.rows(db, "SELECT * FROM responses ORDER BY serial")
    assert len(rows) == 20 and {r["channel"] for r in rows} == {"paper"}
    assert [r["serial"] for r in rows] == [f"{n:06d}" for n in range(1001, 1021)]
    for row in rows:
        assert (row["service"], row["local_date"], row["entered_by"]) == (
            "LEGALISIR", written.isoformat(), "petugas")
        answers = [row[f"u{i}"] for i in range(1, 10)]
        assert answers == stored_answers(typed[int(row["serial"])]), row["serial"]
    # The same serial again is refused with when and by whom; the form stays as typed.
    keys.type("1005")
    keys.press("Enter")
    keys.type("444444444")
    keys.press("Enter")
    expect(page.locator("#paper-status")).to_contain_text("sudah diketik pada")
    expect(page.locator("#paper-status")).to_contain_text("oleh petugas")
    assert page.input_value("#a-U9") == "4" and focused(page) == "serial"
    assert len(store.schema.rows(db, "SELECT id FROM responses")) == 20
    # Undo the last one: it leaves the store and the list, and its serial is offered again.
    page.get_by_role("button", name="Batalkan").click()
    expect(page.locator("#paper-entries tr")).to_have_count(19)
    expect(page.locator("#serial")).to_have_value("001020")
    assert store.schema.one(db, "SELECT count(*) AS n FROM responses")["n"] == 19
    assert store.schema.one(db, "SELECT detail FROM audit WHERE detail LIKE '%undo%'")[
        "detail"] == "form 001020 removed (undo)"


def test_a_printed_batch_is_one_a4_page_per_form(desk, live_server, tmp_path):
    page = desk
    page.goto(live_server.url + "/staff/paper/")
    page.fill("#count", "3")
    page.press("#count", "Enter")
    expect(page).to_have_url(live_server.url + "/staff/paper/forms/1-3")
    pdf = tmp_path / "forms.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "Pages:           3" in info and "(A4)" in info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True).stdout
    pages = text.split("\f")
    for n, sheet in enumerate(pages[:3], start=1):
        assert f"00000{n}" in sheet
        flat = " ".join(sheet.split())
        for u in PERMENPAN_2017.unsur:
            assert " ".join(u.question.split()[:4]) in flat, (n, u.code)
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(SHOTS / "printed-form")], check=True)
