"""The daily totals: kept with every change to the responses, always what the rows give."""
from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from itertools import combinations
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import kiosk
import store
from ikm import office, scoring, uncertainty
from ikm.periods import months_back
from ikm.validation import CHANNELS, PAPER, Incoming
from results import summary
from store import recount
from store.audit import COMMAND_LINE
from store.daily_totals import EVERY_SERVICE, KEY
from store.schema import ANSWER_COLUMNS, connect, migrations, open_db
from store.totals import PeriodTotals

WIB = timezone(timedelta(hours=7))
SERVICES = ("KK", "KTP-EL", "PINDAH")
# Fast surveys are flagged (too_fast), so that some responses are left out of the IKM.
SETTINGS = {**office.DEFAULTS, "min_survey_seconds": 30, "burst_count": 10**6}


@st.composite
def responses(draw) -> Incoming:
    """A response of any channel, questionnaire and day, with blanks (or no answer at all)."""
    questionnaire = draw(st.sampled_from(("full", "short")))
    asked = office.QUESTIONNAIRES[questionnaire]
    given = draw(st.lists(st.one_of(st.none(), st.integers(1, 4)), min_size=len(asked),
                          max_size=len(asked)))
    day = datetime(2026, 3, 1, 9, tzinfo=WIB) + timedelta(days=draw(st.integers(0, 70)),
                                                          minutes=draw(st.integers(0, 600)))
    return Incoming(id=str(uuid.uuid4()), service=draw(st.sampled_from(SERVICES)),
                    answered_at=day, questionnaire=questionnaire,
                    answers={c: v for c, v in zip(asked, given) if v is not None},
                    duration_ms=draw(st.sampled_from((5_000, 60_000))),
                    channel=draw(st.sampled_from(CHANNELS)))


def from_rows(db) -> dict[tuple, tuple[int, ...]]:
    """Compute the totals per key in Python from the stored responses, as the table has them."""
    found: dict[tuple, list[int]] = {}
    names = ", ".join((*KEY, *ANSWER_COLUMNS))
    for row in db.execute(f"SELECT {names} FROM responses"):
        key, answers = row[:len(KEY)], row[len(KEY):]
        if all(a is None for a in answers):
            continue
        sums = [1]
        for a in answers:
            sums += [a is not None, a or 0, (a or 0) ** 2]
        for u, v in combinations(answers, 2):
            both = u is not None and v is not None
            sums += [both, u if both else 0, v if both else 0, u * v if both else 0]
        for k in (key, (key[0], EVERY_SERVICE, *key[2:])):
            found[k] = [a + b for a, b in zip(found.get(k, [0] * len(sums)), sums)]
    return {k: tuple(v) for k, v in found.items()}


def stored(db) -> dict[tuple, tuple[int, ...]]:
    return {row[:len(KEY)]: row[len(KEY):] for row in db.execute(
        f"SELECT {', '.join(KEY)}, {', '.join(store.daily_totals.COLUMNS)} FROM daily_totals")}


