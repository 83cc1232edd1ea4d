"""The store keeps every channel's responses by its own rules: one per slip, one per paper
form, one a day per poster browser, bursts judged per kiosk or poster, never on paper."""
from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta, timezone

import pytest

import store
from ikm import office
from ikm.validation import Incoming, Invalid
from store.audit import COMMAND_LINE, Actor

WIB = timezone(timedelta(hours=7))
SETTINGS = {**office.DEFAULTS, "min_survey_seconds": 5}


def response(channel: str = "kiosk", minutes_ago: int = 30, **extra) -> Incoming:
    return Incoming(id=str(uuid.uuid4()), service="KK", duration_ms=60_000,
                    answered_at=datetime.now(timezone.utc) - timedelta(minutes=minutes_ago),
                    answers={"U1": 4, "U2": 3}, channel=channel, **extra)


def refusal(statuses: list) -> tuple[str, str]:
    (status,) = statuses
    assert isinstance(status, Invalid), status
    return status.field, status.message


def stored(db, rid: str) -> dict | None:
    return store.schema.one(db, "SELECT * FROM responses WHERE id = ?", [rid])


def test_older_responses_are_the_kiosks(db):
    (status,) = store.responses.record(db, None, [response()], SETTINGS)
    assert status == "stored"
    assert {r["channel"] for r in store.schema.rows(db, "SELECT channel FROM responses")} == {
        "kiosk"}


def test_a_slip_takes_one_response_and_a_retry_is_acknowledged(db):
    (slip,) = store.slips.create(db, 1, None, 14, actor=COMMAND_LINE)
    first = response("phone", slip=slip["code"])
    assert store.responses.record(db, None, [first], SETTINGS) == ["stored"]
    assert store.responses.record(db, None, [first], SETTINGS) == ["duplicate"]
    (other,) = store.responses.record(db, None, [response("phone", slip=slip["code"])],
                                      SETTINGS)
    assert (other.field, other.message) == ("code", "used")
    assert store.slips.get(db, slip["code"])["response_id"] == first.id
    assert store.slips.state(store.slips.get(db, slip["code"])) == "used"


def test_an_expired_or_unknown_slip_stores_nothing(db):
    (slip,) = store.slips.create(db, 1, None, 14, actor=COMMAND_LINE)
    with store.schema.write_transaction(db):
        db.execute("UPDATE slips SET expires_at = '2020-01-01T00:00:00.000+00:00'")
    late = response("phone", slip=slip["code"])
    assert refusal(store.responses.record(db, None, [late], SETTINGS)) == ("code", "expired")
    lost = response("phone", slip="ACDEFGHJ")
    assert refusal(store.responses.record(db, None, [lost], SETTINGS)) == ("code", "unknown")
    assert stored(db, late.id) is None and stored(db, lost.id) is None


def test_a_slip_is_open_again_when_its_response_cannot_be_stored(db, monkeypatch):
    (slip,) = store.slips.create(db, 1, None, 14, actor=COMMAND_LINE)
    refused = response("phone", slip=slip["code"])
    monkeypatch.setattr(store.responses, "_insert", lambda db, rows: [
        (n, Invalid("response", "cannot be stored (IntegrityError)")) for n, _ in rows])
    (status,) = store.responses.record(db, None, [refused], SETTINGS)
    assert status.field == "response"
    assert store.slips.state(store.slips.get(db, slip["code"])) is None  # usable again


def test_codes_have_no_look_alikes_and_typing_is_forgiven():
    codes = {store.slips.new_code() for _ in range(2000)}
    assert len(codes) == 2000 and all(len(c) == 8 for c in codes)
    assert not set("".join(codes)) & set("0O1IL2Z5S8B")
    assert store.slips.tidy(" acde-fghj ") == "ACDEFGHJ"
    assert store.slips.tidy("ACDEFGH0") is None and store.slips.tidy("ACDE") is None


def test_a_paper_form_is_dated_as_written_never_flagged_and_entered_once(db):
    written = datetime(2026, 10, 3, 12, 0, tzinfo=WIB)
    typed = [dataclasses.replace(response("paper", serial=f"{n:06d}"), answered_at=written,
                                 duration_ms=None) for n in range(1, 9)]
    assert store.responses.record(db, None, typed, SETTINGS, entered_by="petugas") == \
        ["stored"] * 8  # eight forms typed in a minute: no burst on paper
    row = stored(db, typed[0].id)
    assert (row["local_date"], row["flag"], row["counted"], row["entered_by"], row["clock"]) == (
        "2026-10-03", None, 1, "petugas", "form")
    again = dataclasses.replace(response("paper", serial="000001"), answered_at=written)
    (status,) = store.responses.record(db, None, [again], SETTINGS, entered_by="ayu")
    assert status.field == "serial" and "by petugas" in status.message
    assert stored(db, again.id) is None


def test_the_poster_takes_one_response_a_day_from_each_browser(db):
    first = response("poster", browser="b1")
    assert store.responses.record(db, None, [first], SETTINGS) == ["stored"]
    (second,) = store.responses.record(db, None, [response("poster", browser="b1")], SETTINGS)
    assert second.field == "browser"
    assert store.responses.record(db, None, [response("poster", browser="b2")], SETTINGS) == [
        "stored"]


@pytest.mark.parametrize("channel, flagged", [("kiosk", True), ("poster", True),
                                               ("phone", False)])
def test_bursts_count_per_kiosk_and_for_the_poster(db, channel, flagged):
    kiosk = None
    if channel == "kiosk":
        kiosk_id, _ = store.kiosks.add_kiosk(db, "Loket 1", actor=COMMAND_LINE)
        with store.schema.write_transaction(db):
            db.execute("UPDATE kiosks SET created_at = '2026-01-01T00:00:00.000+00:00'")
        kiosk = store.kiosks.get(db, kiosk_id)
    items = []
    for n in range(SETTINGS["burst_count"]):
        extra = {"browser": f"b{n}"} if channel == "poster" else {}
        if channel == "phone":
            extra = {"slip": store.slips.create(db, 1, None, 14, actor=COMMAND_LINE)[0]["code"]}
        items.append(dataclasses.replace(response(channel, **extra),
                                         answered_at=datetime.now(timezone.utc)
                                         - timedelta(minutes=30) + timedelta(seconds=n)))
    store.responses.record(db, kiosk, items, SETTINGS)
    flags = [stored(db, r.id)["flag"] for r in items]
    assert ("burst" in flags) is flagged


def test_paper_batches_never_reuse_a_serial(db):
    clerk = Actor("petugas", "127.0.0.1")
    assert store.paper.new_batch(db, 50, actor=clerk) == (1, 50)
    assert store.paper.new_batch(db, 10, actor=clerk) == (51, 60)
    assert store.paper.serial_text(51) == "000051"
    with pytest.raises(ValueError):
        store.paper.new_batch(db, 0, actor=clerk)
