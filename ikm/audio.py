"""Prompts read aloud on the kiosk: which there are, in which languages, and what a
recording must be (an audio file by its content, of a bounded size)."""
from __future__ import annotations

from ikm.method import PERMENPAN_2017
from ikm.refused import Refused

# Bahasa Indonesia, English, and the one local language the office names (a setting).
LANGUAGES = ("id", "en", "local")
# The welcome, each unsur's question followed by its four faces' labels read together,
# and the thanks: in the order a citizen meets them, which is the order staff record them.
KEYS: tuple[str, ...] = ("welcome", *(k for u in PERMENPAN_2017.codes
                                      for k in (u, f"{u}-labels")), "thanks")
# A question read aloud takes 5 to 20 seconds; a minute at a phone's usual 128 kbit/s fits,
# and the tablet keeps every recording of three languages in its cache.
MAX_BYTES = 1024 * 1024
MAX_LOCAL_NAME = 40  # "Dengar dalam Bahasa Melayu Jambi" still fits one button


def unsur_of(key: str) -> str | None:
    """Return the unsur a question's or labels' prompt belongs to; None for the others."""
    code = key.removesuffix("-labels")
    return code if code in PERMENPAN_2017.codes else None


def sniff(data: bytes) -> str | None:
    """Return the audio type the bytes begin as (the file's own signature), or None."""
    head = data[:12]
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "audio/webm"  # WebM or Matroska: what Chrome's MediaRecorder makes
    if head.startswith(b"OggS"):
        return "audio/ogg"  # Firefox's MediaRecorder, WhatsApp's voice notes
    if head[4:8] == b"ftyp":
        return "audio/mp4"  # M4A: the phones' own recorder apps, Safari's MediaRecorder
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # An MPEG audio frame: layer bits 00 are AAC's ADTS framing, the others MP3.
        return "audio/aac" if head[1] & 0x06 == 0 else "audio/mpeg"
    return None


def check(data: bytes) -> str:
    """Return the audio type of a recording, or refuse one that is empty, too big or no audio."""
    if not data:
        raise Refused("audio", "empty")
    if len(data) > MAX_BYTES:
        raise Refused("audio", "too_large", mb=MAX_BYTES // (1024 * 1024))
    kind = sniff(data)
    if kind is None:
        raise Refused("audio", "type")
    return kind


def check_prompt(lang: str, key: str) -> None:
    """Refuse a language or a prompt the kiosk does not have."""
    if lang not in LANGUAGES:
        raise Refused("lang", "invalid")
    if key not in KEYS:
        raise Refused("key", "invalid")
