"""IKM methods as data: the unsur, their questions and answer labels, the grade table."""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal


@dataclass(frozen=True)
class Unsur:
    """One element (unsur) of the survey, identified by its code, never by position."""

    code: str
    name: str
    name_en: str
    question: str = ""
    question_en: str = ""
    # Answer labels for the values 1..4, worst to best.
    labels: tuple[str, str, str, str] | None = None
    labels_en: tuple[str, str, str, str] | None = None


@dataclass(frozen=True)
class GradeBand:
    """One row of a grade table: IKM values from `lower` upward earn this mutu."""

    mutu: str
    lower: Decimal
    upper: Decimal
    kinerja: str
    kinerja_en: str


@dataclass(frozen=True)
class Method:
    """An IKM method: which unsur are asked and how the IKM is graded."""

    key: str
    name: str
    unsur: tuple[Unsur, ...]
    grades: tuple[GradeBand, ...]  # best first
    # A subset of a regulation's unsur (the short survey) is not the full index.
    questionnaire: str = "full"

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(u.code for u in self.unsur)

    def unsur_by_code(self, code: str) -> Unsur:
        for u in self.unsur:
            if u.code == code:
                return u
        raise KeyError(code)

    def subset(self, codes: list[str] | tuple[str, ...], questionnaire: str) -> "Method":
        """Return this method restricted to `codes`, in that order, labelled `questionnaire`."""
        chosen = tuple(self.unsur_by_code(c) for c in codes)
        label = ", ".join(codes)
        return replace(
            self,
            key=f"{self.key}-{questionnaire}",
            name=f"{self.name} ({questionnaire}: {label})",
            unsur=chosen,
            questionnaire=questionnaire,
        )


def _bands(rows: list[tuple[str, str, str, str, str]]) -> tuple[GradeBand, ...]:
    return tuple(GradeBand(m, Decimal(lo), Decimal(hi), k, ken) for m, lo, hi, k, ken in rows)


# Lower bounds are what counts: the printed table leaves gaps (76,60 | 76,61), so the
# IKM is rounded half-up to two decimals first and then compared with these bounds.
GRADES_2017 = _bands([
    ("A", "88.31", "100.00", "Sangat Baik", "Very good"),
    ("B", "76.61", "88.30", "Baik", "Good"),
    ("C", "65.00", "76.60", "Kurang Baik", "Below standard"),
    ("D", "25.00", "64.99", "Tidak Baik", "Poor"),
])

GRADES_2004 = _bands([
    ("A", "81.26", "100.00", "Sangat Baik", "Very good"),
    ("B", "62.51", "81.25", "Baik", "Good"),
    ("C", "43.76", "62.50", "Kurang Baik", "Below standard"),
    ("D", "25.00", "43.75", "Tidak Baik", "Poor"),
])

UNSUR_2017 = (
    Unsur(
        "U1", "Persyaratan", "Requirements",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?",
        "How well did the requirements match the service you asked for?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        ("Not matching", "Somewhat matching", "Matching", "Fully matching"),
    ),
    Unsur(
        "U2", "Sistem, Mekanisme, dan Prosedur", "Procedure",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        "How easy was the procedure here?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
        ("Not easy", "Somewhat easy", "Easy", "Very easy"),
    ),
    Unsur(
        "U3", "Waktu Penyelesaian", "Speed / completion time",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        "How fast was the service?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
        ("Not fast", "Somewhat fast", "Fast", "Very fast"),
    ),
    Unsur(
        "U4", "Biaya/Tarif", "Cost",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        "How fair was the cost of the service?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
        ("Very expensive", "Fairly expensive", "Cheap", "Free"),
    ),
    Unsur(
        "U5", "Produk Spesifikasi Jenis Pelayanan", "Service product",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum "
        "dalam standar pelayanan dengan hasil yang diberikan?",
        "Did what you received match what the service standard promises?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        ("Not matching", "Somewhat matching", "Matching", "Fully matching"),
    ),
    Unsur(
        "U6", "Kompetensi Pelaksana", "Staff competence",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        "How capable were the staff?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
        ("Not capable", "Somewhat capable", "Capable", "Very capable"),
    ),
    Unsur(
        "U7", "Perilaku Pelaksana", "Staff friendliness",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait "
        "kesopanan dan keramahan?",
        "How polite and friendly were the staff?",
        ("Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah",
         "Sangat sopan dan ramah"),
        ("Not polite or friendly", "Somewhat polite and friendly", "Polite and friendly",
         "Very polite and friendly"),
    ),
    Unsur(
        "U8", "Penanganan Pengaduan, Saran dan Masukan", "Complaint handling",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        "How are complaints from service users handled?",
        ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal",
         "Dikelola dengan baik"),
        ("There is none", "Exists but does not work", "Works, but not fully", "Well managed"),
    ),
    Unsur(
        "U9", "Sarana dan Prasarana", "Facilities",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        "How good are the facilities (seats, room, equipment)?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
        ("Poor", "Fair", "Good", "Very good"),
    ),
)

_NAMES_2004 = [
    ("Prosedur pelayanan", "Service procedure"),
    ("Persyaratan pelayanan", "Service requirements"),
    ("Kejelasan petugas pelayanan", "Clarity of service staff"),
    ("Kedisiplinan petugas pelayanan", "Discipline of service staff"),
    ("Tanggung jawab petugas pelayanan", "Responsibility of service staff"),
    ("Kemampuan petugas pelayanan", "Ability of service staff"),
    ("Kecepatan pelayanan", "Speed of service"),
    ("Keadilan mendapatkan pelayanan", "Fairness in receiving service"),
    ("Kesopanan dan keramahan petugas", "Courtesy and friendliness of staff"),
    ("Kewajaran biaya pelayanan", "Reasonableness of cost"),
    ("Kepastian biaya pelayanan", "Certainty of cost"),
    ("Kepastian jadwal pelayanan", "Certainty of schedule"),
    ("Kenyamanan lingkungan", "Comfort of the surroundings"),
    ("Keamanan pelayanan", "Security of service"),
]
UNSUR_2004 = tuple(Unsur(f"U{i}", n, en) for i, (n, en) in enumerate(_NAMES_2004, start=1))

PERMENPAN_2017 = Method("2017", "PermenPAN-RB 14/2017", UNSUR_2017, GRADES_2017)
KEPMENPAN_2004 = Method("2004", "KepMenPAN 25/2004", UNSUR_2004, GRADES_2004)

METHODS: dict[str, Method] = {m.key: m for m in (PERMENPAN_2017, KEPMENPAN_2004)}
DEFAULT_METHOD = PERMENPAN_2017

# The short survey the office may run day to day: friendliness, speed, facilities.
SHORT_CODES = ("U7", "U3", "U9")
SHORT_2017 = PERMENPAN_2017.subset(SHORT_CODES, "short")


def get_method(key: str) -> Method:
    """Return the method registered under `key` ('2017', '2004', '2017-short')."""
    if key == SHORT_2017.key:
        return SHORT_2017
    try:
        return METHODS[key]
    except KeyError:
        known = ", ".join([*METHODS, SHORT_2017.key])
        raise KeyError(f"unknown IKM method {key!r} (known: {known})") from None
