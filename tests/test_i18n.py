"""Bahasa Indonesia first, English complete."""
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from web.i18n import KIOSK_TEXT

CATALOG = Path(__file__).resolve().parent.parent / "translations" / "en" / "LC_MESSAGES"


def key(message) -> tuple:
    """Return a message's context and id; a plural's ids as a tuple, however it was read."""
    return message.context, text(message.id)


def text(value):
    """Return a message text, a plural's forms as a tuple (read_mo gives lists)."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def test_compiled_catalog_matches_its_source():
    # Keyed by context too: one Indonesian word may have two English ones.
    with open(CATALOG / "messages.po", "rb") as f:
        po = {key(m): text(m.string) for m in read_po(f) if m.id}
    with open(CATALOG / "messages.mo", "rb") as f:
        mo = {key(m): text(m.string) for m in read_mo(f) if m.id}
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


def test_every_message_in_the_code_has_english(tmp_path):
    """Extracted afresh from the templates and code: nothing new is left untranslated."""
    import subprocess
    import sys

    root = CATALOG.parent.parent.parent
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(pot),
                    # not a virtualenv of a checkout (its packages' messages are not ours)
                    "--ignore-dirs", ".* ._ venv env test-output", "."],
                   cwd=root, check=True, capture_output=True)
    with open(pot, "rb") as f:
        wanted = {key(m) for m in read_po(f) if m.id}
    with open(CATALOG / "messages.po", "rb") as f:
        english = {key(m): m.string for m in read_po(f) if m.id and not m.fuzzy}
    missing = sorted(str(key) for key in wanted if not english.get(key))
    assert not missing, f"no English for {missing[:5]}: pybabel update, then translate"


def test_one_word_reads_right_in_each_place(login, client):
    """Indonesian uses one word where English needs a plural heading or a singular column."""
    login("admin")
    client.set_cookie("lang", "en")
    assert "<h1>Services</h1>" in client.get("/staff/services").text
    assert "<h2>Services</h2>" in client.get("/staff/settings/").text
    assert "<th>User</th>" in client.get("/staff/audit").text
    assert "<th>Service</th>" in client.get("/staff/population").text
