"""Alerts on the staff pages: the notice above each page, the list, and acknowledging one."""
from __future__ import annotations

import sqlite3
import time
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

import store
from ikm.alerts import MIN_GRADE_RESPONDENTS
from ikm.clock import local_time
from ikm.refused import Refused
from results import alert_words
from results import alerts as checked
from web.admin import not_saved
from web.auth import actor, requires
from web.comments import when
from web.database import get_db
from web.helpers import found, lang, office_settings, office_tz, today

bp = Blueprint("alerts", __name__, url_prefix="/staff")
# The check reads two months' figures; a drop seen a few minutes late costs nobody anything.
CHECK_SECONDS = 300
SHOWN = 5  # the notice names this many; the list page has them all


class AcknowledgeForm(FlaskForm):
    note = TextAreaField(_l("Catatan: apa yang dilakukan (boleh kosong)"), validators=[
        Optional(), Length(max=store.alerts.MAX_NOTE, message=_l("Paling banyak %(max)d huruf."))])


def current() -> list[dict[str, Any]]:
    """Return the alerts not yet acknowledged, checking the figures every few minutes."""
    cached = current_app.extensions.get("alerts_notice")
    if cached is not None and time.monotonic() < cached[0]:
        return cached[1]
    db = get_db()
    checked.check(db, today(), office_settings())
    found_now = store.alerts.open_alerts(db)
    seconds = current_app.config.get("ALERT_CHECK_SECONDS", CHECK_SECONDS)
    current_app.extensions["alerts_notice"] = (time.monotonic() + seconds, found_now)
    return found_now


def forget() -> None:
    """Read the alerts afresh on the next page (one was acknowledged)."""
    current_app.extensions.pop("alerts_notice", None)


def notice() -> list[dict[str, Any]]:
    """Return the open alerts for a signed-in person on a staff page, else []."""
    if not request.path.startswith("/staff/") or not current_user.is_authenticated:
        return []
    if "alerts" not in g:
        try:
            g.alerts = current()
        except (OSError, sqlite3.Error):
            # The page (perhaps the error page of a failing database) still shows.
            current_app.logger.exception("the alerts could not be checked")
            g.alerts = []
    return g.alerts


def _page(form: AcknowledgeForm | None = None, failed: int | None = None):
    db = get_db()
    tz = office_tz()
    current()
    listed = [{**a, "raised_at": local_time(a["raised_at"], tz),
               "acknowledged_at": local_time(a["acknowledged_at"], tz)}
              for a in store.alerts.open_alerts(db) + store.alerts.acknowledged(db)]
    return render_template("staff/alerts.html", alerts=listed, form=form or AcknowledgeForm(),
                           blank=AcknowledgeForm(formdata=None), failed=failed, when=when,
                           shown=store.alerts.LISTED, max_note=store.alerts.MAX_NOTE,
                           min_grade=MIN_GRADE_RESPONDENTS)


@bp.get("/alerts")
@requires("viewer")
def index():
    """The alerts: those to see to first, then those seen to, with who, when and a note."""
    return _page()


@bp.post("/alerts/<int:alert_id>/acknowledge")
@requires("staff")
def acknowledge(alert_id: int):
    """Mark an alert seen to, with a note of what was done."""
    db = get_db()
    alert = found(store.alerts.get(db, alert_id))
    form = AcknowledgeForm()
    if form.validate_on_submit():
        try:
            done = store.alerts.acknowledge(db, alert_id, form.note.data, actor=actor())
        except Refused:  # the form's own bound is the store's; kept in step by one constant
            form.note.errors = [_("Paling banyak %(max)d huruf.", max=store.alerts.MAX_NOTE)]
        else:
            forget()
            if done:
                flash(_("Peringatan ditandai sudah ditangani: %(title)s.",
                        title=alert_words.title(alert, lang())), "info")
            else:
                flash(_("Peringatan ini sudah ditandai sebelumnya oleh %(who)s.",
                        who=alert["acknowledged_by"] or "–"), "info")
            return redirect(url_for(".index"))
    not_saved(form)
    return _page(form, alert_id), 400


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        staff_alerts=notice, alerts_shown=SHOWN,
        alert_title=lambda alert: alert_words.title(alert, lang()),
        alert_words=lambda alert: alert_words.words(alert, lang()))
