"""The IKM arithmetic of PermenPAN-RB 14/2017: totals -> NRR -> index -> IKM -> grade.

Plain arithmetic, no I/O. Every NRR and index is an exact fraction of integer totals
with exact weights 1/k; the only rounding is the final half-up to two decimals, and
the grade is read from that rounded IKM.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ikm.method import DEFAULT_METHOD, GradeBand, Method
from ikm.uncertainty import Z_95, influence, standard_error, unsur_se

ANSWERS = (1, 2, 3, 4)

Totals = Mapping[str, tuple[int, int]]  # unsur code -> (sum of answers, number answered)


def round_half_up(value: Fraction | Decimal | int, places: int = 2) -> Decimal:
    """Round a non-negative value half-up to `places` decimals, exactly."""
    return Decimal(_half_up_units(value, places)).scaleb(-places)


def _half_up_units(value: Fraction | Decimal | int | float, places: int) -> int:
    """Return floor(value x 10^places + 1/2), exactly."""
    # In integers, not Fraction arithmetic: /api/ikm rounds about fifty numbers a request.
    if not isinstance(value, Fraction):
        value = Fraction(value)
    num, den = value.numerator, value.denominator
    return (2 * num * 10**places + den) // (2 * den)


def grade(ikm: Decimal, method: Method = DEFAULT_METHOD) -> GradeBand:
    """Return the grade band of an IKM that is already rounded to two decimals."""
    for band in method.grades:
        if ikm >= band.lower:
            return band
    return method.grades[-1]


@dataclass(frozen=True)
class UnsurScore:
    """One unsur's totals and what follows from them."""

    code: str
    name: str
    name_en: str
    total: int
    n: int
    nrr: Fraction | None  # None when nobody answered this unsur
    weight: Fraction | None  # 1/k over the unsur that have answers
    band: GradeBand | None
    se: float | None = None  # standard error of NRR x 25, when the squares were given

    @property
    def nrr_weighted(self) -> Fraction | None:
        return None if self.nrr is None or self.weight is None else self.nrr * self.weight

    @property
    def ikm(self) -> Decimal | None:
        """This unsur on the 25..100 scale (NRR x 25), rounded half-up."""
        return None if self.nrr is None else round_half_up(self.nrr * 25)

    @property
    def grade(self) -> str | None:
        return self.band.mutu if self.band else None


@dataclass(frozen=True)
class Result:
    """The IKM of a set of responses under one method."""

    method: Method
    respondents: int
    unsur: tuple[UnsurScore, ...]
    index_exact: Fraction | None
    ikm: Decimal | None
    band: GradeBand | None
    se: float | None = None  # standard error of the IKM, when per-respondent data was seen

    @property
    def covered(self) -> int:
        return sum(1 for u in self.unsur if u.n)

    @property
    def complete(self) -> bool:
        return self.covered == len(self.method.unsur)

    @property
    def index(self) -> Decimal | None:
        return None if self.index_exact is None else round_half_up(self.index_exact, 4)

    @property
    def grade(self) -> str | None:
        return self.band.mutu if self.band else None

    @property
    def kinerja(self) -> str | None:
        return self.band.kinerja if self.band else None

    @property
    def ci(self) -> tuple[Decimal, Decimal] | None:
        """The 95% confidence interval of the IKM, clipped to the scale 25..100."""
        if self.se is None or self.index_exact is None:
            return None
        centre = float(self.index_exact * 25)
        low = max(25.0, centre - Z_95 * self.se)
        high = min(100.0, centre + Z_95 * self.se)
        return round_half_up(Fraction(low)), round_half_up(Fraction(high))

    def lowest(self) -> list[UnsurScore]:
        """Return the answered unsur, lowest NRR first (the basis of the follow-up plan)."""
        return sorted((u for u in self.unsur if u.n), key=lambda u: (u.nrr, u.code))

    def to_dict(self) -> dict:
        """Return the result as the JSON object of `python -m ikm --json` and `/api/ikm`."""
        ci = self.ci
        return {
            "method": self.method.name,
            "method_key": self.method.key,
            "questionnaire": self.method.questionnaire,
            "respondents": self.respondents,
            "unsur": [
                {
                    "code": u.code,
                    "name": u.name,
                    "name_en": u.name_en,
                    "total": u.total,
                    "n": u.n,
                    "nrr": _num(u.nrr, 3),
                    "nrr_weighted": _num(u.nrr_weighted, 3),
                    "ikm": _num(u.ikm, 2),
                    "grade": u.grade,
                }
                for u in self.unsur
            ],
            "index": _num(self.index_exact, 4),
            "ikm": _num(self.ikm, 2),
            "grade": self.grade,
            "kinerja": self.kinerja,
            "kinerja_en": self.band.kinerja_en if self.band else None,
            "complete": self.complete,
            "unsur_covered": self.covered,
            "ci95": [float(ci[0]), float(ci[1])] if ci else None,
        }


