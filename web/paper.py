"""Paper questionnaires, staff side: numbered forms to print; entry and import register here."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlite_utils import Database
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

import store
from ikm import office
from ikm.clock import local_time
from ikm.method import PERMENPAN_2017
from ikm.profile import FIELDS
from web.auth import actor, requires
from web.database import get_db, write_turn
from web.helpers import office_settings, office_tz

bp = Blueprint("paper", __name__, url_prefix="/staff/paper")
MAX_FORMS = store.paper.MAX_FORMS


class BatchForm(FlaskForm):
    count = IntegerField(_l("Jumlah formulir"), default=20, validators=[
        InputRequired(_l("Jumlah formulir: isi angka 1 sampai %(max)s.", max=MAX_FORMS)),
        NumberRange(1, MAX_FORMS, _l("Jumlah formulir: isi angka 1 sampai %(max)s.",
                                     max=MAX_FORMS))])


def forms_html(db: Database, settings: dict[str, Any], first: int, last: int) -> Markup:
    """Return the printable forms first..last, in Bahasa Indonesia (the official wording)."""
    questions = []
    for code in office.questions(settings):
        u = PERMENPAN_2017.unsur_by_code(code)
        questions.append({"code": code, "question": u.question, "labels": u.labels})
    with force_locale("id"):
        return Markup(render_template(
            "paper/_forms.html", office=settings["office_name"], questions=questions,
            services=store.services.in_order(db, active_only=True), profile=FIELDS,
            serials=[store.paper.serial_text(n) for n in range(first, last + 1)]))


def forms_file(db: Database, settings: dict[str, Any], first: int, last: int) -> str:
    """Return the forms as one HTML file that holds its own style (for the command line)."""
    css = Path(current_app.static_folder or "static", "paper-forms.css").read_text("utf-8")
    with force_locale("id"):
        return render_template("paper/forms_file.html", css=Markup(css),
                               forms=forms_html(db, settings, first, last),
                               office=settings["office_name"],
                               first=store.paper.serial_text(first),
                               last=store.paper.serial_text(last))


def _index(form: BatchForm, status: int = 200):
    tz = office_tz()
    batches = [{**b, "last": b["first"] + b["count"] - 1,
                "at": local_time(b["created_at"], tz)}
               for b in store.paper.batches(get_db())]
    return render_template("paper/index.html", form=form, batches=batches,
                           serial=store.paper.serial_text), status


@bp.get("/")
@requires("staff")
def index():
    """Print numbered forms, and the ways in: typing them, or a spreadsheet."""
    return _index(BatchForm())


@bp.post("/forms")
@requires("staff")
def reserve():
    """Reserve the next serials for a batch (audited), then show its pages to print."""
    form = BatchForm()
    if not form.validate_on_submit():
        flash(_("Belum dicetak. Periksa: %(fields)s.", fields=_("Jumlah formulir")), "error")
        return _index(form, 400)
    with write_turn():
        first, last = store.paper.new_batch(get_db(), form.count.data, actor=actor())
    # A reload of the pages shows the same batch; it never reserves another.
    return redirect(url_for(".printable", first=first, last=last))


@bp.get("/forms/<int:first>-<int:last>")
@requires("staff")
def printable(first: int, last: int):
    """The forms of a reserved range, one A4 page each, to print."""
    db = get_db()
    if not 1 <= first <= last <= store.paper.reserved(db) or last - first >= MAX_FORMS:
        abort(404)  # only serials given out by a batch are printed
    return render_template("paper/print.html", forms=forms_html(db, office_settings(), first,
                                                                last),
                           first=store.paper.serial_text(first),
                           last=store.paper.serial_text(last), count=last - first + 1)


# The entry and import pages register their routes on bp when imported.
from web import paper_entry, paper_import  # noqa: E402,F401
