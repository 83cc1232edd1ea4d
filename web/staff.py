"""The staff IKM page and the monthly population figures behind the sample size."""
from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import IntegerField, SubmitField
from wtforms.validators import NumberRange, Optional

import store
from ikm import periods
from results import channels, charts, follow_up, reasons, summary
from web.auth import actor, requires
from web.database import get_db
from web.helpers import lang, neighbours, office_tz, selected_channel, selected_period, today

bp = Blueprint("staff", __name__, url_prefix="/staff")


def figures(ov: summary.Overview) -> dict[str, str]:
    """Return the page's charts as plotly JSON."""
    language = lang()
    # A chart saved as a PNG leaves the page: its title says which channel it is limited to.
    only = f" ({channels.name(ov.channel)})" if ov.channel else ""
    figs = {
        "trend": charts.trend(ov.trend, _("IKM 12 bulan terakhir") + only, language),
    }
    if ov.result.ikm is not None:
        figs["unsur"] = charts.unsur_bars(ov.result, _("Nilai per unsur (NRR x 25)") + only,
                                          language)
        figs["services"] = charts.services(ov.services, _("IKM per layanan") + only, language)
        for i, fig in enumerate(charts.profile(ov.profile, language)):
            figs[f"profile{i}"] = fig
    return {name: charts.to_json(fig) for name, fig in figs.items()}


@bp.get("/")
@requires("viewer")
def ikm():
    """This month's (or the chosen period's) IKM, unsur, services, trend, profile and channels."""
    period = selected_period()
    channel = selected_channel()
    db = get_db()
    ov = summary.overview(db, period, today(), channel)
    before, after = neighbours(period)
    return render_template("staff/ikm.html", ov=ov, period=period, figures=figures(ov),
                           before=before, after=after, lang=lang(),
                           focus=charts.focus_words(lang()),
                           channel_rows=channels.rows(ov.channels, channel),
                           channel_name=channels.name(channel) if channel else None,
                           pekppp=follow_up.figures(
                               store.actions.list_actions(db, office_tz()), period),
                           reasons=reasons.for_period(db, period, channel=channel),
                           keep={"channel": channel} if channel else {})


class PopulationForm(FlaskForm):
    submit = SubmitField()


@bp.route("/population", methods=["GET", "POST"])
@requires("staff")
def population():
    """Enter how many citizens each service served in a month (for the minimum sample)."""
    db = get_db()
    month = request.args.get("month") or today().isoformat()[:7]
    try:
        first = periods.parse_date("month", month + "-01")
    except ValueError:
        flash(_("Bulan tidak dapat dibaca: %(month)s", month=month), "error")
        return redirect(url_for(".population"))
    services = store.services.in_order(db, active_only=True)
    existing = store.populations.of_month(db, month)

    class Form(PopulationForm):
        pass

    for s in services:
        setattr(Form, f"s_{s['code']}", IntegerField(
            s["name"], default=existing.get(s["code"]),
            validators=[Optional(), NumberRange(min=0, max=1_000_000)]))
    form = Form()
    if form.validate_on_submit():
        counts = {s["code"]: form[f"s_{s['code']}"].data or 0 for s in services}
        store.populations.set_population(db, month, counts, actor=actor())
        flash(_("Jumlah pengguna layanan %(month)s disimpan: %(total)s orang.",
                month=periods.containing("month", first).label(lang()),
                total=sum(counts.values())), "info")
        return redirect(url_for(".ikm", kind="month", **{"from": first.isoformat()}))
    fields = [(s, form[f"s_{s['code']}"]) for s in services]
    return render_template("staff/population.html", form=form, fields=fields,
                           month=periods.containing("month", first), lang=lang())
