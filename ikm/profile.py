"""The respondent profile of the official form: fields, their codes and labels."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """One optional profile question: its stored codes with Indonesian and English labels."""

    key: str
    title: str
    title_en: str
    options: tuple[tuple[str, str, str], ...]  # (code, label id, label en)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _, _ in self.options)

    def label(self, code: str, lang: str = "id") -> str:
        for c, label_id, label_en in self.options:
            if c == code:
                return label_en if lang == "en" else label_id
        return code


GENDER = Field("gender", "Jenis kelamin", "Gender", (
    ("L", "Laki-laki", "Male"),
    ("P", "Perempuan", "Female"),
))

# Age is asked as a group so that nobody has to type; an exact age sent by another
# client is kept and placed in its group.
AGE_GROUP = Field("age_group", "Usia", "Age", (
    ("<20", "Di bawah 20", "Under 20"),
    ("20-29", "20 - 29", "20 - 29"),
    ("30-39", "30 - 39", "30 - 39"),
    ("40-49", "40 - 49", "40 - 49"),
    ("50-59", "50 - 59", "50 - 59"),
    ("60+", "60 ke atas", "60 and over"),
))

EDUCATION = Field("education", "Pendidikan", "Education", (
    ("SD", "SD", "Primary school"),
    ("SMP", "SMP", "Junior high school"),
    ("SMA", "SMA", "Senior high school"),
    ("D1-D3", "D1 - D3", "Diploma (D1 - D3)"),
    ("D4/S1", "D4 / S1", "Bachelor (D4 / S1)"),
    ("S2+", "S2 ke atas", "Master or higher (S2+)"),
))

OCCUPATION = Field("occupation", "Pekerjaan", "Occupation", (
    ("PNS", "PNS", "Civil servant (PNS)"),
    ("TNI", "TNI", "Armed forces (TNI)"),
    ("POLRI", "POLRI", "Police (POLRI)"),
    ("Swasta", "Swasta", "Private employee"),
    ("Wirausaha", "Wirausaha", "Self-employed"),
    ("Lainnya", "Lainnya", "Other"),
))

FIELDS = (GENDER, AGE_GROUP, EDUCATION, OCCUPATION)


def age_group(age: int) -> str:
    """Return the age group code of an age in years."""
    if age < 20:
        return "<20"
    if age >= 60:
        return "60+"
    decade = age // 10 * 10
    return f"{decade}-{decade + 9}"
