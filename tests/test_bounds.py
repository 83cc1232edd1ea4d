"""One bad entry never sinks the others; no public input reaches Python or SQLite unbounded."""
from __future__ import annotations

import json
import sqlite3
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import store
from ikm import office
from ikm.validation import Invalid, parse
from store.schema import connect


def response(**changes) -> dict:
    body = {"id": str(uuid.uuid4()), "service": "KK", "duration_ms": 41000,
            "answered_at": "2026-11-02T09:15:00+07:00", "answers": {"U1": 4, "U9": 3}}
    body.update(changes)
    return body


@pytest.fixture
def send(client, kiosk_token):
    """POST raw JSON text as a kiosk, with extra headers."""
    def post(text: str, url: str = "/api/responses", **headers: str):
        return client.post(url, data=text, headers={
            "Authorization": f"Bearer {kiosk_token}", "Content-Type": "application/json",
            **headers})
    return post


# Items that passed validation before and then broke the insert or the date arithmetic.
UNSTORABLE = [
    pytest.param(response(comment="Ruang tunggu \udc80 panas"), "comment", id="lone surrogate"),
    pytest.param(response(answered_at="0001-01-01T00:00:00+14:00"), "answered_at",
                 id="year 1 at +14:00"),
    pytest.param(response(answered_at="9999-12-31T23:59:59-14:00"), "answered_at",
                 id="year 9999 at -14:00"),
]


@pytest.mark.parametrize("bad, field", UNSTORABLE)
def test_an_unstorable_item_is_invalid_and_the_rest_of_the_list_is_stored(send, db, bad, field):
    good = [response(), response(service="IMB")]
    reply = send(json.dumps([good[0], bad, good[1]]))
    assert reply.status_code == 200
    results = reply.json["results"]
    assert [r["status"] for r in results] == ["stored", "invalid", "stored"]
    assert results[1]["field"] == field and results[1]["id"] == bad["id"]
    assert {r["id"] for r in db["responses"].rows} == {g["id"] for g in good}


@pytest.mark.parametrize("bad, field", UNSTORABLE)
def test_a_single_unstorable_response_gets_422_naming_its_field(send, db, bad, field):
    reply = send(json.dumps(bad))
    assert reply.status_code == 422 and reply.json["field"] == field
    assert db["responses"].count == 0


@pytest.mark.parametrize("clock", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+14:00",
                                   "kemarin"])
def test_a_kiosk_clock_header_no_clock_shows_is_ignored_and_the_list_stored(send, db, clock):
    items = [response(), response()]
    reply = send(json.dumps(items), **{"X-Kiosk-Clock": clock})
    assert [r["status"] for r in reply.json["results"]] == ["stored", "stored"]
    rows = list(db["responses"].rows)
    assert {r["clock"] for r in rows} == {"kiosk"}  # placed by the kiosk's own time
    assert {r["local_date"] for r in rows} == {"2026-11-02"}


@pytest.mark.parametrize("report, outbox, last_error", [
    ({"outbox": 10**30, "rejected": -1, "last_error": "x"}, 0, "x"),
    ({"outbox": 3, "rejected": 2**64, "last_error": "gagal \udc80"}, 3, "gagal ?"),
    ({"outbox": 1.5e308, "last_error": ["a", {"b": None}]}, 0, "['a', {'b': None}]"),
])
def test_a_kiosk_report_with_absurd_values_is_taken_in_what_it_can(send, db, report, outbox,
                                                                   last_error):
    reply = send(json.dumps(report), url="/api/kiosk/hello")
    assert reply.status_code == 200
    kiosk = db["kiosks"].get(1)
    assert kiosk["last_seen"] is not None
    # A count no tablet holds is ignored; text that is not Unicode is mended, not refused.
    assert (kiosk["outbox"], kiosk["rejected"], kiosk["last_error"]) == (outbox, None,
                                                                         last_error)


def test_an_item_sqlite_refuses_is_left_out_and_named_and_the_others_stored(
        send, db, monkeypatch):
    # Whatever validation misses: the store itself never lets one row sink the batch.
    poisoned = response()
    real = store.responses._row

    def row(r, *args):
        values = real(r, *args)
        return [*values[:-3], "\udc80", *values[-2:]] if r.id == poisoned["id"] else values

    monkeypatch.setattr(store.responses, "_row", row)
    good = [response(), response()]
    reply = send(json.dumps([good[0], poisoned, good[1]]))
    results = reply.json["results"]
    assert [r["status"] for r in results] == ["stored", "invalid", "stored"]
    assert results[1]["field"] == "response"
    assert {r["id"] for r in db["responses"].rows} == {g["id"] for g in good}
    assert db["kiosks"].get(1)["last_seen"] is not None
    single = send(json.dumps(poisoned))
    assert single.status_code == 422 and single.json["field"] == "response"


