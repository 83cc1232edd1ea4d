"""Recordings on the kiosk: its settings, what the kiosk is told, the sound served and kept
by the service worker."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from support import post_form

import store
from ikm import audio
from store.audit import COMMAND_LINE

PAGE = "/staff/settings/audio"
WAV = b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(2000)
OGG = b"OggS\x00\x02" + bytes(3000)


@pytest.fixture
def instance(app) -> Path:
    return Path(app.instance_path)


def fetch(client, url: str, **headers: str):
    """GET a sound, read whole and closed (the test client leaves a served file open)."""
    reply = client.get(url, headers=headers)
    reply.get_data()
    reply.close()
    return reply


def kiosk_config(client, url: str = "/kiosk/") -> dict:
    page = client.get(url).text
    return json.loads(re.search(r'id="kiosk-config">(.*?)</script>', page).group(1))


def kiosk_audio(client) -> dict:
    return kiosk_config(client)["audio"]


# --- the settings -----------------------------------------------------------------------

def test_the_local_language_and_autoplay_are_saved_and_audited(login, db):
    client = login("admin")
    reply = post_form(client, PAGE, {"local_language": " Bahasa  Melayu Jambi ",
                                     "audio_autoplay": "y"})
    assert reply.status_code == 302
    settings = store.settings.read(db)
    assert (settings["local_language"], settings["audio_autoplay"]) == (
        "Bahasa Melayu Jambi", True)
    assert 'local_language="Bahasa Melayu Jambi"' in store.audit.recent(db, 1)[0]["detail"]
    reply = post_form(client, PAGE, {"local_language": "x" * 41})
    assert reply.status_code == 400 and "paling banyak 40 huruf" in reply.text
    assert store.settings.read(db)["local_language"] == "Bahasa Melayu Jambi"


def test_the_page_offers_upload_everywhere_and_a_link_from_pengaturan(login):
    client = login("admin")
    page = client.get(PAGE).text
    assert page.count('type="file" name="audio" accept="audio/*"') == len(audio.KEYS)
    assert page.count("data-record hidden") == len(audio.KEYS)  # recorder.js shows them
    assert "http://localhost/staff/settings/audio" in page  # where the microphone works
    assert "Isi dulu nama bahasa daerah" in client.get(f"{PAGE}?voice=local").text
    assert f'href="{PAGE}"' in client.get("/staff/settings/").text


# --- on the kiosk ------------------------------------------------------------------------

def test_the_kiosk_is_told_of_each_recording_and_of_nothing_else(client, db, instance):
    before = kiosk_config(client)
    assert before["audio"] == {"urls": {}, "local": "", "autoplay": False}
    for lang, key in [("id", "U1"), ("en", "welcome"), ("local", "U1")]:
        store.recordings.save(db, instance, lang, key, WAV, actor=COMMAND_LINE)
    v = hashlib.sha256(WAV).hexdigest()[:12]
    # A local language without a name is not offered.
    assert kiosk_audio(client)["urls"] == {"id": {"U1": f"/kiosk/audio/id/U1?v={v}"},
                                           "en": {"welcome": f"/kiosk/audio/en/welcome?v={v}"}}
    store.settings.save(db, {"local_language": "Bahasa Kerinci", "audio_autoplay": True},
                        actor=COMMAND_LINE)
    told = kiosk_audio(client)
    assert told["urls"]["local"] == {"U1": f"/kiosk/audio/local/U1?v={v}"}
    assert (told["local"], told["autoplay"]) == ("Bahasa Kerinci", True)
    # The rest of the kiosk's configuration is as it was.
    after = kiosk_config(client)
    assert {k: v for k, v in after.items() if k != "audio"} == {
        k: v for k, v in before.items() if k != "audio"}
    # A file lost (an old backup restored) is not promised to the kiosk.
    (instance / store.recordings.FOLDER / hashlib.sha256(WAV).hexdigest()).unlink()
    assert kiosk_audio(client)["urls"] == {}


def test_a_recording_is_served_from_this_server_cached_by_its_address(client, db, instance):
    store.recordings.save(db, instance, "id", "U1", WAV, actor=COMMAND_LINE)
    v = hashlib.sha256(WAV).hexdigest()[:12]
    reply = fetch(client, f"/kiosk/audio/id/U1?v={v}")
    assert reply.status_code == 200 and reply.data == WAV and reply.mimetype == "audio/wav"
    assert "immutable" in reply.headers["Cache-Control"]
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-cache" in fetch(client, "/kiosk/audio/id/U1?v=old").headers["Cache-Control"]
    part = fetch(client, f"/kiosk/audio/id/U1?v={v}", Range="bytes=0-11")
    assert part.status_code == 206 and part.data == WAV[:12]  # what a media element asks
    for url in ("/kiosk/audio/id/U2", "/kiosk/audio/xx/U1", "/kiosk/audio/id/..%2Fskm.db"):
        assert client.get(url).status_code == 404


def test_the_service_worker_keeps_the_recordings_and_changes_with_them(client, db, instance):
    def worker() -> tuple[str, list[str]]:
        text = client.get("/kiosk/sw.js").text
        version = re.search(r'const CACHE = "skm-kiosk-(\w+)"', text).group(1)
        return version, json.loads(re.search(r"const AUDIO = (.*);", text).group(1))

    before, none = worker()
    assert none == []
    store.recordings.save(db, instance, "id", "U1", WAV, actor=COMMAND_LINE)
    after, kept = worker()
    assert kept == [kiosk_audio(client)["urls"]["id"]["U1"]] and after != before
    store.recordings.save(db, instance, "id", "U1", OGG, actor=COMMAND_LINE)
    assert worker()[0] not in (before, after)  # a new recording, a new worker to install
