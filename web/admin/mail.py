"""E-mail of alerts: the office's SMTP server, who is told, a test mail, the queue's state."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import Length, ValidationError

import store
from ikm import mail
from ikm.clock import local_time
from ikm.refused import Refused
from results import alert_words
from web.admin import ActionForm, WholeNumber, _strip, bp, not_saved
from web.auth import actor, requires
from web.comments import when
from web.database import get_db
from web.helpers import office_settings, office_tz

KEYS = ("smtp_host", "smtp_port", "smtp_security", "smtp_user", "smtp_from", "alert_recipients")
MAX_PASSWORD = 200
SECURITY_LABELS = {
    "starttls": _l("STARTTLS (biasanya port 587)"),
    "ssl": _l("SSL/TLS (biasanya port 465)"),
    "none": _l("Tanpa enkripsi (hanya untuk server e-mail di jaringan kantor)"),
}
TOO_LONG = _l("Paling banyak %(max)d huruf.")


def _plain(form: FlaskForm, field: StringField) -> None:
    # A line break in a name or password would be sent to the server as a command.
    if any(ord(c) < 32 for c in field.data or ""):
        raise ValidationError(_("%(label)s: tanpa baris baru atau tab.",
                                label=field.label.text))


class MailForm(FlaskForm):
    smtp_host = StringField(_l("Server SMTP"), filters=[_strip])
    smtp_port = WholeNumber(_l("Port"))
    smtp_security = RadioField(_l("Keamanan sambungan"),
                               choices=[SelectChoice(k, v) for k, v in SECURITY_LABELS.items()])
    smtp_user = StringField(_l("Nama pengguna SMTP (boleh kosong)"), filters=[_strip],
                            validators=[Length(max=mail.MAX_USER, message=TOO_LONG), _plain])
    smtp_password = PasswordField(_l("Kata sandi SMTP"), validators=[
        Length(max=MAX_PASSWORD, message=TOO_LONG), _plain])
    forget_password = BooleanField(_l("Hapus kata sandi yang tersimpan"))
    smtp_from = StringField(_l("Alamat pengirim"), filters=[_strip])
    alert_recipients = StringField(_l("Kirim peringatan ke"), filters=[_strip])

    def validate_smtp_host(self, field: StringField) -> None:
        try:
            field.data = mail.host(field.data)
        except Refused:
            raise ValidationError(_("Server SMTP: tulis nama server (misalnya smtp.gmail.com) "
                                    "atau alamat IP-nya, atau kosongkan.")) from None

    def validate_smtp_from(self, field: StringField) -> None:
        if field.data:
            try:
                field.data = mail.address(field.data)
            except Refused:
                raise ValidationError(_("Alamat pengirim: %(address)s bukan alamat e-mail.",
                                        address=field.data)) from None
        elif self.smtp_host.data and not mail.sender({"smtp_from": "",
                                                     "smtp_user": self.smtp_user.data}):
            raise ValidationError(_("Alamat pengirim: wajib diisi bila nama pengguna SMTP "
                                    "bukan alamat e-mail."))

    def validate_alert_recipients(self, field: StringField) -> None:
        try:
            self.recipients = mail.recipients(field.data)
        except Refused as exc:
            if exc.reason == "too_many":
                raise ValidationError(_("Kirim peringatan ke: paling banyak %(max)s alamat.",
                                        max=mail.MAX_RECIPIENTS)) from None
            raise ValidationError(_("Kirim peringatan ke: %(address)s bukan alamat e-mail. "
                                    "Pisahkan alamat dengan koma.", **exc.details)) from None

    def values(self, stored_password: str) -> dict[str, Any]:
        """Return the settings to save; a password left blank keeps the stored one."""
        values = {k: self[k].data for k in KEYS}
        values["alert_recipients"] = self.recipients
        values["smtp_password"] = ("" if self.forget_password.data
                                   else self.smtp_password.data or stored_password)
        return values


def _page(form: MailForm, status: int = 200):
    settings = office_settings()
    queue = store.mail.status(get_db())
    tz = office_tz()
    return render_template(
        "admin/mail.html", form=form, action=ActionForm(), queue=queue, when=when,
        error_at=local_time(queue.last_error_at, tz), sent_at=local_time(queue.last_sent_at, tz),
        has_password=bool(settings["smtp_password"]), ready=mail.configured(settings)), status


@bp.get("/settings/mail")
@requires("admin")
def mail_settings():
    """The SMTP server, who is told of alerts, and how the e-mail queue stands."""
    current = office_settings()
    form = MailForm(data={**{k: current[k] for k in KEYS},
                          "alert_recipients": ", ".join(current["alert_recipients"])})
    return _page(form)


@bp.post("/settings/mail")
@requires("admin")
def mail_save():
    """Save the SMTP settings; the password is kept when the field is left blank."""
    form = MailForm()
    if not form.validate_on_submit():
        not_saved(form)
        return _page(form, 400)
    store.settings.save(get_db(), form.values(office_settings()["smtp_password"]),
                        actor=actor())
    flash(_("Pengaturan e-mail peringatan disimpan."), "info")
    return redirect(url_for(".mail_settings"))


@bp.post("/settings/mail/test")
@requires("admin")
def mail_test():
    """Queue a test e-mail to every recipient; the server sends it within a minute."""
    if not ActionForm().validate_on_submit():
        abort(400)
    settings = office_settings()
    if not mail.configured(settings):
        flash(_("Isi dan simpan server SMTP, alamat pengirim dan penerima dahulu."), "error")
        return redirect(url_for(".mail_settings"))
    db = get_db()
    subject, body = alert_words.trial_mail(settings["office_name"])
    with store.schema.write_transaction(db):
        count = store.mail.queue(db, settings["alert_recipients"], subject, body)
        store.audit.record(db, "mail", actor(), f"test mail queued for {count} recipients")
    flash(_("E-mail uji masuk antrean untuk %(n)s alamat. Server mengirimnya dalam satu menit; "
            "lihat hasilnya di bawah.", n=count), "info")
    return redirect(url_for(".mail_settings"))
