"""Alerts: each cause found by its rule, none in the noise, and each cause raised once."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from support import answer_rows, record_answers

import store
from ikm import alerts, scoring, uncertainty
from ikm.method import PERMENPAN_2017, SHORT_2017
from results import alerts as checked
from results import summary
from store.audit import COMMAND_LINE

CODES = PERMENPAN_2017.codes
MONTH = "2026-11"
TODAY = date(2026, 11, 20)


def result(rows: list[dict], method=PERMENPAN_2017) -> scoring.Result:
    """Score rows as the store's sums are scored: with the IKM's and each unsur's noise."""
    rows = [{c: r[c] for c in method.codes} for r in rows]
    totals, n = scoring.tally(rows, method)
    squares = {c: sum(r[c] ** 2 for r in rows) for c in method.codes}
    return scoring.score(totals, n, method, scoring.score_rows(rows, method).se, squares)


def causes(now: scoring.Result, before: scoring.Result, actions=()) -> set[str]:
    found = alerts.found(MONTH, now, before, summary.unsur_changes(now, before), actions, TODAY)
    return {a.cause for a in found}


GOOD = result(answer_rows(40, 4, 3))  # every unsur 87.50: grade B


def test_nothing_is_raised_when_the_month_is_like_the_last():
    assert causes(result(answer_rows(36, 3, 4)), GOOD) == set()


def test_a_fall_beyond_the_noise_is_raised_overall_and_per_unsur_with_its_numbers():
    now = result(answer_rows(40, 3, 2))  # 62.50 everywhere: grade D
    found = {a.cause: a for a in alerts.found(MONTH, now, GOOD, summary.unsur_changes(now, GOOD),
                                               [], TODAY)}
    assert set(found) == {"drop:2026-11:IKM", *(f"drop:2026-11:{c}" for c in CODES),
                          *(f"grade:2026-11:{c}:D" for c in CODES)}
    assert found["drop:2026-11:IKM"].details == {
        "now": "62.50", "before": "87.50", "delta": "-25.00", "respondents": 40,
        "before_respondents": 40}
    assert found["grade:2026-11:U3:D"].details == {
        "now": "62.50", "before": "87.50", "respondents": 40, "before_respondents": 40,
        "grade": "D", "before_grade": "B"}
    assert (found["drop:2026-11:U3"].kind, found["drop:2026-11:U3"].subject) == ("drop", "U3")


def test_one_unsur_falling_is_that_unsur_alone():
    now = result(answer_rows(40, 4, 3, U3=(2, 1)))
    assert causes(now, GOOD) >= {"drop:2026-11:U3", "grade:2026-11:U3:D"}
    assert not {c for c in causes(now, GOOD) if c.split(":")[2] not in ("U3", "IKM")}


def test_a_fall_within_the_noise_of_a_few_respondents_is_not_raised():
    few = result([{c: v for c in CODES} for v in (4, 3, 3, 4, 2)])  # 80.00, five people
    change = uncertainty.change(few, GOOD)
    assert change.delta < 0 and change.significant is False
    assert causes(few, GOOD) == set()


def test_an_unchanging_month_of_few_respondents_is_not_raised_either():
    # Everyone answered 3 this month and last: no noise at all, and no fall.
    same = result([{c: 3 for c in CODES}] * 3)
    assert causes(same, result([{c: 3 for c in CODES}] * 3)) == set()


@pytest.mark.parametrize("n, raised", [(alerts.MIN_GRADE_RESPONDENTS - 1, False),
                                       (alerts.MIN_GRADE_RESPONDENTS, True)])
def test_a_grade_falls_only_on_enough_answers(n, raised):
    # U9 from 77.50 (B) to about 75 (C): a fall of a grade, far too small to pass the noise.
    before = result(answer_rows(40, 4, 3, U9=(4, 4, 4, 3, 3, 3, 3, 3, 2, 2)))
    now = result(answer_rows(n, 4, 3, U9=(4, 2)))
    assert (now.unsur[8].grade, before.unsur[8].grade) == ("C", "B")
    assert causes(now, before) == ({"grade:2026-11:U9:C"} if raised else set())


def test_last_months_grade_needs_enough_answers_too():
    before = result(answer_rows(alerts.MIN_GRADE_RESPONDENTS - 1, 4, 3))
    assert not {c for c in causes(result(answer_rows(60, 4, 3, U9=(3, 3))), before)
                if c.startswith("grade")}


