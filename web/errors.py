"""Every refusal explained in one place: words on pages, JSON naming the field on the API."""
from __future__ import annotations

import sqlite3
from typing import Any

from flask import Flask, Response, current_app, flash, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from store.schema import unavailable

RETRY_STORAGE_SECONDS = 30


def body(field: str, message: str) -> dict[str, str]:
    """Return the API's error body: what is wrong, and which field or header it is about."""
    return {"error": message, "field": field}


def json_error(status: int, field: str, message: str, **headers: str) -> Response:
    """Return a JSON error that names the field at fault."""
    response = jsonify(body(field, message))
    response.status_code = status
    response.headers.update(headers)
    return response


def _api() -> bool:
    return request.path.startswith("/api/")


def _storage_unavailable(exc: sqlite3.OperationalError) -> Any:
    # Disk full, read-only or locked too long: nothing was stored. Kiosks keep the
    # response in their outbox and send it again; 503 tells them to. Any other SQLite
    # error is a fault of this program (500): the outbox then looks for the entry that
    # causes it rather than waiting for the storage to come back.
    if not unavailable(exc):
        raise exc
    current_app.logger.error("database unavailable: %s (%s %s)", exc, request.method,
                             request.path)
    retry = {"Retry-After": str(RETRY_STORAGE_SECONDS)}
    if _api():
        return json_error(503, "server", "the server cannot store data right now; try again "
                          "later", **retry)
    return render_template("error.html", code=503), 503, retry


def _http_error(exc: HTTPException) -> Any:
    if _api():
        return json_error(exc.code or 500, "request", exc.description or exc.name)
    if exc.code in (403, 404):
        return render_template("error.html", code=exc.code), exc.code
    return exc


def _csrf_refused(exc: CSRFError) -> Any:
    if _api():
        return json_error(400, "csrf_token", exc.description)
    flash(_("Formulir ini terlalu lama terbuka atau tidak lengkap, jadi belum disimpan. "
            "Silakan isi dan kirim sekali lagi."), "error")
    return render_template("error.html", code=400), 400


def _bad_request(response: Response) -> Response:
    # A page shown for this month instead of an unreadable period says so in its status too.
    if g.get("bad_request") and response.status_code == 200:
        response.status_code = 400
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(sqlite3.OperationalError, _storage_unavailable)
    app.register_error_handler(CSRFError, _csrf_refused)
    app.register_error_handler(HTTPException, _http_error)
    app.after_request(_bad_request)
