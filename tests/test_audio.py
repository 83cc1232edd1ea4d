"""What a recording of a prompt must be: an audio file by its content, of a bounded size."""
from __future__ import annotations

import pytest

from ikm import audio
from ikm.method import PERMENPAN_2017
from ikm.refused import Refused

SOUNDS = [
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81", "audio/webm"),  # Chrome's recorder
    (b"OggS\x00\x02\x00\x00\x00\x00\x00\x00", "audio/ogg"),
    (b"\x00\x00\x00\x20ftypM4A \x00\x00", "audio/mp4"),  # a phone's voice recorder
    (b"\x00\x00\x00\x1cftyp3gp4\x00\x00", "audio/mp4"),
    (b"RIFF\x24\x08\x00\x00WAVEfmt ", "audio/wav"),
    (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
    (b"\xff\xfb\x90\x64\x00\x00\x00\x00", "audio/mpeg"),  # an MP3 frame without a tag
    (b"\xff\xf1\x50\x80\x02\x1f\xfc\x00", "audio/aac"),  # ADTS: layer bits 00
]
NOT_SOUNDS = [
    b"<!doctype html><script>alert(1)</script>",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3",
    b"PK\x03\x04\x14\x00\x06\x00",  # a spreadsheet or a zip
    b"RIFF\x24\x08\x00\x00AVI LIST",  # RIFF, but a video
    b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows program
    b"\xff",
]


@pytest.mark.parametrize(("data", "kind"), SOUNDS)
def test_an_audio_file_is_known_by_its_own_first_bytes(data, kind):
    assert audio.sniff(data) == kind
    assert audio.check(data + bytes(100)) == kind


@pytest.mark.parametrize("data", NOT_SOUNDS)
def test_anything_else_is_refused_whatever_it_claims_to_be(data):
    assert audio.sniff(data) is None
    with pytest.raises(Refused) as refused:
        audio.check(data)
    assert (refused.value.field, refused.value.reason) == ("audio", "type")


@pytest.mark.parametrize(("size", "reason"), [(0, "empty"), (audio.MAX_BYTES + 1, "too_large")])
def test_an_empty_or_too_large_recording_is_refused(size, reason):
    with pytest.raises(Refused) as refused:
        audio.check(b"OggS" + bytes(max(size - 4, 0)) if size else b"")
    assert refused.value.reason == reason
    if reason == "too_large":
        assert refused.value.details == {"mb": 1}


def test_the_largest_recording_allowed_is_kept():
    assert audio.check(b"OggS" + bytes(audio.MAX_BYTES - 4)) == "audio/ogg"


def test_the_prompts_come_in_the_order_a_citizen_meets_them():
    assert audio.KEYS[0] == "welcome" and audio.KEYS[-1] == "thanks"
    assert len(audio.KEYS) == 2 + 2 * len(PERMENPAN_2017.codes)
    for code in PERMENPAN_2017.codes:
        assert audio.KEYS.index(f"{code}-labels") == audio.KEYS.index(code) + 1
        assert audio.unsur_of(code) == audio.unsur_of(f"{code}-labels") == code
    assert audio.unsur_of("welcome") is None and audio.unsur_of("U10") is None


@pytest.mark.parametrize(("lang", "key", "field"), [("jv", "U1", "lang"), ("id", "U10", "key"),
                                                    ("id", "../secret_key", "key")])
def test_an_unknown_language_or_prompt_is_refused(lang, key, field):
    with pytest.raises(Refused) as refused:
        audio.check_prompt(lang, key)
    assert refused.value.field == field
