"""Backups: the server's daily ones, a second folder, one made now, one to download."""
from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from datetime import datetime, time
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import ValidationError

import store
from host import health as gathered
from ikm.health import MISSING
from web import health
from web.admin import ActionForm, _strip, bp, not_saved
from web.audit_log import note_export
from web.auth import actor, requires
from web.database import get_db
from web.helpers import office_settings, office_tz

MAX_PATH = 400
HOUR = re.compile(r"\d\d:\d\d")


class BackupForm(FlaskForm):
    backup_time = StringField(_l("Jam cadangan harian"), filters=[_strip])
    backup_folder = StringField(_l("Folder cadangan kedua"), filters=[_strip])

    def validate_backup_time(self, field):
        # fromisoformat alone would take "T1230" and "1230Z" (12:30 UTC, not office time).
        try:
            ok = bool(HOUR.fullmatch(field.data or "")) and bool(time.fromisoformat(field.data))
        except ValueError:
            ok = False
        if not ok:
            raise ValidationError(_("Jam cadangan harian: tulis jam dan menit, misalnya 12:30."))

    def validate_backup_folder(self, field):
        folder = field.data or ""
        if not folder:
            return  # no second folder
        if len(folder) > MAX_PATH or not os.path.isabs(folder):
            raise ValidationError(_("Folder cadangan kedua: tulis alamat lengkap folder, "
                                    "misalnya E:\\cadangan atau /media/flashdisk/cadangan."))
        if not os.path.isdir(folder):
            raise ValidationError(_("Folder cadangan kedua: folder %(folder)s tidak ada. "
                                    "Colokkan flashdisk atau buat foldernya dahulu.",
                                    folder=folder))
        if not os.access(folder, os.W_OK):
            raise ValidationError(_("Folder cadangan kedua: folder %(folder)s tidak dapat "
                                    "ditulisi.", folder=folder))


def _instance() -> Path:
    return Path(current_app.instance_path)


@bp.get("/settings/backups")
@requires("admin")
def backups():
    """The backups kept on this PC, how the last one went, and where copies go."""
    settings = office_settings()
    form = BackupForm(data={k: settings[k] for k in ("backup_time", "backup_folder")})
    return _page(form)


def _page(form: BackupForm, status: int = 200):
    settings = office_settings()
    tz = office_tz()
    kept = [{**b, "at": b["at"].astimezone(tz)} for b in store.backups.listing(_instance())]
    outcome = store.backups.last_outcome(_instance())
    return render_template(
        "admin/backups.html", form=form, action=ActionForm(), backups=kept, outcome=outcome,
        outcome_at=datetime.fromisoformat(outcome.at).astimezone(tz) if outcome else None,
        folder=store.backups.folder(_instance()), second=settings["backup_folder"],
        second_problem=gathered.second_folder_problem(settings["backup_folder"], outcome),
        missing=MISSING), status


@bp.post("/settings/backups")
@requires("admin")
def backups_save():
    """Save the daily backup's hour and the second folder."""
    form = BackupForm()
    if not form.validate_on_submit():
        not_saved(form)
        return _page(form, 400)
    store.settings.save(get_db(), {"backup_time": form.backup_time.data,
                                   "backup_folder": form.backup_folder.data}, actor=actor())
    health.forget()
    flash(_("Pengaturan cadangan disimpan."), "info")
    return redirect(url_for(".backups"))


@bp.post("/settings/backups/now")
@requires("admin")
def backup_now():
    """Make today's backup now, and copy it to the second folder."""
    if not ActionForm().validate_on_submit():
        abort(400)
    settings = office_settings()
    keeper = current_app.extensions.get("upkeep")
    if keeper is not None:
        outcome = keeper.backup_now(settings["backup_folder"], office_tz())
    else:  # another WSGI server than ours: no upkeep thread, the same backup
        outcome = store.backups.daily(Path(current_app.config["DATABASE"]), _instance(),
                                      datetime.now(office_tz()).date(),
                                      settings["backup_folder"])
    db = get_db()
    with store.schema.write_transaction(db):
        store.audit.record(db, "backup", actor(), f"backup written to {outcome.file}"
                           if outcome.file else f"backup failed: {outcome.error}")
    health.forget()
    if outcome.error:
        flash(_("Cadangan gagal dibuat: %(reason)s. Cadangan sebelumnya tetap aman.",
                reason=outcome.error), "error")
    elif outcome.second_error == MISSING:
        flash(_("Cadangan dibuat di komputer ini, tetapi folder kedua %(folder)s tidak "
                "ditemukan, jadi salinan ke sana dilewati. Colokkan flashdisk itu.",
                folder=outcome.second_folder), "error")
    elif outcome.second_error:
        flash(_("Cadangan dibuat, tetapi tidak tersalin ke folder kedua %(folder)s (%(reason)s).",
                folder=outcome.second_folder, reason=outcome.second_error), "error")
    else:
        flash(_("Cadangan dibuat: %(name)s.", name=Path(outcome.file or "").name), "info")
    return redirect(url_for(".backups"))


@bp.get("/backup.db")
@requires("admin")
def backup_download():
    """A consistent copy of the whole database (online backup), as a file download."""
    folder = Path(tempfile.mkdtemp(prefix="skm-backup-"))
    try:
        copy = store.backup.backup(Path(current_app.config["DATABASE"]), folder / "skm.db")
        data = copy.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    name = f"skm-cadangan-{datetime.now():%Y%m%d-%H%M}.db"
    note_export(f"backup download {name}")
    return send_file(io.BytesIO(data), mimetype="application/vnd.sqlite3", as_attachment=True,
                     download_name=name, max_age=0)
