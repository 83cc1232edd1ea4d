"""Flask-WTF forms of the staff side; each carries its CSRF token."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from ikm.users import MIN_PASSWORD


class LoginForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired()])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired()])
    submit = SubmitField(_l("Masuk"))


class SetupForm(FlaskForm):
    username = StringField(_l("Nama pengguna admin"), validators=[DataRequired(),
                                                                 Length(3, 32)])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(),
                                                          Length(min=MIN_PASSWORD)])
    confirm = PasswordField(_l("Ulangi kata sandi"), validators=[
        DataRequired(), EqualTo("password", _l("Kedua kata sandi tidak sama."))])
    submit = SubmitField(_l("Buat akun admin"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Kata sandi sekarang"), validators=[DataRequired()])
    new = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(),
                                                          Length(min=MIN_PASSWORD)])
    confirm = PasswordField(_l("Ulangi kata sandi baru"), validators=[
        DataRequired(), EqualTo("new", _l("Kedua kata sandi tidak sama."))])
    submit = SubmitField(_l("Ganti kata sandi"))
