"""Staff pages: citizens' kritik dan saran of a period and their follow-up."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

import store
from ikm import periods
from ikm.clock import zone_name
from ikm.themes import themes_of
from web.auth import actor, requires
from web.database import get_db
from web.helpers import lang, neighbours, office_settings, office_tz, selected_period

bp = Blueprint("comments", __name__, url_prefix="/staff")

STATUS_LABELS = {"baru": _l("Baru"), "ditindaklanjuti": _l("Ditindaklanjuti"),
                 "selesai": _l("Selesai")}
FLAG_LABELS = {"too_fast": _l("diisi terlalu cepat"), "burst": _l("terlalu banyak sekaligus")}
# The list's period and filters, carried through a save so staff land where they were.
KEPT_ARGS = ("kind", "from", "to", "status", "service", "theme")
OTHERS = "lainnya"  # the theme filter's value for comments that fit no theme


class FollowUpForm(FlaskForm):
    # The page draws the radio buttons itself, one set per comment, with unique ids.
    status = StringField(_l("Status tindak lanjut"), validators=[
        InputRequired(_l("Pilih salah satu status.")),
        AnyOf(store.comments.STATUSES, _l("Status tidak dikenal."))])
    note = TextAreaField(_l("Apa yang sudah dilakukan?"), validators=[
        Optional(), Length(max=store.comments.MAX_NOTE,
                           message=_l("Catatan paling banyak %(max)d huruf."))])


def when(moment: datetime | None) -> str:
    """Return an office time as staff write it: '2 Nov 2026 09.15'."""
    if moment is None:
        return ""
    months = periods.MONTHS_EN if lang() == "en" else periods.MONTHS
    clock = moment.strftime("%H:%M" if lang() == "en" else "%H.%M")
    return f"{moment.day} {months[moment.month - 1][:3]} {moment.year} {clock}"


def kept_args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k in KEPT_ARGS and v}


@bp.get("/comments")
@requires("staff")
def index():
    """List the period's comments, newest first, with filters and a follow-up form each."""
    db = get_db()
    period = selected_period()
    offset = office_settings()["utc_offset"]
    services = store.comments.services_with_comments(db, period.start, period.end)
    status = request.args.get("status")
    status = status if status in store.comments.STATUSES else None
    service = request.args.get("service")
    service = service if service in {s["code"] for s in services} else None
    items = store.comments.list_comments(db, period.start, period.end, office_tz(),
                                         status, service)
    counts = store.comments.status_counts(db, period.start, period.end, service)
    themes = store.themes.active(db)
    found = {c.id: themes_of(c.text, themes) for c in items}
    theme = request.args.get("theme")
    theme = theme if theme in {OTHERS, *(str(t.id) for t in themes)} else None
    if theme:
        items = [c for c in items if (not found[c.id] if theme == OTHERS
                                      else theme in {str(t.id) for t in found[c.id]})]
    before, after = neighbours(period)
    # The period shown, not the one asked for: an unreadable one fell back to this month.
    args = {**period.query(), **({"status": status} if status else {}),
            **({"service": service} if service else {}), **({"theme": theme} if theme else {})}

    def link(**changes: str | None) -> str:
        """Return this list's address with some filters changed (None drops one)."""
        return url_for(".index", **{k: v for k, v in {**args, **changes}.items() if v})

    return render_template(
        "staff/comments.html", period=period, before=before, after=after, lang=lang(),
        items=items, counts=counts, status=status,
        service=service, services=services, labels=STATUS_LABELS, flags=FLAG_LABELS,
        when=when, link=link, saved=request.args.get("saved"), args=args,
        zone=zone_name(offset), max_note=store.comments.MAX_NOTE, themes=themes, theme=theme,
        found=found, others=OTHERS)


@bp.post("/comments/<response_id>")
@requires("staff")
def update(response_id: str):
    """Set one comment's follow-up status and note, then go back to the same list."""
    form = FollowUpForm()
    if not form.validate_on_submit():
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        flash(_("Belum disimpan: %(problem)s", problem=problems), "error")
        return redirect(url_for(".index", **kept_args()))
    db = get_db()
    if not store.comments.set_follow_up(db, response_id, form.status.data, form.note.data,
                                        actor=actor()):
        abort(404)
    flash(_("Tindak lanjut disimpan: status sekarang \u201c%(status)s\u201d.",
            status=STATUS_LABELS[form.status.data]), "info")
    # Back to the comment just saved, which then says so where staff are looking.
    return redirect(url_for(".index", **kept_args(), saved=response_id,
                            _anchor=f"c-{response_id}"))
