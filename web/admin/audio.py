"""Pengaturan → Suara: the kiosk's prompts read aloud, recorded or uploaded by staff."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, StringField
from wtforms.validators import Length

import store
from ikm import audio, office
from ikm.method import PERMENPAN_2017
from ikm.refused import Refused
from web.admin import ActionForm, bp, not_saved, refusal
from web.auth import actor, requires
from web.database import get_db
from web.errors import json_error
from web.helpers import lang, office_settings
from web.i18n import KIOSK_TEXT
from web.kiosk_audio import instance, version

KEYS = ("local_language", "audio_autoplay")
STATUS = {"empty": 400, "too_large": 413, "type": 415}  # by the refusal's reason
RECEIVERS = ("admin.audio_upload", "admin.audio_record")


class VoiceForm(FlaskForm):
    local_language = StringField(
        _l("Bahasa daerah"), filters=[office.tidy_name],
        validators=[Length(max=audio.MAX_LOCAL_NAME, message=_l(
            "Bahasa daerah: paling banyak %(max)s huruf.", max=audio.MAX_LOCAL_NAME))])
    audio_autoplay = BooleanField(_l("Putar rekaman pertanyaan begitu pertanyaan tampil"))


class UploadForm(FlaskForm):
    audio = FileField(_l("Berkas rekaman"))


def _voice() -> str:
    chosen = request.args.get("voice")
    return chosen if chosen in audio.LANGUAGES else "id"


def _names(local: str) -> dict[str, str]:
    return {"id": "Bahasa Indonesia", "en": "English", "local": local or _("Bahasa daerah")}


def _prompts(voice: str) -> list[dict[str, Any]]:
    """Each prompt with the words to read in the voice's language (a local voice reads the
    Indonesian and says it in its own words), and its recording if there is one."""
    words_in = "en" if voice == "en" else "id"
    with force_locale(words_in):
        kiosk = {k: str(v) for k, v in KIOSK_TEXT.items()}
    recorded = {r.key: r for r in store.recordings.listed(get_db()) if r.lang == voice}
    asked = office.questions(office_settings())
    found = []
    for key in audio.KEYS:
        code = audio.unsur_of(key)
        if code is None:
            title = _("Sambutan") if key == "welcome" else _("Terima kasih")
            words = f"{kiosk[key]} {kiosk[key + '_sub']}"
        else:
            u = PERMENPAN_2017.unsur_by_code(code)
            name = u.name_en if lang() == "en" else u.name
            en = words_in == "en"
            if key == code:
                title, words = f"{code} {name}", u.question_en if en else u.question
            else:
                title = _("%(code)s pilihan jawaban (wajah 1 sampai 4)", code=code)
                words = " · ".join((u.labels_en if en else u.labels) or ())
        rec = recorded.get(key)
        found.append({"key": key, "title": title, "words": words, "rec": rec,
                      "asked": code is None or code in asked,
                      "url": rec and url_for("kiosk.audio", voice=voice, prompt=key,
                                             v=version(rec.sha256))})
    return found


def _page(form: VoiceForm | None = None, status: int = 200, failed: dict | None = None):
    settings = office_settings()
    voice = request.view_args.get("voice") if request.view_args else None
    voice = voice if voice in audio.LANGUAGES else _voice()
    form = form or VoiceForm(formdata=None, data={k: settings[k] for k in KEYS})
    counts = {v: 0 for v in audio.LANGUAGES}
    for r in store.recordings.listed(get_db()):
        counts[r.lang] += 1
    port = urlsplit(request.host_url).port
    here = f"http://localhost{f':{port}' if port else ''}{url_for('.audio_settings')}"
    return render_template(
        "admin/audio.html", form=form, voice=voice, names=_names(settings["local_language"]),
        counts=counts, total=len(audio.KEYS), prompts=_prompts(voice), failed=failed or {},
        local=settings["local_language"], localhost=here, max_local=audio.MAX_LOCAL_NAME,
        mb=audio.MAX_BYTES // (1024 * 1024)), status


def _back(voice: str, prompt: str | None = None) -> str:
    return url_for(".audio_settings", voice=voice) + (f"#p-{prompt}" if prompt else "")


def _known(voice: str, prompt: str) -> None:
    if voice not in audio.LANGUAGES or prompt not in audio.KEYS:
        abort(404)


@bp.route("/settings/audio", methods=["GET", "POST"])
@requires("admin")
def audio_settings():
    """The prompts read aloud per language, recorded or uploaded; the local language's name
    and whether questions play by themselves."""
    form = VoiceForm()
    if form.validate_on_submit():
        store.settings.save(get_db(), {k: form[k].data for k in KEYS}, actor=actor())
        flash(_("Pengaturan suara disimpan. Tablet memakainya setelah halaman kios dimuat "
                "ulang."), "info")
        return redirect(_back(_voice()))
    if form.is_submitted():
        not_saved(form)
        return _page(form, 400)
    return _page()


def _refused(voice: str, prompt: str, exc: Refused):
    """Say why a recording was not kept: JSON to the recorder, else the page, with its status."""
    status, message = STATUS.get(exc.reason, 400), refusal(exc)
    if request.method == "PUT":
        return json_error(status, "audio", message)
    flash(message, "error")
    return _page(status=status, failed={"key": prompt, "error": message})


def _kept(voice: str, prompt: str, data: bytes):
    """Keep a recording; return None, or the refusal to answer with."""
    try:
        store.recordings.save(get_db(), instance(), voice, prompt, data, actor=actor())
    except Refused as exc:
        return _refused(voice, prompt, exc)
    flash(_("Rekaman disimpan. Tablet memakainya setelah halaman kios dimuat ulang."), "info")
    return None


@bp.post("/settings/audio/<voice>/<prompt>")
@requires("admin")
def audio_upload(voice: str, prompt: str):
    """Keep an uploaded audio file (recorded on a phone, say) as a prompt's recording."""
    _known(voice, prompt)
    form = UploadForm()
    sent = form.audio.data if form.validate_on_submit() else None
    # One byte past the limit is enough to refuse; the rest is never read into memory.
    refused = _kept(voice, prompt, sent.read(audio.MAX_BYTES + 1) if sent else b"")
    return refused or redirect(_back(voice, prompt))


@bp.put("/settings/audio/<voice>/<prompt>")
@requires("admin")
def audio_record(voice: str, prompt: str):
    """Keep what the page recorded with the microphone (static/recorder.js); JSON reply."""
    _known(voice, prompt)
    refused = _kept(voice, prompt, request.get_data(cache=False))
    return refused or jsonify({"next": _back(voice, prompt)})


@bp.post("/settings/audio/<voice>/<prompt>/delete")
@requires("admin")
def audio_delete(voice: str, prompt: str):
    """Delete a prompt's recording in a language (asked on the page first)."""
    _known(voice, prompt)
    if ActionForm().validate_on_submit() and store.recordings.delete(
            get_db(), instance(), voice, prompt, actor=actor()):
        flash(_("Rekaman dihapus. Tablet tidak membacakannya lagi setelah halaman kios "
                "dimuat ulang."), "info")
    return redirect(_back(voice, prompt))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge):
    # Werkzeug refuses a body over MAX_CONTENT_LENGTH before the view runs: same words.
    if request.endpoint not in RECEIVERS or not request.view_args:
        return exc
    return _refused(request.view_args["voice"], request.view_args["prompt"],
                    Refused("audio", "too_large", mb=audio.MAX_BYTES // (1024 * 1024)))
