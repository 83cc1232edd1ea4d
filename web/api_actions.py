"""GET /api/actions: the follow-up plans anyone may read, public fields only, no login."""
from __future__ import annotations

from flask import jsonify

import store
from web.api import bp
from web.database import get_db
from web.helpers import office_tz


@bp.get("/actions")
def actions():
    """The follow-up plans: unsur, service, what, due, status, public note and dates."""
    return jsonify(actions=store.actions.public(store.actions.list_actions(get_db(), office_tz())))
