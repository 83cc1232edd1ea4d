"""The server's own clock, when a flat CMOS battery boots the office PC in the past."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

import store
from host import health
from host.upkeep import Upkeep
from ikm import release
from ikm.clock import CORRECTED, KIOSK, RECEIVED, ServerClock, place, server_behind
from store.audit import COMMAND_LINE
from store.schema import write_transaction

UTC = timezone.utc
MADE = datetime.combine(release.DATE, datetime.min.time(), UTC)
TRUE_NOW = MADE + timedelta(days=40, hours=3)


def test_a_clock_before_the_program_was_made_is_behind():
    booted = datetime(2019, 1, 1, 0, 5, tzinfo=UTC)
    found = server_behind(booted, MADE)
    assert found == ServerClock(MADE - booted, MADE)


def test_a_clock_behind_what_it_stored_itself_is_behind():
    stored = TRUE_NOW - timedelta(minutes=5)
    assert server_behind(TRUE_NOW - timedelta(days=3), MADE, stored).evidence == stored


@pytest.mark.parametrize("now", [TRUE_NOW, TRUE_NOW - timedelta(hours=23)])
def test_a_clock_within_a_day_is_right(now):
    assert server_behind(now, MADE, TRUE_NOW) is None


def test_one_tablet_years_ahead_proves_nothing():
    assert server_behind(TRUE_NOW, MADE, TRUE_NOW, [datetime(2031, 6, 1, tzinfo=UTC)]) is None


def test_two_kiosks_that_agree_are_believed():
    clocks = [TRUE_NOW + timedelta(days=5), TRUE_NOW + timedelta(days=5, minutes=3),
              datetime(2031, 6, 1, tzinfo=UTC)]
    found = server_behind(TRUE_NOW, MADE, TRUE_NOW, clocks)
    assert found == ServerClock(timedelta(days=5), clocks[0])


def test_two_kiosks_that_disagree_are_not():
    clocks = [TRUE_NOW + timedelta(days=5), TRUE_NOW + timedelta(days=9)]
    assert server_behind(TRUE_NOW, MADE, TRUE_NOW, clocks) is None


SERVER = ServerClock(timedelta(days=400), TRUE_NOW - timedelta(hours=1))
WRONG_NOW = TRUE_NOW - SERVER.behind


def test_with_the_server_behind_the_kiosk_time_is_used():
    answered = TRUE_NOW - timedelta(minutes=10)
    assert place(answered, WRONG_NOW, TRUE_NOW, None, SERVER) == (answered, KIOSK)


def test_with_both_clocks_wrong_the_server_time_moved_forward_is_used():
    kiosk_epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert place(kiosk_epoch, WRONG_NOW, kiosk_epoch, None, SERVER) == (TRUE_NOW, RECEIVED)


def send(client, token, answered: datetime, kiosk_now: datetime):
    body = {"id": str(uuid.uuid4()), "service": "KK", "answers": {"U1": 4, "U2": 3},
            "answered_at": answered.isoformat(), "duration_ms": 30000}
    reply = client.post("/api/responses", json=body, headers={
        "Authorization": f"Bearer {token}", "X-Kiosk-Clock": kiosk_now.isoformat()})
    assert reply.status_code == 201
    return body["id"]


def test_the_api_places_by_the_kiosks_clock_while_the_server_is_behind(app, client, db,
                                                                         kiosk_token):
    # The server's real clock plays the wrong one; the kiosk's is 400 days ahead of it.
    server_now = datetime.now(UTC)
    kiosk_now = server_now + timedelta(days=400)
    answered = (kiosk_now - timedelta(minutes=10)).replace(microsecond=0)
    app.extensions["upkeep"] = SimpleNamespace(
        server_clock=ServerClock(timedelta(days=400), kiosk_now - timedelta(minutes=1)))
    row = db["responses"].get(send(client, kiosk_token, answered, kiosk_now))
    assert (row["clock"], datetime.fromisoformat(row["answered_at"])) == (KIOSK, answered)
    assert row["local_date"] == (answered + timedelta(hours=7)).date().isoformat()
    # The same send to a server that trusts its clock moves it back 400 days.
    del app.extensions["upkeep"]
    row = db["responses"].get(send(client, kiosk_token, answered, kiosk_now))
    assert row["clock"] == CORRECTED
    assert abs(datetime.fromisoformat(row["answered_at"]) - (server_now - timedelta(minutes=10))
               ) < timedelta(minutes=1)


def test_what_the_server_stored_is_its_evidence(db, kiosk_token):
    later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    with write_transaction(db):
        db.execute("UPDATE kiosks SET last_seen = ?, paired_at = ?", [later, later])
    found = health.server_clock(db, datetime.now(UTC))
    assert found is not None and found.behind.days == 2  # 3 days less the few ms since


def test_the_upkeep_checks_at_start_and_hourly_and_names_backups_by_the_true_date(tmp_path):
    from store.schema import open_db

    folder = tmp_path / "instance"
    folder.mkdir()
    open_db(folder / "skm.db").close()
    clock = SimpleNamespace(now=datetime(2019, 1, 1, 1, 0, tzinfo=UTC))
    upkeep = Upkeep(folder / "skm.db", folder, lambda: clock.now)
    upkeep.tick()
    assert upkeep.server_clock is not None and upkeep.server_clock.evidence == MADE
    assert [p.name for p in (folder / "backups").glob("*.db")] == [
        f"skm-{(MADE + timedelta(hours=7)).date().isoformat()}.db"]
    assert upkeep.next_clock_check == clock.now + timedelta(hours=1)
    clock.now += timedelta(minutes=59)
    upkeep.tick()  # not checked again within the hour
    assert upkeep.next_clock_check == clock.now + timedelta(minutes=1)
    clock.now = datetime.now(UTC)  # someone set the clock right: checked at the next tick
    upkeep.tick()
    assert upkeep.server_clock is None


def test_kiosk_clocks_count_only_when_heard_lately(db):
    now = datetime.now(UTC)
    for name, seen, offset_days in (("Loket 1", now, -5), ("Loket 2", now, -5),
                                    ("Loket 3", now - timedelta(hours=3), -9)):
        kiosk_id, _ = store.kiosks.add_kiosk(db, name, actor=COMMAND_LINE)
        with write_transaction(db):
            db.execute("UPDATE kiosks SET paired_at = ?, last_seen = ?, clock_offset_ms = ? "
                       "WHERE id = ?", [seen.isoformat(), seen.isoformat(),
                                        offset_days * 86_400_000, kiosk_id])
    found = health.server_clock(db, now)
    assert found is not None and round(found.behind / timedelta(days=1)) == 5
