"""Why an answer was unhappy: the defaults, what a kiosk may send, and the counts shown."""
from __future__ import annotations

import uuid
from fractions import Fraction

import pytest

import store
from ikm.reasons import DEFAULT_REASONS, MAX_ACTIVE, Reason, tally
from store.audit import COMMAND_LINE

NOVEMBER = "kind=month&from=2026-11-01"


def reason_id(db, unsur: str, name: str) -> int:
    return next(r.id for r in store.reasons.in_order(db) if (r.unsur, r.name) == (unsur, name))


def response(answers: dict, reasons: dict | None = None, **changes) -> dict:
    body = {"id": str(uuid.uuid4()), "service": "KTP-EL",
            "answered_at": "2026-11-02T09:15:00+07:00", "answers": answers,
            "duration_ms": 41000}
    if reasons is not None:
        body["reasons"] = reasons
    return {**body, **changes}


@pytest.fixture
def post(client, kiosk_token, db):
    # No abuse flags: tests send many responses a second.
    store.settings.save(db, {"min_survey_seconds": 0, "burst_count": 1000},
                        actor=COMMAND_LINE)

    def send(body):
        return client.post("/api/responses", json=body,
                           headers={"Authorization": f"Bearer {kiosk_token}"})
    return send


def given(db) -> list[tuple[str, str, int]]:
    return [tuple(r) for r in db.execute(
        "SELECT response_id, unsur, reason_id FROM response_reasons ORDER BY rowid")]


# --- the office's starting list ------------------------------------------------------

def test_the_defaults_name_what_the_founding_study_found(db):
    listed = store.reasons.in_order(db)
    names = {u: [r.name for r in listed if r.unsur == u] for u in ("U3", "U7", "U9")}
    assert names["U9"] == ["Kursi ruang tunggu kurang", "Panas, AC rusak", "Toilet", "Parkir",
                           "Listrik padam"]
    assert names["U3"] == ["Antrean panjang", "Petugas tidak di tempat",
                           "Sistem atau jaringan mati", "Disuruh datang lagi lain hari"]
    assert names["U7"] == ["Tidak disapa", "Petugas tidak ramah", "Dibeda-bedakan"]
    for u in (f"U{n}" for n in range(1, 10)):  # every unsur has a few, none more than fit
        count = sum(1 for r in listed if r.unsur == u)
        assert 2 <= count <= MAX_ACTIVE, u
    assert all(r.active and r.name_en for r in listed)
    assert len(listed) == len(DEFAULT_REASONS)


def test_the_kiosk_is_given_the_active_reasons_per_unsur(client, db):
    retired = reason_id(db, "U9", "Parkir")
    store.reasons.set_active(db, retired, False, actor=COMMAND_LINE)
    config = client.get("/kiosk/").text
    u9 = [r for r in store.reasons.in_order(db, active_only=True) if r.unsur == "U9"]
    for r in u9:
        assert f'"id": {r.id}, "name": {{"en": "{r.name_en}", "id": "{r.name}"}}' in config
    assert "Parkir" not in config  # retired: no longer offered
    assert '"reason": "Apa yang kurang?"' in config


# --- what a kiosk or phone may send ---------------------------------------------------

def test_a_reason_is_stored_with_its_unhappy_answer(post, db):
    hot = reason_id(db, "U9", "Panas, AC rusak")
    queue = reason_id(db, "U3", "Antrean panjang")
    body = response({"U1": 4, "U3": 1, "U9": 2}, {"U9": hot, "U3": queue})
    assert post(body).status_code == 201
    assert sorted(given(db)) == [(body["id"], "U3", queue), (body["id"], "U9", hot)]
    # Sent again by an outbox that did not hear the answer: still once.
    assert post(body).json["status"] == "duplicate"
    assert len(given(db)) == 2


def test_only_a_submission_that_gives_a_reason_reads_the_reasons(post, db, monkeypatch):
    """Kiosks submit all day; most answers are happy and need no look-up of the reasons."""
    import web.database

    statements: list[str] = []
    real = web.database.connect

    def counting(path, timeout=10):
        conn = real(path, timeout)
        conn.conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr("web.database.connect", counting)
    assert post([response({"U1": 4, "U9": 2})]).status_code == 200
    assert not [s for s in statements if "FROM reasons" in s]
    hot = reason_id(db, "U9", "Panas, AC rusak")
    assert post(response({"U9": 2}, {"U9": hot})).status_code == 201
    assert [s for s in statements if "FROM reasons" in s]
    assert given(db)[0][2] == hot


