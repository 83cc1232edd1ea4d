"""A spreadsheet of paper forms from the staff side: upload, preview (a dry run), confirm."""
from __future__ import annotations

import re
import secrets
import time
from datetime import date
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename
from wtforms import DateField, HiddenField, SelectField
from wtforms.validators import Optional, ValidationError

import store
from ikm.paper import check_date
from ikm.sheet import InputError
from results import paper_import
from web.auth import actor, requires
from web.database import get_db, write_turn
from web.errors import json_error
from web.helpers import office_settings, today
from web.paper import bp

KEEP_SECONDS = 24 * 3600  # an upload not confirmed within a day is removed
UPLOADED = re.compile(r"[0-9a-f]{32}-[A-Za-z0-9._-]{0,100}\.(csv|xlsx)")


class Options(FlaskForm):
    service = SelectField(_l("Layanan untuk baris tanpa layanan"), validate_choice=False)
    date = DateField(_l("Tanggal untuk baris tanpa tanggal"), validators=[Optional()])

    def validate_service(self, field):
        if field.data and store.services.get(get_db(), field.data) is None:
            raise ValidationError(_("Layanan: %(code)s tidak ada di kantor ini.",
                                    code=field.data[:40]))

    def validate_date(self, field):
        try:
            check_date(field.data, today())
        except ValueError:
            raise ValidationError(_("Tanggal: %(day)s belum terjadi atau di luar tahun "
                                    "1900-2999.", day=field.data.isoformat())) from None


class UploadForm(Options):
    file = FileField(_l("Berkas (.xlsx atau .csv)"), validators=[
        FileRequired(_l("Berkas: pilih file .xlsx atau .csv.")),
        FileAllowed(["csv", "xlsx"], _l("Berkas: hanya .xlsx atau .csv (simpan .xls sebagai "
                                        ".xlsx)."))])


class ConfirmForm(Options):
    file = HiddenField()


def _choices(form: Options) -> Options:
    form.service.choices = [("", _("Sesuai berkas"))] + [
        (s["code"], f"{s['code']} · {s['name']}")
        for s in store.services.in_order(get_db(), active_only=True)]
    return form


def _folder() -> Path:
    folder = Path(current_app.instance_path, "paper-imports")
    folder.mkdir(exist_ok=True)
    return folder


def _uploaded(name: str | None) -> Path | None:
    """Return the uploaded file a name refers to, or None when it is not (or no longer) one."""
    if not name or not UPLOADED.fullmatch(name):
        return None
    path = _folder() / name
    return path if path.is_file() else None


def _page(form: UploadForm, status: int = 200, **shown):
    return render_template("paper/import.html", form=_choices(form),
                           limit=current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024),
                           today_iso=today().isoformat(), **shown), status


def _run(path: Path, options: Options, dry_run: bool) -> paper_import.Imported:
    with write_turn():
        return paper_import.run(get_db(), path, office_settings(), actor=actor(),
                                source=f"upload {path.name[33:]}", dry_run=dry_run,
                                service=options.service.data or None, day=options.date.data)


def _args(name: str, options: Options) -> dict[str, str]:
    day: date | None = options.date.data
    return {"file": name, "service": options.service.data or "",
            "date": day.isoformat() if day else ""}


@bp.get("/import")
@requires("staff")
def upload():
    """Upload a file; with ?file=, what importing it would store, to confirm."""
    name = request.args.get("file")
    if not name:
        return _page(UploadForm(formdata=None))
    options = _choices(Options(formdata=request.args, meta={"csrf": False}))
    path = _uploaded(name)
    if path is None or not options.validate():
        flash(_("Berkas itu tidak ada lagi (sudah diimpor, atau diunggah lebih dari sehari "
                "lalu). Unggah lagi."), "error")
        return redirect(url_for(".upload"))
    try:
        preview = _run(path, options, dry_run=True)
    except InputError as exc:
        path.unlink(missing_ok=True)
        return _page(UploadForm(formdata=None), 400, problems=str(exc).splitlines(),
                     name=path.name[33:])
    confirm = _choices(ConfirmForm(formdata=None, data={
        "file": name, "service": options.service.data or "", "date": options.date.data}))
    return _page(UploadForm(formdata=None), preview=preview, confirm=confirm,
                 name=path.name[33:])


@bp.post("/import")
@requires("staff")
def receive():
    """Keep an uploaded file for its preview; nothing is stored yet."""
    form = _choices(UploadForm())
    if not form.validate_on_submit():
        return _page(form, 400)
    folder = _folder()
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - KEEP_SECONDS:
            old.unlink(missing_ok=True)
    stem, _dot, suffix = form.file.data.filename.rpartition(".")  # suffix: FileAllowed's
    name = f"{secrets.token_hex(16)}-{secure_filename(stem)[:100]}.{suffix.lower()}"
    form.file.data.save(folder / name)
    try:  # a file that cannot be imported is said at once, and not kept
        _run(folder / name, form, dry_run=True)
    except InputError as exc:
        (folder / name).unlink(missing_ok=True)
        return _page(form, 400, problems=str(exc).splitlines(), name=name[33:])
    return redirect(url_for(".upload", **_args(name, form)))


@bp.post("/import/confirm")
@requires("staff")
def confirm():
    """Import the previewed file, all or nothing (audited), and say what it stored."""
    form = _choices(ConfirmForm())
    path = _uploaded(form.file.data)
    if path is None or not form.validate_on_submit():
        flash(_("Belum diimpor: berkas itu tidak ada lagi. Unggah lagi."), "error")
        return redirect(url_for(".upload"))
    try:
        done = _run(path, form, dry_run=False)
    except InputError:
        return redirect(url_for(".upload", **_args(path.name, form)))  # shows why
    path.unlink(missing_ok=True)
    flash(_("Impor selesai: %(stored)s formulir disimpan, %(skipped)s dilewati karena nomornya "
            "sudah ada. IKM %(start)s sampai %(end)s sekarang %(ikm)s (mutu %(grade)s).",
            stored=done.stored, skipped=done.skipped, start=done.start.isoformat(),
            end=done.end.isoformat(), ikm=done.result.ikm, grade=done.result.grade), "info")
    return redirect(url_for(".upload"))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge):
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    message = _("Berkas: terlalu besar; paling besar %(mb)s MB. Bagi menjadi beberapa berkas.",
                mb=limit)
    if request.is_json:
        return json_error(413, "form", message)
    form = UploadForm(formdata=None)
    form.file.errors = [message]
    return _page(form, 413)
