"""Pages anyone may open: the published results, and plotly.js from the installed package."""
from __future__ import annotations

from pathlib import Path

import plotly
from flask import Blueprint, render_template, send_file

import store
from ikm import periods
from ikm.method import PERMENPAN_2017
from results import charts, summary
from web.action_forms import STATUS_LABELS
from web.database import get_db
from web.helpers import lang, office_settings, office_tz, today

bp = Blueprint("public", __name__)
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@bp.get("/vendor/plotly-<version>.min.js")
def plotly_js(version: str):
    """Serve plotly.js from the plotly package: pages never load it from the internet."""
    return send_file(PLOTLY_JS, mimetype="text/javascript", max_age=365 * 24 * 3600)


@bp.get("/")
def results():
    """The published IKM: this month's and the last twelve months', aggregate only."""
    db = get_db()
    settings = office_settings()
    period = periods.containing("month", today())
    previous = period.previous()
    result, last = summary.period_results(db, [(period.start, period.end),
                                               (previous.start, previous.end)])
    trend = summary.trend(db, period.end)
    language = lang()
    figures = {"trend": charts.to_json(charts.trend(trend, "IKM", language))}
    if result.ikm is not None:
        figures["unsur"] = charts.to_json(charts.unsur_bars(result, "Unsur", language))
    return render_template("public/results.html", period=period, result=result,
                           previous=previous, last=last, figures=figures, lang=language,
                           office=settings["office_name"], action_labels=STATUS_LABELS,
                           actions=store.actions.public(
                               store.actions.list_actions(db, office_tz())),
                           unsur_names={u.code: u for u in PERMENPAN_2017.unsur})
