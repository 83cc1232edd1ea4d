"""Properties of the IKM that must hold for any set of responses (hypothesis)."""
import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from ikm.method import PERMENPAN_2017
from ikm.scoring import _num, round_half_up, score, score_rows, tally

CODES = PERMENPAN_2017.codes

answer = st.integers(min_value=1, max_value=4)
maybe_answer = st.one_of(st.none(), answer)
full_row = st.fixed_dictionaries({c: answer for c in CODES})
row_with_blanks = st.fixed_dictionaries({c: maybe_answer for c in CODES})
responses = st.lists(row_with_blanks, min_size=1, max_size=40).filter(
    lambda rows: any(v is not None for r in rows for v in r.values()))


@given(responses, st.randoms())
def test_order_of_rows_does_not_matter(rows, rnd):
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert score_rows(shuffled).index_exact == score_rows(rows).index_exact


@given(responses)
def test_duplicating_every_row_keeps_the_ikm(rows):
    once, twice = score_rows(rows), score_rows(rows + rows)
    assert twice.index_exact == once.index_exact and twice.ikm == once.ikm
    assert twice.respondents == 2 * once.respondents


@given(st.lists(st.fixed_dictionaries({c: st.one_of(st.none(), st.just(1)) for c in CODES}),
                min_size=1, max_size=30).filter(
    lambda rows: any(v is not None for r in rows for v in r.values())))
def test_all_ones_is_25_and_d(rows):
    result = score_rows(rows)
    assert (result.ikm, result.grade) == (Decimal("25.00"), "D")


@given(responses, st.data())
def test_raising_one_answer_never_lowers_the_ikm(rows, data):
    spots = [(i, c) for i, r in enumerate(rows) for c, v in r.items() if v is not None and v < 4]
    if not spots:
        return
    i, c = data.draw(st.sampled_from(spots))
    raised = [dict(r) for r in rows]
    raised[i][c] += 1
    assert score_rows(raised).index_exact > score_rows(rows).index_exact


@given(responses)
def test_blanks_are_left_out_per_unsur_never_counted_as_zero(rows):
    result = score_rows(rows)
    for u in result.unsur:
        given_answers = [r[u.code] for r in rows if r[u.code] is not None]
        assert u.n == len(given_answers)
        assert u.nrr == (Fraction(sum(given_answers), len(given_answers))
                         if given_answers else None)
    # A respondent who skipped everything changes nothing at all.
    assert score_rows(rows + [{c: None for c in CODES}]) == result


@given(st.lists(st.tuples(st.sampled_from(["KTP", "KK", "IMB"]), row_with_blanks),
                min_size=1, max_size=40))
def test_office_ikm_pools_all_rows(tagged):
    rows = [r for _, r in tagged]
    if not any(v is not None for r in rows for v in r.values()):
        return
    per_service: dict[str, dict] = {}
    for service, row in tagged:
        totals, _ = tally([row])
        acc = per_service.setdefault(service, {c: (0, 0) for c in CODES})
        for c, (t, n) in totals.items():
            acc[c] = (acc[c][0] + t, acc[c][1] + n)
    pooled = {c: (sum(s[c][0] for s in per_service.values()),
                  sum(s[c][1] for s in per_service.values())) for c in CODES}
    # Adding up the services' integer totals gives exactly the office's IKM.
    assert score(pooled, 0).index_exact == score_rows(rows).index_exact


def test_office_ikm_is_not_the_mean_of_service_ikms_when_services_are_uneven():
    ktp = [{c: 4 for c in CODES}] * 90  # a busy service, everyone content
    imb = [{c: 2 for c in CODES}] * 10  # a rare one, everyone unhappy
    office = score_rows(ktp + imb)
    mean_of_services = (score_rows(ktp).ikm + score_rows(imb).ikm) / 2
    assert office.ikm == Decimal("95.00")  # (90*4 + 10*2) / 100 * 25
    assert mean_of_services == Decimal("75.00")
    assert office.grade == "A"


@settings(max_examples=50)
@given(st.lists(full_row, min_size=2, max_size=60))
def test_confidence_interval_holds_the_ikm_and_stays_on_the_scale(rows):
    result = score_rows(rows)
    low, high = result.ci
    assert Decimal(25) <= low <= result.ikm <= high <= Decimal(100)


def _half_up_by_fractions(value, places):
    """The definition: floor(value x 10^places + 1/2), in exact fractions."""
    return math.floor(Fraction(value) * 10**places + Fraction(1, 2))


exact_values = st.one_of(
    st.fractions(min_value=0, max_value=10**6),
    st.decimals(min_value=0, max_value=10**6, allow_nan=False, places=6),
    st.integers(min_value=0, max_value=10**6),
    st.floats(min_value=0, max_value=10**6))


@given(exact_values, st.integers(min_value=0, max_value=6))
def test_integer_half_up_is_the_exact_definition(value, places):
    # round_half_up works in integers for speed; it must equal floor(x * 10^p + 1/2).
    units = _half_up_by_fractions(value, places)
    assert round_half_up(value, places) == Decimal(units).scaleb(-places)


@given(st.fractions(min_value=0, max_value=400), st.integers(min_value=0, max_value=4))
def test_json_numbers_are_the_rounded_decimals(value, places):
    # /api/ikm's floats come from integer division; they must be the rounded decimals'.
    assert _num(value, places) == float(round_half_up(value, places))
