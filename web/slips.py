"""Survey slips for staff: make a printing of one-time codes, and its A4 sheets to cut."""
from __future__ import annotations

import segno
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import SelectChoice, SelectField
from wtforms.validators import ValidationError

import store
from results import slip_sheet
from web.admin import WholeNumber
from web.auth import actor, requires
from web.database import get_db
from web.helpers import office_settings, office_tz
from web.network import tablet_base_url

bp = Blueprint("slips", __name__, url_prefix="/staff")


def survey_address() -> str:
    """Return where slips' QR codes lead: the office's survey address, else this server's
    LAN address with the port staff reached it on."""
    return (office_settings()["survey_address"]
            or tablet_base_url(request.host_url, request.host)).rstrip("/")


class SlipsForm(FlaskForm):
    count = WholeNumber(_l("Jumlah kupon"), bounds=(1, store.slips.MAX_SLIPS), default=10)
    service = SelectField(_l("Layanan"), validate_choice=False)

    def validate_service(self, field):
        if field.data and field.data not in {c.value for c in field.choices}:
            raise ValidationError(_("Layanan: pilih salah satu layanan dari daftar."))


@bp.route("/slips", methods=["GET", "POST"])
@requires("staff")
def make():
    """Make a printing of slips (audited), then show its sheets; earlier printings below."""
    db = get_db()
    form = SlipsForm()
    form.service.choices = [SelectChoice("", _("Tidak ditentukan: warga memilih sendiri"))] + [
        SelectChoice(s["code"], s["name"]) for s in store.services.in_order(db, True)]
    if form.validate_on_submit():
        made = store.slips.create(db, form.count.data, form.service.data or None,
                                  office_settings()["slip_days"], actor=actor())
        # To the sheets by address: reloading them prints the same slips, never new ones.
        return redirect(url_for(".sheet", batch=made[0]["code"]))
    status = 400 if form.errors else 200
    return render_template("staff/slips.html", form=form, address=survey_address(),
                           days=office_settings()["slip_days"],
                           batches=store.slips.batches(db), names=_names()), status


def _names() -> dict[str, str]:
    return {s["code"]: s["name"] for s in store.services.in_order(get_db())}


@bp.get("/slips/sheet")
@requires("staff")
def sheet():
    """A printing's slips on A4 sheets of ten (the latest printing, unless one is named)."""
    db = get_db()
    code = store.slips.tidy(request.args.get("batch"))
    if request.args.get("batch") is not None and code is None:
        abort(404)
    if code is None:
        latest = store.slips.batches(db, 1)
        code = latest[0]["code"] if latest else None
    rows = store.slips.batch(db, code) if code else []
    if code and not rows:
        abort(404)
    items = slip_sheet.slips(rows, survey_address(), office_tz(), _names())
    qr = {s.code: Markup(segno.make_qr(s.link, error="m").svg_inline(
        scale=4, omitsize=True, svgclass="qr", title=s.grouped)) for s in items}
    return render_template("staff/slips_sheet.html", pages=slip_sheet.pages(items), qr=qr,
                           office=office_settings()["office_name"], words=slip_sheet,
                           count=len(items), used=sum(1 for r in rows if r["used_at"]))
