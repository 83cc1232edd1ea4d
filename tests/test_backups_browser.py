"""Pengaturan > Cadangan data in Chromium: a backup made now says it is working, then done."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import PASSWORD

import store
from store.audit import COMMAND_LINE

pytestmark = pytest.mark.slow  # a browser

WIB = timezone(timedelta(hours=7))
SHOTS = Path(__file__).resolve().parent.parent / "test-output" / "staff"


# What the button showed as the form went: read after the page's own submit handler (a
# document listener runs after the form's), kept where the next page can read it. While
# the answer is awaited Playwright cannot look at the page, which is about to go.
WATCH_SUBMIT = """
document.addEventListener("submit", (event) => {
  const button = event.target.querySelector("button[type=submit]");
  if (button) sessionStorage.setItem("sent", JSON.stringify([button.disabled, button.textContent]));
});
"""


@pytest.fixture
def admin_page(browser, live_server, db):
    store.accounts.create_user(db, "camat", PASSWORD, "admin", actor=COMMAND_LINE)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    context.add_init_script(WATCH_SUBMIT)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(live_server.url + "/login?next=/staff/settings/backups")
    page.fill("#username", "camat")
    page.fill("#password", PASSWORD)
    page.click("form [type=submit]")
    expect(page).to_have_url(live_server.url + "/staff/settings/backups")
    yield page
    context.close()
    assert page.errors == []


def test_a_backup_made_now_says_it_is_working_then_lists_the_file(admin_page):
    page = admin_page
    expect(page.get_by_text("Belum ada cadangan.")).to_be_visible()
    page.get_by_role("button", name="Buat cadangan sekarang").click()
    today = store.backups.name(datetime.now(WIB).date())  # named by the office's date
    expect(page.locator(".flash")).to_have_text(f"Cadangan dibuat: {today}.")
    assert page.evaluate("JSON.parse(sessionStorage.getItem('sent'))") == [
        True, "Sedang membuat cadangan… tunggu sebentar"]
    expect(page.locator("table code")).to_have_text(today)
    expect(page.get_by_role("button", name="Buat cadangan sekarang")).to_be_enabled()
    expect(page.locator(".health")).to_have_count(0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "backups.png"), full_page=True)
