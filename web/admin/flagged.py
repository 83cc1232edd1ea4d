"""Responses flagged as possible abuse: see them, count them or not."""
from __future__ import annotations

from flask import (
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    StringField,
)

import store
from web.admin import bp
from web.auth import actor, requires
from web.database import get_db
from web.helpers import lang, neighbours, selected_period
from web.templating import service_name

FLAGS = {
    "too_fast": (_l("Terlalu cepat"), _l("seluruh survei diisi lebih cepat daripada waktu "
                                         "yang wajar untuk membaca pertanyaannya.")),
    "burst": (_l("Beruntun"), _l("banyak survei dari tablet yang sama dalam waktu singkat, "
                                 "mungkin satu orang menekan berulang kali.")),
}


class CountForm(FlaskForm):
    """Which flagged responses to count: one response's id, or 'all' of the period."""

    include = StringField()
    exclude = StringField()


def seconds(ms: int | None) -> str:
    """Return how long a survey took, as '0,5 detik' or '41 detik'."""
    if ms is None:
        return "–"
    return _("%(n)s detik", n=format_decimal(round(ms / 1000, 1 if ms < 10_000 else 0)))


@bp.route("/flagged", methods=["GET", "POST"])
@requires("staff")
def flagged():
    """A period's responses flagged as possible abuse; staff decide whether they count."""
    db = get_db()
    period = selected_period()
    rows = store.responses.flagged(db, period.start, period.end)
    form = CountForm()
    if form.validate_on_submit():
        for counted, choice in ((True, form.include.data), (False, form.exclude.data)):
            ids = [r["id"] for r in rows if choice in ("all", r["id"])] if choice else []
            if ids:
                n = store.responses.set_counted(db, ids, counted, actor=actor())
                flash(_("%(n)s jawaban sekarang dihitung dalam IKM.", n=n) if counted else
                      _("%(n)s jawaban tidak dihitung dalam IKM.", n=n), "info")
        return redirect(url_for(".flagged", **period.query()))
    names = {r["code"]: service_name(r) for r in store.services.in_order(db)}
    kiosk_names = store.kiosks.names(db)
    before, after = neighbours(period)
    return render_template("admin/flagged.html", rows=rows, form=form, period=period,
                           before=before, after=after, lang=lang(), services=names,
                           kiosks=kiosk_names, flags=FLAGS, seconds=seconds)