def test_a_better_grade_raises_nothing():
    assert causes(GOOD, result(answer_rows(40, 3, 3))) == set()


def test_the_short_surveys_ikm_is_not_compared_with_the_full_one():
    short = result(answer_rows(40, 3, 2), SHORT_2017)
    found = causes(short, GOOD)
    assert "drop:2026-11:IKM" not in found
    assert found == {f"{k}:2026-11:{c}{g}" for c in ("U3", "U7", "U9")
                     for k, g in (("drop", ""), ("grade", ":D"))}


def action(id=7, status="berjalan", due=date(2026, 11, 10)):
    return SimpleNamespace(id=id, unsur="U9", what="Perbaiki AC ruang tunggu", who="Pak Budi",
                           due=due, status=status)


@pytest.mark.parametrize("item, raised", [
    (action(), {"overdue:7:2026-11-10"}),
    (action(status="direncanakan"), {"overdue:7:2026-11-10"}),
    (action(due=TODAY), set()),  # due today: still time
    (action(due=date(2026, 12, 1)), set()),
    (action(due=None), set()),
    (action(status="selesai"), set()),
    (action(status="dibatalkan"), set()),
])
def test_an_open_action_past_its_due_date(item, raised):
    assert causes(GOOD, GOOD, [item]) == raised


def test_an_overdue_alert_says_what_is_due_and_when():
    [found] = alerts.overdue([action()], TODAY)
    assert found.details == {"action_id": 7, "unsur": "U9", "what": "Perbaiki AC ruang tunggu",
                             "who": "Pak Budi", "due": "2026-11-10"}
    assert found.month is None and found.subject == "7"


# --- the check against the database: each cause raised once ----------------------------

@pytest.fixture
def fallen(db):
    """October was good (87.50 everywhere); November so far is poor (62.50)."""
    record_answers(db, "2026-10-15", answer_rows(40, 4, 3))
    record_answers(db, "2026-11-12", answer_rows(40, 3, 2))
    return db


def test_the_check_raises_each_cause_once_however_often_it_runs(fallen):
    settings = store.settings.read(fallen)
    first = checked.check(fallen, TODAY, settings)
    assert len(first) == 1 + 2 * len(CODES)
    for _ in range(3):
        assert checked.check(fallen, TODAY, settings) == []
    stored = store.alerts.open_alerts(fallen)
    assert sorted(a["id"] for a in stored) == sorted(first)
    assert {a["cause"] for a in stored} >= {"drop:2026-11:IKM", "grade:2026-11:U3:D"}
    # Acknowledged, the cause still counts as raised: it does not come back.
    store.alerts.acknowledge(fallen, first[0], "dibahas di rapat", actor=COMMAND_LINE)
    assert checked.check(fallen, TODAY, settings) == []
    assert len(store.alerts.open_alerts(fallen)) == len(first) - 1


def test_the_month_so_far_ends_today(fallen):
    # On the 11th the poor days of November have not happened yet.
    assert checked.check(fallen, date(2026, 11, 11), store.settings.read(fallen)) == []


def test_a_new_due_date_that_passes_raises_a_new_alert(db):
    settings = store.settings.read(db)
    action_id = store.actions.create(db, "U9", "Perbaiki AC ruang tunggu", actor=COMMAND_LINE,
                                     due=date(2026, 11, 10))
    assert len(checked.check(db, TODAY, settings)) == 1
    assert checked.check(db, TODAY, settings) == []

    def move(due: date) -> None:
        store.actions.edit(db, action_id, actor=COMMAND_LINE, unsur="U9",
                           what="Perbaiki AC ruang tunggu", who=None, due=due, service=None,
                           public_note=None)

    move(date(2026, 11, 25))  # put off: not overdue on the 20th
    assert checked.check(db, TODAY, settings) == []
    assert len(checked.check(db, date(2026, 11, 26), settings)) == 1
    assert {a["cause"] for a in store.alerts.open_alerts(db)} == {
        f"overdue:{action_id}:2026-11-25", f"overdue:{action_id}:2026-11-10"}
    store.actions.set_status(db, action_id, "selesai", None, actor=COMMAND_LINE)
    move(date(2026, 11, 27))  # closed: a passed date is no longer anyone's concern
    assert checked.check(db, date(2026, 11, 30), settings) == []
