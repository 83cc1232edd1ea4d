"""Typing paper forms in: the keyboard-only entry page, each save, and undoing the last."""
from __future__ import annotations

from datetime import datetime, time, timezone
from typing import Any

from flask import jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError

import store
from ikm import office
from ikm.clock import local_time
from ikm.method import PERMENPAN_2017
from ikm.paper import SERIAL_DIGITS, typed_form
from ikm.refused import Refused
from ikm.validation import Invalid
from web import errors
from web.auth import actor, requires
from web.database import get_db, write_turn
from web.errors import json_error
from web.helpers import office_settings, office_tz, today
from web.paper import bp

# What each refusal of ikm.paper means, for the person typing.
REFUSALS = {
    ("form", "format"): _l("Formulir tidak terbaca. Muat ulang halaman ini."),
    ("serial", "required"): _l("Nomor formulir wajib diisi."),
    ("serial", "digits"): _l("Nomor formulir: hanya angka, paling banyak %(digits)s, bukan 0."),
    ("service", "required"): _l("Layanan wajib dipilih."),
    ("service", "unknown"): _l("Layanan: %(value)s tidak ada di kantor ini."),
    ("date", "required"): _l("Tanggal wajib diisi."),
    ("date", "format"): _l("Tanggal tidak terbaca (%(value)s). Tulis seperti 2026-11-28."),
    ("date", "range"): _l("Tanggal %(value)s di luar tahun %(low)s-%(high)s."),
    ("date", "future"): _l("Tanggal %(value)s belum terjadi. Periksa tanggal di formulir."),
    ("answers", "format"): _l("Jawaban tidak terbaca. Muat ulang halaman ini."),
    ("answers", "unknown"): _l("Pertanyaan %(code)s tidak ada di kuesioner kantor ini."),
    ("answers", "none"): _l("Belum ada jawaban: isi paling sedikit satu pertanyaan dengan 1-4."),
    ("answers", "answer"): _l("Pertanyaan %(code)s: %(value)s bukan jawaban. Pakai 1, 2, 3 "
                              "atau 4 (kosong: spasi)."),
}
MAX_ID = 64


def _since() -> str:
    """Return when the office's today began, as the store keeps times (UTC)."""
    start = datetime.combine(today(), time(0), tzinfo=office_tz())
    return start.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _row(entry: dict[str, Any], codes: list[str]) -> dict[str, Any]:
    """Return one typed form as the page lists it."""
    return {"id": entry["id"], "serial": entry["serial"], "service": entry["service"],
            "date": entry["local_date"], "answers": [entry[c.lower()] for c in codes],
            "who": entry["entered_by"],
            "at": local_time(entry["received_at"], office_tz()).strftime("%H:%M")}


def _next(serial: str | None) -> str:
    return store.paper.serial_text(int(serial) + 1) if serial else ""


@bp.get("/entry")
@requires("staff")
def entry():
    """The entry page: service and date stay set; serial, one key per answer, Enter."""
    settings = office_settings()
    codes = office.questions(settings)
    db = get_db()
    today_entries = store.paper.entries(db, _since())
    mine = next((e for e in today_entries if e["entered_by"] == current_user.username), None)
    questions = [PERMENPAN_2017.unsur_by_code(c) for c in codes]
    config = {"save": url_for(".save"), "undo": url_for(".undo", response_id="ID"),
              "user": current_user.username, "next": _next(mine and mine["serial"]),
              "entries": [_row(e, codes) for e in today_entries],
              "digits": SERIAL_DIGITS, "text": {
                  "key": _("Hanya angka 1-4. Kosong: spasi, 0 atau -. Mundur: Backspace."),
                  "digit": _("Nomor formulir: hanya angka."),
                  "missing": _("Isi semua kotak jawaban dulu (spasi untuk kosong)."),
                  "saved": _("Tersimpan: formulir %(serial)s.", serial="{serial}"),
                  "undone": _("Dibatalkan: formulir %(serial)s. Ketik ulang bila perlu.",
                              serial="{serial}"),
                  "offline": _("Tidak tersimpan: server tidak menjawab. Coba Enter lagi."),
                  "session": _("Tidak tersimpan: sesi Anda berakhir. Masuk lagi di tab lain, "
                               "lalu tekan Enter lagi."),
                  "required": _("wajib diisi."), "undo": _("Batalkan"), "blank": "–"}}
    return render_template("paper/entry.html", questions=questions, config=config,
                           services=store.services.in_order(db, active_only=True),
                           today=today().isoformat())


def refusal(exc: Refused) -> str:
    """Return what a refused form means, in the page's language."""
    return str(REFUSALS[exc.field.split(".")[0], exc.reason]) % exc.details


@bp.post("/entries")
@requires("staff")
def save():
    """Store one typed form (JSON); 201, or 4xx naming the field, and nothing is stored."""
    settings = office_settings()
    db = get_db()
    codes = office.questions(settings)
    try:
        form = typed_form(request.get_json(silent=True), store.services.codes(db), codes,
                          settings["questionnaire"], today(), office_tz())
    except Refused as exc:
        return json_error(400, exc.field, refusal(exc))
    with write_turn():
        status = store.paper_entries.enter(db, form, settings, actor=actor())
    if isinstance(status, Invalid):
        found = store.paper.entered(db, form.serial) if status.field == "serial" else None
        if found is None:
            return json_error(422, status.field, status.message)
        on = local_time(found["received_at"], office_tz()).date().isoformat()
        message = _("Formulir %(serial)s sudah diketik pada %(on)s oleh %(who)s. Periksa "
                    "nomornya di kertas.", serial=form.serial, on=on, who=found["entered_by"])
        return jsonify({**errors.body("serial", message), "entered_on": on,
                        "entered_by": found["entered_by"]}), 409
    stored = store.paper.entries(db, _since(), current_user.username)
    return jsonify({"entry": _row(stored[0], codes), "next": _next(form.serial)}), 201


@bp.post("/entries/<response_id>/undo")
@requires("staff")
def undo(response_id: str):
    """Remove the last form this person typed today (audited), so it can be typed again."""
    db = get_db()
    mine = store.paper.entries(db, _since(), current_user.username) \
        if len(response_id) <= MAX_ID else []
    if not mine or mine[0]["id"] != response_id:
        return json_error(409, "entry", _("Hanya formulir terakhir yang Anda ketik hari ini "
                                          "yang dapat dibatalkan."))
    with write_turn():
        store.paper.undo(db, response_id, actor=actor())
    return jsonify({"removed": response_id, "serial": mine[0]["serial"]})


@bp.errorhandler(CSRFError)
def _csrf(exc: CSRFError):
    # The entry page posts JSON and reads a JSON reply; a form gets the usual page.
    if request.is_json:
        return json_error(400, "csrf_token", _("Halaman ini terlalu lama terbuka. Muat ulang "
                                               "halaman, lalu ketik formulir ini lagi."))
    return errors._csrf_refused(exc)
