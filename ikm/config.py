"""The office's settings and default services, as data with one place to read them."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from ikm.method import PERMENPAN_2017, SHORT_CODES

if TYPE_CHECKING:
    from ikm.audit import Actor

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
}


def utc_now() -> str:
    """Return the current UTC time as ISO 8601 with offset."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def parse_offset(text: str) -> timezone:
    """Return a fixed time zone from '+07:00'."""
    sign = -1 if text.startswith("-") else 1
    hours, minutes = text.lstrip("+-").split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


TIME_ZONES = {"+07:00": "WIB", "+08:00": "WITA", "+09:00": "WIT"}


def zone_name(offset: str) -> str:
    """Return the name people use for an offset: WIB, WITA, WIT (else UTC+hh:mm)."""
    return TIME_ZONES.get(offset, f"UTC{offset}")


def local_time(utc_iso: str | None, tz: timezone) -> datetime | None:
    """Return a stored UTC time as the office's wall-clock time."""
    return datetime.fromisoformat(utc_iso).astimezone(tz) if utc_iso else None


def get_settings(db: Database) -> dict[str, Any]:
    """Return every setting: the stored value where there is one, else the default."""
    # Plain SQL: read on every kiosk request, where sqlite-utils' table helper would first
    # query the schema three times (as ikm.devices does for the kiosk look-up).
    stored = {key: json.loads(value)
              for key, value in db.execute("SELECT key, value FROM settings")}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}


def set_settings(db: Database, values: dict[str, Any], *, actor: Actor) -> None:
    """Store settings and say so in the audit log; refuse keys that are not settings."""
    # Imported here: both read the clock and the defaults from this module.
    from ikm import audit
    from ikm.db import write_transaction

    unknown = set(values) - set(DEFAULTS)
    if unknown:
        raise KeyError(f"not a setting: {', '.join(sorted(unknown))}")
    before = get_settings(db)
    changed = {k: v for k, v in values.items() if before[k] != v}
    with write_transaction(db):
        db["settings"].upsert_all(
            ({"key": k, "value": json.dumps(v)} for k, v in values.items()), pk="key")
        detail = " ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in changed.items())
        audit.record(db, "settings", actor, detail or "unchanged")


def questions(settings: dict[str, Any]) -> list[str]:
    """Return the unsur codes the kiosk asks, in the office's order."""
    asked = QUESTIONNAIRES[settings["questionnaire"]]
    order = [c for c in settings["question_order"] if c in asked]
    return order + [c for c in asked if c not in order]
