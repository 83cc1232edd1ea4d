"""Themes of citizens' comments: listed, added, edited, retired, restored and ordered."""
from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from ikm.clock import utc_now
from ikm.method import PERMENPAN_2017
from ikm.office import checked_name, tidy_name
from ikm.refused import Refused
from ikm.themes import Theme
from store import audit
from store.audit import Actor
from store.schema import one, rows, write_transaction

MAX_NAME = 60
MAX_KEYWORDS = 30
MAX_KEYWORD = 40
UNSUR = tuple(u.code for u in PERMENPAN_2017.unsur)
# Unsur order U1..U9 (not text order, should there ever be a U10), themes without one last.
_ORDER = ("ORDER BY CASE WHEN unsur IS NULL THEN 999 ELSE CAST(substr(unsur, 2) AS INTEGER) "
          "END, position, id")
_FIELDS = "id, unsur, name, name_en, keywords, position, active"


def _row(r: dict[str, Any]) -> dict[str, Any]:
    return {**r, "keywords": json.loads(r["keywords"])}


def in_order(db: Database, active_only: bool = False) -> list[dict[str, Any]]:
    """Return the themes by unsur then position (only the active ones, if asked)."""
    where = "WHERE active = 1 " if active_only else ""
    return [_row(r) for r in rows(db, f"SELECT {_FIELDS} FROM themes {where}{_ORDER}")]


def active(db: Database) -> list[Theme]:
    """Return the active themes as the grouping uses them, in order."""
    return [Theme(r["id"], r["unsur"], r["name"], r["name_en"], tuple(r["keywords"]))
            for r in in_order(db, active_only=True)]


def get(db: Database, theme_id: int) -> dict[str, Any] | None:
    """Return one theme, or None."""
    found = one(db, f"SELECT {_FIELDS} FROM themes WHERE id = ?", [theme_id])
    return _row(found) if found else None


def tidy_keywords(keywords: list[str]) -> list[str]:
    """Return the keywords trimmed, blanks and repeats dropped; refuse too many or too long."""
    tidy: list[str] = []
    for k in keywords:
        k = " ".join(k.split())
        if k and k.casefold() not in {t.casefold() for t in tidy}:
            tidy.append(k)
    if not tidy:
        raise Refused("keywords", "required")
    if len(tidy) > MAX_KEYWORDS:
        raise Refused("keywords", "too_many", count=len(tidy), max=MAX_KEYWORDS)
    long = next((k for k in tidy if len(k) > MAX_KEYWORD), None)
    if long:
        raise Refused("keywords", "too_long", keyword=long[:MAX_KEYWORD], max=MAX_KEYWORD)
    return tidy


def _checked(unsur: str | None, name: str, keywords: list[str]) -> tuple[str, list[str]]:
    name = checked_name(name, MAX_NAME)
    if unsur is not None and unsur not in UNSUR:
        raise Refused("unsur", "invalid")
    return name, tidy_keywords(keywords)


def add(db: Database, unsur: str | None, name: str, keywords: list[str],
        name_en: str | None = None, *, actor: Actor) -> int:
    """Add an active theme at the end of its unsur; return its id."""
    name, keywords = _checked(unsur, name, keywords)
    with write_transaction(db):
        last = db.execute("SELECT coalesce(max(position), 0) FROM themes").fetchone()[0]
        theme_id = db.table("themes").insert({
            "unsur": unsur, "name": name, "name_en": tidy_name(name_en) or None,
            "keywords": json.dumps(keywords), "position": last + 1, "active": 1,
            "created_at": utc_now()}).last_pk
        audit.record(db, "theme", actor, f"{theme_id}: added {unsur or '-'} {name}")
    return int(theme_id or 0)


def edit(db: Database, theme_id: int, unsur: str | None, name: str, keywords: list[str],
         name_en: str | None = None, *, actor: Actor) -> None:
    """Change a theme's unsur, names and keywords."""
    name, keywords = _checked(unsur, name, keywords)
    with write_transaction(db):
        db.table("themes").update(theme_id, {
            "unsur": unsur, "name": name, "name_en": tidy_name(name_en) or None,
            "keywords": json.dumps(keywords)})
        audit.record(db, "theme", actor,
                     f"{theme_id}: {unsur or '-'} {name}: {', '.join(keywords)}")


def set_active(db: Database, theme_id: int, is_active: bool, *, actor: Actor) -> None:
    """Retire a theme (kept, no longer used) or bring it back; themes are never deleted."""
    with write_transaction(db):
        db.table("themes").update(theme_id, {"active": int(is_active)})
        audit.record(db, "theme", actor,
                     f"{theme_id}: {'restored' if is_active else 'retired'}")


def move(db: Database, theme_id: int, step: int, *, actor: Actor) -> bool:
    """Move an active theme up (-1) or down (+1) within its unsur; False at an end."""
    with write_transaction(db):
        listed = [r for r in in_order(db)]
        me = next((r for r in listed if r["id"] == theme_id), None)
        if me is None or not me["active"]:
            return False
        peers = [r["id"] for r in listed if r["active"] and r["unsur"] == me["unsur"]]
        i = peers.index(theme_id) + step
        if not 0 <= i < len(peers):
            return False
        order = [r["id"] for r in listed]
        a, b = order.index(theme_id), order.index(peers[i])
        order[a], order[b] = order[b], order[a]
        # Renumber everything, so positions never repeat.
        db.conn.executemany("UPDATE themes SET position = ? WHERE id = ?",
                            [(n, t) for n, t in enumerate(order, start=1)])
        audit.record(db, "theme", actor, f"{theme_id}: moved {'up' if step < 0 else 'down'}")
    return True
