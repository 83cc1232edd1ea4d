"""A backup an admin can download from the browser, to keep on a flash disk."""
from __future__ import annotations

import io
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from flask import current_app, send_file

import store
from web.admin import bp
from web.audit_log import note_export
from web.auth import requires


@bp.get("/backup.db")
@requires("admin")
def backup_download():
    """A consistent copy of the whole database (online backup), as a file download."""
    folder = Path(tempfile.mkdtemp(prefix="skm-backup-"))
    try:
        copy = store.backup.backup(Path(current_app.config["DATABASE"]), folder / "skm.db")
        data = copy.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    name = f"skm-cadangan-{datetime.now():%Y%m%d-%H%M}.db"
    note_export(f"backup download {name}")
    return send_file(io.BytesIO(data), mimetype="application/vnd.sqlite3", as_attachment=True,
                     download_name=name, max_age=0)
