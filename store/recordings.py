"""Prompts recorded for the kiosk: a row per language and prompt, the sound in a file.

Files live in the instance folder's recordings/ and are named by their sha256: a new
recording is written whole under its own name before its row commits, so a row never names
a half-written file, and the old file goes only once no row names it any more.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ikm import audio
from ikm.clock import utc_now
from store import audit
from store.audit import Actor
from store.instance import write_atomically
from store.schema import one, rows, write_transaction

FOLDER = "recordings"  # in the instance folder
_FIELDS = "lang, key, mime, size, sha256, created_at, created_by"


@dataclass(frozen=True)
class Recording:
    """One prompt recorded in one language."""

    lang: str
    key: str
    mime: str
    size: int
    sha256: str
    created_at: str
    created_by: str | None


def _recording(r: dict[str, Any]) -> Recording:
    return Recording(**r)


def folder(instance: Path) -> Path:
    """Return the recordings' folder in the instance folder, made if missing."""
    path = instance / FOLDER
    path.mkdir(exist_ok=True)
    return path


def file(instance: Path, rec: Recording) -> Path:
    """Return where a recording's sound is kept."""
    return instance / FOLDER / rec.sha256


def listed(db: Database, instance: Path | None = None) -> list[Recording]:
    """Return every recording; with `instance`, only those whose file is there to serve."""
    found = [_recording(r) for r in rows(db, f"SELECT {_FIELDS} FROM recordings "
                                             "ORDER BY lang, key")]
    # A backup restored over newer recordings may name files that are gone: a kiosk must
    # not be told of them (its service worker would fail to store any of them).
    return [r for r in found if instance is None or file(instance, r).is_file()]


def get(db: Database, lang: str, key: str) -> Recording | None:
    """Return one prompt's recording in one language, or None."""
    found = one(db, f"SELECT {_FIELDS} FROM recordings WHERE lang = ? AND key = ?",
                [lang, key])
    return _recording(found) if found else None


def _unused(db: Database, instance: Path, sha256: str) -> None:
    """Remove a sound file no row names (two prompts may share one identical file)."""
    if not db.execute("SELECT 1 FROM recordings WHERE sha256 = ?", [sha256]).fetchone():
        (instance / FOLDER / sha256).unlink(missing_ok=True)


def save(db: Database, instance: Path, lang: str, key: str, data: bytes, *,
         actor: Actor) -> Recording:
    """Keep a recording of a prompt in a language, in place of any earlier one; audited."""
    audio.check_prompt(lang, key)
    mime = audio.check(data)  # refused before anything is written
    sha256 = hashlib.sha256(data).hexdigest()
    write_atomically(folder(instance) / sha256, data, mode=0o644)
    rec = Recording(lang, key, mime, len(data), sha256, utc_now(), actor.username)
    try:
        with write_transaction(db):
            before = get(db, lang, key)
            db.table("recordings").upsert(asdict(rec), pk=("lang", "key"))
            audit.record(db, "recording", actor,
                         f"{lang} {key}: {'replaced' if before else 'recorded'} "
                         f"({mime}, {len(data)} bytes)")
    except BaseException:
        _unused(db, instance, sha256)  # the row did not commit: its file must not linger
        raise
    if before and before.sha256 != sha256:
        _unused(db, instance, before.sha256)
    return rec


def delete(db: Database, instance: Path, lang: str, key: str, *, actor: Actor) -> bool:
    """Delete a prompt's recording in a language, row and file; audited. False if none."""
    with write_transaction(db):
        before = get(db, lang, key)
        if before is None:
            return False
        db.execute("DELETE FROM recordings WHERE lang = ? AND key = ?", [lang, key])
        audit.record(db, "recording", actor, f"{lang} {key}: deleted")
    _unused(db, instance, before.sha256)
    return True
