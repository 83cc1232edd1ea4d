"""Responses from citizens' phones, bounded like the kiosk API and stored by the same rules.

No login and no CSRF token: a slip's code (or the poster's browser cookie) is the
credential, as a kiosk's bearer token is. Whoever posts, the page or any other client,
meets the same checks: one response object (or the page's outbox's short list), each
field validated, the slip used once, the poster once a day per browser.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from flask import abort, current_app, jsonify, request
from flask_babel import gettext as _

import store
from ikm.validation import Incoming, Invalid, clock_time, parse
from web import kiosk_turns
from web.api import json_body, server_clock
from web.database import get_db, write_turn
from web.errors import json_error
from web.helpers import office_settings

MAX_BODY = 64 * 1024  # a response with the longest comment is under 10 kB
MAX_ITEMS = 5  # a phone's outbox holds one survey; a reload offline may add another
# The slip's refusals as a single response's status, and in words.
REFUSED = {
    "used": (409, "this slip's code was already used: one response per slip"),
    "expired": (410, "this slip has expired; a new slip is given at the counter"),
    "unknown": (404, "no slip has this code; check the code on the slip"),
}


@contextlib.contextmanager
def turn(key: str) -> Iterator[None]:
    """Serve while holding one of the key's two turns (a slip, the poster), else 429."""
    try:
        with kiosk_turns.turns(current_app).turn(key):
            yield
    except kiosk_turns.Busy:
        abort(json_error(429, "request", "requests for this survey are already under way; "
                         "send again after Retry-After seconds",
                         **{"Retry-After": str(kiosk_turns.RETRY_AFTER_SECONDS)}))


def _body() -> Any:
    """Return the request's JSON, refusing a body too long, of another type, or unreadable."""
    if request.content_length is None:
        abort(json_error(411, "body", "send the length of the body (Content-Length)"))
    if request.content_length > MAX_BODY:
        abort(json_error(413, "body", f"the body is over {MAX_BODY // 1024} kB"))
    return json_body()


def _parse(item: Any, services: set[str], reasons: dict[int, str], channel: str,
           slip: str | None, browser: str | None, service: str | None) -> Incoming:
    """Validate one response and say where it came from; raise Invalid naming the field."""
    response = parse(item, services, reasons)
    if service and response.service != service:
        raise Invalid("service", f"this slip is for the service {service}")
    response.channel, response.slip, response.browser = channel, slip, browser
    return response


def _words(problem: Invalid) -> tuple[int, dict[str, str]]:
    """Return a single response's refusal: its status and its body."""
    if problem.field == "code" and problem.message in REFUSED:
        status, words = REFUSED[problem.message]
        return status, {"field": "code", "error": words, "reason": problem.message}
    if problem.field == "browser":
        return 409, {"field": "browser", "error": _("Anda sudah mengisi survei hari ini. "
                                                    "Terima kasih.")}
    return 422, {"field": problem.field, "error": problem.message}


def take(channel: str, *, slip: str | None = None, browser: str | None = None,
         service: str | None = None):
    """Store one response (or the outbox's short list) from a phone; reply as the API does."""
    body = _body()
    if isinstance(body, list) and len(body) > MAX_ITEMS:
        return json_error(413, "body", f"{len(body)} responses; at most {MAX_ITEMS}")
    db = get_db()
    services = store.services.codes(db)
    reasons = store.reasons.unsur_of(db, body if isinstance(body, list) else [body])
    outcomes: list[Incoming | Invalid] = []
    for item in body if isinstance(body, list) else [body]:
        try:
            outcomes.append(_parse(item, services, reasons, channel, slip, browser, service))
        except Invalid as exc:
            outcomes.append(exc)
    valid = [o for o in outcomes if isinstance(o, Incoming)]
    statuses = iter([])
    if valid:
        with write_turn():
            statuses = iter(store.responses.record(
                db, None, valid, office_settings(),
                clock_time(request.headers.get("X-Kiosk-Clock")), server_clock()))
    results = [next(statuses) if isinstance(o, Incoming) else o for o in outcomes]
    if not isinstance(body, list):
        (status,) = results
        if isinstance(status, Invalid):
            code, words = _words(status)
            return jsonify(words), code
        return jsonify({"id": valid[0].id, "status": status}), (
            201 if status == store.responses.STORED else 200)
    ids = [item.get("id") if isinstance(item, dict) else None for item in body]
    return jsonify({"results": [_result(rid, r) for rid, r in zip(ids, results)]})


def _result(rid: Any, status: str | Invalid) -> dict[str, Any]:
    if isinstance(status, Invalid):
        return {"id": rid, "status": "invalid", "field": status.field,
                "message": _words(status)[1]["error"]}
    return {"id": rid, "status": status}
