"""The office's settings as data: their defaults and bounds, and the questions asked."""
from __future__ import annotations

import re
from typing import Any

from ikm.method import PERMENPAN_2017, SHORT_CODES
from ikm.office_hours import DEFAULT_HOLIDAYS
from ikm.refused import Refused

# The thirteen services of Kantor Camat Serai Serumpun: a new installation's defaults.
DEFAULT_SERVICES = (
    ("KK", "Permohonan Surat Kartu Keluarga (KK)", "Family Card (KK) application"),
    ("KTP-EL", "Perekaman Kartu Tanda Penduduk Elektronik (KTP-el)",
     "Electronic ID card (KTP-el) recording"),
    ("PINDAH", "Surat Pengantar Keterangan Pindah", "Letter for moving out"),
    ("DATANG", "Surat Keterangan Kedatangan", "Letter of arrival"),
    ("AHLI-WARIS", "Surat Keterangan Ahli Waris", "Certificate of heirs"),
    ("KERAMAIAN", "Rekomendasi Izin Keramaian", "Recommendation for a public event permit"),
    ("BERSIH-DIRI", "Surat Keterangan Bersih Diri", "Certificate of clean record"),
    ("DD-ADD", "Rekomendasi Pencairan Dana DD dan ADD",
     "Recommendation for village fund (DD/ADD) disbursement"),
    ("BLT-DD", "Rekomendasi Bantuan Langsung Tunai Dana Desa (BLT-DD)",
     "Recommendation for village cash aid (BLT-DD)"),
    ("IMB", "Rekomendasi Izin Mendirikan Bangunan (IMB)",
     "Recommendation for a building permit (IMB)"),
    ("SITU", "Rekomendasi Surat Izin Tempat Usaha (SITU)",
     "Recommendation for a business premises permit (SITU)"),
    ("IUMK", "Surat Izin Usaha Mikro dan Kecil (IUMK)", "Micro and small business permit (IUMK)"),
    ("LEGALISIR", "Legalisir Camat", "Document legalisation by the camat"),
)

QUESTIONNAIRES = {"full": PERMENPAN_2017.codes, "short": SHORT_CODES}

DEFAULTS: dict[str, Any] = {
    "office_name": "Kantor Camat Serai Serumpun",
    "utc_offset": "+07:00",  # WIB; Indonesia keeps no daylight saving time
    "questionnaire": "full",  # or "short": U7, U3, U9
    "question_order": [],  # empty: the questionnaire's own order (short: U7, U3, U9)
    "idle_seconds": 60,  # a kiosk left alone this long returns to its welcome screen
    "thanks_seconds": 8,
    "discard_partial": False,  # keep what a citizen who walked away had answered
    "min_survey_seconds": 3,  # a whole survey faster than this is flagged
    "burst_count": 5,  # this many surveys from one kiosk ...
    "burst_window_seconds": 60,  # ... within this window are flagged
    "session_idle_hours": 8,  # a staff session unused this long ends: a working day
    # Opening hours, Monday first (office time); a kiosk silent for two of them needs a look.
    "office_hours": [["08:00", "16:00"]] * 4 + [["08:00", "16:30"], None, None],
    # Public holidays (ikm.office_hours): the kiosk rests, and its silence is no concern.
    "holidays": DEFAULT_HOLIDAYS,
    # Outside the hours (and on holidays) the kiosk shows "Layanan sedang tutup".
    "quiet_hours": True,
    "backup_time": "12:30",  # the daily backup, office time: the office is open, the PC on
    "backup_folder": "",  # a second place for each backup (a flash disk, a share); "" none
    # Where survey slips' QR codes lead (http://192.168.1.10:5000, or a public address);
    # "" for the server's LAN address and the port staff reached it on.
    "survey_address": "",
    "slip_days": 14,  # a slip not answered within this many days expires
    "poster_enabled": False,  # the standing poster's QR (no code) takes responses
    # Prompts read aloud (ikm.audio): the third language's name ("" for none), and whether
    # each question's recording plays as it appears rather than only when tapped.
    "local_language": "",
    "audio_autoplay": False,
    # E-mail of alerts (ikm.mail): "" host sends none, and alerts show on the staff pages only.
    "smtp_host": "",
    "smtp_port": 587,
    "smtp_security": "starttls",  # or "ssl" (port 465), or "none" (a server on the LAN)
    "smtp_user": "",
    "smtp_password": "",  # never shown on a page, never written to the audit log
    "smtp_from": "",  # "" for the account's name, when that is an address
    "alert_recipients": [],
}
# Settings stored but never shown back or written to the audit log.
SECRETS = frozenset({"smtp_password"})

# Inclusive bounds of the numeric settings: outside them a kiosk becomes unusable.
LIMITS = {
    "idle_seconds": (10, 600),
    "thanks_seconds": (3, 60),
    "min_survey_seconds": (0, 60),
    "burst_count": (2, 100),
    "burst_window_seconds": (10, 3600),
    "session_idle_hours": (1, 72),
    "slip_days": (1, 365),
    "smtp_port": (1, 65535),
}


def questions(settings: dict[str, Any]) -> list[str]:
    """Return the unsur codes the kiosk asks, in the office's order."""
    asked = QUESTIONNAIRES[settings["questionnaire"]]
    order = [c for c in settings["question_order"] if c in asked]
    return order + [c for c in asked if c not in order]


def order_from_positions(positions: dict[str, int]) -> list[str]:
    """Return unsur codes sorted by the position given to each; refuse repeated numbers."""
    seen: dict[int, list[str]] = {}
    for code, n in positions.items():
        seen.setdefault(n, []).append(code)
    if sorted(seen) != list(range(1, len(positions) + 1)):
        repeated = next((n for n, codes in sorted(seen.items()) if len(codes) > 1), None)
        codes = ", ".join(seen[repeated]) if repeated is not None else ""
        raise Refused("question_order", "repeated", number=repeated, codes=codes,
                      count=len(positions))
    return sorted(positions, key=positions.__getitem__)


MAX_ADDRESS = 200
_ADDRESS = re.compile(r"https?://([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::([0-9]{1,5}))?"
                      r"(/[a-z0-9._~/-]*)?", re.IGNORECASE)


def tidy_address(text: str | None) -> str | None:
    """Return a survey address as stored (http(s)://host[:port][/path], no trailing slash),
    "" for none, or None when it cannot be one."""
    address = (text or "").strip().rstrip("/")
    if not address:
        return ""
    match = _ADDRESS.fullmatch(address)
    if len(address) > MAX_ADDRESS or not match or not 0 < int(match.group(2) or 80) < 65536:
        return None
    return address


def tidy_name(name: str | None) -> str:
    """Return a name as it is shown and stored: one space between words, none at the ends."""
    return " ".join((name or "").split())


def checked_name(name: str | None, most: int) -> str:
    """Return a name tidied; refuse it (Refused on "name") when empty or over `most` long."""
    name = tidy_name(name)
    if not name:
        raise Refused("name", "required")
    if len(name) > most:
        raise Refused("name", "too_long", max=most)
    return name