@pytest.mark.parametrize("answers, reasons, field", [
    ({"U9": 3}, {"U9": "hot"}, "reasons.U9"),  # a happy answer is never asked why
    ({"U9": 2}, {"U9": 99999}, "reasons.U9"),  # not a reason of this office
    ({"U9": 2}, {"U9": "Panas"}, "reasons.U9"),  # an id, not a name
    ({"U9": 2}, {"U9": "U3"}, "reasons.U9"),  # a reason of another unsur (swapped below)
    ({"U9": 2}, ["Panas"], "reasons"),
])
def test_a_reason_that_does_not_fit_is_refused_naming_it_and_nothing_is_stored(
        post, db, answers, reasons, field):
    hot = reason_id(db, "U9", "Panas, AC rusak")
    reasons = {k: {"hot": hot, "U3": reason_id(db, "U3", "Antrean panjang")}.get(v, v)
               for k, v in reasons.items()} if isinstance(reasons, dict) else reasons
    reply = post(response(answers, reasons))
    assert reply.status_code == 422
    assert reply.json["field"] == field, reply.json
    assert db["responses"].count == 0 and given(db) == []


def test_a_retired_reason_a_kiosk_still_showed_is_taken(post, db):
    parking = reason_id(db, "U9", "Parkir")
    store.reasons.set_active(db, parking, False, actor=COMMAND_LINE)
    assert post(response({"U9": 1}, {"U9": parking})).status_code == 201
    assert given(db)[0][2] == parking


def test_a_response_refused_by_the_store_keeps_no_reason(db):
    """The reasons commit with their response or not at all."""
    from ikm import office
    from ikm.validation import parse

    hot = reason_id(db, "U9", "Panas, AC rusak")
    item = parse(response({"U9": 2}, {"U9": hot}), {"KTP-EL"}, store.reasons.unsur_of(db))
    db.execute("CREATE TRIGGER refuse BEFORE INSERT ON responses "
               "BEGIN SELECT RAISE(ABORT, 'refused'); END")
    (status,) = store.responses.record(db, None, [item], office.DEFAULTS)
    assert not isinstance(status, str)
    assert given(db) == []


# --- the counts ------------------------------------------------------------------------

def test_tally_gives_each_reasons_count_and_share_of_the_unhappy_answers():
    reasons = [Reason(1, "U9", "Kursi", None), Reason(2, "U9", "AC", None),
               Reason(3, "U3", "Antre", None), Reason(4, "U9", "Toilet", None, active=False)]
    found = tally(reasons, {1: 2, 2: 5, 3: 1, 4: 1}, {"U9": 10, "U3": 4})
    assert [u.unsur for u in found] == ["U3", "U9"]  # unsur order
    u9 = found[1]
    assert (u9.unhappy, u9.given) == (10, 8)
    assert [(t.reason.name, t.count, t.share) for t in u9.tallies] == [
        ("AC", 5, Fraction(1, 2)), ("Kursi", 2, Fraction(1, 5)), ("Toilet", 1, Fraction(1, 10))]
    assert tally(reasons, {}, {"U9": 3}) == []


def test_the_ikm_page_and_the_report_count_the_reasons_of_counted_responses(
        post, db, login, client):
    hot = reason_id(db, "U9", "Panas, AC rusak")
    seats = reason_id(db, "U9", "Kursi ruang tunggu kurang")
    bodies = ([response({"U9": 1}, {"U9": hot}) for _ in range(3)]
              + [response({"U9": 2}, {"U9": seats}), response({"U9": 2}), response({"U9": 4})])
    for b in bodies:
        assert post(b).status_code == 201
    # A flagged response left out of the IKM is left out of the reasons too.
    flagged = response({"U9": 1}, {"U9": seats})
    assert post(flagged).status_code == 201
    db.execute("UPDATE responses SET flag = 'burst', counted = 0 WHERE id = ?",
               [flagged["id"]])
    db.conn.commit()
    login("viewer")
    for url, shares in ((f"/staff/?{NOVEMBER}", (" (60%)", " (20%)")),
                        (f"/staff/report?{NOVEMBER}", ("", ""))):  # on paper: counts only
        page = client.get(url).text
        row = page.split('data-unsur="U9"')[1].split("</tr>")[0]
        # Five unhappy answers on U9: three too hot (60%), one short of seats (20%).
        assert '<td class="num">5</td>' in row, url
        assert f'data-reason="{hot}">Panas, AC rusak <strong>3</strong>{shares[0]}</span>' \
            in row
        assert (f'data-reason="{seats}">Kursi ruang tunggu kurang <strong>1</strong>'
                f'{shares[1]}</span>') in row
        assert 'data-unsur="U3"' not in page
    # Renamed, a reason keeps its counts under the new name; retired, it is still counted.
    store.reasons.rename(db, hot, "Ruang tunggu panas", actor=COMMAND_LINE)
    store.reasons.set_active(db, hot, False, actor=COMMAND_LINE)
    page = client.get(f"/staff/?{NOVEMBER}").text
    assert "Ruang tunggu panas" in page and "tidak dipakai lagi" in page


def test_a_period_without_reasons_says_so_and_the_report_leaves_it_out(post, login, client):
    assert post(response({"U9": 4})).status_code == 201
    login("viewer")
    assert "Belum ada alasan yang dipilih warga" in client.get(f"/staff/?{NOVEMBER}").text
    assert "Apa yang kurang menurut warga" not in client.get(
        f"/staff/report?{NOVEMBER}").text
