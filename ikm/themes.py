"""What citizens wrote, grouped: repeated texts counted once, themes found by keywords."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

# Two texts whose sets of words overlap this much (Jaccard) are the same comment written
# twice: "AC rusak, panas sekali" and "ac rusak panas sekali ya" are one complaint.
SIMILAR = 0.85
# Keywords this short match whole words only: "AC" must not find "acara", nor "KK" "kkn".
WHOLE_WORD_UP_TO = 3
# How citizens shorten words on a tablet; both spellings are one word when grouping.
SPELLINGS = {"gak": "tidak", "ga": "tidak", "gk": "tidak", "nggak": "tidak", "ngga": "tidak",
             "enggak": "tidak", "tdk": "tidak", "yg": "yang", "dgn": "dengan", "sdh": "sudah",
             "udah": "sudah", "blm": "belum", "krn": "karena", "utk": "untuk", "bgt": "banget",
             "jg": "juga", "sy": "saya", "trims": "terima kasih", "makasih": "terima kasih",
             "antri": "antre", "antrian": "antrean"}
_WORD = re.compile(r"[^\W_]+")

# The office's starting list, per unsur: (unsur, name, name in English, keywords).
DEFAULT_THEMES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("U1", "Persyaratan dan berkas", "Requirements and documents",
     ("syarat", "persyaratan", "berkas", "fotokopi", "dokumen")),
    ("U2", "Prosedur dan alur", "Procedure", ("prosedur", "alur", "bingung", "informasi")),
    ("U3", "Antrean dan waktu tunggu", "Queues and waiting",
     ("antre", "antri", "lama", "lambat", "menunggu", "cepat")),
    ("U4", "Biaya dan pungutan", "Costs and charges", ("biaya", "bayar", "pungli", "gratis")),
    # Not "KTP" or "KK": citizens name the service in comments about anything else.
    ("U5", "Hasil layanan", "What was delivered",
     ("hasil", "salah ketik", "salah cetak", "salah nama", "blangko")),
    ("U6", "Kemampuan petugas", "Staff competence", ("paham", "salah", "tidak tahu")),
    ("U7", "Sikap petugas", "Staff behaviour",
     ("senyum", "ramah", "judes", "kasar", "sopan", "membantu")),
    ("U8", "Pengaduan", "Complaints handling", ("pengaduan", "lapor", "keluhan", "aduan")),
    ("U9", "Ruang tunggu dan fasilitas", "Waiting room and facilities",
     ("AC", "panas", "kursi", "toilet", "WC", "parkir", "listrik", "mati lampu", "padam")),
)


def words(text: str) -> list[str]:
    """Return a text's words in lower case, punctuation gone, short spellings written out."""
    out: list[str] = []
    for w in _WORD.findall(text.casefold()):
        out.extend(SPELLINGS.get(w, w).split())
    return out


def normalise(text: str) -> str:
    """Return the text as grouping compares it: 'AC rusak!!' and 'ac  rusak' are one."""
    return " ".join(words(text))


@dataclass(frozen=True)
class Theme:
    """A theme of comments: its unsur (or None) and the keywords that find it."""

    id: int
    unsur: str | None
    name: str
    name_en: str | None
    keywords: tuple[str, ...]

    def matches(self, text: str) -> bool:
        """Say whether any keyword is in the text, as whole words or word beginnings."""
        found = words(text)
        return any(_has(found, words(k)) for k in self.keywords)


def _has(found: Sequence[str], keyword: Sequence[str]) -> bool:
    """Say whether the keyword's words come in a row, the last one maybe a word's start."""
    n = len(keyword)
    for i in range(len(found) - n + 1):
        head, last = found[i:i + n - 1], found[i + n - 1]
        if list(head) == list(keyword[:-1]) and (
                last == keyword[-1] or (len(keyword[-1]) > WHOLE_WORD_UP_TO
                                        and last.startswith(keyword[-1]))):
            return True
    return False


@dataclass
class Group(Generic[T]):
    """One comment however often it was written: its items and its most common wording."""

    items: list[T]
    wording: str
    key: frozenset[str] = field(repr=False, default=frozenset())

    @property
    def count(self) -> int:
        return len(self.items)


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return a == b
    return len(a & b) / len(a | b) >= SIMILAR


def group(items: Iterable[T], text: Callable[[T], str]) -> list[Group[T]]:
    """Put identical or near-identical texts together; most written first, then first seen."""
    exact: dict[str, list[T]] = {}
    for item in items:
        exact.setdefault(normalise(text(item)), []).append(item)
    groups: list[Group[T]] = []
    # Bigger exact groups first, so a stray variant joins the common wording, not the reverse.
    for norm, members in sorted(exact.items(), key=lambda kv: -len(kv[1])):
        key = frozenset(norm.split())
        home = next((g for g in groups if _similar(g.key, key)), None)
        if home is None:
            groups.append(Group(list(members), "", key))
        else:
            home.items.extend(members)
    for g in groups:
        # The wording most people wrote; on a tie, the one written first.
        counts = Counter(text(i).strip() for i in g.items)
        g.wording = max(counts, key=lambda w: counts[w])
    groups.sort(key=lambda g: -g.count)  # stable: equal counts keep first-seen order
    return groups


def themes_of(text: str, themes: Sequence[Theme]) -> list[Theme]:
    """Return every theme whose keywords the text contains, in the themes' order."""
    return [t for t in themes if t.matches(text)]


def by_theme(items: Iterable[T], text: Callable[[T], str], themes: Sequence[Theme]
             ) -> list[tuple[Theme | None, list[T]]]:
    """Sort items under the first theme they match (by order); the rest under None, last.

    First match only, so each comment is counted once and the report's counts add up to
    the number of comments; the comments page shows every theme a comment matches.
    """
    sorted_items: dict[int | None, list[T]] = {t.id: [] for t in themes}
    sorted_items[None] = []
    for item in items:
        found = next((t for t in themes if t.matches(text(item))), None)
        sorted_items[found.id if found else None].append(item)
    listed: list[tuple[Theme | None, list[T]]] = [
        (t, sorted_items[t.id]) for t in themes if sorted_items[t.id]]
    if sorted_items[None]:
        listed.append((None, sorted_items[None]))
    return listed