def test_a_full_disk_still_refuses_the_whole_list_for_a_retry(app, send, db, monkeypatch):
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    real = connect

    def full(path, timeout=10):
        conn = real(path, timeout)
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr("web.database.connect", full)
    reply = send(json.dumps([response(comment="x" * 1500) for _ in range(40)]))
    assert reply.status_code == 503 and db["responses"].count == 0


def test_responses_are_committed_when_record_responses_returns(app, db):
    item = parse(response(), {"KK"})
    settings_ = {**office.DEFAULTS, "min_survey_seconds": 0}
    assert store.responses.record(db, None, [item], settings_) == [store.responses.STORED]
    other = sqlite3.connect(app.config["DATABASE"])
    try:
        assert other.execute("SELECT count(*) FROM responses").fetchone()[0] == 1
    finally:
        other.close()
    db.conn.execute("BEGIN")
    with pytest.raises(RuntimeError, match="outside a transaction"):
        store.responses.record(db, None, [parse(response(), {"KK"})], settings_)
    db.conn.rollback()


def test_invalid_text_is_refused_by_the_validation_with_where(db):
    with pytest.raises(Invalid) as caught:
        parse(response(comment="ok \udcff"), {"KK"})
    assert caught.value.field == "comment" and "character 4" in caught.value.message


# --- the public reads and the staff pages ------------------------------------------------

@pytest.mark.parametrize("url, field", [
    ("/api/ikm?from=0001-01-01&to=0001-01-31", "from"),
    ("/api/ikm?from=2026-11-01&to=9999-12-31", "to"),
    ("/api/ikm?from=9999-12-01", "from"),
    ("/api/trend?to=0001-01-31", "to"),
    ("/api/trend?to=9999-12-31", "to"),
])
def test_dates_outside_the_years_an_office_asks_about_get_400_naming_them(client, url, field):
    reply = client.get(url)
    assert reply.status_code == 400 and reply.json["field"] == field
    assert "1900-2999" in reply.json["error"]


@pytest.mark.parametrize("url", [
    "/staff/?kind=month&from=9999-12-01", "/staff/?kind=year&from=0001-01-01",
    "/staff/report?kind=month&from=9999-12-01", "/staff/comments?from=0001-01-01",
    "/staff/flagged?kind=quarter&from=9999-10-01", "/staff/exports?kind=month&from=0001-01-01",
])
def test_a_staff_page_for_a_date_out_of_range_says_so_with_400(login, url):
    reply = login("admin").get(url)
    assert reply.status_code == 400
    assert "Periode tidak dapat dibaca" in reply.text and "1900-2999" in reply.text


@pytest.mark.parametrize("url", ["/staff/users/{}/role", "/staff/users/{}/password",
                                 "/staff/kiosks/{}/edit", "/staff/kiosks/{}/pairing"])
def test_an_id_beyond_64_bits_is_not_found(login, url):
    signed_in = login("admin")
    assert signed_in.get(url.format(2**63)).status_code == 404
    assert signed_in.get(url.format(10**30)).status_code == 404


@pytest.mark.parametrize("url", ["/api/responses", "/api/kiosk/hello"])
def test_json_nested_thousands_deep_gets_400(send, url):
    reply = send("[" * 50_000 + "]" * 50_000, url=url)
    assert reply.status_code == 400 and reply.json["field"] == "body"
    assert "nested" in reply.json["error"]


dates = st.one_of(
    st.dates().map(str),
    st.integers(min_value=-10, max_value=99999).map(lambda y: f"{y:04d}-01-01"),
    st.sampled_from(["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01", "2026-02-30",
                     "", "2026-11", "kemarin"]),
    st.text(max_size=12))
kinds = st.sampled_from(["month", "quarter", "semester", "year", "custom", "", "week"])


@pytest.fixture
def signed_in(login):
    return login("admin")


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(start=dates, end=dates, kind=kinds, user_id=st.integers(min_value=-1, max_value=2**80))
def test_no_date_or_id_from_outside_causes_a_5xx(signed_in, start, end, kind, user_id):
    query = {"from": start, "to": end, "kind": kind}
    for url in ("/api/ikm", "/api/trend", "/staff/", "/staff/report", "/staff/comments",
                "/staff/exports", "/staff/exports/csv", "/staff/flagged"):
        reply = signed_in.get(url, query_string=query)
        assert reply.status_code < 500, (url, query)
    assert signed_in.get("/staff/population", query_string={"month": start[:7]}
                         ).status_code < 500
    assert signed_in.get(f"/staff/users/{user_id}/role").status_code < 500


