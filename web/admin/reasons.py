"""Reasons for an unhappy answer: add, rename, retire and restore the chips the kiosk shows."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length

import store
from ikm.method import PERMENPAN_2017
from ikm.reasons import MAX_ACTIVE, Reason
from ikm.refused import Refused
from web.admin import ActionForm, _strip, bp, not_saved, refusal
from web.auth import actor, requires
from web.database import get_db
from web.helpers import found

MAX_NAME = store.reasons.MAX_NAME


class ReasonForm(FlaskForm):
    # Bounds on unsur and name are the store's (store.reasons), said via REFUSALS.
    unsur = SelectField(_l("Unsur"), validate_choice=False)
    name = StringField(_l("Alasan"), filters=[_strip])
    name_en = StringField(_l("Alasan dalam bahasa Inggris (boleh kosong)"), filters=[_strip],
                          validators=[Length(max=MAX_NAME, message=_l(
                              "Nama bahasa Inggris paling banyak %(max)s huruf.",
                              max=MAX_NAME))])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.unsur.choices = [(u.code, f"{u.code} {u.name}") for u in PERMENPAN_2017.unsur]

    def saved(self, reason: Reason | None) -> int | None:
        """Add the reason or rename it; return its id, or None with the refusal shown."""
        try:
            if reason is None:
                return store.reasons.add(get_db(), self.unsur.data or "", self.name.data or "",
                                         self.name_en.data, actor=actor())
            store.reasons.rename(get_db(), reason.id, self.name.data or "", self.name_en.data,
                                 actor=actor())
            return reason.id
        except Refused as exc:
            field = self.unsur if exc.field == "reasons" else self[exc.field]
            field.errors = [*field.errors, refusal(exc)]
            return None


def _reason(reason_id: int) -> Reason:
    return found(store.reasons.get(get_db(), reason_id))


def _groups() -> list[dict[str, Any]]:
    """The reasons per unsur in unsur order; active (as the kiosk shows them) before retired."""
    listed = store.reasons.in_order(get_db())
    return [{"code": u.code, "title": f"{u.code} {u.name}",
             "active": [r for r in listed if r.unsur == u.code and r.active],
             "retired": [r for r in listed if r.unsur == u.code and not r.active]}
            for u in PERMENPAN_2017.unsur]


def _list_page(form: ReasonForm, status: int = 200):
    return render_template("admin/reasons.html", form=form, groups=_groups(),
                           max_name=MAX_NAME, max_active=MAX_ACTIVE), status


def _back(reason_id: int):
    return redirect(url_for(".reasons") + f"#r-{reason_id}")


@bp.route("/settings/reasons", methods=["GET", "POST"])
@requires("admin")
def reasons():
    """The reasons per unsur, with a form that adds one."""
    form = ReasonForm()
    if form.validate_on_submit():
        reason_id = form.saved(None)
        if reason_id is not None:
            flash(_("Alasan %(name)s ditambahkan.", name=_reason(reason_id).name), "info")
            return _back(reason_id)
    if form.is_submitted():
        not_saved(form)
        return _list_page(form, 400)
    return _list_page(form)


@bp.route("/settings/reasons/<int:reason_id>/edit", methods=["GET", "POST"])
@requires("admin")
def reason_edit(reason_id: int):
    """Rename a reason; what citizens chose before keeps counting under the new name."""
    reason = _reason(reason_id)
    form = ReasonForm(data={"unsur": reason.unsur, "name": reason.name,
                            "name_en": reason.name_en})
    if form.validate_on_submit() and form.saved(reason) is not None:
        flash(_("Alasan %(name)s disimpan.", name=_reason(reason_id).name), "info")
        return _back(reason_id)
    if form.is_submitted():
        not_saved(form)
    return render_template("admin/reason_form.html", form=form, reason=reason,
                           max_name=MAX_NAME), 400 if form.is_submitted() else 200


@bp.route("/settings/reasons/<int:reason_id>/retire", methods=["GET", "POST"])
@requires("admin")
def reason_retire(reason_id: int):
    """Ask, then retire a reason: no longer offered, its past counts kept."""
    reason = _reason(reason_id)
    if not reason.active:
        return _back(reason_id)
    form = ActionForm()
    if form.validate_on_submit():
        store.reasons.set_active(get_db(), reason_id, False, actor=actor())
        flash(_("Alasan %(name)s tidak ditawarkan lagi. Anda dapat memakainya kembali kapan "
                "saja.", name=reason.name), "info")
        return _back(reason_id)
    return render_template(
        "admin/confirm.html", form=form, title=_("Nonaktifkan alasan?"),
        subject=f"{reason.unsur}: {reason.name}", button=_("Ya, nonaktifkan"),
        cancel=url_for(".reasons"), lines=[
            _("Tablet dan ponsel warga tidak lagi menawarkan alasan ini."),
            _("Berapa kali alasan ini dipilih sebelumnya tetap tersimpan dan tetap tampil "
              "di halaman IKM dan laporan periode itu."),
            _("Alasan tidak dihapus: Anda dapat memakainya kembali kapan saja."),
        ])


@bp.post("/settings/reasons/<int:reason_id>/restore")
@requires("admin")
def reason_restore(reason_id: int):
    """Offer a retired reason again, if its unsur has room on the kiosk's screen."""
    reason = _reason(reason_id)
    if ActionForm().validate_on_submit() and not reason.active:
        try:
            store.reasons.set_active(get_db(), reason_id, True, actor=actor())
            flash(_("Alasan %(name)s ditawarkan lagi.", name=reason.name), "info")
        except Refused as exc:
            flash(refusal(exc), "error")
    return _back(reason_id)
