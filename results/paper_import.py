"""A file of paper forms loaded into the store, or tried (a dry run): what it stores, its IKM."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlite_utils import Database

import store
from ikm import periods, scoring
from ikm.clock import parse_offset
from ikm.paper import check_date
from ikm.paper_sheet import read_forms, service_names
from ikm.sheet import InputError
from results import summary


@dataclass
class Imported:
    """What a file held and did: its forms, those stored and skipped, the IKM of its dates."""

    forms: int
    empty: int  # rows without any answer, left out
    stored: int
    skipped: int  # their serial was stored already
    start: date
    end: date
    result: scoring.Result
    warnings: list[str] = field(default_factory=list)


def run(db: Database, path: str | Path, settings: dict[str, Any], *, actor: store.audit.Actor,
        source: str, service: str | None = None, day: date | None = None,
        dry_run: bool = False) -> Imported:
    """Read, check and store a file of paper forms, all or nothing (a dry run stores nothing).

    `service` (a code) and `day` fill what the file leaves empty. Raise InputError naming
    the row and column of each bad cell, or the option at fault.
    """
    today = periods.today(settings)
    if service is not None and store.services.get(db, service) is None:
        raise InputError(f"--service: {service!r} is not a service of this office")
    if day is not None:
        try:
            check_date(day, today)
        except ValueError as exc:
            raise InputError(f"--date: {exc}") from None
    sheet = read_forms(path, service_names(store.services.in_order(db)),
                       parse_offset(settings["utc_offset"]), today, service, day)
    dates = [form.answered_at.date() for form in sheet.forms]
    start, end = min(dates), max(dates)
    try:
        loaded = store.paper_entries.load(
            db, sheet.forms, settings, actor=actor, source=source, dry_run=dry_run,
            measure=lambda: summary.period_result(db, start, end))
    except store.paper_entries.NotStored as exc:
        raise InputError(f"row {sheet.rows[exc.index]}: cannot be stored "
                         f"({exc.problem.field}: {exc.problem.message})") from None
    return Imported(len(sheet.forms), sheet.empty, loaded.stored, loaded.skipped, start, end,
                    loaded.measured, sheet.warnings)


def describe(done: Imported, dry_run: bool = False) -> str:
    """Return what an import stored (or would store) and the IKM it makes, for a terminal."""
    r = done.result
    ikm = f"{r.ikm:.2f} ({r.grade}, {r.kinerja})" if r.ikm is not None else "-"
    rows = "row" if done.empty == 1 else "rows"
    empty = f" ({done.empty} {rows} without answers ignored)" if done.empty else ""
    return "\n".join([
        *(["Dry run: nothing was stored."] if dry_run else []),
        f"Forms in the file: {done.forms}{empty}",
        f"{'Would be stored' if dry_run else 'Stored'}: {done.stored}",
        f"Skipped (serial already stored): {done.skipped}",
        f"IKM of {done.start.isoformat()} to {done.end.isoformat()}"
        f"{' after the import' if dry_run else ''}: {ikm}, {r.respondents} respondents "
        f"(all channels)"])
