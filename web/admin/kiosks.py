"""Kiosk tablets: pair with a link and a QR code, rename, revoke, watch."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import segno
from flask import (
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import (
    StringField,
)
from wtforms.validators import DataRequired, Length

import store
from ikm import clock, periods
from web.admin import ActionForm, _strip, bp, not_saved
from web.auth import actor, requires
from web.database import get_db
from web.helpers import found, lang, office_settings
from web.network import is_local, tablet_base_url


@bp.context_processor
def time_helpers() -> dict:
    """Give the admin templates stored UTC times as 'x minutes ago' and office time."""
    offset = office_settings()["utc_offset"]
    zone = clock.zone_name(offset)
    tz = clock.parse_offset(offset)
    months = periods.MONTHS_EN if lang() == "en" else periods.MONTHS

    def moment(value: str | None) -> dict | None:
        """Return a stored time as how long ago ('ago') and in office time ('exact')."""
        local = clock.local_time(value, tz)
        if local is None:
            return None
        delta = local - datetime.now(timezone.utc)
        return {"ago": format_timedelta(delta, add_direction=True)
                if delta < timedelta(minutes=-1) else _("baru saja"),
                "exact": f"{local.day} {months[local.month - 1][:3]} {local.year}, "
                         f"{local:%H:%M} {zone}"}

    def skew(offset_ms: int | None) -> str | None:
        minutes = clock.clock_skew_minutes(offset_ms)
        if minutes is None:
            return None
        size = format_timedelta(timedelta(minutes=abs(minutes)), threshold=1)
        if minutes > 0:
            return _("Jam tablet selisih %(size)s (terlambat).", size=size)
        return _("Jam tablet selisih %(size)s (terlalu cepat).", size=size)

    return {"moment": moment, "skew": skew}


class KioskForm(FlaskForm):
    name = StringField(_l("Nama kios"), filters=[_strip], validators=[
        DataRequired(_l("Nama kios wajib diisi, misalnya Loket 1.")),
        Length(max=60, message=_l("Nama kios paling banyak 60 huruf."))])


def _kiosk(kiosk_id: int) -> dict:
    return found(store.kiosks.get(get_db(), kiosk_id))


@bp.get("/kiosks")
@requires("admin")
def kiosks():
    """The kiosk tablets: when each last called in and what it still holds."""
    return render_template("admin/kiosks.html", kiosks=store.kiosks.with_counts(get_db()))


def show_pairing_once(kiosk_id: int, token: str):
    # The token rides in the signed session across one redirect and is removed when shown,
    # so a reload or the browser's history never shows it again.
    session["pairing"] = {"id": kiosk_id, "token": token}
    return redirect(url_for(".kiosk_pairing", kiosk_id=kiosk_id))


@bp.route("/kiosks/new", methods=["GET", "POST"])
@requires("admin")
def kiosk_new():
    """Register a kiosk tablet, then show its pairing link once."""
    form = KioskForm()
    if form.validate_on_submit():
        kiosk_id, token = store.kiosks.add_kiosk(get_db(), form.name.data, actor=actor())
        return show_pairing_once(kiosk_id, token)
    if form.errors:
        not_saved(form)
    return render_template("admin/kiosk_form.html", form=form, kiosk=None)


@bp.get("/kiosks/<int:kiosk_id>/pairing")
@requires("admin")
def kiosk_pairing(kiosk_id: int):
    """The pairing link, its QR code and the token, shown this once."""
    kiosk = _kiosk(kiosk_id)
    shown = session.pop("pairing", None) or {}
    token = shown.get("token") if shown.get("id") == kiosk_id else None
    link = qr = None
    if token:
        link = store.kiosks.pairing_link(tablet_base_url(request.host_url, request.host), token)
        qr = Markup(segno.make_qr(link, error="m").svg_inline(
            scale=6, light="#fff", title=_("Kode QR pemasangan")))
    local = is_local(request.host)
    page = render_template("admin/kiosk_pairing.html", kiosk=kiosk, token=token, link=link,
                           qr=qr, local=local)
    return page, 200, {"Cache-Control": "no-store"}


@bp.route("/kiosks/<int:kiosk_id>/edit", methods=["GET", "POST"])
@requires("admin")
def kiosk_edit(kiosk_id: int):
    """Rename a kiosk."""
    kiosk = _kiosk(kiosk_id)
    form = KioskForm(data=kiosk)
    if form.validate_on_submit():
        store.kiosks.rename_kiosk(get_db(), kiosk_id, form.name.data, actor=actor())
        flash(_("Nama kios diganti menjadi %(name)s.", name=form.name.data), "info")
        return redirect(url_for(".kiosks"))
    if form.errors:
        not_saved(form)
    return render_template("admin/kiosk_form.html", form=form, kiosk=kiosk)


@bp.route("/kiosks/<int:kiosk_id>/revoke", methods=["GET", "POST"])
@requires("admin")
def kiosk_revoke(kiosk_id: int):
    """Ask, then revoke a kiosk: the tablet can no longer send; its responses stay."""
    kiosk = _kiosk(kiosk_id)
    form = ActionForm()
    if form.validate_on_submit():
        store.kiosks.revoke(get_db(), kiosk_id, actor=actor())
        flash(_("Kios %(name)s dicabut.", name=kiosk["name"]), "info")
        return redirect(url_for(".kiosks"))
    return render_template(
        "admin/confirm.html", form=form, title=_("Cabut kios?"), subject=kiosk["name"],
        button=_("Ya, cabut kios ini"), cancel=url_for(".kiosks"), lines=[
            _("Tablet ini tidak bisa lagi mengirim jawaban survei. Pakai ini jika tablet "
              "hilang, rusak, atau tidak dipakai lagi."),
            _("Jawaban yang sudah diterima tetap tersimpan dan tetap dihitung."),
            _("Jawaban yang masih menunggu di tablet (%(n)s) baru terkirim jika tablet ini "
              "dipasangkan ulang.", n=kiosk["outbox"] or 0),
            _("Untuk memakainya lagi, pilih Pasangkan ulang."),
        ])


@bp.route("/kiosks/<int:kiosk_id>/repair", methods=["GET", "POST"])
@requires("admin")
def kiosk_repair(kiosk_id: int):
    """Ask, then give a kiosk a new token and show its new pairing link once."""
    kiosk = _kiosk(kiosk_id)
    form = ActionForm()
    if form.validate_on_submit():
        token = store.kiosks.new_pairing(get_db(), kiosk_id, actor=actor())
        return show_pairing_once(kiosk_id, token)
    return render_template(
        "admin/confirm.html", form=form, title=_("Pasangkan ulang kios?"),
        subject=kiosk["name"], button=_("Ya, buat tautan baru"), danger=False,
        cancel=url_for(".kiosks"), lines=[
            _("Sebuah tautan pemasangan baru dibuat. Tautan lama langsung tidak berlaku: "
              "tablet yang memakainya tidak bisa mengirim lagi sampai dipasangkan dengan "
              "tautan baru."),
            _("Jawaban yang masih menunggu di tablet lama terkirim setelah tablet itu "
              "dipasangkan dengan tautan baru."),
            _("Jawaban yang sudah diterima tetap tersimpan."),
        ])


# --- accounts ------------------------------------------------------------------------
