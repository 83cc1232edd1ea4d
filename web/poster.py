"""The standing poster's survey at /p: no slip, one response per browser per office day.

Off unless an admin turns it on (Pengaturan > Survei di ponsel). Each browser gets a random
id in a long-lived cookie on its first visit; only its hash is stored with a response.
Clearing the cookie gives a new id, so the poster's responses also meet the burst rule.
"""
from __future__ import annotations

import re

from flask import Blueprint, make_response, request, url_for

import store
from store.tokens import hash_token, new_token
from web import phone_intake
from web.database import get_db
from web.errors import json_error
from web.helpers import office_settings, today
from web.phone import message, survey_page

bp = Blueprint("poster", __name__)

COOKIE = "skm_browser"
COOKIE_SECONDS = 400 * 24 * 3600  # the longest a browser keeps a cookie
_ID = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _browser_id() -> str | None:
    """Return this browser's id from its cookie, if it holds a well-formed one."""
    value = request.cookies.get(COOKIE, "")
    return value if _ID.fullmatch(value) else None


@bp.get("/p")
def survey():
    """The poster's survey, or why not: closed here, or this browser answered today."""
    if not office_settings()["poster_enabled"]:
        return message("closed", 404)
    known = _browser_id()
    browser_id = known or new_token(18)
    if known and store.poster.answered(get_db(), hash_token(known), today().isoformat()):
        reply = make_response(message("answered_today", 200))
    else:
        reply = make_response(survey_page("poster", url_for(".answer"), "skm-poster"))
    if not known:
        # Sent only to /p (and not with another site's POST): it names the browser, nothing more.
        reply.set_cookie(COOKIE, browser_id, max_age=COOKIE_SECONDS, path=url_for(".survey"),
                         httponly=True, samesite="Lax", secure=request.is_secure)
    return reply


@bp.post("/p")
def answer():
    """Store a response from the poster: once per browser per office day."""
    if not office_settings()["poster_enabled"]:
        return json_error(404, "poster", "the poster's survey is not open here")
    browser_id = _browser_id()
    if browser_id is None:
        return json_error(400, "browser", "open the poster's page first: its cookie names "
                                          "this browser")
    with phone_intake.turn("poster"):
        return phone_intake.take("poster", browser=hash_token(browser_id))
