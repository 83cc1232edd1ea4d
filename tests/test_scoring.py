"""The IKM arithmetic against hand-checked values and the regulation's grade bounds."""
import random
import statistics
from decimal import Decimal
from fractions import Fraction

import pytest

from ikm.method import KEPMENPAN_2004, PERMENPAN_2017, SHORT_2017
from ikm.scoring import grade, round_half_up, score, score_rows, tally
from ikm.uncertainty import change, sample_size

CODES = PERMENPAN_2017.codes


def totals_for_ikm(ikm: str, method=PERMENPAN_2017) -> dict:
    """Integer totals whose every NRR is exactly ikm/25, so the IKM is exactly `ikm`."""
    nrr = Fraction(ikm) / 25
    return {c: (nrr.numerator, nrr.denominator) for c in method.codes}


def test_all_fours_is_100_and_a():
    result = score({c: (4, 1) for c in CODES}, respondents=1)
    assert result.ikm == Decimal("100.00")
    assert (result.grade, result.kinerja) == ("A", "Sangat Baik")
    # A rounded weight of 0.111 would give 99.90: ours uses exactly 1/9.
    assert all(u.weight == Fraction(1, 9) for u in result.unsur)


def test_every_nrr_three_is_75_and_c():
    result = score({c: (30, 10) for c in CODES}, respondents=10)
    assert result.ikm == Decimal("75.00")
    assert result.index == Decimal("3.0000")
    assert (result.grade, result.kinerja) == ("C", "Kurang Baik")


def test_worked_example_from_the_readme():
    # Four respondents; U5 left blank by one of them.
    rows = [
        {"U1": 3, "U2": 3, "U3": 2, "U4": 4, "U5": 3, "U6": 3, "U7": 2, "U8": 3, "U9": 2},
        {"U1": 4, "U2": 3, "U3": 3, "U4": 4, "U5": None, "U6": 3, "U7": 3, "U8": 3, "U9": 2},
        {"U1": 3, "U2": 4, "U3": 2, "U4": 4, "U5": 3, "U6": 4, "U7": 3, "U8": 2, "U9": 3},
        {"U1": 4, "U2": 3, "U3": 3, "U4": 4, "U5": 4, "U6": 3, "U7": 4, "U8": 3, "U9": 2},
    ]
    result = score_rows(rows)
    u5 = result.unsur[4]
    assert (u5.total, u5.n, u5.nrr) == (10, 3, Fraction(10, 3))
    assert result.index_exact == Fraction(1, 9) * (
        Fraction(14, 4) + Fraction(13, 4) + Fraction(10, 4) + Fraction(16, 4) + Fraction(10, 3)
        + Fraction(13, 4) + Fraction(12, 4) + Fraction(11, 4) + Fraction(9, 4))
    assert result.ikm == Decimal("77.31")
    assert result.grade == "B"
    assert [u.code for u in result.lowest()][:2] == ["U9", "U3"]


@pytest.mark.parametrize("ikm, rounded, mutu", [
    ("25", "25.00", "D"), ("64.99", "64.99", "D"), ("64.9949", "64.99", "D"),
    ("64.995", "65.00", "C"), ("65", "65.00", "C"), ("76.60", "76.60", "C"),
    ("76.6049", "76.60", "C"), ("76.605", "76.61", "B"), ("76.61", "76.61", "B"),
    ("88.30", "88.30", "B"), ("88.3049", "88.30", "B"), ("88.305", "88.31", "A"),
    ("88.31", "88.31", "A"), ("100", "100.00", "A"),
])
def test_2017_grade_bounds_on_both_sides(ikm, rounded, mutu):
    result = score(totals_for_ikm(ikm), respondents=1)
    assert result.index_exact * 25 == Fraction(ikm)  # the data really give this IKM
    assert (str(result.ikm), result.grade) == (rounded, mutu)


@pytest.mark.parametrize("ikm, rounded, mutu", [
    ("43.75", "43.75", "D"), ("43.7549", "43.75", "D"), ("43.755", "43.76", "C"),
    ("62.50", "62.50", "C"), ("62.5049", "62.50", "C"), ("62.505", "62.51", "B"),
    ("81.25", "81.25", "B"), ("81.2549", "81.25", "B"), ("81.255", "81.26", "A"),
    ("85", "85.00", "A"),
])
def test_2004_grade_bounds_on_both_sides(ikm, rounded, mutu):
    result = score(totals_for_ikm(ikm, KEPMENPAN_2004), 1, KEPMENPAN_2004)
    assert (str(result.ikm), result.grade) == (rounded, mutu)
    assert result.method.name == "KepMenPAN 25/2004"


def test_85_is_a_in_2004_and_b_in_2017():
    assert grade(Decimal("85.00"), KEPMENPAN_2004).mutu == "A"
    assert grade(Decimal("85.00"), PERMENPAN_2017).mutu == "B"


