"""The audit log: sign-ins, exports and settings changes, for admins to read."""
from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from ikm.config import utc_now

# What each action means, in words for the audit page.
ACTIONS = {
    "login": "masuk", "login_failed": "gagal masuk", "login_locked": "masuk ditolak (terkunci)",
    "logout": "keluar", "setup": "admin pertama dibuat", "password": "ganti kata sandi",
    "export": "ekspor", "settings": "pengaturan survei", "service": "layanan",
    "kiosk": "kios", "user": "pengguna", "population": "jumlah pengguna layanan",
    "flagged": "jawaban ditandai", "comment": "tindak lanjut komentar",
}


def record(db: Database, action: str, username: str | None, detail: str = "",
           ip: str | None = None) -> None:
    """Add one event to the audit log."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    db["audit"].insert({"at": utc_now(), "username": username, "action": action,
                        "detail": detail[:500], "ip": ip})


def recent(db: Database, limit: int = 200, action: str | None = None) -> list[dict[str, Any]]:
    """Return the latest events, newest first."""
    where, params = ("action = ?", [action]) if action else (None, None)
    return list(db["audit"].rows_where(where, params, order_by="id DESC", limit=limit))