@contextlib.contextmanager
def office_db() -> Iterator[Path]:
    """A fresh database in a folder of its own (hypothesis runs many examples per test)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "skm.db"
        open_db(path).close()
        yield path


def record(path: Path, batch: list[Incoming]) -> None:
    db = connect(path)
    store.responses.record(db, None, batch, SETTINGS)
    db.close()


def shuffle_flags(path: Path, picks: list[int]) -> None:
    """Include some flagged responses, leave one of them out again, undo a paper form."""
    db = connect(path)
    flagged = [rid for (rid,) in db.execute("SELECT id FROM responses WHERE flag IS NOT NULL "
                                            "ORDER BY rowid")]
    chosen = [flagged[i % len(flagged)] for i in picks] if flagged else []
    event(f"flagged ones included: {bool(chosen)}")
    if chosen:
        store.responses.set_counted(db, chosen, True, actor=COMMAND_LINE)
        store.responses.set_counted(db, chosen[:1], False, actor=COMMAND_LINE)
    paper = db.execute("SELECT id FROM responses WHERE channel = ? ORDER BY rowid LIMIT 1",
                       [PAPER]).fetchone()
    event(f"a paper form undone: {bool(paper)}")
    if paper:
        assert store.paper.undo(db, paper[0], actor=COMMAND_LINE)
    db.close()


history = st.tuples(st.lists(st.lists(responses(), max_size=12), min_size=1, max_size=4),
                    st.lists(st.integers(0, 50), max_size=4),
                    st.lists(responses(), max_size=12))


# --- every figure read from the totals, against the same figure from the rows ------------

CODES = [c.upper() for c in ANSWER_COLUMNS]
SPANS = [(date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 5, 10)),
         (date(2026, 3, 15), date(2026, 3, 15)), (date(2026, 2, 1), date(2026, 6, 30))]


def chosen(rows: list[tuple], span: tuple[date, date], service: str | None = None,
           channel: str | None = None) -> list[tuple]:
    """The counted responses with an answer of a period (a service, a channel) from the rows."""
    start, end = (d.isoformat() for d in span)
    return [r for r in rows if r[0] == 1 and start <= r[2] <= end and service in (None, r[1])
            and channel in (None, r[4]) and any(a is not None for a in r[len(KEY):])]


def sums_of(rows: list[tuple], pairs: bool = True) -> PeriodTotals:
    """Sum the rows' answers per unsur (and per pair of unsur) in Python."""
    answers = [r[len(KEY):] for r in rows]
    per_unsur = [[a[i] for a in answers if a[i] is not None] for i in range(len(CODES))]
    both = {(CODES[i], CODES[j]): [(a[i], a[j]) for a in answers
                                   if a[i] is not None and a[j] is not None]
            for i, j in combinations(range(len(CODES)), 2)} if pairs else {}
    return PeriodTotals(
        {c: (sum(v), len(v)) for c, v in zip(CODES, per_unsur)}, len(rows),
        sum(r[3] == "short" for r in rows), {c: sum(x * x for x in v)
                                              for c, v in zip(CODES, per_unsur)},
        {p: (len(v), sum(x for x, _ in v), sum(y for _, y in v), sum(x * y for x, y in v))
         for p, v in both.items()})


def scored(rows: list[tuple], interval: bool = True) -> scoring.Result:
    """Score the rows as the IKM is defined, the interval from each respondent's influence
    summed in exact fractions."""
    sums = sums_of(rows, pairs=False)
    method = summary.period_method(sums)
    codes = {c: sums.totals[c] for c in method.codes}
    se = None
    if interval:
        answered = [c for c in method.codes if codes[c][1]]
        mean = {c: Fraction(*codes[c]) for c in answered}
        coef = {c: Fraction(25, len(answered) * codes[c][1]) for c in answered}
        influences = [sum((coef[c] * (a - mean[c]) for c, a in zip(CODES, r[len(KEY):])
                           if c in coef and a is not None), Fraction(0)) for r in rows]
        sum_sq = sum((u * u for u in influences), Fraction(0))
        assert uncertainty.squared_influence(codes, sums.squares, sums_of(rows).pairs,
                                             method) == sum_sq
        se = uncertainty.standard_error(sums.respondents, sum_sq)
    return scoring.score(codes, sums.respondents, method, se, sums.squares)


def assert_figures_are_the_rows(db) -> None:
    rows = list(db.execute(f"SELECT {', '.join(KEY)}, {', '.join(ANSWER_COLUMNS)} "
                           "FROM responses"))
    for service in (None, *SERVICES):
        for channel in (None, *CHANNELS):
            picked = [chosen(rows, span, service, channel) for span in SPANS]
            assert store.totals.spans_totals(db, SPANS, service, channel) == [
                sums_of(p) for p in picked]
            assert summary.period_results(db, SPANS, service, channel) == [
                scored(p) for p in picked]
            split = summary.split(db, SPANS[:2], service, channel)
            assert split.results == [scored(p) for p in picked[:2]]
            assert split.channels == {c: scored(chosen(rows, SPANS[0], service, c), False)
                                      if chosen(rows, SPANS[0], service, c) else None
                                      for c in CHANNELS}
    whole = SPANS[-1]
    for channel in (None, *CHANNELS):
        months = sorted({r[2][:7] for r in chosen(rows, whole, None, channel)})
        assert store.totals.monthly_totals(db, *whole, channel) == {
            m: sums_of([r for r in chosen(rows, whole, None, channel) if r[2][:7] == m], False)
            for m in months}
        assert summary.trend(db, whole[1], 5, channel) == [
            (p, scored(chosen(rows, (p.start, p.end), None, channel), False)
             if chosen(rows, (p.start, p.end), None, channel) else None)
            for p in months_back(whole[1], 5)]
        found = store.totals.by_service(db, *whole, channel)
        services = [s["code"] for s, _ in found]
        assert services == [s for s in SERVICES if chosen(rows, whole, s, channel)]
        assert [t for _, t in found] == [sums_of(chosen(rows, whole, s, channel), False)
                                         for s in services]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history)
