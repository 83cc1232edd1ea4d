"""The survey on a citizen's own phone: a slip's code at /s/CODE, or typed in at /s/."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

import store
from web import phone_intake
from web.database import get_db
from web.errors import json_error
from web.i18n import LANGUAGES
from web.kiosk_pages import kiosk_config

bp = Blueprint("phone", __name__)

# What a phone says where the tablet's words do not fit: it sends its own answers, and its
# owner must keep the page open while the network is away.
PHONE_TEXT = {
    "offline": _l("Belum terkirim: tersimpan di ponsel ini"),
    "sending": _l("Mengirim jawaban Anda..."),
    "sent": _l("Jawaban Anda sudah kami terima. Halaman ini boleh ditutup."),
    "waiting": _l("Belum terkirim karena jaringan terputus. Biarkan halaman ini terbuka: "
                  "jawaban terkirim sendiri begitu ponsel tersambung lagi."),
    "refused": _l("Jawaban ini tidak dapat diterima: kode kupon ini sudah dipakai atau sudah "
                  "tidak berlaku."),
}
POSTER_TEXT = {"refused": _l("Anda sudah mengisi survei hari ini. Terima kasih.")}
# A used slip or an expired one is gone for good (410); an unknown one never was (404).
STATUS = {store.slips.USED: 410, store.slips.EXPIRED: 410, store.slips.UNKNOWN: 404}
NO_STORE = {"Cache-Control": "no-store"}


def _texts(mode: str, kiosk_text: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Return the kiosk's texts with the phone's own, in every language."""
    table = {**PHONE_TEXT, **(POSTER_TEXT if mode == "poster" else {})}
    texts = {}
    for lang in LANGUAGES:
        with force_locale(lang):
            texts[lang] = {**kiosk_text[lang], **{k: str(v) for k, v in table.items()}}
    return texts


def survey_page(mode: str, post_url: str, outbox: str, service: str | None = None):
    """Return the kiosk's survey laid out for a phone, sending to `post_url`."""
    config = kiosk_config()
    config.update(mode=mode, post_url=post_url, outbox=outbox,
                  text=_texts(mode, config["text"]), service=fixed_service(service))
    return render_template("kiosk.html", config=config), 200, NO_STORE


def fixed_service(service: str | None) -> str | None:
    """Return the slip's service if the office still offers it; else the citizen chooses."""
    row = store.services.get(get_db(), service) if service else None
    return service if row and row["active"] else None


def message(kind: str, status: int, **values):
    """Return the page that tells a citizen why there is no survey to answer here."""
    return render_template("phone/message.html", kind=kind, **values), status, NO_STORE


@bp.get("/s/")
def enter():
    """Type the code printed on a slip; it leads to that slip's survey."""
    typed = request.args.get("code")
    if typed is None:
        return message("enter", 200)
    code = store.slips.tidy(typed[:40])
    if code is None:
        return message("malformed", 400, typed=typed[:40])
    return redirect(url_for(".slip", code=code))


@bp.get("/s/<path:code>")
def slip(code: str):
    """The survey for one slip, or why it cannot be answered (used, expired, unknown)."""
    tidied = store.slips.tidy(code)
    if tidied is None:
        return message("malformed", 404, typed=code[:40])
    if tidied != code:  # typed in small letters or with a dash: the one address of the slip
        return redirect(url_for(".slip", code=tidied))
    row = store.slips.get(get_db(), code)
    problem = store.slips.state(row)
    if problem or row is None:
        return message(problem or store.slips.UNKNOWN, STATUS[problem or store.slips.UNKNOWN])
    return survey_page("phone", url_for(".answer", code=code), f"skm-phone-{code}",
                       row["service"])


@bp.post("/s/<path:code>")
def answer(code: str):
    """Store the response to one slip: once, and only while the slip is valid."""
    tidied = store.slips.tidy(code)
    if tidied is None:
        return json_error(404, "code", "not a slip's code: 8 letters and digits")
    with phone_intake.turn(f"slip:{tidied}"):
        row = store.slips.get(get_db(), tidied)
        service = fixed_service(row["service"]) if row else None
        return phone_intake.take("phone", slip=tidied, service=service)
