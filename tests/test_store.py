"""The database: durable settings on every connection, migrations, and the period sums."""
import json
import uuid
from datetime import date, datetime, timezone

import store
from ikm import office
from ikm.__main__ import main as calculator
from ikm.validation import parse
from results import summary
from store.audit import COMMAND_LINE
from store.schema import connect, open_db

CODES = office.QUESTIONNAIRES["full"]
SETTINGS = {**office.DEFAULTS, "min_survey_seconds": 0, "burst_count": 10**6}


def incoming(answers: dict, service: str = "KK", when: str = "2026-11-10T10:00:00+07:00",
             **extra):
    return parse({"id": str(uuid.uuid4()), "service": service, "answered_at": when,
                  "answers": answers, **extra}, {service})


def test_database_is_wal_with_full_sync(tmp_path):
    db = open_db(tmp_path / "skm.db")
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    again = connect(tmp_path / "skm.db")
    assert again.execute("PRAGMA synchronous").fetchone()[0] == 2


def test_a_new_installation_has_the_thirteen_services(tmp_path):
    db = open_db(tmp_path / "skm.db")
    names = [r["name"] for r in db["services"].rows_where(order_by="position")]
    assert len(names) == 13
    assert names[1] == "Perekaman Kartu Tanda Penduduk Elektronik (KTP-el)"


def test_migrations_run_once_and_keep_the_office_changes(tmp_path):
    db = open_db(tmp_path / "skm.db")
    db["services"].update("IMB", {"active": 0, "name": "Rekomendasi PBG"})
    db.close()
    db = open_db(tmp_path / "skm.db")
    assert db["services"].count == 13
    assert db["services"].get("IMB")["active"] == 0
    assert db["services"].get("IMB")["name"] == "Rekomendasi PBG"
    from store.schema import migrations
    assert migrations.pending(db) == []
    names = [m.name for m in migrations.applied(db)]
    assert len(names) == len(set(names)) == db["_sqlite_migrations"].count


def test_settings_default_and_override(tmp_path):
    db = open_db(tmp_path / "skm.db")
    assert store.settings.read(db)["questionnaire"] == "full"
    store.settings.save(db, {"questionnaire": "short", "idle_seconds": 30}, actor=COMMAND_LINE)
    settings = store.settings.read(db)
    assert (settings["questionnaire"], settings["idle_seconds"]) == ("short", 30)
    assert office.questions(settings) == ["U7", "U3", "U9"]


def test_reading_the_settings_is_one_query(tmp_path):
    # Every kiosk request reads them: no schema look-ups on the way.
    db = open_db(tmp_path / "skm.db")
    store.settings.save(db, {"idle_seconds": 45}, actor=COMMAND_LINE)
    statements = []
    db.conn.set_trace_callback(statements.append)
    assert store.settings.read(db)["idle_seconds"] == 45
    assert statements == ["SELECT key, value FROM settings"]


def test_question_order_is_the_office_choice():
    settings = {**office.DEFAULTS, "question_order": ["U9", "U8", "U1"]}
    assert office.questions(settings) == ["U9", "U8", "U1", "U2", "U3", "U4", "U5", "U6", "U7"]


def test_period_ikm_equals_the_calculator_on_the_same_answers(tmp_path, write_csv, capsys):
    db = open_db(tmp_path / "skm.db")
    rows = [
        [4, 3, 3, 4, 4, 3, 4, 2, 3], [3, 3, 2, 4, None, 3, 3, 3, 2], [2, 4, 3, 3, 3, 4, 4, 4, 4],
        [4, 4, 4, 4, 4, 4, 4, 4, 4], [1, 2, None, 3, 2, 2, 3, 1, 2],
    ]
    items = [incoming({c: v for c, v in zip(CODES, r) if v is not None},
                      service="KK" if i % 2 else "IMB") for i, r in enumerate(rows)]
    store.responses.record(db, None, items, SETTINGS)
    from_db = summary.period_result(db, date(2026, 11, 1), date(2026, 11, 30)).to_dict()
    assert calculator([str(write_csv(list(CODES), rows)), "--json"]) == 0
    from_file = json.loads(capsys.readouterr().out)
    for key in ("respondents", "index", "ikm", "grade", "kinerja", "complete", "ci95", "unsur"):
        assert from_db[key] == from_file[key], key


