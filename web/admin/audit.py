"""The audit log page: who signed in, exported or changed what, and when."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l

import store
from ikm.clock import local_time
from web.admin import bp
from web.auth import requires
from web.database import get_db
from web.helpers import office_tz

# The audit actions in the page's language, one per store.audit.ACTIONS.
LABELS = {
    "login": _l("masuk"), "login_failed": _l("gagal masuk"),
    "login_locked": _l("masuk ditunda (terlalu banyak gagal)"), "logout": _l("keluar"),
    "setup": _l("admin pertama dibuat"), "password": _l("ganti kata sandi"),
    "export": _l("ekspor"), "settings": _l("pengaturan survei"), "service": _l("layanan"),
    "kiosk": _l("kios"), "user": _l("pengguna"), "population": _l("jumlah pengguna layanan"),
    "flagged": _l("jawaban ditandai"), "comment": _l("tindak lanjut komentar"),
    "backup": _l("cadangan dibuat"), "restore": _l("cadangan dipulihkan"),
    "unlock": _l("batas masuk dicabut"), "slips": _l("kupon survei dicetak"),
    "paper": _l("formulir kertas"), "action": _l("rencana tindak lanjut"),
    "theme": _l("tema kritik dan saran"),
    "alert": _l("peringatan ditangani"), "mail": _l("e-mail uji"),
    "reason": _l("alasan tidak puas"),
    "recording": _l("rekaman suara"),
}


@bp.get("/audit")
@requires("admin")
def audit_log():
    """The latest events of the audit log, optionally of one kind."""
    db = get_db()
    action = request.args.get("action") or None
    if action not in store.audit.ACTIONS:
        action = None
    tz = office_tz()
    events = [{**e, "at": local_time(e["at"], tz)} for e in store.audit.recent(db, 300, action)]
    return render_template("admin/audit.html", events=events, actions=LABELS, action=action)
