"""The office's settings in SQLite: read once per request, changed with an audit entry."""
from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from ikm.office import DEFAULTS, SECRETS
from store import audit
from store.schema import write_transaction


def read(db: Database) -> dict[str, Any]:
    """Return every setting: the stored value where there is one, else the default."""
    # Plain SQL: read on every kiosk request, where sqlite-utils' table helper would first
    # query the schema three times (as store.kiosks does for the kiosk look-up).
    stored = {key: json.loads(value)
              for key, value in db.execute("SELECT key, value FROM settings")}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}


def save(db: Database, values: dict[str, Any], *, actor: audit.Actor) -> None:
    """Store settings and say so in the audit log; refuse keys that are not settings."""
    unknown = set(values) - set(DEFAULTS)
    if unknown:
        raise KeyError(f"not a setting: {', '.join(sorted(unknown))}")
    before = read(db)
    changed = {k: v for k, v in values.items() if before[k] != v}
    with write_transaction(db):
        db.table("settings").upsert_all(
            ({"key": k, "value": json.dumps(v)} for k, v in values.items()), pk="key")
        # A secret's change is noted, its value never: admins read this log, and copy it.
        detail = " ".join(f"{k}=[changed]" if k in SECRETS else
                          f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in changed.items())
        audit.record(db, "settings", actor, detail or "unchanged")