def test_flagged_responses_are_kept_but_left_out(tmp_path):
    db = open_db(tmp_path / "skm.db")
    store.responses.record(db, None, [incoming({"U1": 4}, duration_ms=500)],
                           {**office.DEFAULTS})
    assert db["responses"].count == 1
    result = summary.period_result(db, date(2026, 11, 1), date(2026, 11, 30))
    assert result.respondents == 0 and result.ikm is None


def test_a_period_of_short_surveys_says_so(tmp_path):
    db = open_db(tmp_path / "skm.db")
    store.responses.record(db, None, [incoming({"U7": 4, "U3": 3, "U9": 2},
                                               questionnaire="short")], SETTINGS)
    result = summary.period_result(db, date(2026, 11, 1), date(2026, 11, 30))
    assert result.method.key == "2017-short" and result.complete
    assert str(result.ikm) == "75.00"


def test_a_period_mixing_full_and_short_is_the_full_index_over_every_answer(tmp_path):
    db = open_db(tmp_path / "skm.db")
    store.responses.record(db, None, [
        incoming({c: 4 for c in CODES}),
        incoming({"U7": 2, "U3": 2, "U9": 2}, questionnaire="short"),
    ], SETTINGS)
    result = summary.period_result(db, date(2026, 11, 1), date(2026, 11, 30))
    assert result.method.key == "2017" and result.respondents == 2
    u7 = result.unsur[6]
    assert (u7.total, u7.n) == (6, 2)


def test_responses_are_dated_in_the_office_time_zone(tmp_path):
    db = open_db(tmp_path / "skm.db")
    late = datetime(2026, 10, 31, 17, 30, tzinfo=timezone.utc).isoformat()  # 00:30 WIB
    store.responses.record(db, None, [incoming({"U1": 4}, when=late)], SETTINGS)
    assert [r["local_date"] for r in db["responses"].rows] == ["2026-11-01"]
    wita = {**SETTINGS, "utc_offset": "+08:00"}
    store.responses.record(db, None, [incoming({"U1": 4}, when="2026-10-31T16:30:00Z")], wita)
    dates = sorted(r["local_date"] for r in db["responses"].rows)
    assert dates == ["2026-11-01", "2026-11-01"]


def test_staff_can_include_a_flagged_response(tmp_path):
    db = open_db(tmp_path / "skm.db")
    fast = incoming({"U1": 4}, duration_ms=800)
    store.responses.record(db, None, [fast, incoming({"U1": 2})], office.DEFAULTS)
    period = (date(2026, 11, 1), date(2026, 11, 30))
    assert [r["id"] for r in store.responses.flagged(db, *period)] == [fast.id]
    assert summary.period_result(db, *period).ikm == 50
    assert store.responses.set_counted(db, [fast.id], True, actor=COMMAND_LINE) == 1
    assert summary.period_result(db, *period).ikm == 75
    assert [r["flag"] for r in store.responses.flagged(db, *period)] == ["too_fast"]


def test_a_burst_across_requests_is_flagged_and_counting_stops_at_the_rule(tmp_path):
    import store

    db = open_db(tmp_path / "skm.db")
    kiosk_id, _ = store.kiosks.add_kiosk(db, "Loket 1", actor=COMMAND_LINE)
    db["kiosks"].update(kiosk_id, {"created_at": "2026-01-01T00:00:00.000+00:00"})
    kiosk = db["kiosks"].get(kiosk_id)
    settings = {**office.DEFAULTS, "min_survey_seconds": 0}  # 5 within 60 s is a burst
    flags = []
    for second in range(0, 40, 5):  # eight surveys, 5 s apart, each in its own request
        response = incoming({"U1": 4}, when=f"2026-11-10T10:00:{second:02}+07:00")
        store.responses.record(db, kiosk, [response], settings)
        flags.append(db["responses"].get(response.id)["flag"])
    assert flags == [None] * 4 + ["burst"] * 4
    window = ("2026-11-10T02:59:00.000+00:00", "2026-11-10T03:01:00.000+00:00")
    assert store.responses._recent(db, ("kiosk_id = ?", [kiosk_id]), [window], 100) == [8]
    assert store.responses._recent(db, ("kiosk_id = ?", [kiosk_id]), [window], 5) == [5]
