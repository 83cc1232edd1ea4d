"""Opening hours and holidays: the rules, Pengaturan → Jam layanan, and what the kiosk gets."""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from support import post_form

import store
from ikm import health, office_hours
from ikm.office import DEFAULTS
from ikm.refused import Refused

PAGE = "/staff/settings/hours"
WIB = timezone(timedelta(hours=7))
WEEK = DEFAULTS["office_hours"]


# --- the rules ----------------------------------------------------------------------------

@pytest.mark.parametrize("moment, is_open", [
    (datetime(2026, 11, 30, 7, 59), False),  # Monday, before opening
    (datetime(2026, 11, 30, 8, 0), True),
    (datetime(2026, 11, 30, 15, 59), True),
    (datetime(2026, 11, 30, 16, 0), False),  # closing time: closed
    (datetime(2026, 12, 4, 16, 15), True),  # Friday closes at 16:30
    (datetime(2026, 12, 5, 10, 0), False),  # Saturday
    (datetime(2026, 12, 25, 10, 0), False),  # Christmas, a Friday
])
def test_open_by_the_week_and_the_holidays(moment, is_open):
    assert office_hours.is_open(moment, WEEK, DEFAULTS["holidays"]) is is_open


def test_the_week_is_said_with_days_of_the_same_hours_together():
    assert office_hours.describe(WEEK) == (
        "Senin–Kamis 08.00–16.00 · Jumat 08.00–16.30 · Sabtu–Minggu tutup")
    assert office_hours.describe(WEEK, "en") == (
        "Monday–Thursday 08.00–16.00 · Friday 08.00–16.30 · Saturday–Sunday closed")
    odd = [["07:30", "15:00"], None, ["07:30", "15:00"], None, None, None, ["09:00", "12:00"]]
    assert office_hours.describe(odd) == ("Senin 07.30–15.00 · Selasa tutup · Rabu 07.30–15.00 "
                                          "· Kamis–Sabtu tutup · Minggu 09.00–12.00")


def test_holidays_are_read_one_a_line_sorted_and_refused_naming_the_line():
    text = "\n 2027-01-01   Tahun Baru \n\n2026-12-25 Hari Raya Natal\n2027-03-20\n"
    assert office_hours.parse_holidays(text) == [
        ["2026-12-25", "Hari Raya Natal"], ["2027-01-01", "Tahun Baru"], ["2027-03-20", ""]]
    with pytest.raises(Refused) as refused:
        office_hours.parse_holidays("2026-12-25 Natal\n25-12-2026 Natal")
    assert (refused.value.field, refused.value.reason, refused.value.details["line"]) == (
        "holidays", "date", 2)
    with pytest.raises(Refused):
        office_hours.parse_holidays("2026-12-25 " + "x" * 61)


def test_a_kiosk_silent_on_a_holiday_needs_nobody():
    seen = datetime(2026, 12, 24, 15, 0, tzinfo=WIB)  # Thursday afternoon
    now = datetime(2026, 12, 25, 15, 0, tzinfo=WIB)  # all of Christmas, a working Friday
    facts = dict(now=now.astimezone(timezone.utc), tz=WIB, office_hours=WEEK, since=now,
                 last_backup=now, kiosks=[health.Kiosk("Loket 1", seen)])
    assert health.concerns(health.Facts(**facts)) != []  # without the holiday: silent
    assert health.concerns(health.Facts(**facts, holidays=DEFAULTS["holidays"])) == []


# --- Pengaturan → Jam layanan --------------------------------------------------------------

def form(**changes) -> dict:
    """The page's form as it comes, with some answers changed (None leaves a box unticked)."""
    data = {"quiet_hours": "y", "holidays": "2026-12-25 Hari Raya Natal"}
    for n, span in enumerate(WEEK):
        if span:
            data.update({f"open_{n}": "y", f"from_{n}": span[0], f"to_{n}": span[1]})
        else:
            data.update({f"from_{n}": "08:00", f"to_{n}": "16:00"})
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_an_admin_sets_the_hours_and_holidays_and_the_kiosk_gets_them(login, client, db):
    login("admin")
    page = client.get(PAGE).text
    assert "Senin–Kamis 08.00–16.00" in page and "2026-12-25 Hari Raya Natal" in page
    reply = post_form(client, PAGE, form(
        to_4="11:30", open_5="y", from_5="08:00", to_5="12:00", quiet_hours=None,
        holidays="2027-03-20 Hari Suci Nyepi\n2026-12-25 Hari Raya Natal"))
    assert reply.status_code == 302
    saved = store.settings.read(db)
    assert saved["office_hours"][4:6] == [["08:00", "11:30"], ["08:00", "12:00"]]
    assert saved["holidays"] == [["2026-12-25", "Hari Raya Natal"],
                                 ["2027-03-20", "Hari Suci Nyepi"]]
    assert saved["quiet_hours"] is False
    assert "Jam layanan disimpan" in client.get(reply.location).text
    (entry,) = store.audit.recent(db, action="settings")
    assert "office_hours=" in entry["detail"] and "Hari Suci Nyepi" in entry["detail"]
    config = json.loads(re.search(r'id="kiosk-config">(.*?)</script>',
                                  client.get("/kiosk/").text).group(1))
    assert config["hours"]["quiet"] is False
    assert config["hours"]["week"][5] == ["08:00", "12:00"]
    assert config["hours"]["holidays"]["2027-03-20"] == "Hari Suci Nyepi"
    assert config["hours"]["offset_minutes"] == 420
    assert "Jumat 08.00–11.30 · Sabtu 08.00–12.00" in config["hours"]["text"]["id"]
    assert "Jumat 08.00–11.30" in client.get("/staff/settings/").text


@pytest.mark.parametrize("changes, says", [
    ({"from_0": "8 pagi"}, "Jam layanan: “8 pagi” bukan jam."),
    ({"from_0": "16:00", "to_0": "08:00"},
     "Jam layanan: jam buka 16:00 harus sebelum jam tutup 08:00."),
    ({"holidays": "2026-12-25 Natal\nNyepi 2027"},
     "Hari libur, baris 2: “Nyepi 2027” tidak diawali tanggal"),
])
def test_bad_hours_are_refused_saying_where_and_nothing_is_saved(login, client, db, changes,
                                                                 says):
    login("admin")
    before = store.settings.read(db)
    reply = post_form(client, PAGE, form(**changes))
    assert reply.status_code == 400 and says in reply.text and "Belum disimpan" in reply.text
    assert store.settings.read(db) == before
    assert store.audit.recent(db, action="settings") == []


def test_a_day_left_unticked_is_closed(login, client, db):
    login("admin")
    assert post_form(client, PAGE, form(open_4=None)).status_code == 302
    assert store.settings.read(db)["office_hours"][4] is None
    assert office_hours.opening(date(2026, 12, 4), store.settings.read(db)["office_hours"]) \
        is None


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_only_admins_change_the_hours(login, client, db, role):
    login(role)
    assert client.get(PAGE).status_code == 403
    assert post_form(client, PAGE, form(to_4="11:30"), page_url="/staff/password"
                     ).status_code == 403
    assert store.settings.read(db)["office_hours"] == WEEK
