"""Bahasa Indonesia first, English complete."""
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from web.i18n import KIOSK_TEXT

CATALOG = Path(__file__).resolve().parent.parent / "translations" / "en" / "LC_MESSAGES"


def test_compiled_catalog_matches_its_source():
    with open(CATALOG / "messages.po", "rb") as f:
        po = {m.id: m.string for m in read_po(f) if m.id}
    with open(CATALOG / "messages.mo", "rb") as f:
        mo = {m.id: m.string for m in read_mo(f) if m.id}
    assert mo == po, "run: pybabel compile -d translations"


def test_every_kiosk_text_has_an_english_translation():
    with open(CATALOG / "messages.po", "rb") as f:
        po = {m.id: m.string for m in read_po(f) if m.id}
    for key, text in KIOSK_TEXT.items():
        assert po.get(text._args[0]), f"{key} has no English"


def test_kiosk_page_carries_both_languages(client):
    page = client.get("/kiosk/").text
    assert "Bagaimana pelayanan kami hari ini?" in page
    assert "How was our service today?" in page
    assert "Bagaimana pendapat Saudara tentang kecepatan waktu" in page
    assert "How fast was the service?" in page


def test_pairing_page_follows_the_language_choice(client):
    assert "Pasangkan kios" in client.get("/kiosk/pair").text
    assert "Pair a kiosk" in client.get("/kiosk/pair?lang=en").text
