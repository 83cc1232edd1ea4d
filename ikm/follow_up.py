"""Rencana tindak lanjut: statuses, and the PEKPPP figures of a period from actions' dates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import median

# The life of an action, in order; the last two close it.
STATUSES = ("direncanakan", "berjalan", "selesai", "dibatalkan")
OPEN = ("direncanakan", "berjalan")
CLOSED = ("selesai", "dibatalkan")
DONE = "selesai"

# PEKPPP (PermenPAN-RB 29/2022), the share of follow-up plans completed: the evaluator
# scores a unit by which of these bands its share falls in (lowest first).
SHARE_BANDS = ("kurang dari 30%", "30% - 80%", "lebih dari 80%", "100%")
# How fast plans are completed: the typical (median) days from decision to completion,
# best first. Each band holds up to its number of days; the last has no upper bound.
SPEED_BANDS = ((31, "dalam 1 bulan"), (92, "dalam 3 bulan"), (183, "dalam 6 bulan"),
               (366, "dalam 1 tahun"), (None, "lebih dari 1 tahun"))


@dataclass(frozen=True)
class Dated:
    """What the figures need of one action: its status and its office dates."""

    status: str
    created: date
    due: date | None
    closed: date | None


@dataclass(frozen=True)
class Figures:
    """A period's PEKPPP figures: completion share and speed, with their bands."""

    due: int  # actions due in the period, cancelled ones left out
    done: int  # of those, completed (status selesai)
    share_band: str | None
    completed: int  # actions completed in the period (closed with selesai)
    median_days: float | None
    speed_band: str | None

    @property
    def share(self) -> float | None:
        """Return the completed share in percent, or None when nothing was due."""
        return 100 * self.done / self.due if self.due else None


def share_band(done: int, due: int) -> str | None:
    """Return the PEKPPP band of done out of due (exact, no rounding), or None if none due."""
    if not due:
        return None
    if done >= due:
        return SHARE_BANDS[3]
    if done * 100 < due * 30:
        return SHARE_BANDS[0]
    return SHARE_BANDS[1] if done * 100 <= due * 80 else SHARE_BANDS[2]


def speed_band(days: float | None) -> str | None:
    """Return the speed band of a typical number of days from decision to completion."""
    if days is None:
        return None
    for limit, label in SPEED_BANDS:
        if limit is None or days <= limit:
            return label
    raise AssertionError("the last band has no limit")


def figures(actions: list[Dated], start: date, end: date) -> Figures:
    """Return the PEKPPP figures of the period start..end.

    Share: of the actions due in the period (cancelled ones do not count), those whose
    status is selesai now. Speed: the median days from an action's decision to its
    completion, over the actions completed (selesai) in the period.
    """
    due = [a for a in actions if a.due and start <= a.due <= end and a.status != "dibatalkan"]
    done = sum(1 for a in due if a.status == DONE)
    completed = [(a.closed - a.created).days for a in actions
                 if a.status == DONE and a.closed and start <= a.closed <= end]
    days = float(median(completed)) if completed else None
    return Figures(due=len(due), done=done, share_band=share_band(done, len(due)),
                   completed=len(completed), median_days=days, speed_band=speed_band(days))