nested = st.recursive(st.none() | st.integers() | st.text(max_size=5),
                      lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=20)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(depth=st.integers(min_value=1, max_value=200_000), inner=nested,
       url=st.sampled_from(["/api/responses", "/api/kiosk/hello"]))
def test_no_json_nesting_causes_a_5xx(send, depth, inner, url):
    text = "[" * depth + json.dumps(inner) + "]" * depth
    assert send(text, url=url).status_code < 500


# --- one kiosk token's share of the server -----------------------------------------------

def test_a_kiosk_with_two_requests_under_way_gets_429_and_others_are_served(app, client, db,
                                                                            kiosk_token):
    from store.audit import COMMAND_LINE
    from store.kiosks import add_kiosk
    from store.tokens import hash_token
    from web.kiosk_turns import turns

    _, other_token = add_kiosk(db, "Loket 2", actor=COMMAND_LINE)
    db["kiosks"].update(2, {"created_at": "2026-01-01T00:00:00.000+00:00"})

    def send(token):
        return client.post("/api/responses", json=response(),
                           headers={"Authorization": f"Bearer {token}"})

    busy = turns(app).turn(hash_token(kiosk_token))
    with busy, turns(app).turn(hash_token(kiosk_token)):  # two under way
        refused = send(kiosk_token)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
        assert refused.json["field"] == "Authorization"
        assert client.post("/api/kiosk/hello", headers={
            "Authorization": f"Bearer {kiosk_token}"}).status_code == 429
        assert send(other_token).status_code == 201  # another kiosk is not held up
        assert client.get("/api/ikm").status_code == 200
    assert send(kiosk_token).status_code == 201  # the turns are given back
    assert db["responses"].count == 2


def test_a_kiosk_with_no_turn_left_is_refused_before_flask_looks_it_up(app, client,
                                                                       kiosk_token,
                                                                       monkeypatch):
    import store
    from web.kiosk_turns import turns

    looked_up = []
    real = store.kiosks.kiosk_for_token
    monkeypatch.setattr(store.kiosks, "kiosk_for_token",
                        lambda db, token: looked_up.append(token) or real(db, token))
    key = store.tokens.hash_token(kiosk_token)
    with turns(app).turn(key), turns(app).turn(key):
        for _ in range(3):
            reply = client.post("/api/responses", json=response(),
                                headers={"Authorization": f"Bearer {kiosk_token}"})
            assert reply.status_code == 429 and reply.json["field"] == "Authorization"
    assert looked_up == []  # no session, no database: a flood costs next to nothing


def test_the_flask_path_refuses_too_when_the_turns_ran_out_after_the_first_look(
        app, client, kiosk_token, monkeypatch):
    from store.tokens import hash_token
    from web import kiosk_turns

    # The cheap check passed, then the kiosk's other requests took both turns.
    monkeypatch.setattr(kiosk_turns.KioskTurns, "full", lambda self, key: False)
    key = hash_token(kiosk_token)
    with kiosk_turns.turns(app).turn(key), kiosk_turns.turns(app).turn(key):
        reply = client.post("/api/responses", json=response(),
                            headers={"Authorization": f"Bearer {kiosk_token}"})
    assert reply.status_code == 429 and reply.headers["Retry-After"] == "1"


def test_tokens_nobody_holds_leave_no_trace_in_the_count(app, client, kiosk_token):
    from web.kiosk_turns import turns

    for n in range(50):
        client.post("/api/responses", json=response(),
                    headers={"Authorization": f"Bearer made-up-{n}"})
    client.post("/api/responses", json=response(),
                headers={"Authorization": f"Bearer {kiosk_token}"})
    assert turns(app)._under_way == {}


def test_a_sqlite_error_that_is_not_about_storage_is_a_500_not_a_503(app, send, monkeypatch):
    # 503 tells a kiosk to wait for the storage; a program fault must not hide behind it,
    # or the outbox would never look for the entry that causes it.
    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("no such column: u10")

    monkeypatch.setattr(store.responses, "record", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    reply = send(json.dumps([response()]))
    assert reply.status_code == 500 and reply.json["field"] == "request"
