"""Write the audit log from one place: every sign-in, export and successful change."""
from __future__ import annotations

from flask import Flask, Response, g, request
from flask_login import current_user

from ikm import audit
from web.database import get_db

# Endpoint prefix -> audit action, for POSTs that succeeded (redirected).
CHANGES = (
    ("auth.setup", "setup"), ("auth.change_password", "password"), ("auth.logout", "logout"),
    ("admin.service", "service"), ("admin.settings", "settings"), ("admin.kiosk", "kiosk"),
    ("admin.user", "user"), ("admin.flagged", "flagged"), ("staff.population", "population"),
    ("comments.update", "comment"),
)
SKIPPED_FIELDS = ("csrf_token", "password", "confirm", "current", "new", "submit")


def _detail() -> str:
    # The route's pattern, not the path: a path may carry a secret (the setup link's token).
    where = request.url_rule.rule if request.url_rule else request.path
    if request.query_string:
        where += "?" + request.query_string.decode(errors="replace")
    fields = " ".join(f"{k}={v[:60]}" for k, v in request.form.items()
                      if not any(k.startswith(s) for s in SKIPPED_FIELDS))
    return f"{request.method} {where} {fields}".strip()


def _action(response: Response) -> str | None:
    endpoint = request.endpoint or ""
    if endpoint == "auth.login" and request.method == "POST":
        return {302: "login", 429: "login_locked"}.get(response.status_code, "login_failed")
    if (endpoint.startswith("exports.") and endpoint != "exports.index"
            or endpoint == "admin.backup_download") and response.status_code == 200:
        return "export"
    if request.method == "POST" and response.status_code in (302, 303):
        return next((action for prefix, action in CHANGES if endpoint.startswith(prefix)), None)
    return None


def init_app(app: Flask) -> None:
    @app.before_request
    def _remember_actor():
        # Taken before the view runs: after a logout nobody is signed in any more.
        g.actor = current_user.username if current_user.is_authenticated else None

    @app.after_request
    def _log(response: Response) -> Response:
        action = _action(response)
        if action:
            actor = g.get("actor") or (current_user.username if current_user.is_authenticated
                                       else request.form.get("username"))
            audit.record(get_db(), action, audit.Actor(actor, request.remote_addr), _detail())
        return response
