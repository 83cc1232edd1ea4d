"""Staff pages of the follow-up plans (rencana tindak lanjut): list, add, edit, status."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

import store
from ikm import periods
from results import follow_up
from web.action_forms import STATUS_LABELS, ActionForm, StatusForm, services
from web.admin import not_saved
from web.auth import actor, requires
from web.comments import when
from web.database import get_db
from web.helpers import found, lang, neighbours, office_tz, selected_period

bp = Blueprint("actions", __name__, url_prefix="/staff")
SHOWN = ("open", "closed", "all")


@bp.get("/actions")
@requires("viewer")
def index():
    """List the actions (open by default) with the period's PEKPPP figures."""
    show = request.args.get("show")
    show = show if show in SHOWN else "open"
    period = selected_period()
    everything = store.actions.list_actions(get_db(), office_tz())
    shown = [a for a in everything if show == "all" or (a.is_open == (show == "open"))]
    before, after = neighbours(period)
    return render_template("staff/actions.html", actions=shown, show=show, period=period,
                           before=before, after=after, lang=lang(), labels=STATUS_LABELS,
                           pekppp=follow_up.figures(everything, period),
                           counts={s: sum(1 for a in everything if s == "all"
                                          or a.is_open == (s == "open")) for s in SHOWN})


def _baseline(form: ActionForm) -> tuple[date, date] | None:
    if form.baseline_from.data and form.baseline_to.data:
        return (date.fromisoformat(form.baseline_from.data),
                date.fromisoformat(form.baseline_to.data))
    return None


def _refused(form: ActionForm, exc: ValueError) -> None:
    """Put a refusal of the store on the field it names."""
    name = str(exc).split(":", 1)[0]
    (form[name] if name in form else form.what).errors.append(str(exc))


@bp.route("/actions/new", methods=["GET", "POST"])
@requires("staff")
def new():
    """Add an action; the IKM page and the report open this pre-filled with unsur and period."""
    db = get_db()
    form = ActionForm()
    form.offer(services(db), lang())
    if request.method == "GET":
        form.unsur.data = request.args.get("unsur") or None
        form.service.data = request.args.get("service") or ""
        if request.args.get("from"):
            try:
                period = periods.from_args(request.args, {})
            except ValueError:
                period = None
            if period:
                form.baseline_from.data = period.start.isoformat()
                form.baseline_to.data = period.end.isoformat()
    elif form.validate_on_submit():
        try:
            action_id = store.actions.create(
                db, form.unsur.data, form.what.data, actor=actor(), who=form.who.data,
                due=form.due.data, service=form.service.data or None,
                baseline=_baseline(form))
        except ValueError as exc:
            _refused(form, exc)
        else:
            flash(_("Tindak lanjut ditambahkan."), "info")
            return redirect(url_for(".show", action_id=action_id))
    return _form_page(form, None)


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@requires("staff")
def edit(action_id: int):
    """Change what an action says, who does it, by when, and its note for the public."""
    db = get_db()
    action = found(store.actions.get(db, action_id, office_tz()))
    form = ActionForm(obj=action if request.method == "GET" else None)
    form.offer(services(db), lang())
    if form.validate_on_submit():
        try:
            store.actions.edit(db, action_id, actor=actor(), unsur=form.unsur.data,
                               what=form.what.data, who=form.who.data, due=form.due.data,
                               service=form.service.data or None,
                               public_note=form.public_note.data)
        except ValueError as exc:
            _refused(form, exc)
        else:
            flash(_("Tindak lanjut disimpan."), "info")
            return redirect(url_for(".show", action_id=action_id))
    return _form_page(form, action)


def _form_page(form: ActionForm, action) -> tuple[str, int]:
    """Show the action form; 400 with what to mend when it was sent and refused."""
    if form.errors:
        not_saved(form)
        return render_template("staff/action_form.html", form=form, action=action), 400
    return render_template("staff/action_form.html", form=form, action=action), 200


def _page(action_id: int, form: StatusForm | None = None):
    db = get_db()
    tz = office_tz()
    action = found(store.actions.get(db, action_id, tz))
    return render_template("staff/action.html", action=action,
                           form=form or StatusForm(status=action.status), when=when,
                           notes=store.actions.notes(db, action_id, tz), labels=STATUS_LABELS,
                           lang=lang())


@bp.get("/actions/<int:action_id>")
@requires("viewer")
def show(action_id: int):
    """One action with its dated notes, and a form to change its status."""
    return _page(action_id)


@bp.post("/actions/<int:action_id>/status")
@requires("staff")
def set_status(action_id: int):
    """Move an action to a status with a dated note, then back to its page."""
    db = get_db()
    found(store.actions.get(db, action_id, office_tz()))
    form = StatusForm()
    if not form.validate_on_submit():
        not_saved(form)
        return _page(action_id, form), 400
    store.actions.set_status(db, action_id, form.status.data, form.note.data, actor=actor())
    flash(_("Status disimpan: %(status)s.", status=STATUS_LABELS[form.status.data]), "info")
    return redirect(url_for(".show", action_id=action_id))
