"""The channels a response comes by, named for people, and the rows a table of them shows."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ikm.scoring import Result
from ikm.validation import CHANNELS, KIOSK, PAPER, PHONE, POSTER

# The one place channels are named; pages show them in the reader's language.
NAMES = {KIOSK: _l("Kios"), PHONE: _l("Ponsel (kupon QR)"), POSTER: _l("Poster QR"),
         PAPER: _l("Formulir kertas")}
# Anyone passing the standing poster can answer, so staff judge its figures on their own
# (issue 14); the IKM still counts them, as it counts every channel.
APART = frozenset({POSTER})
# The office's own tablet gets a row even at 0: an empty kiosk row says the tablet is down.
ALWAYS = frozenset({KIOSK})


def name(channel: str) -> str:
    """Return a channel's name in the reader's language."""
    return str(NAMES[channel])


def indonesian(channel: str) -> str:
    """Return a channel's name in Bahasa Indonesia, whatever the reader's language."""
    with force_locale("id"):
        return str(NAMES[channel])


@dataclass(frozen=True)
class Row:
    """One channel's line in a table: its respondents and IKM in the period."""

    channel: str
    result: Result | None  # None: no respondents

    @property
    def name(self) -> str:
        return name(self.channel)

    @property
    def respondents(self) -> int:
        return self.result.respondents if self.result else 0

    @property
    def ikm(self) -> Decimal | None:
        return self.result.ikm if self.result else None

    @property
    def grade(self) -> str | None:
        return self.result.grade if self.result else None

    @property
    def apart(self) -> bool:
        return self.channel in APART


def rows(results: dict[str, Result | None], selected: str | None = None,
         every: bool = False) -> list[Row]:
    """Return the rows a table shows, the poster's last (`every`: all four, at 0 too)."""
    # Hidden at 0 but the kiosk: most offices never turn the poster on, and a row of
    # zeros per unused channel would only push the page down.
    shown = [Row(c, results.get(c)) for c in CHANNELS
             if every or c in ALWAYS or c == selected or results.get(c)]
    return sorted(shown, key=lambda row: row.apart)  # stable: CHANNELS' order otherwise
