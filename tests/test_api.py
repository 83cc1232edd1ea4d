"""POST /api/responses and the public reads, as a kiosk and a script would use them."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

import store
from ikm import office
from store.audit import COMMAND_LINE


def response(**changes) -> dict:
    body = {
        "id": str(uuid.uuid4()), "service": "KTP-EL",
        "answered_at": "2026-11-02T09:15:00+07:00",
        "answers": {"U1": 4, "U2": 3, "U7": 4, "U9": 2},
        "profile": {"gender": "P", "age": 34, "education": "SMA", "occupation": "Swasta"},
        "comment": "Kursi ruang tunggu kurang.", "duration_ms": 41000,
    }
    body.update(changes)
    return body


@pytest.fixture
def post(client, kiosk_token):
    def send(body, token=kiosk_token, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if "data" in kwargs:
            return client.post("/api/responses", headers=headers, **kwargs)
        return client.post("/api/responses", headers=headers, json=body)
    return send


def stored(db) -> list[dict]:
    return list(db["responses"].rows_where(order_by="answered_at"))


def test_a_single_response_is_stored_as_sent(post, db):
    body = response()
    reply = post(body)
    assert reply.status_code == 201
    assert reply.json == {"id": body["id"], "status": "stored"}
    (row,) = stored(db)
    assert row["service"] == "KTP-EL" and row["questionnaire"] == "full"
    assert (row["u1"], row["u2"], row["u3"], row["u7"], row["u9"]) == (4, 3, None, 4, 2)
    assert row["answered_at"] == "2026-11-02T02:15:00.000+00:00"
    assert row["local_date"] == "2026-11-02"
    assert (row["gender"], row["age"], row["age_group"], row["education"], row["occupation"]) == (
        "P", 34, "30-39", "SMA", "Swasta")
    assert row["comment"] == "Kursi ruang tunggu kurang."
    assert row["counted"] == 1 and row["flag"] is None and row["kiosk_id"] == 1


def test_a_list_is_stored_and_each_item_reported(post, db):
    bodies = [response(), response(service="KK"), response(answers={"U3": 1})]
    reply = post(bodies)
    assert reply.status_code == 200
    assert reply.json == {"results": [{"id": b["id"], "status": "stored"} for b in bodies]}
    assert {r["id"] for r in stored(db)} == {b["id"] for b in bodies}


def test_a_repeated_id_is_acknowledged_and_stored_once(post, db):
    body = response()
    assert post(body).status_code == 201
    again = post(body)
    assert again.status_code == 200 and again.json["status"] == "duplicate"
    in_list = post([body, body])
    assert [r["status"] for r in in_list.json["results"]] == ["duplicate", "duplicate"]
    assert len(stored(db)) == 1


def test_a_repeated_id_within_one_list_is_stored_once(post, db):
    body = response()
    reply = post([body, body])
    assert [r["status"] for r in reply.json["results"]] == ["stored", "duplicate"]
    assert len(stored(db)) == 1


def test_a_batch_with_an_invalid_item_keeps_the_valid_ones(post, db):
    good, bad, good2 = response(), response(answers={"U2": 5}), response()
    reply = post([good, bad, good2])
    assert reply.status_code == 200
    results = reply.json["results"]
    assert [r["status"] for r in results] == ["stored", "invalid", "stored"]
    assert results[1] == {"id": bad["id"], "status": "invalid", "field": "answers.U2",
                          "message": "5 is not an answer (1-4)"}
    assert {r["id"] for r in stored(db)} == {good["id"], good2["id"]}


@pytest.mark.parametrize("changes, field", [
    ({"answers": {"U1": 0}}, "answers.U1"),
    ({"answers": {"U1": 5}}, "answers.U1"),
    ({"answers": {"U1": "4"}}, "answers.U1"),
    ({"answers": {"U1": 3.5}}, "answers.U1"),
    ({"answers": {"U1": True}}, "answers.U1"),
    ({"answers": {"U10": 4}}, "answers.U10"),
    ({"answers": [4, 4]}, "answers"),
    ({"service": "PASPOR"}, "service"),
    ({"service": None}, "service"),
    ({"answered_at": "kemarin"}, "answered_at"),
    ({"answered_at": "2026-11-02T09:15:00"}, "answered_at"),
    ({"answered_at": 1700000000}, "answered_at"),
    ({"comment": "x" * 2001}, "comment"),
    ({"comment": 42}, "comment"),
    ({"id": "not-a-uuid"}, "id"),
    ({"id": None}, "id"),
    ({"questionnaire": "long"}, "questionnaire"),
    ({"questionnaire": "short", "answers": {"U1": 4}}, "answers.U1"),
    ({"profile": {"gender": "X"}}, "profile.gender"),
    ({"profile": {"age": 4}}, "profile.age"),
    ({"profile": {"education": "SLTA"}}, "profile.education"),
    ({"profile": "P"}, "profile"),
    ({"duration_ms": -1}, "duration_ms"),
])
def test_each_invalid_field_is_named_and_nothing_is_stored(post, db, changes, field):
    reply = post(response(**changes))
    assert reply.status_code == 422
    assert reply.json["field"] == field and reply.json["error"]
    assert stored(db) == []


def test_a_body_that_is_not_json(post, db):
    reply = post(None, data="{not json", content_type="application/json")
    assert reply.status_code == 400 and reply.json["field"] == "body"
    assert stored(db) == []


def test_a_wrong_content_type(post, db):
    reply = post(None, data="id=1&service=KK", content_type="application/x-www-form-urlencoded")
    assert reply.status_code == 415 and reply.json["field"] == "Content-Type"
    assert stored(db) == []


def test_a_body_that_is_not_an_object_or_list(post, db):
    reply = post(None, data="42", content_type="application/json")
    assert reply.status_code == 422 and reply.json["field"] == "response"


def test_more_than_500_in_one_request_is_refused(post, db):
    reply = post([response() for _ in range(501)])
    assert reply.status_code == 413 and stored(db) == []


def test_500_responses_in_one_request_are_accepted(post, db):
    bodies = [response(duration_ms=60000, answered_at=(
        datetime(2026, 11, 2, 8, tzinfo=timezone.utc) + timedelta(minutes=i)).isoformat())
        for i in range(500)]
    reply = post(bodies)
    assert reply.status_code == 200
    assert db["responses"].count == 500


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_no_token_or_a_wrong_token_gets_401(post, db, token):
    reply = post(response(), token=token)
    assert reply.status_code == 401 and reply.json["field"] == "Authorization"
    assert stored(db) == []


def test_a_revoked_token_gets_401(post, db, kiosk_token):
    kiosk = store.kiosks.kiosk_for_token(db, kiosk_token)
    store.kiosks.revoke(db, kiosk["id"], actor=COMMAND_LINE)
    assert post(response()).status_code == 401
    assert stored(db) == []


def test_contact_is_recorded_per_kiosk(post, db):
    post(response())
    kiosk = db["kiosks"].get(1)
    assert kiosk["last_seen"] and kiosk["paired_at"]


def test_a_survey_finished_too_fast_is_stored_but_not_counted(post, db, client):
    post(response(duration_ms=1500, answers={"U1": 4}))
    (row,) = stored(db)
    assert (row["flag"], row["counted"]) == ("too_fast", 0)
    ikm = client.get("/api/ikm?from=2026-11-01&to=2026-11-30").json
    assert ikm["respondents"] == 0 and ikm["ikm"] is None


def test_a_burst_from_one_kiosk_is_flagged_by_its_own_clock(post, db):
    start = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)
    # Six surveys within 50 seconds by the kiosk's clock, arriving together from an outbox.
    burst = [response(answered_at=(start + timedelta(seconds=10 * i)).isoformat())
             for i in range(6)]
    # Then one an hour later: a normal visitor again.
    later = response(answered_at=(start + timedelta(hours=1)).isoformat())
    post(burst + [later])
    flags = [r["flag"] for r in stored(db)]
    assert flags == [None, None, None, None, "burst", "burst", None]


def test_the_office_can_loosen_the_abuse_rules(post, db):
    store.settings.save(db, {"min_survey_seconds": 0, "burst_count": 100}, actor=COMMAND_LINE)
    post(response(duration_ms=200))
    assert stored(db)[0]["counted"] == 1


def test_services_are_public_and_in_the_office_order(client):
    services = client.get("/api/services").json
    assert len(services) == 13
    assert services[0] == {"code": "KK", "name": "Permohonan Surat Kartu Keluarga (KK)",
                           "name_en": "Family Card (KK) application"}
    assert services[-1]["name"] == "Legalisir Camat"


def test_ikm_for_a_period_pools_the_responses(post, client):
    post([response(answers={c: 4 for c in office.QUESTIONNAIRES["full"]}),
          response(answers={c: 2 for c in office.QUESTIONNAIRES["full"]}, service="IMB"),
          response(answered_at="2026-10-31T08:00:00+07:00")])
    data = client.get("/api/ikm?from=2026-11-01&to=2026-11-30").json
    assert (data["respondents"], data["ikm"], data["grade"]) == (2, 75.0, "C")
    assert data["from"] == "2026-11-01" and data["method"] == "PermenPAN-RB 14/2017"
    assert client.get("/api/ikm?from=2026-11-01&to=2026-11-30&service=IMB").json["ikm"] == 50.0


def test_a_response_belongs_to_its_office_date(post, client):
    # 23:30 in Jambi on 31 October is 16:30 UTC: it counts for October.
    post(response(answered_at="2026-10-31T16:30:00Z"))
    assert client.get("/api/ikm?from=2026-10-31&to=2026-10-31").json["respondents"] == 1
    assert client.get("/api/ikm?from=2026-11-01&to=2026-11-01").json["respondents"] == 0


@pytest.mark.parametrize("query, field", [
    ("from=2026-13-01&to=2026-12-31", "from"),
    ("from=2026-11-01&to=besok", "to"),
    ("from=2026-11-30&to=2026-11-01", "to"),
])
def test_ikm_refuses_bad_periods(client, query, field):
    reply = client.get(f"/api/ikm?{query}")
    assert reply.status_code == 400 and reply.json["field"] == field


def test_ikm_of_an_unknown_service(client):
    reply = client.get("/api/ikm?from=2026-11-01&to=2026-11-30&service=PASPOR")
    assert reply.status_code == 404 and reply.json["field"] == "service"


def test_ikm_never_exposes_comments_or_single_responses(post, client):
    post(response(comment="Nama saya Budi, HP 0812"))
    text = client.get("/api/ikm?from=2026-11-01&to=2026-11-30").text
    assert "Budi" not in text and "0812" not in text


def test_kiosk_hello_confirms_the_token(client, kiosk_token):
    reply = client.post("/api/kiosk/hello", headers={"Authorization": f"Bearer {kiosk_token}"})
    assert reply.status_code == 200 and reply.json["kiosk"] == "Loket 1"
    assert client.post("/api/kiosk/hello").status_code == 401


@pytest.mark.parametrize("value", [[], {}, 1, None])
def test_a_questionnaire_that_is_not_text_is_named(post, db, value):
    # Found by the fuzz test: a list here used to raise inside the server (500).
    reply = post(response(questionnaire=value))
    assert reply.status_code == 422 and reply.json["field"] == "questionnaire"


def test_trend_gives_twelve_months_with_gaps(post, client):
    post([response(answered_at="2026-10-05T09:00:00+07:00", answers={"U1": 4}),
          response(answered_at="2026-08-05T09:00:00+07:00", answers={"U1": 2})])
    data = client.get("/api/trend?to=2026-10-31").json
    months = data["months"]
    assert len(months) == 12
    assert (months[0]["month"], months[-1]["month"]) == ("2025-11", "2026-10")
    assert (months[-1]["ikm"], months[-1]["grade"], months[-1]["respondents"]) == (100.0, "A", 1)
    assert months[-2] == {"month": "2026-09", "label": "September 2026", "respondents": 0,
                          "ikm": None, "grade": None}
    assert months[-3]["ikm"] == 50.0
    assert client.get("/api/trend?to=kemarin").status_code == 400