def test_float_arithmetic_would_round_88_305_down():
    # The trap this engine avoids: nine float NRRs weighted by 1/9 sum to 88.30499999...
    floats = sum(17661 / 5000 * (1 / 9) for _ in range(9)) * 25
    assert floats < 88.305 and round(floats, 2) == 88.3
    assert score(totals_for_ikm("88.305"), 1).ikm == Decimal("88.31")


@pytest.mark.parametrize("value, places, expected", [
    (Fraction(1, 8), 2, "0.13"), (Fraction(5, 1000), 2, "0.01"), (Fraction(4999, 1000000), 2,
                                                                  "0.00"),
    (Fraction(2, 3), 3, "0.667"), (Decimal("2.5"), 0, "3"), (100, 2, "100.00"),
])
def test_round_half_up(value, places, expected):
    assert str(round_half_up(value, places)) == expected


def test_unsur_grades_use_nrr_times_25():
    result = score({"U1": (353, 100), "U2": (300, 100), "U3": (260, 100), "U4": (259, 100)}, 100)
    grades = {u.code: (str(u.ikm), u.grade) for u in result.unsur if u.n}
    assert grades == {"U1": ("88.25", "B"), "U2": ("75.00", "C"), "U3": ("65.00", "C"),
                      "U4": ("64.75", "D")}


def test_missing_unsur_is_reported_and_excluded_from_the_weights():
    result = score({"U1": (8, 2), "U3": (6, 2)}, respondents=2)
    assert not result.complete and result.covered == 2
    assert result.unsur[1].nrr is None and result.unsur[1].grade is None
    assert result.ikm == Decimal("87.50")  # (4 + 3) / 2 * 25
    data = result.to_dict()
    assert data["complete"] is False and data["unsur_covered"] == 2
    assert data["unsur"][1]["nrr"] is None


def test_nothing_answered_gives_no_ikm():
    result = score({}, respondents=0)
    assert result.ikm is None and result.grade is None and result.to_dict()["ikm"] is None


def test_short_questionnaire_ikm_is_over_three_unsur():
    result = score({"U7": (4, 1), "U3": (3, 1), "U9": (2, 1)}, 1, SHORT_2017)
    assert result.complete and result.ikm == Decimal("75.00")
    assert result.to_dict()["questionnaire"] == "short"


@pytest.mark.parametrize("totals, message", [
    ({"U10": (4, 1)}, "U10 not an unsur"),
    ({"U1": (5, 1)}, "impossible"),
    ({"U1": (0, 1)}, "impossible"),
])
def test_impossible_totals_are_refused(totals, message):
    with pytest.raises(ValueError, match=message):
        score(totals, 1)


@pytest.mark.parametrize("bad", [0, 5, 3.5, "4", True])
def test_tally_refuses_anything_but_1_to_4(bad):
    with pytest.raises(ValueError, match="not an answer"):
        tally([{"U1": bad}])


@pytest.mark.parametrize("population, sample", [
    (10, 10), (100, 80), (1000, 278), (10000, 370), (1000000, 384), (1, 1), (0, 0),
])
def test_krejcie_morgan(population, sample):
    assert sample_size(population) == sample


def test_confidence_interval_matches_resampling_respondents():
    rng = random.Random(7)
    rows = [{c: (None if rng.random() < 0.1 else rng.choice([2, 3, 3, 4, 4])) for c in CODES}
            for _ in range(300)]
    result = score_rows(rows)
    boot = []
    for _ in range(1000):
        sample = [rows[rng.randrange(len(rows))] for _ in rows]
        boot.append(float(score_rows(sample).index_exact * 25))
    # The analytic standard error agrees with the bootstrap's within sampling noise.
    assert result.se == pytest.approx(statistics.stdev(boot), rel=0.1)
    low, high = result.ci
    assert low < result.ikm < high


def test_confidence_interval_of_identical_answers_is_a_point():
    result = score_rows([{c: 3 for c in CODES}] * 20)
    assert result.ci == (Decimal("75.00"), Decimal("75.00"))


def test_confidence_interval_needs_two_respondents():
    assert score_rows([{c: 3 for c in CODES}]).ci is None


def test_change_beyond_noise():
    steady = [{c: v for c in CODES} for v in [3, 4] * 50]
    better = [{c: 4 for c in CODES}] * 60 + [{c: 3 for c in CODES}] * 40
    small = change(score_rows(steady + steady[:2]), score_rows(steady))
    assert small.delta == Decimal("0.00") and small.significant is False
    big = change(score_rows(better), score_rows([{c: 2 for c in CODES}] * 100))
    assert big.delta == Decimal("40.00") and big.significant is True
