"""The health strip on the staff pages: quiet when all is well, plain words when not."""
from __future__ import annotations

import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

import store
from host import health as gathered
from ikm import health
from web.database import get_db
from web.helpers import office_settings

CACHE_SECONDS = 60  # the strip is read on every staff page; the disk and kiosks change slowly

WORDS = {
    health.SERVER_CLOCK: _l(
        "Jam komputer server tertinggal %(behind_days)s hari (paling tidak sudah %(evidence)s). "
        "Jawaban baru dicatat menurut jam tablet. Atur tanggal dan jam komputer server, "
        "lalu nyalakan ulang server."),
    health.BACKUP_FAILED: _l(
        "Cadangan terakhir gagal (%(reason)s). Periksa ruang kosong disk komputer "
        "server; cadangan sebelumnya tetap aman."),
    health.BACKUP_OLD: _l(
        "Cadangan data terakhir sudah %(age_days)s hari yang lalu. Pastikan server menyala "
        "setiap hari kerja, atau buat cadangan di Pengaturan → Cadangan data."),
    (health.BACKUP_OLD, "never"): _l(
        "Belum ada cadangan data. Buat cadangan di Pengaturan → Cadangan data."),
    health.SECOND_FOLDER: _l(
        "Folder cadangan kedua %(folder)s tidak ditemukan, jadi salinan ke sana dilewati. "
        "Colokkan flashdisk itu, atau ubah foldernya di Pengaturan → Cadangan data."),
    health.SECOND_COPY: _l(
        "Salinan cadangan ke folder kedua %(folder)s gagal (%(reason)s). Periksa apakah "
        "flashdisk itu penuh atau terkunci."),
    health.DISK_LOW: _l(
        "Disk komputer server hampir penuh: tinggal %(free_gb)s GB (%(free_percent)s%%). "
        "Hapus berkas yang tidak diperlukan."),
    health.KIOSK_SILENT: _l(
        "Tablet %(name)s tidak terhubung sejak %(since)s. Periksa apakah tablet menyala dan "
        "tersambung ke Wi-Fi kantor."),
    health.KIOSK_SET_ASIDE: _l(
        "Tablet %(name)s menyisihkan %(count)s jawaban yang tidak dapat disimpan server. "
        "Beri tahu admin."),
}


def concerns() -> list[health.Concern]:
    """Return what needs a person now, read at most once a minute per server."""
    cached = current_app.extensions.get("health_strip")
    seconds = current_app.config.get("HEALTH_CACHE_SECONDS", CACHE_SECONDS)
    if cached is not None and time.monotonic() < cached[0]:
        return cached[1]
    db = get_db()
    now = datetime.now(timezone.utc)
    keeper = current_app.extensions.get("upkeep")
    # Without the server's upkeep (another WSGI server, a test) the clock is judged here.
    kiosks = store.kiosks.heard(db)
    server_clock = (keeper.server_clock if keeper is not None
                    else gathered.server_clock(db, now, kiosks))
    found = health.concerns(gathered.facts(db, Path(current_app.instance_path),
                                           office_settings(), now, server_clock, kiosks))
    current_app.extensions["health_strip"] = (time.monotonic() + seconds, found)
    return found


def forget() -> None:
    """Read the health afresh on the next page (after staff changed what it depends on)."""
    current_app.extensions.pop("health_strip", None)


def words(concern: health.Concern) -> str:
    """Return a concern in the page's language."""
    details = {k: _when(v) if isinstance(v, datetime) else v for k, v in concern.details.items()}
    key = (concern.kind, "never") if details.get("never") else concern.kind
    return str(WORDS[key]) % details


def _when(moment: datetime) -> str:
    return moment.strftime("%d-%m-%Y %H:%M")


def strip() -> list[str]:
    """Return the strip's lines for a signed-in person on a staff page, else []."""
    if not request.path.startswith("/staff/") or not current_user.is_authenticated:
        return []
    try:
        return [words(c) for c in concerns()]
    except (OSError, sqlite3.Error):
        # The page (perhaps the error page of a failing database) still shows.
        current_app.logger.exception("the health strip could not be read")
        return []


def init_app(app: Flask) -> None:
    app.jinja_env.globals["health_strip"] = strip
