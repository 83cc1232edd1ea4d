"""The staff IKM page and the monthly population figures behind the sample size."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import IntegerField, SubmitField
from wtforms.validators import NumberRange, Optional

from ikm import charts, config, periods, populations, report
from web.auth import actor, requires
from web.database import get_db

bp = Blueprint("staff", __name__, url_prefix="/staff")


def lang() -> str:
    return str(get_locale() or "id")


def selected_period() -> periods.Period:
    """Return the period the URL asks for, or this month (with a message when it is wrong)."""
    settings = config.get_settings(get_db())
    try:
        return periods.from_args(request.args, settings)
    except ValueError as exc:
        flash(_("Periode tidak dapat dibaca (%(problem)s); ditampilkan bulan ini.",
                problem=str(exc)), "error")
        g.bad_request = True
        return periods.containing("month", periods.today(settings))


@bp.after_app_request
def _bad_request(response: Response) -> Response:
    # A page shown for this month instead of an unreadable period says so in its status too.
    if g.get("bad_request") and response.status_code == 200:
        response.status_code = 400
    return response


def figures(ov: report.Overview) -> dict[str, str]:
    """Return the page's charts as plotly JSON."""
    language = lang()
    figs = {
        "trend": charts.trend(ov.trend, _("IKM 12 bulan terakhir"), language),
    }
    if ov.result.ikm is not None:
        figs["unsur"] = charts.unsur_bars(ov.result, _("Nilai per unsur (NRR x 25)"), language)
        figs["services"] = charts.services(ov.services, _("IKM per layanan"), language)
        for i, fig in enumerate(charts.profile(ov.profile, language)):
            figs[f"profile{i}"] = fig
    return {name: charts.to_json(fig) for name, fig in figs.items()}


def neighbours(period: periods.Period) -> tuple[periods.Period, periods.Period | None]:
    """Return the period before and the one after (None when it would be in the future)."""
    following = (periods.containing(period.kind, period.end + timedelta(days=1))
                 if period.kind != "custom" else None)
    settings = config.get_settings(get_db())
    if following and following.start > periods.today(settings):
        following = None
    return period.previous(), following


@bp.get("/")
@requires("viewer")
def ikm():
    """This month's (or the chosen period's) IKM, unsur, services, trend and profile."""
    period = selected_period()
    db = get_db()
    ov = report.overview(db, period, periods.today(config.get_settings(db)))
    before, after = neighbours(period)
    return render_template("staff/ikm.html", ov=ov, period=period, figures=figures(ov),
                           before=before, after=after, lang=lang(),
                           focus=charts.focus_words(lang()))


class PopulationForm(FlaskForm):
    submit = SubmitField()


@bp.route("/population", methods=["GET", "POST"])
@requires("staff")
def population():
    """Enter how many citizens each service served in a month (for the minimum sample)."""
    db = get_db()
    month = request.args.get("month") or periods.today(config.get_settings(db)).isoformat()[:7]
    try:
        first = periods.parse_date("month", month + "-01")
    except ValueError:
        flash(_("Bulan tidak dapat dibaca: %(month)s", month=month), "error")
        return redirect(url_for(".population"))
    services = list(db["services"].rows_where("active = 1", order_by="position"))
    existing = {r["service"]: r["count"] for r in db["populations"].rows_where(
        "month = ?", [month])}

    class Form(PopulationForm):
        pass

    for s in services:
        setattr(Form, f"s_{s['code']}", IntegerField(
            s["name"], default=existing.get(s["code"]),
            validators=[Optional(), NumberRange(min=0, max=1_000_000)]))
    form = Form()
    if form.validate_on_submit():
        counts = {s["code"]: form[f"s_{s['code']}"].data or 0 for s in services}
        populations.set_population(db, month, counts, actor=actor())
        flash(_("Jumlah pengguna layanan %(month)s disimpan: %(total)s orang.",
                month=periods.containing("month", first).label(lang()),
                total=sum(counts.values())), "info")
        return redirect(url_for(".ikm", kind="month", **{"from": first.isoformat()}))
    fields = [(s, form[f"s_{s['code']}"]) for s in services]
    return render_template("staff/population.html", form=form, fields=fields,
                           month=periods.containing("month", first), lang=lang())
