"""Surveys on citizens' phones: the survey address, how long slips last, and the poster."""
from __future__ import annotations

import segno
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, StringField
from wtforms.validators import ValidationError

import store
from ikm import office
from results import slip_sheet
from web.admin import WholeNumber, _strip, bp, not_saved
from web.auth import actor, requires
from web.database import get_db
from web.helpers import office_settings
from web.network import tablet_base_url
from web.slips import survey_address

KEYS = ("survey_address", "slip_days", "poster_enabled")


class PhoneForm(FlaskForm):
    survey_address = StringField(_l("Alamat survei"), filters=[_strip])
    slip_days = WholeNumber(_l("Masa berlaku kupon (hari)"))
    poster_enabled = BooleanField(_l("Buka survei lewat poster (tanpa kupon)"))

    def validate_survey_address(self, field):
        tidied = office.tidy_address(field.data)
        if tidied is None:
            raise ValidationError(_("Alamat survei: tulis alamat lengkap seperti "
                                    "http://192.168.1.10:5000, atau kosongkan."))
        field.data = tidied


@bp.route("/settings/phone", methods=["GET", "POST"])
@requires("admin")
def phone_settings():
    """Where slips lead, how long they last, and whether the poster takes responses."""
    current = office_settings()
    form = PhoneForm(data={k: current[k] for k in KEYS})
    if form.validate_on_submit():
        store.settings.save(get_db(), {k: form[k].data for k in KEYS}, actor=actor())
        flash(_("Pengaturan survei di ponsel disimpan."), "info")
        return redirect(url_for(".phone_settings"))
    if form.is_submitted():
        not_saved(form)
    lan = tablet_base_url(request.host_url, request.host).rstrip("/")
    return render_template("admin/phone.html", form=form, lan=lan, address=survey_address(),
                           limits=office.LIMITS, poster=current["poster_enabled"]
                           ), 400 if form.is_submitted() else 200


@bp.get("/settings/poster")
@requires("admin")
def poster_sheet():
    """A printable A4 poster with one big QR code to the poster's survey (/p)."""
    link = f"{survey_address()}{url_for('poster.survey')}"
    qr = Markup(segno.make_qr(link, error="m").svg_inline(
        scale=4, omitsize=True, svgclass="qr", title=_("Kode QR survei")))
    return render_template("admin/poster.html", qr=qr, address=link.split("://", 1)[-1],
                           office=office_settings()["office_name"], words=slip_sheet,
                           open=office_settings()["poster_enabled"])
