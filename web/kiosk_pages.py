"""The kiosk pages the tablet opens: the survey itself and the pairing page."""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, url_for

import store
from ikm import clock, office, office_hours
from ikm.method import PERMENPAN_2017
from ikm.profile import FIELDS
from web import kiosk_audio
from web.database import get_db
from web.helpers import office_settings
from web.i18n import kiosk_texts

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")


def both(id_text: str, en_text: str | None) -> dict[str, str]:
    return {"id": id_text, "en": en_text or id_text}


def kiosk_config() -> dict:
    """Return everything the kiosk needs to run a survey, in both languages."""
    db = get_db()
    settings = office_settings()
    questions = []
    for code in office.questions(settings):
        u = PERMENPAN_2017.unsur_by_code(code)
        questions.append({"code": code, "text": both(u.question, u.question_en),
                          "labels": {"id": list(u.labels), "en": list(u.labels_en)}})
    services = [{"code": r["code"], "name": both(r["name"], r["name_en"])}
                for r in store.services.in_order(db, active_only=True)]
    reasons: dict[str, list[dict]] = {}
    for r in store.reasons.in_order(db, active_only=True):
        reasons.setdefault(r.unsur, []).append({"id": r.id, "name": both(r.name, r.name_en)})
    profile = [{"key": f.key, "title": both(f.title, f.title_en),
                "options": [{"code": c, "label": both(i, e)} for c, i, e in f.options]}
               for f in FIELDS]
    return {
        "office": settings["office_name"],
        "questionnaire": settings["questionnaire"],
        "questions": questions,
        "services": services,
        "profile": profile,
        "reasons": reasons,  # per unsur, asked after an unhappy face
        "idle_seconds": settings["idle_seconds"],
        "thanks_seconds": settings["thanks_seconds"],
        "discard_partial": settings["discard_partial"],
        "hours": quiet_hours(settings),
        "audio": kiosk_audio.recordings(settings),  # prompts read aloud, where recorded
        "text": kiosk_texts(),
    }


def quiet_hours(settings: dict) -> dict:
    """Return when the kiosk rests (ikm.office_hours), for static/quiet.js, with its words."""
    offset = clock.parse_offset(settings["utc_offset"]).utcoffset(None)
    return {"quiet": settings["quiet_hours"], "week": settings["office_hours"],
            "holidays": {day: name for day, name in settings["holidays"]},
            "offset_minutes": int(offset.total_seconds() // 60) if offset else 0,
            "text": {lang: office_hours.describe(settings["office_hours"], lang)
                     for lang in ("id", "en")}}


@bp.get("/")
def survey():
    """The survey a citizen taps through."""
    return render_template("kiosk.html", config=kiosk_config())


KIOSK_FILES = ("kiosk.css", "outbox.js", "quiet.js", "speaker.js", "kiosk.js",
               "icons/icon.svg", "icons/icon-192.png", "icons/icon-512.png")


def kiosk_files() -> list[str]:
    """Return the URLs of the files the kiosk page needs, for the service worker to keep."""
    return [url_for("static", filename=f) for f in KIOSK_FILES] + [url_for("kiosk.manifest")]


@cache
def _version(root: str) -> str:
    digest = hashlib.sha256()
    paths = [Path(root, "static", f) for f in KIOSK_FILES]
    paths += [Path(root, "templates", t) for t in ("kiosk.html", "_faces.html", "sw.js")]
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@bp.get("/sw.js")
def service_worker():
    """The service worker, served under /kiosk/ so that its scope is the kiosk."""
    audio = kiosk_audio.addresses(kiosk_audio.recordings(office_settings()))
    # A new recording changes the worker, so the tablet installs it and keeps the new sound.
    version = hashlib.sha256(" ".join([_version(current_app.root_path), *audio]).encode())
    body = render_template("sw.js", version=version.hexdigest()[:12], files=kiosk_files(),
                           audio=audio)
    return body, 200, {"Content-Type": "text/javascript; charset=utf-8",
                       "Cache-Control": "no-cache"}


# The recordings: played by the kiosk and phones, no sign-in (web.kiosk_audio).
bp.add_url_rule("/audio/<voice>/<prompt>", "audio", kiosk_audio.serve)


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: installs the kiosk full-screen on an Android tablet."""
    icons = [{"src": url_for("static", filename=f"icons/icon-{n}.png"), "sizes": f"{n}x{n}",
              "type": "image/png", "purpose": "any maskable"} for n in (192, 512)]
    body = jsonify({
        "name": "Survei Kepuasan Masyarakat", "short_name": "SKM",
        "start_url": url_for("kiosk.survey"), "scope": url_for("kiosk.survey"),
        "display": "fullscreen", "orientation": "any",
        "background_color": "#f5f1e8", "theme_color": "#0d5c46", "icons": icons,
    })
    body.mimetype = "application/manifest+json"
    return body


@bp.get("/pair")
def pair():
    """Pair this tablet: the token in the link's fragment is checked and kept on the tablet."""
    return render_template("kiosk_pair.html")
