"""The forms of the follow-up plans: an action, and a change of its status with a note."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

import store
from ikm.follow_up import STATUSES
from ikm.method import PERMENPAN_2017
from store.actions import FIRST_YEAR, LAST_YEAR, MAX_NOTE, MAX_PUBLIC, MAX_WHAT, MAX_WHO

STATUS_LABELS = {"direncanakan": _l("Direncanakan"), "berjalan": _l("Berjalan"),
                 "selesai": _l("Selesai"), "dibatalkan": _l("Dibatalkan")}
TOO_LONG = _l("Paling banyak %(max)d huruf.")


def _in_years(form: FlaskForm, field: DateField) -> None:
    if field.data and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_l("Tahun harus antara %(a)d dan %(b)d.", a=FIRST_YEAR,
                                 b=LAST_YEAR))


def _period_day(form: FlaskForm, field: HiddenField) -> None:
    if field.data:
        try:
            date.fromisoformat(field.data)
        except ValueError:
            raise ValidationError(_l("Tanggal periode tidak dapat dibaca.")) from None


class ActionForm(FlaskForm):
    unsur = SelectField(_l("Unsur"),
                        choices=[SelectChoice(u.code, u.code) for u in PERMENPAN_2017.unsur],
                        validators=[InputRequired(_l("Pilih unsur."))])
    service = SelectField(_l("Layanan (boleh kosong)"), choices=[SelectChoice("", "")],
                          validators=[Optional()])
    what = TextAreaField(_l("Tindakan"), validators=[
        InputRequired(_l("Tulis apa yang akan dilakukan.")),
        Length(max=MAX_WHAT, message=TOO_LONG)])
    who = StringField(_l("Penanggung jawab"), validators=[
        Optional(), Length(max=MAX_WHO, message=TOO_LONG)])
    due = DateField(_l("Target waktu"), validators=[Optional(), _in_years])
    public_note = TextAreaField(_l("Keterangan untuk publik (boleh kosong)"), validators=[
        Optional(), Length(max=MAX_PUBLIC, message=TOO_LONG)])
    # The period whose results the action was decided from (the report's or IKM page's).
    baseline_from = HiddenField(validators=[Optional(), _period_day])
    baseline_to = HiddenField(validators=[Optional(), _period_day])

    def offer(self, services: list[dict], lang: str) -> None:
        """Name the unsur and the services in the page's language."""
        english = lang == "en"
        self.unsur.choices = [SelectChoice(u.code, f"{u.code} {u.name_en if english else u.name}")
                              for u in PERMENPAN_2017.unsur]
        self.service.choices = [SelectChoice("", "–")] + [
            SelectChoice(s["code"], s["name_en"] if english and s.get("name_en") else s["name"])
            for s in services]


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"),
                         choices=[SelectChoice(k, v) for k, v in STATUS_LABELS.items()],
                         validators=[
        InputRequired(_l("Pilih status.")), AnyOf(STATUSES, _l("Status tidak dikenal."))])
    note = TextAreaField(_l("Catatan"), validators=[
        Optional(), Length(max=MAX_NOTE, message=TOO_LONG)])


def services(db) -> list[dict]:
    """Return the services staff may pick for an action."""
    return store.services.in_order(db, active_only=True)
