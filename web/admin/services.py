"""Services: add, rename, retire and order what the kiosk offers."""
from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    StringField,
)
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

import store
from ikm.refused import Refused
from web.admin import REFUSALS, ActionForm, _strip, bp, not_saved, refusal
from web.auth import actor, requires
from web.database import get_db
from web.helpers import found


class RenameServiceForm(FlaskForm):
    name = StringField(_l("Nama layanan"), filters=[_strip], validators=[
        DataRequired(_l("Nama layanan wajib diisi.")),
        Length(max=200, message=_l("Nama layanan paling banyak 200 huruf."))])
    name_en = StringField(_l("Nama dalam bahasa Inggris (boleh kosong)"), filters=[_strip],
                          validators=[Length(max=200, message=_l(
                              "Nama bahasa Inggris paling banyak 200 huruf."))])


class ServiceForm(RenameServiceForm):
    code = StringField(_l("Kode layanan"), filters=[lambda v: _strip(v).upper() if v else v],
                       validators=[DataRequired(_l("Kode layanan wajib diisi.")),
                                   Regexp(store.services.SERVICE_CODE.pattern + "$",
                                          message=REFUSALS["code", "invalid"])])

    def validate_code(self, field):
        if store.services.get(get_db(), field.data) is not None:
            raise ValidationError(str(REFUSALS["code", "taken"]) % {"code": field.data})


def _service(code: str) -> dict:
    return found(store.services.get(get_db(), code))


@bp.get("/services")
@requires("admin")
def services():
    """The office's services in kiosk order, active first, then the retired ones."""
    rows = store.services.with_counts(get_db())
    return render_template("admin/services.html", active=[r for r in rows if r["active"]],
                           retired=[r for r in rows if not r["active"]])


@bp.route("/services/new", methods=["GET", "POST"])
@requires("admin")
def service_new():
    """Add a service at the end of the kiosk's list."""
    form = ServiceForm()
    if form.validate_on_submit():
        try:
            code = store.services.add_service(get_db(), form.code.data, form.name.data,
                                              form.name_en.data, actor=actor())
        except Refused as exc:  # a code taken between the check and the insert
            form[exc.field].errors.append(refusal(exc))
        else:
            flash(_("Layanan %(code)s ditambahkan. Tablet menampilkannya setelah halaman kios "
                    "dimuat ulang.", code=code), "info")
            return redirect(url_for(".services"))
    if form.errors:
        not_saved(form)
    return render_template("admin/service_form.html", form=form, service=None)


@bp.route("/services/<code>/edit", methods=["GET", "POST"])
@requires("admin")
def service_edit(code: str):
    """Rename a service; its code never changes."""
    service = _service(code)
    form = RenameServiceForm(data=service)
    if form.validate_on_submit():
        store.services.rename_service(get_db(), code, form.name.data, form.name_en.data,
                                      actor=actor())
        flash(_("Nama layanan %(code)s diganti.", code=code), "info")
        return redirect(url_for(".services"))
    if form.errors:
        not_saved(form)
    return render_template("admin/service_form.html", form=form, service=service)


@bp.route("/services/<code>/retire", methods=["GET", "POST"])
@requires("admin")
def service_retire(code: str):
    """Ask, then retire a service: gone from the kiosk, its history kept."""
    service = _service(code)
    form = ActionForm()
    if form.validate_on_submit():
        store.services.set_service_active(get_db(), code, False, actor=actor())
        flash(_("Layanan %(name)s dinonaktifkan. Jawaban lamanya tetap tersimpan.",
                name=service["name"]), "info")
        return redirect(url_for(".services"))
    return render_template(
        "admin/confirm.html", form=form, title=_("Nonaktifkan layanan?"),
        subject=f"{service['code']}: {service['name']}", button=_("Ya, nonaktifkan"),
        cancel=url_for(".services"), lines=[
            _("Layanan ini tidak lagi muncul di tablet kios."),
            _("Jawaban survei yang sudah masuk untuk layanan ini tetap tersimpan dan tetap "
              "dihitung dalam laporan periode lalu."),
            _("Anda dapat mengaktifkannya kembali kapan saja."),
        ])


@bp.post("/services/<code>/activate")
@requires("admin")
def service_activate(code: str):
    """Bring a retired service back to the kiosk."""
    service = _service(code)
    if ActionForm().validate_on_submit():
        store.services.set_service_active(get_db(), code, True, actor=actor())
        flash(_("Layanan %(name)s aktif kembali.", name=service["name"]), "info")
    return redirect(url_for(".services"))


@bp.post("/services/<code>/move/<direction>")
@requires("admin")
def service_move(code: str, direction: str):
    """Move a service one place up or down in the kiosk's list."""
    _service(code)
    if direction not in ("up", "down"):
        abort(404)
    if ActionForm().validate_on_submit():
        store.services.move_service(get_db(), code, -1 if direction == "up" else 1, actor=actor())
    return redirect(url_for(".services") + f"#s-{code}")


# --- survey settings -----------------------------------------------------------------
