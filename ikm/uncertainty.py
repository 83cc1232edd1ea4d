"""How sure an IKM is: its standard error and 95% interval, whether a change between
periods exceeds the noise, and how many respondents a population needs."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Protocol

from ikm.method import DEFAULT_METHOD, Method

Z_95 = 1.959963984540054  # two-sided 95% quantile of the normal distribution


def unsur_se(total: int, n: int, squares: int) -> float | None:
    """Return the standard error of one unsur's NRR x 25 from its sums."""
    if n < 2:
        return None
    variance = max(0.0, (squares - total * total / n) / (n - 1))
    return 25 * math.sqrt(variance / n)


def influence(totals: Mapping[str, tuple[int, int]], method: Method = DEFAULT_METHOD
              ) -> dict[str, tuple[float, float]]:
    """Return, per answered unsur, (NRR, coefficient) of each respondent's influence.

    A respondent's influence on the IKM is u = sum over the unsur they answered of
    coefficient * (answer - NRR), with coefficient = 25 / (k * n_i). The variance of
    the IKM is then N/(N-1) * sum of u^2 over the N respondents: the analytic
    (linearised) counterpart of resampling respondents, exact for the blanks.
    """
    answered = [c for c in method.codes if totals.get(c, (0, 0))[1] > 0]
    k = len(answered)
    return {
        c: (totals[c][0] / totals[c][1], 25 / (k * totals[c][1])) for c in answered
    }


# Per pair of unsur (u, v), over the respondents who answered both: how many, the sum of u's
# answers, the sum of v's, and the sum of their products.
Pairs = Mapping[tuple[str, str], tuple[int, int, int, int]]


def _pair(pairs: Pairs, u: str, v: str) -> tuple[int, int, int, int]:
    if (u, v) in pairs:
        return pairs[u, v]
    both, sum_v, sum_u, products = pairs[v, u]  # kept the other way round
    return both, sum_u, sum_v, products


def squared_influence(totals: Mapping[str, tuple[int, int]], squares: Mapping[str, int],
                      pairs: Pairs, method: Method = DEFAULT_METHOD) -> Fraction:
    """Return the sum of every respondent's squared influence (see influence), exactly.

    From integer totals that add up across days and services: with u_r = sum over unsur i
    of c_i (x_ri - m_i), the sum of u_r^2 is sum_i c_i^2 (Q_i - S_i^2 / n_i) plus, for each
    pair i < j, 2 c_i c_j (P_ij - m_j X_ij - m_i Y_ij + m_i m_j N_ij), where X, Y, P and N
    are the sums of x_i, x_j and x_i x_j, and the count, over those who answered both.
    """
    answered = [c for c in method.codes if totals.get(c, (0, 0))[1] > 0]
    if not answered:
        return Fraction(0)
    # Each term over its own denominator, times 25^2 / k^2 once at the end:
    # c_i = 25 / (k n_i) and m_i = S_i / n_i, multiplied out.
    total = Fraction(0)
    for n, i in enumerate(answered):
        s_i, n_i = totals[i]
        total += Fraction(squares[i] * n_i - s_i * s_i, n_i ** 3)
        for j in answered[n + 1:]:
            s_j, n_j = totals[j]
            both, x, y, products = _pair(pairs, i, j)
            if both:
                total += Fraction(2 * (products * n_i * n_j - s_j * x * n_i - s_i * y * n_j
                                       + s_i * s_j * both), n_i * n_i * n_j * n_j)
    return total * Fraction(625, len(answered) ** 2)


def standard_error(respondents: int, sum_sq_influence: float | Fraction) -> float | None:
    """Return the IKM's standard error from the summed squared influences."""
    if respondents < 2:
        return None
    return math.sqrt(max(0.0, sum_sq_influence * respondents / (respondents - 1)))


@dataclass(frozen=True)
class Change:
    """The change of the IKM between two periods, and whether it exceeds the noise."""

    delta: Decimal
    se: float | None

    @property
    def significant(self) -> bool | None:
        if self.se is None:
            return None
        return abs(float(self.delta)) > Z_95 * self.se if self.se > 0 else self.delta != 0


class Estimate(Protocol):
    """An IKM with its standard error, such as a scoring.Result."""

    @property
    def ikm(self) -> Decimal | None: ...

    @property
    def se(self) -> float | None: ...


def change(current: Estimate, previous: Estimate) -> Change | None:
    """Compare two independent periods' IKMs (current minus previous)."""
    if current.ikm is None or previous.ikm is None:
        return None
    se = None
    if current.se is not None and previous.se is not None:
        se = math.hypot(current.se, previous.se)
    return Change(current.ikm - previous.ikm, se)


def sample_size(population: int) -> int:
    """Return the Krejcie & Morgan minimum sample for `population` service users."""
    if population <= 0:
        return 0
    chi2, p, d = Fraction("3.841"), Fraction(1, 2), Fraction(5, 100)
    s = chi2 * population * p * (1 - p) / (d * d * (population - 1) + chi2 * p * (1 - p))
    return math.floor(s + Fraction(1, 2))  # to the nearest, half up
