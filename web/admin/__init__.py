"""Administration pages: services, survey settings, kiosks, accounts and flagged responses."""
from __future__ import annotations

from flask import Blueprint, flash, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import ValidationError

import store
from ikm import office, office_hours, periods
from ikm.refused import Refused
from web.auth import requires
from web.database import get_db
from web.helpers import lang, office_settings, today

bp = Blueprint("admin", __name__, url_prefix="/staff")


# What each refusal (ikm.refused.Refused) means, in words for the page.
REFUSALS = {
    ("code", "invalid"): _l("Kode layanan: pakai huruf besar, angka atau tanda -, tanpa "
                            "spasi, paling banyak 20 (misalnya SKTM)."),
    ("code", "taken"): _l("Kode layanan: %(code)s sudah dipakai. Pilih kode lain."),
    ("name", "required"): _l("Nama wajib diisi."),
    ("name", "too_long"): _l("Nama paling banyak %(max)s huruf."),
    ("keywords", "required"): _l("Kata kunci: isi paling sedikit satu kata kunci."),
    ("keywords", "too_many"): _l("Kata kunci: %(count)s kata kunci, paling banyak %(max)s."),
    ("keywords", "too_long"): _l("Kata kunci: “%(keyword)s…” terlalu panjang, "
                                 "paling banyak %(max)s huruf per kata kunci."),
    ("question_order", "repeated"): _l(
        "Urutan pertanyaan: nomor %(number)s dipilih untuk lebih dari satu unsur "
        "(%(codes)s). Pakai setiap nomor 1 sampai %(count)s tepat satu kali."),
    ("unsur", "invalid"): _l("Unsur tidak dikenal."),
    ("office_hours", "time"): _l("Jam layanan: “%(value)s” bukan jam. Tulis JJ:MM, misalnya "
                                 "08:00."),
    ("office_hours", "order"): _l("Jam layanan: jam buka %(opens)s harus sebelum jam tutup "
                                  "%(closes)s."),
    ("holidays", "date"): _l("Hari libur, baris %(line)s: “%(text)s” tidak diawali tanggal "
                             "TTTT-BB-HH, misalnya 2026-12-25 Hari Raya Natal."),
    ("holidays", "name"): _l("Hari libur, baris %(line)s: nama paling banyak %(max)s huruf."),
    ("holidays", "too_many"): _l("Hari libur: %(count)s tanggal, paling banyak %(max)s."),
    ("reasons", "full"): _l("Unsur ini sudah punya %(max)s alasan aktif, sebanyak yang muat "
                            "di layar tablet. Nonaktifkan satu alasan terlebih dahulu."),
    ("audio", "empty"): _l("Berkas rekaman: kosong atau belum dipilih. Pilih berkas suara "
                           "dari ponsel atau komputer ini."),
    ("audio", "too_large"): _l("Berkas rekaman: terlalu besar; paling besar %(mb)s MB (lebih "
                               "dari satu menit suara). Rekam lebih singkat, atau simpan "
                               "sebagai M4A atau MP3."),
    ("audio", "type"): _l("Berkas rekaman: bukan berkas suara yang dapat diputar tablet. "
                          "Pakai rekaman M4A, MP3, WebM, Ogg atau WAV."),
    ("role", "invalid"): _l("Peran tidak dikenal."),
    ("role", "self"): _l("Anda tidak dapat menurunkan peran Anda sendiri. Minta admin lain "
                         "melakukannya."),
    ("user", "self"): _l("Anda tidak dapat menonaktifkan akun Anda sendiri."),
    ("user", "last_admin"): _l("Harus selalu ada paling sedikit satu admin aktif. Jadikan "
                               "pengguna lain admin terlebih dahulu."),
}


def refusal(exc: Refused) -> str:
    """Return what a refusal means, in the page's language."""
    return str(REFUSALS[exc.field, exc.reason]) % exc.details


def not_saved(form: FlaskForm, *extra: str) -> None:
    """Say at the top of the page which fields stopped the form from being saved."""
    names = [str(f.label.text) for f in form if f.errors and f.name != "csrf_token"]
    flash(_("Belum disimpan. Periksa: %(fields)s.", fields=", ".join(names + list(extra))),
          "error")


class ActionForm(FlaskForm):
    """A button that changes something: it carries only its CSRF token."""


class WholeNumber(IntegerField):
    """A whole number within `bounds`, else those ikm.office.LIMITS gives its setting."""

    def __init__(self, label=None, validators=None, bounds: tuple[int, int] | None = None,
                 **kwargs):
        super().__init__(label, validators, **kwargs)
        self.bounds = bounds

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None  # one message, from pre_validate, in the page's language

    def pre_validate(self, form):
        low, high = self.bounds or office.LIMITS[self.name]
        if self.data is None or not low <= self.data <= high:
            raise ValidationError(_("%(label)s: isi angka bulat dari %(low)s sampai %(high)s.",
                                    label=self.label.text, low=low, high=high))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


# --- the landing page ----------------------------------------------------------------

@bp.get("/settings/")
@requires("admin")
def index():
    """The administration sections, each with a one-line summary."""
    db = get_db()
    settings = office_settings()
    month = periods.containing("month", today())
    held = store.responses.flagged(db, month.start, month.end)
    waiting = sum(1 for r in held if not r["counted"])
    return render_template(
        "admin/index.html", settings=settings, waiting=waiting,
        services=store.services.count_active(db), kiosks=store.kiosks.count_active(db),
        accounts=store.accounts.count_active(db),
        questions=len(office.questions(settings)), themes=len(store.themes.active(db)),
        reasons=len(store.reasons.in_order(db, active_only=True)),
        recordings=len(store.recordings.listed(db)),
        hours=office_hours.describe(settings["office_hours"], lang()),
        mail_waiting=store.mail.status(db).waiting)


# --- services ------------------------------------------------------------------------


# The pages register their routes on bp when imported.
from web.admin import (  # noqa: E402,F401
    accounts,
    audio,
    audit,
    backup,
    flagged,
    hours,
    kiosks,
    logs,
    mail,
    phone,
    reasons,
    services,
    survey,
    themes,
)
