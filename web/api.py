"""The JSON API: kiosks send responses; anyone may read services and the aggregate IKM."""
from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request

import store
from ikm import clock, periods
from ikm.validation import CHANNELS, Invalid, clock_time, parse
from results import summary
from store.schema import write_transaction
from web import kiosk_turns
from web.database import get_db, write_turn
from web.errors import json_error
from web.helpers import office_settings, today

bp = Blueprint("api", __name__, url_prefix="/api")
MAX_BATCH = 500


def _kiosk() -> dict[str, Any]:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    kiosk = store.kiosks.kiosk_for_token(get_db(), token)
    if kiosk is None:
        abort(json_error(401, "Authorization", "a paired kiosk's token is needed "
                         "(Authorization: Bearer TOKEN)"))
    return kiosk


@contextlib.contextmanager
def kiosk_turn(kiosk: dict[str, Any]) -> Iterator[None]:
    """Serve a kiosk's request while it holds one of its turns, else answer 429."""
    try:
        with kiosk_turns.turns(current_app).turn(kiosk["token_hash"]):
            yield
    except kiosk_turns.Busy:
        abort(json_error(429, "Authorization", kiosk_turns.MESSAGE,
                         **{"Retry-After": str(kiosk_turns.RETRY_AFTER_SECONDS)}))


def json_body() -> Any:
    """Return the request's JSON body; 415 for another type, 400 when unreadable."""
    if request.mimetype != "application/json":
        abort(json_error(415, "Content-Type", "send the response as application/json"))
    try:
        return json.loads(request.get_data(cache=False))
    except (ValueError, UnicodeDecodeError):
        abort(json_error(400, "body", "the body is not valid JSON"))
    except RecursionError:  # arrays or objects nested thousands deep
        abort(json_error(400, "body", "the JSON is nested too deeply"))


def _kiosk_clock() -> datetime | None:
    """Return what the kiosk's clock read as it sent this request (X-Kiosk-Clock), if valid."""
    return clock_time(request.headers.get("X-Kiosk-Clock"))


def server_clock() -> clock.ServerClock | None:
    """Return how far the server's own clock is behind, as its upkeep last found it."""
    keeper = current_app.extensions.get("upkeep")
    return keeper.server_clock if keeper is not None else None


def _result(rid: Any, status: str | Invalid) -> dict[str, Any]:
    if isinstance(status, Invalid):
        return {"id": rid, "status": "invalid", "field": status.field, "message": status.message}
    return {"id": rid, "status": status}


@bp.post("/responses")
def post_responses():
    """Store one response or a list of them; idempotent on each response's id."""
    kiosk = _kiosk()
    with kiosk_turn(kiosk):
        body = json_body()
        db = get_db()
        services = store.services.codes(db)
        reasons = store.reasons.unsur_of(db, body if isinstance(body, list) else [body])
        settings = office_settings()
        if not isinstance(body, list):
            try:
                response = parse(body, services, reasons)
            except Invalid as exc:
                return json_error(422, exc.field, exc.message)
            with write_turn():
                (status,) = store.responses.record(db, kiosk, [response], settings,
                                                   _kiosk_clock(), server_clock())
            if isinstance(status, Invalid):
                return json_error(422, status.field, status.message)
            return jsonify({"id": response.id, "status": status}), (
                201 if status == store.responses.STORED else 200)
        if len(body) > MAX_BATCH:
            return json_error(413, "body",
                              f"{len(body)} responses; at most {MAX_BATCH} per request")
        # Each result carries the id as the kiosk sent it, to take its entry off the outbox.
        ids = [item.get("id") if isinstance(item, dict) else None for item in body]
        outcomes: list[str | Invalid] = []
        valid = []
        for item in body:
            try:
                valid.append(parse(item, services, reasons))
                outcomes.append(store.responses.STORED)  # a placeholder until it is stored
            except Invalid as exc:
                outcomes.append(exc)
        with write_turn():
            stored = iter(store.responses.record(db, kiosk, valid, settings, _kiosk_clock(),
                                                 server_clock()))
        outcomes = [next(stored) if o == store.responses.STORED else o for o in outcomes]
        return jsonify({"results": [_result(rid, o) for rid, o in zip(ids, outcomes)]})


@bp.post("/kiosk/hello")
def kiosk_hello():
    """Take a kiosk's report (outbox size, set-aside entries, last error); return the time."""
    kiosk = _kiosk()
    with kiosk_turn(kiosk):
        # pair.js says hello with no body; a report that is sent must be readable JSON.
        report_ = json_body() if request.is_json and request.content_length else {}
        status = store.kiosks.status_from_report(report_ if isinstance(report_, dict) else {},
                                                 _kiosk_clock())
        db = get_db()
        with write_turn(), write_transaction(db):
            store.kiosks.seen(db, kiosk, **status)
    return jsonify({"kiosk": kiosk["name"], "server_time": clock.utc_now()})


@bp.get("/services")
def services():
    """List the active services, in the office's order."""
    rows = store.services.in_order(get_db(), active_only=True)
    return jsonify([{"code": r["code"], "name": r["name"], "name_en": r["name_en"]}
                    for r in rows])


def _date(name: str) -> date:
    try:
        return periods.parse_date(name, request.args[name])
    except periods.BadDate as exc:
        abort(json_error(400, exc.field, exc.message))


@bp.get("/trend")
def trend():
    """Return the IKM of each of the 12 months up to the one containing `to` (default today)."""
    db = get_db()
    # The settings give only the default date: not read when the date is given.
    end = _date("to") if "to" in request.args else today()
    months = []
    for period, result in summary.trend(db, end):
        months.append({"month": period.start.isoformat()[:7], "label": period.label(),
                       "respondents": result.respondents if result else 0,
                       "ikm": float(result.ikm) if result and result.ikm is not None else None,
                       "grade": result.grade if result else None})
    return jsonify({"to": end.isoformat(), "months": months})


@bp.get("/ikm")
def ikm():
    """Return the aggregate IKM of a period (office dates, both included); no login."""
    db = get_db()
    if "from" in request.args and "to" in request.args:
        start, end = _date("from"), _date("to")
    else:  # the settings give only the default period: read when needed
        first, last = periods.current_month(office_settings())
        start = _date("from") if "from" in request.args else first
        end = _date("to") if "to" in request.args else last
    if start > end:
        return json_error(400, "to", "the period ends before it starts")
    service = request.args.get("service") or None
    if service and store.services.get(db, service) is None:
        return json_error(404, "service", f"{service!r} is not a service of this office")
    channel = request.args.get("channel") or None
    if channel and channel not in CHANNELS:
        return json_error(400, "channel", f"{channel!r} is not a channel; one of "
                                          f"{', '.join(CHANNELS)}")
    # One read of the sums per channel gives the period's result and each channel's.
    found = summary.split(db, [(start, end)], service, channel)
    result = found.results[0]
    channels = {name: {"respondents": r.respondents if r else 0,
                       "ikm": float(r.ikm) if r and r.ikm is not None else None}
                for name, r in found.channels.items() if channel in (None, name)}
    return jsonify({**result.to_dict(), "from": start.isoformat(), "to": end.isoformat(),
                    "service": service, "channel": channel, "channels": channels})
