"""The audit log page: who signed in, exported or changed what, and when."""
from __future__ import annotations

from flask import render_template, request

from ikm import audit, config
from ikm.comments import local_time
from web.admin import bp
from web.auth import requires
from web.database import get_db


@bp.get("/audit")
@requires("admin")
def audit_log():
    """The latest events of the audit log, optionally of one kind."""
    db = get_db()
    action = request.args.get("action") or None
    if action not in audit.ACTIONS:
        action = None
    tz = config.parse_offset(config.get_settings(db)["utc_offset"])
    events = [{**e, "at": local_time(e["at"], tz)} for e in audit.recent(db, 300, action)]
    return render_template("admin/audit.html", events=events, actions=audit.ACTIONS,
                           action=action)
