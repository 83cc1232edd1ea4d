"""The JSON API: kiosks send responses; anyone may read services and the aggregate IKM."""
from __future__ import annotations

import json
from datetime import date, datetime

from flask import Blueprint, abort, jsonify, request
from werkzeug.exceptions import HTTPException

from ikm import config, devices, periods, report, store
from ikm.db import write_transaction
from ikm.responses import Invalid, parse
from web.database import get_db, write_turn

bp = Blueprint("api", __name__, url_prefix="/api")
MAX_BATCH = 500


def error(status: int, field: str, message: str):
    """Return a JSON error that names the field at fault."""
    response = jsonify({"error": message, "field": field})
    response.status_code = status
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return error(exc.code or 500, "request", exc.description or exc.name)


def _kiosk():
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    kiosk = devices.kiosk_for_token(get_db(), token)
    if kiosk is None:
        abort(error(401, "Authorization", "a paired kiosk's token is needed "
                                          "(Authorization: Bearer TOKEN)"))
    return kiosk


def _json_body():
    if request.mimetype != "application/json":
        abort(error(415, "Content-Type", "send the response as application/json"))
    try:
        return json.loads(request.get_data(cache=False))
    except (ValueError, UnicodeDecodeError):
        abort(error(400, "body", "the body is not valid JSON"))


def _kiosk_clock() -> datetime | None:
    """Return what the kiosk's clock read as it sent this request (X-Kiosk-Clock), if valid."""
    value = request.headers.get("X-Kiosk-Clock")
    try:
        when = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return when if when and when.tzinfo else None


@bp.post("/responses")
def post_responses():
    """Store one response or a list of them; idempotent on each response's id."""
    kiosk = _kiosk()
    body = _json_body()
    db = get_db()
    services = {code for (code,) in db.execute("SELECT code FROM services")}
    settings = config.get_settings(db)
    if isinstance(body, list):
        if len(body) > MAX_BATCH:
            return error(413, "body", f"{len(body)} responses; at most {MAX_BATCH} per request")
        results, valid = [], []
        for item in body:
            # Each result carries the id as the kiosk sent it, to settle its outbox entry.
            rid = item.get("id") if isinstance(item, dict) else None
            try:
                valid.append(parse(item, services))
                results.append({"id": rid, "status": None})
            except Invalid as exc:
                results.append({"id": rid, "status": "invalid", "field": exc.field,
                                "message": exc.message})
        with write_turn(), write_transaction(db):
            statuses = iter(store.record_responses(db, kiosk, valid, settings, _kiosk_clock()))
            devices.seen(db, kiosk)
        for result in results:
            if result["status"] is None:
                result["status"] = next(statuses)
        return jsonify({"results": results})
    try:
        response = parse(body, services)
    except Invalid as exc:
        return error(422, exc.field, exc.message)
    with write_turn(), write_transaction(db):
        (status,) = store.record_responses(db, kiosk, [response], settings, _kiosk_clock())
        devices.seen(db, kiosk)
    return jsonify({"id": response.id, "status": status}), 201 if status == store.STORED else 200


@bp.post("/kiosk/hello")
def kiosk_hello():
    """Take a kiosk's report (outbox size, set-aside entries, last error); return the time."""
    kiosk = _kiosk()
    report_ = request.get_json(silent=True) if request.is_json else None
    status = devices.status_from_report(report_ if isinstance(report_, dict) else {},
                                        _kiosk_clock())
    db = get_db()
    with write_turn(), write_transaction(db):
        devices.seen(db, kiosk, **status)
    return jsonify({"kiosk": kiosk["name"], "server_time": config.utc_now()})


@bp.get("/services")
def services():
    """List the active services, in the office's order."""
    rows = get_db()["services"].rows_where("active = 1", order_by="position")
    return jsonify([{"code": r["code"], "name": r["name"], "name_en": r["name_en"]}
                    for r in rows])


def _date(name: str, default: date | None) -> date:
    value = request.args.get(name)
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(error(400, name, f"{value!r} is not a date (YYYY-MM-DD)"))


@bp.get("/trend")
def trend():
    """Return the IKM of each of the 12 months up to the one containing `to` (default today)."""
    db = get_db()
    # The settings give only the default date: not read when the date is given.
    end = _date("to", None if "to" in request.args
                else periods.today(config.get_settings(db)))
    months = []
    for period, result in report.trend(db, end):
        months.append({"month": period.start.isoformat()[:7], "label": period.label(),
                       "respondents": result.respondents if result else 0,
                       "ikm": float(result.ikm) if result and result.ikm is not None else None,
                       "grade": result.grade if result else None})
    return jsonify({"to": end.isoformat(), "months": months})


@bp.get("/ikm")
def ikm():
    """Return the aggregate IKM of a period (office dates, both included); no login."""
    db = get_db()
    first = last = None  # the settings give only the default period: read when needed
    if "from" not in request.args or "to" not in request.args:
        first, last = periods.current_month(config.get_settings(db))
    start, end = _date("from", first), _date("to", last)
    if start > end:
        return error(400, "to", "the period ends before it starts")
    service = request.args.get("service") or None
    if service and not db["services"].count_where("code = ?", [service]):
        return error(404, "service", f"{service!r} is not a service of this office")
    result = report.period_result(db, start, end, service)
    return jsonify({**result.to_dict(), "from": start.isoformat(), "to": end.isoformat(),
                    "service": service})
