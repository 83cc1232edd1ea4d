"""Pengaturan → Suara: recordings uploaded, recorded, refused, deleted and audited."""
from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest
from support import csrf_token, post_form
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

import store
from ikm import audio
from store.audit import COMMAND_LINE

PAGE = "/staff/settings/audio"
WAV = b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(2000)
OGG = b"OggS\x00\x02" + bytes(3000)


@pytest.fixture
def instance(app) -> Path:
    return Path(app.instance_path)


def files(instance: Path) -> list[str]:
    folder = instance / store.recordings.FOLDER
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def saved(db) -> dict[tuple[str, str], str]:
    return {(r.lang, r.key): r.mime for r in store.recordings.listed(db)}


def trail(db) -> list[str]:
    return [r["detail"] for r in reversed(store.audit.recent(db, action="recording"))]


def upload(client, url: str, data: bytes, name: str = "rekaman.m4a"):
    token = csrf_token(client.get(PAGE).text)
    # Encoded here, in memory: the test client spools a large body to a file it never closes.
    boundary, body = encode_multipart({"csrf_token": token,
                                       "audio": FileStorage(io.BytesIO(data), name)})
    return client.post(url, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def record(client, url: str, data: bytes, token: str | None = "page"):
    headers = {"Content-Type": "audio/webm;codecs=opus"}
    if token:
        headers["X-CSRFToken"] = csrf_token(client.get(PAGE).text)
    return client.put(url, data=data, headers=headers)


# --- kept, audited, replaced and deleted ------------------------------------------------

def test_an_uploaded_file_is_kept_by_its_hash_audited_and_shown(login, db, instance):
    client = login("admin")
    reply = upload(client, f"{PAGE}/id/U1", WAV, "dari-ponsel.wav")
    assert reply.status_code == 302 and reply.headers["Location"].endswith("?voice=id#p-U1")
    assert saved(db) == {("id", "U1"): "audio/wav"}
    assert files(instance) == [hashlib.sha256(WAV).hexdigest()]
    assert trail(db) == [f"id U1: recorded (audio/wav, {len(WAV)} bytes)"]
    assert store.audit.recent(db, 1)[0]["username"] == "admin1"
    page = client.get(PAGE).text
    assert "Rekaman disimpan" in page and "Bahasa Indonesia (1/20)" in page
    assert re.search(r'<audio controls [^>]*src="/kiosk/audio/id/U1\?v=', page)


def test_a_recording_from_the_microphone_replaces_the_one_before(login, db, instance):
    client = login("admin")
    upload(client, f"{PAGE}/en/thanks", WAV)
    reply = record(client, f"{PAGE}/en/thanks", OGG)
    assert reply.status_code == 200 and reply.json == {"next": f"{PAGE}?voice=en#p-thanks"}
    assert saved(db) == {("en", "thanks"): "audio/ogg"}  # the content decides, not the header
    assert files(instance) == [hashlib.sha256(OGG).hexdigest()]  # the old file is gone
    assert trail(db)[-1] == f"en thanks: replaced (audio/ogg, {len(OGG)} bytes)"


def test_a_deleted_recording_loses_its_row_and_its_file(login, db, instance):
    client = login("admin")
    upload(client, f"{PAGE}/local/U3", WAV)
    upload(client, f"{PAGE}/local/U4", WAV)  # the same sound: one file for both
    reply = post_form(client, f"{PAGE}/local/U3/delete", {}, PAGE)
    assert reply.status_code == 302
    assert saved(db) == {("local", "U4"): "audio/wav"} and len(files(instance)) == 1
    post_form(client, f"{PAGE}/local/U4/delete", {}, PAGE)
    assert saved(db) == {} and files(instance) == []
    assert trail(db)[-2:] == ["local U3: deleted", "local U4: deleted"]


def test_the_row_and_its_audit_entry_commit_together_or_not_at_all(db, instance, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the audit log cannot be written")

    monkeypatch.setattr(store.audit, "record", broken)
    with pytest.raises(RuntimeError):
        store.recordings.save(db, instance, "id", "U1", WAV, actor=COMMAND_LINE)
    assert saved(db) == {} and files(instance) == []


# --- refused: nothing written --------------------------------------------------------

@pytest.mark.parametrize(("data", "status", "words"), [
    (b"<html><script>alert(1)</script></html>", 415, "bukan berkas suara"),
    (b"OggS" + bytes(audio.MAX_BYTES), 413, "paling besar 1 MB"),
    (b"OggS" + bytes(3 * 1024 * 1024), 413, "paling besar 1 MB"),  # past the server's limit
    (b"", 400, "kosong atau belum dipilih"),
])
def test_an_upload_that_is_no_sound_or_too_large_is_refused_with_words(login, db, instance,
                                                                       data, status, words):
    client = login("admin")
    reply = upload(client, f"{PAGE}/id/U2", data, "rekaman.mp3")
    assert reply.status_code == status
    row = reply.text[reply.text.index('id="p-U2"'):reply.text.index('id="p-U2-labels"')]
    assert "Berkas rekaman:" in row and words in row  # said where it was uploaded
    assert saved(db) == {} and files(instance) == [] and trail(db) == []
    reply = record(client, f"{PAGE}/id/U2", data)
    assert reply.status_code == status and reply.json["field"] == "audio"
    assert words in reply.json["error"] and saved(db) == {}


def test_without_the_csrf_token_nothing_is_kept(login, db, instance):
    client = login("admin")
    reply = client.post(f"{PAGE}/id/U1", data={"audio": (io.BytesIO(WAV), "a.wav")},
                        content_type="multipart/form-data")
    assert reply.status_code == 400
    assert record(client, f"{PAGE}/id/U1", WAV, token=None).status_code == 400
    upload(client, f"{PAGE}/id/U1", WAV)
    assert client.post(f"{PAGE}/id/U1/delete").status_code == 400
    assert saved(db) == {("id", "U1"): "audio/wav"}


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_only_an_admin_records(login, db, role):
    client = login(role)
    assert client.get(PAGE).status_code == 403
    token = csrf_token(client.get("/staff/password").text)
    assert client.post(f"{PAGE}/id/U1", data={"csrf_token": token, "audio": (
        io.BytesIO(WAV), "a.wav")}, content_type="multipart/form-data").status_code == 403
    assert client.put(f"{PAGE}/id/U1", data=WAV,
                      headers={"X-CSRFToken": token}).status_code == 403
    assert saved(db) == {}


@pytest.mark.parametrize("url", [f"{PAGE}/jv/U1", f"{PAGE}/id/U10", f"{PAGE}/id/secret_key"])
def test_an_unknown_language_or_prompt_is_not_found(login, url):
    assert upload(login("admin"), url, WAV).status_code == 404
