"""Questions read aloud in a browser: recorded at Pengaturan → Suara with a file standing in
for the microphone, played on the kiosk, and still played with the server stopped."""
from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import CHROMIUM, PASSWORD, pair, prepare, staff_page

import store
from store.audit import COMMAND_LINE
from store.schema import connect

pytestmark = pytest.mark.slow  # a browser, server processes or a benchmark

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-output" / "audio"
PLAYING = """() => { const a = document.querySelector("audio.voice");
                     return !a.paused && a.currentTime > 0 ? a.src : null; }"""


def tone(seconds: float = 1.5, hz: int = 440) -> bytes:
    """A WAV of a plain tone: what the microphone hears, or a file a phone recorded."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"".join(struct.pack("<h", int(9000 * math.sin(2 * math.pi * hz * i
                                                                      / 16000)))
                               for i in range(int(16000 * seconds))))
    return out.getvalue()


@pytest.fixture(scope="module")
def chromium(browser, tmp_path_factory):
    """Chromium whose microphone is a WAV file, granted without asking."""
    microphone = tmp_path_factory.mktemp("microphone") / "voice.wav"
    microphone.write_bytes(tone(3))
    other = browser.browser_type.launch(executable_path=CHROMIUM, args=[
        "--disable-gpu", "--no-first-run", "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={microphone}"])
    yield other
    other.close()


def playing(page) -> str:
    """Wait until the kiosk's player plays; return the address of what it plays."""
    return page.wait_for_function(PLAYING, timeout=10_000).json_value()


def to_question(page) -> None:
    page.tap("#welcome .start")
    page.tap('#service .tile[data-service="KK"]')
    expect(page.locator("#question")).to_be_visible()


def test_recorded_at_the_office_played_on_the_kiosk_also_with_the_server_stopped(
        chromium, server_process, tmp_path):
    token = prepare(server_process.start())
    db = connect(server_process.instance / "skm.db")
    store.accounts.create_user(db, "admin1", PASSWORD, "admin", actor=COMMAND_LINE)

    # Pengaturan → Suara at 127.0.0.1, a secure context: the microphone may be used.
    staff = staff_page(chromium, server_process.url, "admin1", PASSWORD)
    staff.goto(f"{server_process.url}/staff/settings/audio")
    staff.fill("#local_language", "  Bahasa Melayu   Jambi ")
    staff.click("form.card button[type=submit]")
    expect(staff.locator("nav a").last).to_have_text("Bahasa Melayu Jambi (0/20)")
    record = staff.locator("#p-U1 [data-record]")
    expect(record).to_be_visible()
    expect(staff.locator("[data-mic=insecure]")).to_be_hidden()
    record.click()
    expect(record).to_have_text("Berhenti dan simpan")
    staff.wait_for_timeout(1500)
    record.click()
    expect(staff.locator("#p-U1 audio")).to_be_visible()
    expect(staff.locator(".flash.info")).to_contain_text("Rekaman disimpan")
    # The same page also takes a file recorded on a phone.
    wav = tmp_path / "sambutan.wav"
    wav.write_bytes(tone())
    for prompt in ("welcome", "U1-labels"):
        staff.set_input_files(f"#p-{prompt} input[type=file]", str(wav))
        staff.click(f"#p-{prompt} button[type=submit]")
        expect(staff.locator(f"#p-{prompt} audio")).to_be_visible()
    recorded = {(r.lang, r.key): r.mime for r in store.recordings.listed(db)}
    assert recorded == {("id", "U1"): "audio/webm", ("id", "U1-labels"): "audio/wav",
                        ("id", "welcome"): "audio/wav"}
    assert store.settings.read(db)["local_language"] == "Bahasa Melayu Jambi"
    SHOTS.mkdir(parents=True, exist_ok=True)
    staff.evaluate("window.scrollTo(0, 0)")
    staff.screenshot(path=str(SHOTS / "audio-settings.png"), full_page=True,
                     clip={"x": 0, "y": 0, "width": 1280, "height": 1250})
    staff.context.close()

    kiosk = chromium.new_context(viewport={"width": 800, "height": 1280}, has_touch=True)
    page = kiosk.new_page()
    pair(page, server_process, token)
    url = page.evaluate("JSON.parse(document.getElementById('kiosk-config').textContent)"
                        ".audio.urls.id.U1")
    # The service worker keeps the recordings with the kiosk's files.
    assert page.evaluate("""async (url) => { await navigator.serviceWorker.ready;
                             return !!(await caches.match(url)); }""", url)
    expect(page.locator("#welcome .speaker")).to_be_visible()
    to_question(page)
    speaker = page.locator("#question .question-speaker")
    expect(speaker).to_be_visible()
    expect(page.locator("#question .labels-speaker")).to_be_visible()
    page.screenshot(path=str(SHOTS / "kiosk-speaker.png"))
    speaker.tap()
    assert playing(page).endswith(url)
    expect(speaker).to_have_class("speaker question-speaker playing")
    page.tap('#question .face[data-answer="4"]')
    expect(page.locator(".question-text")).to_contain_text("kemudahan prosedur")  # U2
    # U2 has no recording: no buttons, and no robotic voice in their place.
    expect(speaker).to_be_hidden()
    expect(page.locator("#question .labels-speaker")).to_be_hidden()
    assert page.evaluate("document.querySelector('audio.voice').paused")  # a new screen

    server_process.stop()
    page.reload()  # the kiosk from the service worker's copy
    expect(page.locator("#welcome")).to_be_visible()
    to_question(page)
    speaker.tap()
    assert playing(page).endswith(url)
    kiosk.close()
    db.close()


def test_the_kiosk_offers_the_local_language_and_plays_by_itself_when_asked(
        tablet, live_server, db, kiosk_token):
    instance = Path(live_server.app.instance_path)
    for lang, key in [("id", "U1"), ("id", "U2"), ("local", "U1"), ("local", "welcome")]:
        store.recordings.save(db, instance, lang, key, tone(), actor=COMMAND_LINE)
    store.settings.save(db, {"local_language": "Bahasa Melayu Jambi"}, actor=COMMAND_LINE)
    page = tablet.new_page()
    page.goto(f"{live_server.url}/kiosk/pair#{kiosk_token}")
    local = page.locator(".local-toggle")
    expect(local).to_have_text("Dengar dalam Bahasa Melayu Jambi")
    expect(page.locator("#welcome .speaker")).to_be_hidden()  # no Indonesian welcome
    local.tap()
    expect(local).to_have_attribute("aria-pressed", "true")
    assert "/local/welcome" in playing(page)  # the tap asked to listen: the welcome answers
    to_question(page)
    speaker = page.locator("#question .question-speaker")
    expect(page.locator("audio.voice")).to_have_js_property("paused", True)  # no autoplay
    speaker.tap()
    assert "/local/U1" in playing(page)
    page.tap('#question .face[data-answer="4"]')
    speaker.tap()
    assert "/id/U2" in playing(page)  # not recorded locally: the Indonesian one
    page.tap(".bar .back")
    page.tap(".bar .back")
    page.tap(".bar .back")  # back to the welcome: the survey is over, and the language too
    expect(page.locator("#welcome")).to_be_visible()
    expect(local).to_have_attribute("aria-pressed", "false")

    store.settings.save(db, {"audio_autoplay": True}, actor=COMMAND_LINE)
    page.reload()
    to_question(page)
    assert "/id/U1" in playing(page)  # staff turned autoplay on: it plays as it appears
