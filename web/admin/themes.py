"""Themes of comments: add, edit, retire, restore and order the keywords that group them."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length

import store
from ikm.method import PERMENPAN_2017
from ikm.refused import Refused
from web.admin import ActionForm, _strip, bp, not_saved, refusal
from web.auth import actor, requires
from web.database import get_db
from web.helpers import found

NO_UNSUR = ""  # the select's value for a theme that belongs to no unsur
# What the forms' hints say of the store's bounds.
_BOUNDS = {"max_name": store.themes.MAX_NAME, "max_keywords": store.themes.MAX_KEYWORDS,
           "max_keyword": store.themes.MAX_KEYWORD}


def split_keywords(text: str | None) -> list[str]:
    """Return the comma-separated keywords trimmed, the empty ones dropped."""
    return [k.strip() for k in (text or "").split(",") if k.strip()]


class ThemeForm(FlaskForm):
    # Bounds on unsur, name and keywords are the store's (store.themes), said via REFUSALS.
    unsur = SelectField(_l("Unsur"), validate_choice=False)
    name = StringField(_l("Nama tema"), filters=[_strip])
    name_en = StringField(_l("Nama dalam bahasa Inggris (boleh kosong)"), filters=[_strip],
                          validators=[Length(max=store.themes.MAX_NAME, message=_l(
                              "Nama bahasa Inggris paling banyak %(max)s huruf.",
                              max=store.themes.MAX_NAME))])
    keywords = StringField(_l("Kata kunci"), filters=[_strip])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.unsur.choices = [(NO_UNSUR, _("Tanpa unsur"))] + [
            (u.code, f"{u.code} {u.name}") for u in PERMENPAN_2017.unsur]

    def saved(self, theme_id: int | None) -> int | None:
        """Add or edit the theme; return its id, or None with the store's refusal shown."""
        args = (self.unsur.data or None, self.name.data or "",
                split_keywords(self.keywords.data))
        try:
            if theme_id is None:
                return store.themes.add(get_db(), *args, name_en=self.name_en.data,
                                        actor=actor())
            store.themes.edit(get_db(), theme_id, *args, name_en=self.name_en.data,
                              actor=actor())
            return theme_id
        except Refused as exc:
            self[exc.field].errors = [*self[exc.field].errors, refusal(exc)]
            return None


def _theme(theme_id: int) -> dict[str, Any]:
    return found(store.themes.get(get_db(), theme_id))


def _groups() -> list[dict[str, Any]]:
    """The themes per unsur in unsur order, those without one last; active before retired."""
    rows = store.themes.in_order(get_db())
    heads = [(u.code, f"{u.code} {u.name}") for u in PERMENPAN_2017.unsur]
    heads.append((None, _("Tanpa unsur")))
    return [{"code": code, "title": title,
             "active": [r for r in rows if r["unsur"] == code and r["active"]],
             "retired": [r for r in rows if r["unsur"] == code and not r["active"]]}
            for code, title in heads]


def _list_page(form: ThemeForm, status: int = 200):
    return render_template("admin/themes.html", form=form, groups=_groups(), **_BOUNDS), status


@bp.route("/settings/themes", methods=["GET", "POST"])
@requires("admin")
def themes():
    """The comment themes per unsur, with a form that adds one."""
    form = ThemeForm()
    if form.validate_on_submit():
        theme_id = form.saved(None)
        if theme_id is not None:
            flash(_("Tema %(name)s ditambahkan.", name=form.name.data), "info")
            return redirect(url_for(".themes") + f"#t-{theme_id}")
    if form.is_submitted():
        not_saved(form)
        return _list_page(form, 400)
    return _list_page(form)


@bp.route("/settings/themes/<int:theme_id>/edit", methods=["GET", "POST"])
@requires("admin")
def theme_edit(theme_id: int):
    """Change a theme's unsur, names and keywords."""
    theme = _theme(theme_id)
    form = ThemeForm(data={**theme, "unsur": theme["unsur"] or NO_UNSUR,
                           "keywords": ", ".join(theme["keywords"])})
    if form.validate_on_submit() and form.saved(theme_id) is not None:
        flash(_("Tema %(name)s disimpan.", name=form.name.data), "info")
        return redirect(url_for(".themes") + f"#t-{theme_id}")
    if form.is_submitted():
        not_saved(form)
    return render_template("admin/theme_form.html", form=form, theme=theme, **_BOUNDS
                           ), 400 if form.is_submitted() else 200


@bp.route("/settings/themes/<int:theme_id>/retire", methods=["GET", "POST"])
@requires("admin")
def theme_retire(theme_id: int):
    """Ask, then retire a theme: no longer used to group comments, but kept."""
    theme = _theme(theme_id)
    if not theme["active"]:
        return redirect(url_for(".themes") + f"#t-{theme_id}")
    form = ActionForm()
    if form.validate_on_submit():
        store.themes.set_active(get_db(), theme_id, False, actor=actor())
        flash(_("Tema %(name)s dinonaktifkan. Anda dapat mengaktifkannya kembali kapan saja.",
                name=theme["name"]), "info")
        return redirect(url_for(".themes") + f"#t-{theme_id}")
    return render_template(
        "admin/confirm.html", form=form, title=_("Nonaktifkan tema?"),
        subject=f"{theme['unsur'] or _('Tanpa unsur')}: {theme['name']}",
        button=_("Ya, nonaktifkan"), cancel=url_for(".themes"), lines=[
            _("Komentar warga tidak lagi dikelompokkan ke tema ini, di halaman komentar "
              "maupun di laporan."),
            _("Komentarnya sendiri tidak berubah dan tidak hilang."),
            _("Tema tidak dihapus: nama dan kata kuncinya tetap tersimpan, dan Anda dapat "
              "mengaktifkannya kembali kapan saja."),
        ])


@bp.post("/settings/themes/<int:theme_id>/restore")
@requires("admin")
def theme_restore(theme_id: int):
    """Bring a retired theme back."""
    theme = _theme(theme_id)
    if ActionForm().validate_on_submit() and not theme["active"]:
        store.themes.set_active(get_db(), theme_id, True, actor=actor())
        flash(_("Tema %(name)s aktif kembali.", name=theme["name"]), "info")
    return redirect(url_for(".themes") + f"#t-{theme_id}")


@bp.post("/settings/themes/<int:theme_id>/move/<direction>")
@requires("admin")
def theme_move(theme_id: int, direction: str):
    """Move a theme one place up or down within its unsur."""
    _theme(theme_id)
    if direction not in ("up", "down"):
        abort(404)
    if ActionForm().validate_on_submit():
        store.themes.move(get_db(), theme_id, -1 if direction == "up" else 1, actor=actor())
    return redirect(url_for(".themes") + f"#t-{theme_id}")