def _num(value: Fraction | Decimal | None, places: int) -> float | None:
    # int / int is correctly rounded, as float(Decimal) is: the same float, made faster.
    return None if value is None else _half_up_units(value, places) / 10**places


def score(
    totals: Totals, respondents: int, method: Method = DEFAULT_METHOD, se: float | None = None,
    squares: Mapping[str, int] | None = None,
) -> Result:
    """Compute NRR per unsur, the index, the IKM and the grades from integer totals.

    `squares` (sum of squared answers per unsur) adds each unsur's standard error.
    """
    unknown = set(totals) - set(method.codes)
    if unknown:
        raise ValueError(f"{', '.join(sorted(unknown))} not an unsur of {method.name}")
    for code, (total, n) in totals.items():
        if n < 0 or not n <= total <= 4 * n:
            raise ValueError(f"{code}: total {total} is impossible for {n} answers of 1-4")
    answered = [c for c in method.codes if totals.get(c, (0, 0))[1] > 0]
    weight = Fraction(1, len(answered)) if answered else None
    scores = []
    for u in method.unsur:
        total, n = totals.get(u.code, (0, 0))
        nrr = Fraction(total, n) if n else None
        band = grade(round_half_up(nrr * 25), method) if nrr is not None else None
        unsur_error = unsur_se(total, n, squares[u.code]) if squares else None
        scores.append(UnsurScore(u.code, u.name, u.name_en, total, n, nrr,
                                 weight if n else None, band, unsur_error))
    if weight is None:  # nobody answered anything
        return Result(method, respondents, tuple(scores), None, None, None, None)
    index = sum((s.nrr * weight for s in scores if s.nrr is not None), Fraction(0))
    ikm = round_half_up(index * 25)
    return Result(method, respondents, tuple(scores), index, ikm, grade(ikm, method), se)


Row = Mapping[str, int | None]


def tally(rows: Iterable[Row], method: Method = DEFAULT_METHOD) -> tuple[dict, int]:
    """Sum answers per unsur; return (totals, respondents), blanks left out of n."""
    totals = {c: [0, 0] for c in method.codes}
    respondents = 0
    for row in rows:
        seen = False
        for code, value in row.items():
            if value is None:
                continue
            if value not in ANSWERS or isinstance(value, bool):
                raise ValueError(f"{code}: {value!r} is not an answer (1-4)")
            totals[code][0] += value
            totals[code][1] += 1
            seen = True
        respondents += seen
    return {c: (t, n) for c, (t, n) in totals.items()}, respondents


def score_rows(rows: Iterable[Row], method: Method = DEFAULT_METHOD) -> Result:
    """Score in-memory respondent rows, with the confidence interval."""
    rows = [r for r in rows if any(v is not None for v in r.values())]
    totals, respondents = tally(rows, method)
    infl = influence(totals, method)
    sum_sq = 0.0
    for row in rows:
        u = sum((coef * (value - mean) for c, (mean, coef) in infl.items()
                 if (value := row.get(c)) is not None), 0.0)
        sum_sq += u * u
    return score(totals, respondents, method, standard_error(respondents, sum_sq))
