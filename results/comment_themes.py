"""What citizens wrote in a period, by theme: for the report, a page or two, not a list."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone

from sqlite_utils import Database

import store
from ikm.periods import Period
from ikm.themes import Group, Theme, by_theme, group
from store.comments import STATUSES, Comment

# Quotes printed per theme; the rest are counted, and all are on the comments page.
QUOTES = 2
# Comments that fit no theme are printed once each, up to this many distinct texts.
OTHERS = 30


@dataclass(frozen=True)
class Section:
    """One theme (None: Lainnya) with its comments grouped and counted by follow-up."""

    theme: Theme | None
    count: int
    groups: list[Group[Comment]]
    statuses: dict[str, int]

    def shown(self) -> list[Group[Comment]]:
        """Return the groups the report prints: a few quotes, or many for Lainnya."""
        return self.groups[:OTHERS if self.theme is None else QUOTES]

    def hidden(self) -> int:
        """Return how many comments the printed groups leave out."""
        return self.count - sum(g.count for g in self.shown())


def _statuses(items: list[Comment]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for c in items:
        counts[c.status] += 1
    return counts


def sections(comments: list[Comment], themes: list[Theme]) -> list[Section]:
    """Return the comments under their first theme, in the themes' order, Lainnya last."""
    return [Section(theme, len(items), group(items, lambda c: c.text), _statuses(items))
            for theme, items in by_theme(comments, lambda c: c.text, themes)]


def by_theme_for(db: Database, period: Period, tz: timezone) -> list[Section]:
    """Return a period's comments by theme with the office's active themes."""
    comments = store.comments.list_comments(db, period.start, period.end, tz)
    return sections(comments, store.themes.active(db))


def open_count(found: list[Section]) -> int:
    """Count the comments whose follow-up is not finished."""
    return sum(s.count - s.statuses["selesai"] for s in found)
