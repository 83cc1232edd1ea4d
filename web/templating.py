"""What every staff template may call: the office name, the menu, the language link."""
from __future__ import annotations

import sqlite3
from urllib.parse import urlencode

import plotly
from flask import Flask, current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ikm.method import PERMENPAN_2017
from ikm.scoring import round_half_up
from web.helpers import office_settings

# (endpoint, label, the least role that sees it); entries whose page does not exist
# in this installation are left out.
NAV = (
    ("staff.ikm", _l("IKM"), "viewer"),
    ("report.report", _l("Laporan"), "viewer"),
    ("actions.index", _l("Tindak lanjut"), "viewer"),
    ("alerts.index", _l("Peringatan"), "viewer"),
    ("comments.index", _l("Kritik & saran"), "staff"),
    ("admin.flagged", _l("Jawaban ditandai"), "staff"),
    ("exports.index", _l("Ekspor"), "staff"),
    ("paper.index", _l("Formulir kertas"), "staff"),
    ("admin.index", _l("Pengaturan"), "admin"),
)


def nav_items() -> list[tuple[str, str, str]]:
    return [(e, str(label), role) for e, label, role in NAV if e in current_app.view_functions]


def office_name() -> str:
    try:
        return office_settings()["office_name"]
    except sqlite3.Error:  # the error page of a broken database must still show
        return ""


def lang_query() -> str:
    """Return this page's query string with the other language chosen."""
    args = request.args.to_dict()
    args["lang"] = "en" if str(get_locale()) == "id" else "id"
    return urlencode(args)


def service_name(row: dict) -> str:
    """Return a service's name in the page's language (its English name when it has one)."""
    if str(get_locale()) == "en" and row.get("name_en"):
        return row["name_en"]
    return row["name"]


def half_up(value, places: int = 2) -> str:
    """Format an exact value as the engine rounds it (half-up), never through a float."""
    return "–" if value is None else f"{round_half_up(value, places):.{places}f}"


def unsur_name(code: str) -> str:
    """Name an unsur by its code in the page's language, e.g. "U9 Sarana dan prasarana"."""
    u = PERMENPAN_2017.unsur_by_code(code)
    return f"{code} {u.name_en if str(get_locale()) == 'en' else u.name}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["service_name"] = service_name
    app.jinja_env.filters["unsur_name"] = unsur_name
    app.jinja_env.filters["half_up"] = half_up
    app.jinja_env.globals.update(nav_items=nav_items, office_name=office_name,
                                 lang_query=lang_query, plotly_version=plotly.__version__)
