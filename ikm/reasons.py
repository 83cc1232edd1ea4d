"""Why an answer was unhappy: the reasons a citizen may tap, and how often each was given."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

# The kiosk shows at most this many reasons for an unsur: one screen, big chips, no scroll.
MAX_ACTIVE = 6
UNHAPPY = (1, 2)  # the two unhappy faces; only these are asked why

# The office's starting list per unsur: (unsur, reason, reason in English). From what the
# founding study found (facilities, speed, staff attitude) and what the seed's comments say.
DEFAULT_REASONS: tuple[tuple[str, str, str], ...] = (
    ("U1", "Syarat tidak jelas", "Requirements unclear"),
    ("U1", "Syarat terlalu banyak", "Too many requirements"),
    ("U1", "Harus bolak-balik melengkapi berkas", "Had to come back with more papers"),
    ("U2", "Alurnya membingungkan", "Confusing procedure"),
    ("U2", "Tidak ada papan informasi", "No information board"),
    ("U2", "Dipindah-pindah meja", "Sent from desk to desk"),
    ("U3", "Antrean panjang", "Long queue"),
    ("U3", "Petugas tidak di tempat", "Officer not at the desk"),
    ("U3", "Sistem atau jaringan mati", "System or network down"),
    ("U3", "Disuruh datang lagi lain hari", "Told to come back another day"),
    ("U4", "Diminta membayar", "Asked to pay"),
    ("U4", "Biaya tidak diumumkan", "Costs not posted"),
    ("U5", "Ada salah ketik", "Typing errors"),
    ("U5", "Belum selesai", "Not finished"),
    ("U5", "Tidak sesuai yang diminta", "Not what I asked for"),
    ("U6", "Petugas kurang paham", "Officer did not know"),
    ("U6", "Penjelasan tidak jelas", "Unclear explanation"),
    ("U7", "Tidak disapa", "Not greeted"),
    ("U7", "Petugas tidak ramah", "Officer unfriendly"),
    ("U7", "Dibeda-bedakan", "Treated unequally"),
    ("U8", "Tidak tahu cara mengadu", "Did not know how to complain"),
    ("U8", "Pengaduan tidak ditanggapi", "Complaint not answered"),
    ("U8", "Tidak ada kotak saran", "No suggestion box"),
    ("U9", "Kursi ruang tunggu kurang", "Not enough seats"),
    ("U9", "Panas, AC rusak", "Hot, air conditioning broken"),
    ("U9", "Toilet", "Toilet"),
    ("U9", "Parkir", "Parking"),
    ("U9", "Listrik padam", "Power cut"),
)


@dataclass(frozen=True)
class Reason:
    """A reason a citizen may give for an unhappy answer on one unsur."""

    id: int
    unsur: str
    name: str
    name_en: str | None
    active: bool = True


@dataclass(frozen=True)
class Tally:
    """How often one reason was given: count, and share of its unsur's unhappy answers."""

    reason: Reason
    count: int
    unhappy: int

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.count, self.unhappy) if self.unhappy else None


@dataclass(frozen=True)
class UnsurReasons:
    """One unsur's unhappy answers in a period and the reasons given for them."""

    unsur: str
    unhappy: int
    given: int  # unhappy answers with a reason; the rest were skipped or not asked
    tallies: tuple[Tally, ...]


def tally(reasons: Sequence[Reason], counts: Mapping[int, int],
          unhappy: Mapping[str, int]) -> list[UnsurReasons]:
    """Return, per unsur with a reason given, each reason's count, most given first.

    `counts` is how often each reason id was given, `unhappy` each unsur's unhappy answers
    in the same responses. Retired reasons still count for the periods they were given in.
    """
    out: list[UnsurReasons] = []
    units = list(dict.fromkeys(r.unsur for r in reasons))
    for code in sorted(units, key=lambda c: int(c[1:]) if c[1:].isdigit() else 999):
        mine = [Tally(r, counts[r.id], unhappy.get(code, 0))
                for r in reasons if r.unsur == code and counts.get(r.id)]
        if mine:
            mine.sort(key=lambda t: -t.count)  # stable: ties keep the office's order
            out.append(UnsurReasons(code, unhappy.get(code, 0), sum(t.count for t in mine),
                                    tuple(mine)))
    return out
