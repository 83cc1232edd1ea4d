"""Opening hours and public holidays: when the kiosk takes surveys and when it rests."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField

import store
from ikm import office_hours
from ikm.office_hours import DAYS
from ikm.refused import Refused
from web.admin import _strip, bp, not_saved, refusal
from web.auth import actor, requires
from web.database import get_db
from web.helpers import lang, office_settings


class HoursForm(FlaskForm):
    quiet_hours = BooleanField(_l("Tablet istirahat di luar jam layanan dan pada hari libur"))
    holidays = TextAreaField(_l("Hari libur"))

    def values(self) -> dict[str, Any] | None:
        """Return the settings to save, or None with each refusal put on its field."""
        hours: list[list[str] | None] = []
        ok = True
        for n in range(7):
            if not self[f"open_{n}"].data:
                hours.append(None)
                continue
            try:
                hours.append(office_hours.span(self[f"from_{n}"].data or "",
                                               self[f"to_{n}"].data or ""))
            except Refused as exc:
                self[f"from_{n}"].errors = [*self[f"from_{n}"].errors, refusal(exc)]
                ok = False
        try:
            holidays = office_hours.parse_holidays(self.holidays.data or "")
        except Refused as exc:
            self.holidays.errors = [*self.holidays.errors, refusal(exc)]
            ok = False
        if not ok:
            return None
        return {"office_hours": hours, "holidays": holidays,
                "quiet_hours": bool(self.quiet_hours.data)}


for _n, _day in enumerate(DAYS["id"]):
    setattr(HoursForm, f"open_{_n}", BooleanField(_day))
    setattr(HoursForm, f"from_{_n}", StringField(_l("Buka"), filters=[_strip]))
    setattr(HoursForm, f"to_{_n}", StringField(_l("Tutup"), filters=[_strip]))


def _data(settings: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"quiet_hours": settings["quiet_hours"], "holidays": "\n".join(
        f"{day} {name}".strip() for day, name in settings["holidays"])}
    for n in range(7):
        span = settings["office_hours"][n] if n < len(settings["office_hours"]) else None
        data.update({f"open_{n}": bool(span), f"from_{n}": span[0] if span else "08:00",
                     f"to_{n}": span[1] if span else "16:00"})
    return data


@bp.route("/settings/hours", methods=["GET", "POST"])
@requires("admin")
def hours():
    """The week's opening hours, the holidays, and whether the kiosk rests outside them."""
    settings = office_settings()
    form = HoursForm(data=_data(settings))
    if form.validate_on_submit():
        values = form.values()
        if values is not None:
            store.settings.save(get_db(), values, actor=actor())
            flash(_("Jam layanan disimpan. Tablet memakainya setelah halaman kios dimuat "
                    "ulang."), "info")
            return redirect(url_for(".hours"))
    if form.is_submitted():
        not_saved(form)
    return render_template("admin/hours.html", form=form, days=DAYS["id"],
                           described=office_hours.describe(settings["office_hours"], lang())
                           ), 400 if form.is_submitted() else 200
