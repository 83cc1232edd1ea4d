"""Staff pages: download a period's responses (CSV) and its SKM report tables (Excel)."""
from __future__ import annotations

import io

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

import store
from ikm import periods
from results import csv_export, workbook
from web.audit_log import note_export
from web.auth import requires
from web.database import get_db
from web.helpers import lang, neighbours, office_settings, office_tz, selected_period

bp = Blueprint("exports", __name__, url_prefix="/staff")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/exports")
@requires("staff")
def index():
    """Show what a period holds and offer its CSV and Excel downloads."""
    period = selected_period()
    before, after = neighbours(period)
    counts = store.responses.counts(get_db(), period.start, period.end)
    return render_template("staff/exports.html", period=period, before=before, after=after,
                           lang=lang(), summary=counts)


def _download_period() -> periods.Period | None:
    # A download is never swapped for another period than the one asked for.
    try:
        return periods.from_args(request.args, office_settings())
    except ValueError as exc:
        flash(_("Periode tidak dapat dibaca (%(problem)s); pilih periode lagi.",
                problem=str(exc)), "error")
        return None


def _attachment(data: bytes, mimetype: str, name: str) -> Response:
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                         download_name=name)
    # Comments are personal data: no copy is kept in a shared office PC's browser cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/exports/csv")
@requires("staff")
def csv():
    """Download the period's responses as CSV (UTF-8 with BOM, comma separated)."""
    period = _download_period()
    if period is None:
        return redirect(url_for(".index"))
    include = request.args.get("flagged") == "1"
    db = get_db()
    tz = office_tz()
    text = csv_export.csv_text(csv_export.response_rows(db, period.start, period.end, tz, include))
    name = csv_export.filename(period, "csv", include)
    note_export(name)
    # Werkzeug adds "; charset=utf-8" to a text/* type itself.
    return _attachment(text.encode("utf-8"), "text/csv", name)


@bp.get("/exports/xlsx")
@requires("staff")
def xlsx():
    """Download the period's SKM report tables and data as an Excel workbook."""
    period = _download_period()
    if period is None:
        return redirect(url_for(".index"))
    include = request.args.get("flagged") == "1"
    db = get_db()
    book = workbook.workbook(db, period, office_settings(), include)
    name = csv_export.filename(period, "xlsx", include)
    note_export(name)
    return _attachment(workbook.workbook_bytes(book), XLSX, name)
