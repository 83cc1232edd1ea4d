"""Survey settings: questionnaire, question order, kiosk timings, abuse rules."""
from __future__ import annotations

from flask import (
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, ValidationError

import store
from ikm import clock, office
from ikm.method import PERMENPAN_2017
from ikm.refused import Refused
from web.admin import WholeNumber, _strip, bp, not_saved, refusal
from web.auth import actor, requires
from web.database import get_db
from web.helpers import lang, office_settings


class SettingsForm(FlaskForm):
    office_name = StringField(_l("Nama kantor"), filters=[_strip], validators=[
        DataRequired(_l("Nama kantor wajib diisi.")),
        Length(max=120, message=_l("Nama kantor paling banyak 120 huruf."))])
    utc_offset = SelectField(_l("Zona waktu kantor"), choices=[
        SelectChoice("+07:00", _l("WIB (UTC+7): Sumatera termasuk Jambi, Jawa, Kalimantan "
                                  "Barat dan Tengah")),
        SelectChoice("+08:00", _l("WITA (UTC+8): Bali, Nusa Tenggara, Sulawesi, Kalimantan "
                                  "Selatan, Timur dan Utara")),
        SelectChoice("+09:00", _l("WIT (UTC+9): Maluku dan Papua"))], validate_choice=False)
    questionnaire = RadioField(_l("Kuesioner"), choices=[
        SelectChoice("full", _l("Lengkap: 9 unsur (U1 sampai U9)")),
        SelectChoice("short", _l("Singkat: 3 unsur (U7 keramahan, U3 kecepatan, U9 sarana)"))],
        validate_choice=False)
    reset_order = BooleanField(_l("Kembalikan urutan bawaan"))
    idle_seconds = WholeNumber(_l("Batas diam (detik)"))
    thanks_seconds = WholeNumber(_l("Lama layar terima kasih (detik)"))
    discard_partial = BooleanField(_l("Buang survei yang ditinggal sebelum selesai"))
    min_survey_seconds = WholeNumber(_l("Waktu isi tercepat yang wajar (detik)"))
    burst_count = WholeNumber(_l("Survei beruntun: jumlah"))
    burst_window_seconds = WholeNumber(_l("Survei beruntun: dalam (detik)"))
    session_idle_hours = WholeNumber(_l("Keluar otomatis setelah tidak dipakai (jam)"))

    def validate_utc_offset(self, field):
        if field.data not in clock.TIME_ZONES:
            raise ValidationError(_("Zona waktu kantor: pilih WIB, WITA atau WIT."))

    def validate_questionnaire(self, field):
        if field.data not in office.QUESTIONNAIRES:
            raise ValidationError(_("Kuesioner: pilih lengkap atau singkat."))

    def validate(self, extra_validators=None) -> bool:
        """Check the fields, then that the question numbers are 1..9, each used once."""
        ok = super().validate(extra_validators)
        self.order, self.order_error = None, None
        if not self.reset_order.data:
            try:
                self.order = office.order_from_positions(
                    {c: self[f"order_{c}"].data for c in PERMENPAN_2017.codes})
            except Refused as exc:
                self.order_error = refusal(exc)
                ok = False
        return ok


for _n, _code in enumerate(PERMENPAN_2017.codes, start=1):
    setattr(SettingsForm, f"order_{_code}", SelectField(
        _code, coerce=int, choices=[SelectChoice(i, str(i)) for i in range(1, 10)], default=_n,
        validate_choice=False))

SETTING_KEYS = ("office_name", "utc_offset", "questionnaire", "idle_seconds",
                "thanks_seconds", "discard_partial", "min_survey_seconds", "burst_count",
                "burst_window_seconds", "session_idle_hours")


def full_order(settings: dict) -> list[str]:
    """Return all nine unsur in the order the office set (the full questionnaire's)."""
    return office.questions({**settings, "questionnaire": "full"})


@bp.route("/settings/survey", methods=["GET", "POST"])
@requires("admin")
def settings():
    """The kiosk's survey: questionnaire, question order, timings and abuse thresholds."""
    db = get_db()
    current = office_settings()
    shown = full_order(current)
    data = {k: current[k] for k in SETTING_KEYS}
    data.update({f"order_{c}": shown.index(c) + 1 for c in shown})
    form = SettingsForm(data=data)
    if form.validate_on_submit():
        values = {k: form[k].data for k in SETTING_KEYS}
        if form.reset_order.data:
            values["question_order"] = []
        elif form.order != shown:
            # Saved only when changed, so an untouched form keeps the short survey's own order.
            values["question_order"] = form.order
        store.settings.save(db, values, actor=actor())
        flash(_("Pengaturan disimpan. Tablet kios memakainya setelah halaman kios dimuat "
                "ulang: tutup lalu buka lagi aplikasi SKM di tablet."), "info")
        return redirect(url_for(".settings"))
    if form.is_submitted():
        not_saved(form, *([_("Urutan pertanyaan")] if form.order_error else []))
    asked = [PERMENPAN_2017.unsur_by_code(c) for c in office.questions(current)]
    return render_template("admin/settings.html", form=form, asked=asked, lang=lang(),
                           unsur=[PERMENPAN_2017.unsur_by_code(c) for c in
                                  PERMENPAN_2017.codes],
                           limits=office.LIMITS)


# --- kiosks --------------------------------------------------------------------------
