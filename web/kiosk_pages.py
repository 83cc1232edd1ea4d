"""The kiosk pages the tablet opens: the survey itself and the pairing page."""
from __future__ import annotations

from flask import Blueprint, render_template

from ikm import config
from ikm.method import PERMENPAN_2017
from ikm.profile import FIELDS
from web.database import get_db
from web.i18n import kiosk_texts

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")


def both(id_text: str, en_text: str | None) -> dict[str, str]:
    return {"id": id_text, "en": en_text or id_text}


def kiosk_config() -> dict:
    """Return everything the kiosk needs to run a survey, in both languages."""
    db = get_db()
    settings = config.get_settings(db)
    questions = []
    for code in config.questions(settings):
        u = PERMENPAN_2017.unsur_by_code(code)
        questions.append({"code": code, "text": both(u.question, u.question_en),
                          "labels": {"id": list(u.labels), "en": list(u.labels_en)}})
    services = [{"code": r["code"], "name": both(r["name"], r["name_en"])}
                for r in db["services"].rows_where("active = 1", order_by="position")]
    profile = [{"key": f.key, "title": both(f.title, f.title_en),
                "options": [{"code": c, "label": both(i, e)} for c, i, e in f.options]}
               for f in FIELDS]
    return {
        "office": settings["office_name"],
        "questionnaire": settings["questionnaire"],
        "questions": questions,
        "services": services,
        "profile": profile,
        "idle_seconds": settings["idle_seconds"],
        "thanks_seconds": settings["thanks_seconds"],
        "discard_partial": settings["discard_partial"],
        "text": kiosk_texts(),
    }


@bp.get("/")
def survey():
    """The survey a citizen taps through."""
    return render_template("kiosk.html", config=kiosk_config())


@bp.get("/pair")
def pair():
    """Pair this tablet: the token in the link's fragment is checked and kept on the tablet."""
    return render_template("kiosk_pair.html")
