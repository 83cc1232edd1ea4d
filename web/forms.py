"""Flask-WTF forms of the staff side; each carries its CSRF token."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from store.accounts import MIN_PASSWORD

REQUIRED = _l("Wajib diisi.")
TOO_SHORT = _l("Minimal %(min)d karakter.")
DIFFERENT = _l("Kedua kata sandi tidak sama.")


class LoginForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(REQUIRED)])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(REQUIRED)])
    submit = SubmitField(_l("Masuk"))


class SetupForm(FlaskForm):
    username = StringField(_l("Nama pengguna admin"), validators=[
        DataRequired(REQUIRED), Length(3, 32, _l("3 sampai 32 karakter."))])
    password = PasswordField(_l("Kata sandi"), validators=[
        DataRequired(REQUIRED), Length(min=MIN_PASSWORD, message=TOO_SHORT)])
    confirm = PasswordField(_l("Ulangi kata sandi"), validators=[
        DataRequired(REQUIRED), EqualTo("password", DIFFERENT)])
    submit = SubmitField(_l("Buat akun admin"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Kata sandi sekarang"), validators=[DataRequired(REQUIRED)])
    new = PasswordField(_l("Kata sandi baru"), validators=[
        DataRequired(REQUIRED), Length(min=MIN_PASSWORD, message=TOO_SHORT)])
    confirm = PasswordField(_l("Ulangi kata sandi baru"), validators=[
        DataRequired(REQUIRED), EqualTo("new", DIFFERENT)])
    submit = SubmitField(_l("Ganti kata sandi"))
