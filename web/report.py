"""The monthly evaluation report the camat prints for the meeting."""
from __future__ import annotations

from flask import Blueprint, render_template

from ikm.method import PERMENPAN_2017
from ikm.profile import FIELDS
from results import channels, charts, comment_themes, follow_up, reasons
from results.summary import monthly_report
from web.action_forms import STATUS_LABELS as ACTION_LABELS
from web.auth import requires
from web.comments import STATUS_LABELS
from web.database import get_db
from web.helpers import lang, neighbours, office_settings, office_tz, selected_period, today

bp = Blueprint("report", __name__, url_prefix="/staff")
PRINT_WIDTH = 680  # px: the A4 text width, so charts are laid out as they will print


@bp.get("/report")
@requires("viewer")
def report():
    """The report of a period (this month by default), laid out for A4."""
    db = get_db()
    period = selected_period()
    data = monthly_report(db, period, today())
    ov = data.overview
    language = lang()
    # The section headings name the charts; on paper a second title only takes room.
    figs = {"trend": charts.trend(ov.trend, "", language)}
    if ov.result.ikm is not None:
        figs["unsur"] = charts.unsur_bars(ov.result, "", language, lowest_first=True)
    for fig in figs.values():
        fig.update_layout(width=PRINT_WIDTH, margin_t=20)
    figs["trend"].update_layout(height=300)
    before, after = neighbours(period)
    settings = office_settings()
    themes = comment_themes.by_theme_for(db, period, office_tz())
    tracked, open_actions, pekppp = follow_up.report(db, period, ov.result, office_tz())
    return render_template(
        "staff/report.html", data=data, ov=ov, r=ov.result, period=period, lang=language,
        figures={k: charts.to_json(v) for k, v in figs.items()}, before=before, after=after,
        office=settings["office_name"], grades=PERMENPAN_2017.grades,
        focus=charts.focus_words(language), status_labels=STATUS_LABELS,
        comment_themes=themes, open_complaints=comment_themes.open_count(themes),
        profile_fields=FIELDS,
        channel_rows=channels.rows(ov.channels),
        tracked=tracked, open_actions=open_actions, pekppp=pekppp,
        action_labels=ACTION_LABELS, reasons=reasons.for_period(db, period),
    )
