"""Tablet clocks that are wrong after a power cut: each response still lands in its period."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from ikm.clock import CORRECTED, KIOSK, RECEIVED, place

UTC = timezone.utc
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 10:00 in Jambi


def test_a_right_clock_is_trusted():
    assert place(NOW - timedelta(minutes=20), NOW, NOW) == (NOW - timedelta(minutes=20), KIOSK)


def test_small_drift_is_left_alone():
    kiosk_now = NOW - timedelta(seconds=90)
    assert place(kiosk_now - timedelta(minutes=5), NOW, kiosk_now)[1] == KIOSK


@pytest.mark.parametrize("kiosk_epoch", [
    datetime(1970, 1, 1, 0, 0, tzinfo=UTC),  # reset by a power cut
    datetime(2031, 6, 1, 12, 0, tzinfo=UTC),  # years ahead
    NOW - timedelta(hours=3),  # hours behind: possible, but the offset says otherwise
])
def test_a_wrong_clock_is_corrected_by_its_offset_at_sending(kiosk_epoch):
    # Answered 40 minutes before sending, by the kiosk's own (wrong) clock.
    answered = kiosk_epoch
    sent = kiosk_epoch + timedelta(minutes=40)
    assert place(answered, NOW, sent) == (NOW - timedelta(minutes=40), CORRECTED)


def test_a_clock_fixed_between_answering_and_sending_falls_back_to_arrival():
    answered = datetime(1970, 1, 1, 0, 5, tzinfo=UTC)
    assert place(answered, NOW, NOW) == (NOW, RECEIVED)


def test_a_clock_that_broke_after_answering_keeps_the_good_time():
    answered = NOW - timedelta(hours=1)
    assert place(answered, NOW, datetime(1970, 1, 1, tzinfo=UTC)) == (answered, KIOSK)


def test_without_the_kiosk_clock_an_impossible_time_becomes_arrival():
    assert place(datetime(1970, 1, 1, tzinfo=UTC), NOW) == (NOW, RECEIVED)
    assert place(NOW + timedelta(days=400), NOW) == (NOW, RECEIVED)


def test_before_the_kiosk_existed_is_impossible():
    registered = NOW - timedelta(days=10)
    assert place(NOW - timedelta(days=30), NOW, None, registered) == (NOW, RECEIVED)
    assert place(NOW - timedelta(days=5), NOW, None, registered)[1] == KIOSK


def post(client, token, body, kiosk_clock):
    return client.post("/api/responses", json=body, headers={
        "Authorization": f"Bearer {token}", "X-Kiosk-Clock": kiosk_clock.isoformat()})


@pytest.mark.parametrize("epoch", [datetime(1970, 1, 1, 0, 3, tzinfo=UTC),
                                   datetime(2030, 2, 14, 9, 0, tzinfo=UTC)])
def test_api_places_responses_from_a_wrong_clock_today(client, db, kiosk_token, epoch):
    body = {"id": str(uuid.uuid4()), "service": "KK", "answers": {"U1": 4},
            "answered_at": epoch.isoformat(), "duration_ms": 30000}
    assert post(client, kiosk_token, [body], epoch + timedelta(minutes=30)).status_code == 200
    row = db["responses"].get(body["id"])
    answered = datetime.fromisoformat(row["answered_at"])
    expected = datetime.now(UTC) - timedelta(minutes=30)
    assert abs(answered - expected) < timedelta(seconds=30)
    assert row["clock"] == CORRECTED and row["kiosk_time"].startswith(epoch.strftime("%Y-%m-%d"))
    today = (datetime.now(UTC) + timedelta(hours=7) - timedelta(minutes=30)).date().isoformat()
    assert row["local_date"] == today
    ikm = client.get(f"/api/ikm?from={today}&to={today}").json
    assert ikm["respondents"] == 1


def test_kiosk_reports_its_outbox_and_clock(client, db, kiosk_token):
    late = datetime.now(UTC) - timedelta(hours=2)
    reply = client.post("/api/kiosk/hello", json={"outbox": 3, "rejected": 1,
                                                  "last_error": "HTTP 503"},
                        headers={"Authorization": f"Bearer {kiosk_token}",
                                 "X-Kiosk-Clock": late.isoformat()})
    assert reply.status_code == 200 and "server_time" in reply.json
    kiosk = db["kiosks"].get(1)
    assert (kiosk["outbox"], kiosk["rejected"], kiosk["last_error"]) == (3, 1, "HTTP 503")
    assert abs(kiosk["clock_offset_ms"] - 2 * 3600 * 1000) < 5000
