"""The server log page: the last lines of INSTANCE/logs/skm.log, for an admin to read."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template

from host import logs
from web.admin import bp
from web.auth import requires

LINES = 200


@bp.get("/settings/log")
@requires("admin")
def log():
    """The server log's last lines, newest last."""
    folder = Path(current_app.instance_path)
    # Written redacted; hidden again here in case an older or outside line slipped in.
    secrets = [str(current_app.secret_key)] if current_app.secret_key else []
    lines = [logs.redact(line, secrets) for line in logs.tail(folder, LINES)]
    return render_template("admin/log.html", lines=lines, path=logs.log_path(folder),
                           count=LINES)