def test_the_totals_are_always_what_the_rows_give(steps):
    batches, picks, later = steps
    with office_db() as path:
        for batch in batches[:1]:
            record(path, batch)
        backup = store.backup.backup(path, path.with_name("kept.db"))
        for batch in batches[1:]:
            record(path, batch)
        shuffle_flags(path, picks)
        db = connect(path)
        assert stored(db) == from_rows(db)
        assert recount.differences(db) == []
        db.close()
        store.backup.restore(backup, path)  # the totals of the backup come with it
        record(path, later)
        shuffle_flags(path, picks)
        db = connect(path)
        assert stored(db) == from_rows(db)
        assert_figures_are_the_rows(db)
        assert recount.rebuild(db) == []
        db.close()


def old_database(path: Path, rows: list[Incoming]) -> None:
    """Write a database as the version before the daily totals left it, with responses."""
    db = connect(path)
    migrations.apply(db, stop_before="0014_daily_totals")
    for r in rows:
        day = r.answered_at.date().isoformat()
        at = store.responses._utc(r.answered_at)
        db.execute(store.responses._INSERT, store.responses._row(
            r, None, None, at, (r.answered_at, "kiosk"), at, day, None))
    db.conn.commit()
    db.close()


@settings(max_examples=5, deadline=None)
@given(responses().filter(lambda r: bool(r.answers)), st.lists(responses(), max_size=20))
def test_an_older_backup_gets_its_totals_when_it_is_opened(answered, rows):
    with tempfile.TemporaryDirectory() as folder:
        old, path = Path(folder) / "old.db", Path(folder) / "skm.db"
        old_database(old, [answered, *rows])
        store.backup.restore(old, path)
        db = open_db(path)  # as the server or a command opens it after the restore
        assert stored(db) == from_rows(db) != {}
        db.close()


def test_rebuild_totals_finds_nothing_after_use_and_puts_a_tampered_row_right(
        tmp_path, capsys):
    path = tmp_path / "skm.db"
    open_db(path).close()
    batch = [Incoming(id=str(uuid.uuid4()), service=s, answered_at=datetime(2026, 3, d, 9,
                                                                             tzinfo=WIB),
                      answers={"U1": 3, "U7": 4}, duration_ms=60_000)
             for d, s in ((2, "KK"), (2, "PINDAH"), (3, "KK"))]
    record(path, batch)
    instance = ["--instance", str(tmp_path)]
    assert kiosk.main(["rebuild-totals", *instance]) == 0
    assert "nothing to put right" in capsys.readouterr().out
    db = connect(path)
    with db.conn:
        db.execute("UPDATE daily_totals SET s_u1 = s_u1 + 1 WHERE service = 'KK' "
                   "AND local_date = '2026-03-03'")
    db.close()
    assert kiosk.main(["rebuild-totals", *instance]) == 1
    out = capsys.readouterr().out
    assert "1 row of daily totals differed" in out
    assert "2026-03-03  KK, full, kiosk, counted" in out
    db = connect(path)
    assert stored(db) == from_rows(db)
    db.close()
    assert kiosk.main(["rebuild-totals", *instance]) == 0


def test_the_sql_recount_and_the_python_upkeep_name_the_same_columns():
    assert tuple(recount.SOME) == tuple(recount.WHOLE) == store.daily_totals.COLUMNS
