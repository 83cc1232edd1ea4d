"""Paper forms into the responses: one typed in, or a file's worth all or nothing; audited."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlite_utils import Database

from ikm.validation import Incoming, Invalid
from store import audit, paper, responses

T = TypeVar("T")
COMMAND = "import-paper"  # who typed the forms in, for a file loaded at the command line


class NotStored(ValueError):
    """A form of a file the store refused (not for its serial): nothing of the file is kept."""

    def __init__(self, index: int, problem: Invalid):
        super().__init__(f"form {index + 1}: {problem}")
        self.index, self.problem = index, problem


@dataclass
class Loaded(Generic[T]):
    """What loading a file did: forms stored, forms already there, and the caller's measure."""

    stored: int
    skipped: int
    measured: T


class _DryRun(Exception):
    """Raised at the end of a dry run's transaction, so that it leaves nothing behind."""


def taken(db: Database, serial: str) -> Invalid | None:
    """Return why a serial cannot be entered again (when, by whom), or None."""
    found = paper.entered(db, serial)
    if found is None:
        return None
    return Invalid("serial", f"form {serial} was already entered on "
                             f"{found['received_at'][:10]} by {found['entered_by']}")


def enter(db: Database, form: Incoming, settings: dict[str, Any], *,
          actor: audit.Actor) -> str | Invalid:
    """Store one form typed in by `actor`, audited in its transaction; return stored or why not.

    A form whose serial is stored already is refused on "serial", however it was stored.
    """
    def note(statuses: list[str | Invalid]) -> None:
        if statuses == [responses.STORED]:
            audit.record(db, "paper", actor, f"form {form.serial} entered: {form.service}, "
                                             f"{form.answered_at.date().isoformat()}")

    (status,) = responses.record(db, None, [form], settings, entered_by=actor.username,
                                 then=note)
    if form.serial and (status == responses.DUPLICATE or (
            isinstance(status, Invalid) and status.field == "serial")):
        return taken(db, form.serial) or status
    return status


def load(db: Database, forms: list[Incoming], settings: dict[str, Any], *, actor: audit.Actor,
         source: str, measure: Callable[[], T], dry_run: bool = False) -> Loaded[T]:
    """Store a file's forms all or nothing, skipping those whose serial is already stored.

    `measure` runs in the same transaction once they are in (the IKM they make); a dry run
    then undoes it all. A form refused for another reason undoes it all too (NotStored).
    """
    done: list[Loaded[T]] = []

    def finish(statuses: list[str | Invalid]) -> None:
        for n, status in enumerate(statuses):
            if isinstance(status, Invalid) and status.field != "serial":
                raise NotStored(n, status)
        stored = statuses.count(responses.STORED)
        audit.record(db, "paper", actor, f"{source}: {stored} forms stored, "
                                         f"{len(statuses) - stored} already there (skipped)")
        done.append(Loaded(stored, len(statuses) - stored, measure()))
        if dry_run:
            raise _DryRun

    try:
        responses.record(db, None, forms, settings, entered_by=actor.username or COMMAND,
                         then=finish)
    except _DryRun:
        pass
    return done[0]
