"""Staff accounts: add, change role, reset password, deactivate."""
from __future__ import annotations

from flask import (
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    PasswordField,
    RadioField,
    SelectChoice,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

import store
from ikm.refused import Refused
from web.admin import ActionForm, _strip, bp, not_saved, refusal
from web.auth import actor, requires
from web.database import get_db
from web.helpers import found

ROLE_WORDS = {"viewer": _l("Pembaca"), "staff": _l("Petugas"), "admin": _l("Admin")}
ROLE_CHOICES = [
    ("viewer", _l("Pembaca: melihat IKM dan laporan")),
    ("staff", _l("Petugas: juga kritik & saran, ekspor dan jawaban ditandai")),
    ("admin", _l("Admin: juga pengaturan, layanan, kios dan pengguna")),
]


class PasswordForm(FlaskForm):
    password = PasswordField(_l("Kata sandi baru"), validators=[
        DataRequired(_l("Kata sandi wajib diisi.")),
        Length(min=store.accounts.MIN_PASSWORD,
               message=_l("Kata sandi paling sedikit %(min)d huruf."))])
    confirm = PasswordField(_l("Ulangi kata sandi"), validators=[
        EqualTo("password", _l("Kedua kata sandi tidak sama."))])


class RoleForm(FlaskForm):
    role = RadioField(_l("Peran"), choices=[SelectChoice(v, t) for v, t in ROLE_CHOICES],
                      validate_choice=False)

    def validate_role(self, field):
        if field.data not in store.accounts.ROLES:
            raise ValidationError(_("Peran: pilih Pembaca, Petugas atau Admin."))


class UserForm(PasswordForm, RoleForm):
    username = StringField(_l("Nama pengguna"), filters=[lambda v: _strip(v).lower() if v else v],
                           validators=[DataRequired(_l("Nama pengguna wajib diisi.")),
                                       Regexp(r"^[a-z0-9._-]{3,32}$", message=_l(
                                           "Nama pengguna: 3 sampai 32 huruf kecil, angka, "
                                           "titik, garis bawah atau tanda -, tanpa spasi."))])

    def validate_username(self, field):
        if store.accounts.get_user(get_db(), field.data):
            raise ValidationError(_("Nama pengguna %(name)s sudah dipakai.", name=field.data))


def _user(user_id: int) -> dict:
    return found(store.accounts.get_by_id(get_db(), user_id))


@bp.get("/users")
@requires("admin")
def accounts():
    """The staff accounts, their roles and whether they may sign in."""
    db = get_db()
    return render_template("admin/users.html", users=store.accounts.everyone(db), roles=ROLE_WORDS,
                           choices=ROLE_CHOICES, slowed=store.signin.slowed(db))


@bp.route("/users/new", methods=["GET", "POST"])
@requires("admin")
def user_new():
    """Create a staff account with a first password."""
    form = UserForm(role="staff")
    if form.validate_on_submit():
        store.accounts.create_user(get_db(), form.username.data, form.password.data, form.role.data,
                                   actor=actor())
        flash(_("Akun %(name)s dibuat. Sampaikan kata sandinya secara langsung.",
                name=form.username.data), "info")
        return redirect(url_for(".accounts"))
    if form.errors:
        not_saved(form)
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/role", methods=["GET", "POST"])
@requires("admin")
def user_role(user_id: int):
    """Change what an account may do."""
    user = _user(user_id)
    form = RoleForm(data=user)
    if form.validate_on_submit():
        try:
            store.accounts.set_role(get_db(), user_id, form.role.data, acting_id=current_user.id,
                                    actor=actor())
        except Refused as exc:
            form.role.errors.append(refusal(exc))
        else:
            flash(_("Peran %(name)s sekarang: %(role)s.", name=user["username"],
                    role=ROLE_WORDS[form.role.data]), "info")
            return redirect(url_for(".accounts"))
    if form.errors:
        not_saved(form)
    return render_template("admin/user_form.html", form=form, user=user, part="role")


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@requires("admin")
def user_password(user_id: int):
    """Set a new password for someone who forgot theirs."""
    user = _user(user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        store.accounts.reset_password(get_db(), user_id, form.password.data, actor=actor())
        flash(_("Kata sandi %(name)s diganti. Sampaikan secara langsung, lalu minta ia "
                "menggantinya sendiri setelah masuk.", name=user["username"]), "info")
        return redirect(url_for(".accounts"))
    if form.errors:
        not_saved(form)
    return render_template("admin/user_form.html", form=form, user=user, part="password")


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@requires("admin")
def user_deactivate(user_id: int):
    """Ask, then stop an account from signing in; what it did stays."""
    user = _user(user_id)
    if user_id == current_user.id:  # say so at once rather than after a confirmation
        flash(refusal(Refused("user", "self")), "error")
        return redirect(url_for(".accounts"))
    form = ActionForm()
    if form.validate_on_submit():
        try:
            store.accounts.set_active(get_db(), user_id, False, acting_id=current_user.id,
                                      actor=actor())
        except Refused as exc:
            flash(refusal(exc), "error")
        else:
            flash(_("Akun %(name)s dinonaktifkan.", name=user["username"]), "info")
        return redirect(url_for(".accounts"))
    return render_template(
        "admin/confirm.html", form=form, title=_("Nonaktifkan akun?"),
        subject=user["username"], button=_("Ya, nonaktifkan"), cancel=url_for(".accounts"),
        lines=[_("Orang ini tidak bisa masuk lagi; jika sedang masuk, ia langsung keluar."),
               _("Catatan yang pernah ia buat tetap tersimpan."),
               _("Anda dapat mengaktifkannya kembali kapan saja.")])


@bp.post("/users/<int:user_id>/unlock")
@requires("admin")
def user_unlock(user_id: int):
    """Let an account try to sign in again at once, from every computer."""
    user = _user(user_id)
    if ActionForm().validate_on_submit():
        store.signin.lift(get_db(), user["username"], actor())
        flash(_("%(name)s dapat mencoba masuk lagi sekarang.", name=user["username"]), "info")
    return redirect(url_for(".accounts"))


@bp.post("/users/<int:user_id>/activate")
@requires("admin")
def user_activate(user_id: int):
    """Let a deactivated account sign in again."""
    user = _user(user_id)
    if ActionForm().validate_on_submit():
        store.accounts.set_active(get_db(), user_id, True, actor=actor())
        flash(_("Akun %(name)s aktif kembali.", name=user["username"]), "info")
    return redirect(url_for(".accounts"))


# --- flagged responses ---------------------------------------------------------------
