"""Follow-up plans: from the report's agenda to closed, in the next report, public and API."""
from __future__ import annotations

import re

import pytest

import store
from ikm import office
from ikm.validation import parse
from store.audit import COMMAND_LINE
from tests.support import csrf_token, post_form

CODES = office.QUESTIONNAIRES["full"]


def add(db, month: str, answers: dict, n: int = 20) -> None:
    items = [parse({"id": f"00000000-0000-4000-8000-{month[-2:]}{i:010d}", "service": "KK",
                    "answered_at": f"{month}-10T10:00:00+07:00", "answers": answers}, {"KK"})
             for i in range(n)]
    store.responses.record(db, None, items, {**office.DEFAULTS, "min_survey_seconds": 0})


@pytest.fixture
def months(db):
    """September's facilities were poor (U9 = 2); in October they were good (U9 = 4)."""
    add(db, "2026-09", {**{c: 4 for c in CODES}, "U9": 2})
    add(db, "2026-10", {c: 4 for c in CODES})
    return db


def test_an_action_from_the_agenda_to_closed_and_in_the_next_report(months, login,
                                                                      monkeypatch):
    # The meeting on 2 October decides on September's report.
    monkeypatch.setattr(store.actions, "utc_now", lambda: "2026-10-02T02:00:00.000+00:00")
    client = login("staff")
    report = client.get("/staff/report?kind=month&from=2026-09-01").text
    link = re.search(r'href="(/staff/actions/new\?unsur=U9[^"]*)"', report).group(1)
    link = link.replace("&amp;", "&")
    form = client.get(link).text
    assert 'selected value="U9"' in form and 'value="2026-09-01"' in form
    reply = client.post("/staff/actions/new", data={
        "csrf_token": csrf_token(form), "unsur": "U9", "service": "KK",
        "what": "Perbaiki AC ruang tunggu", "who": "Pak Budi (umum)", "due": "2026-10-31",
        "baseline_from": "2026-09-01", "baseline_to": "2026-09-30"})
    assert reply.status_code == 302
    page = reply.headers["Location"]
    action_id = int(page.rsplit("/", 1)[1])
    reply = post_form(client, f"{page}/status", {"status": "berjalan",
                                                 "note": "Teknisi dipanggil"}, page)
    assert reply.status_code == 302 and reply.headers["Location"] == page

    october = client.get("/staff/report?kind=month&from=2026-10-01").text
    table = october[october.index("data-tracked"):october.index("Agenda rapat")]
    assert "Perbaiki AC ruang tunggu" in table and "Berjalan" in table
    assert "50.00" in table and "100.00" in table  # U9 then (2 of 4) and now (4 of 4)
    assert re.search(r"data-verdict>ya \(\+50\.00\)", table)
    agenda = october[october.index("Agenda rapat"):]
    assert "data-open-action" in agenda and "Pak Budi" in agenda

    monkeypatch.setattr(store.actions, "utc_now", lambda: "2026-10-20T02:00:00.000+00:00")
    reply = post_form(client, f"{page}/status", {"status": "selesai",
                                                 "note": "AC baru terpasang"}, page)
    shown = client.get(page).text
    assert "Selesai" in shown and "Teknisi dipanggil" in shown and "AC baru terpasang" in shown
    action = store.actions.get(months, action_id, _tz())
    assert action.closed_at is not None and not action.is_open
    assert [r["detail"] for r in store.audit.recent(months, action="action")] == [
        f"#{action_id}: selesai", f"#{action_id}: berjalan", f"#{action_id} U9: "
        "Perbaiki AC ruang tunggu"]
    october = client.get("/staff/report?kind=month&from=2026-10-01").text
    table = october[october.index("data-tracked"):october.index("Agenda rapat")]
    assert "Perbaiki AC ruang tunggu" in table and "Selesai" in table  # closed this month
    assert "data-open-action" not in october
    assert re.search(r"data-share>100\.0%.*data-share-band>100%", october, re.S)
    assert "median 18 hari" in october and "data-speed-band>dalam 1 bulan" in october
    november = client.get("/staff/report?kind=month&from=2026-11-01").text
    assert "Perbaiki AC ruang tunggu" not in november  # closed before November
    # Reopened: no longer closed.
    post_form(client, f"{page}/status", {"status": "berjalan"}, page)
    assert store.actions.get(months, action_id, _tz()).closed_at is None


def _tz():
    from ikm.clock import parse_offset
    return parse_offset("+07:00")


def test_the_public_page_and_api_show_public_fields_only(db, client):
    action_id = store.actions.create(db, "U7", "Pelatihan pelayanan prima", actor=COMMAND_LINE,
                                     who="Bu Sari", service="KK")
    store.actions.set_status(db, action_id, "berjalan", "catatan internal rahasia",
                             actor=COMMAND_LINE)
    page = client.get("/").text
    assert "Tindak lanjut hasil survei" in page and "Pelatihan pelayanan prima" in page
    assert "U7 Perilaku" in page or "U7 " in page
    assert "Berjalan" in page and "Bu Sari" not in page and "rahasia" not in page
    data = client.get("/api/actions").json["actions"]
    assert data == [{"unsur": "U7", "service": "KK", "what": "Pelatihan pelayanan prima",
                     "due": None, "status": "berjalan", "public_note": None,
                     "created_at": data[0]["created_at"], "closed_at": None}]
    store.actions.edit(db, action_id, actor=COMMAND_LINE, unsur="U7",
                       what="Pelatihan pelayanan prima", who="Bu Sari", due=None,
                       service="KK", public_note="Jadwal pelatihan: November")
    assert "Jadwal pelatihan: November" in client.get("/").text
    assert client.get("/api/actions").json["actions"][0]["public_note"] == (
        "Jadwal pelatihan: November")


def test_an_empty_public_section_explains_itself(client):
    page = client.get("/").text
    assert "data-no-actions" in page and "Belum ada rencana tindak lanjut" in page
    assert client.get("/api/actions").json == {"actions": []}


def test_roles_and_csrf(db, login, client):
    action_id = store.actions.create(db, "U3", "Tambah loket", actor=COMMAND_LINE)
    for url in ("/staff/actions", f"/staff/actions/{action_id}", "/staff/actions/new"):
        reply = client.get(url)
        assert reply.status_code == 302 and "/login" in reply.headers["Location"]
    # Without a session a POST has no CSRF token either: refused before anything else.
    assert client.post(f"/staff/actions/{action_id}/status").status_code in (302, 400)
    viewer = login("viewer")
    assert "Tambah loket" in viewer.get("/staff/actions").text
    page = viewer.get(f"/staff/actions/{action_id}").text
    assert "Simpan status" not in page
    token = csrf_token(viewer.get("/staff/actions").text) if "csrf_token" in page else ""
    reply = viewer.post(f"/staff/actions/{action_id}/status",
                        data={"status": "selesai", "csrf_token": token})
    assert reply.status_code in (400, 403)
    staff = login("staff")
    reply = staff.post(f"/staff/actions/{action_id}/status", data={"status": "selesai"})
    assert reply.status_code == 400  # no CSRF token
    assert store.actions.get(db, action_id, _tz()).status == "direncanakan"


def test_the_viewer_is_refused_a_change_with_a_valid_token(db, login):
    action_id = store.actions.create(db, "U3", "Tambah loket", actor=COMMAND_LINE)
    viewer = login("viewer")
    token = csrf_token(viewer.get("/staff/password").text)
    reply = viewer.post(f"/staff/actions/{action_id}/status",
                        data={"status": "selesai", "csrf_token": token})
    assert reply.status_code == 403
    reply = viewer.post("/staff/actions/new", data={"unsur": "U3", "what": "x",
                                                    "csrf_token": token})
    assert reply.status_code == 403


@pytest.mark.parametrize("change, field", [
    ({"what": "x" * 501}, "Tindakan"), ({"what": ""}, "Tindakan"),
    ({"who": "y" * 121}, "Penanggung jawab"), ({"due": "1899-12-31"}, "Target waktu"),
    ({"due": "3000-01-01"}, "Target waktu"), ({"due": "31-12-2026"}, "Target waktu"),
    ({"unsur": "U99"}, "Unsur")])
def test_bounds_answer_400_naming_the_field(db, login, change, field):
    staff = login("staff")
    data = {"unsur": "U9", "what": "Perbaiki kursi", "who": "Pak Budi", "due": "2026-12-31",
            **change}
    reply = post_form(staff, "/staff/actions/new", data)
    assert reply.status_code == 400
    assert f"Belum disimpan. Periksa: {field}" in reply.text
    assert store.actions.list_actions(db, _tz()) == []


def test_an_unknown_status_answers_400(db, login):
    action_id = store.actions.create(db, "U3", "Tambah loket", actor=COMMAND_LINE)
    staff = login("staff")
    url = f"/staff/actions/{action_id}"
    reply = post_form(staff, f"{url}/status", {"status": "hilang"}, url)
    assert reply.status_code == 400 and "Periksa: Status" in reply.text
    reply = post_form(staff, f"{url}/status", {"status": "selesai", "note": "n" * 1001}, url)
    assert reply.status_code == 400 and "Periksa: Catatan" in reply.text
    assert staff.get("/staff/actions/999").status_code == 404


def test_the_ikm_page_offers_an_action_per_unsur_and_shows_the_pekppp_card(months, login):
    page = login("staff").get("/staff/?kind=month&from=2026-10-01").text
    assert page.count("Buat tindak lanjut") == 9 and "data-pekppp" in page
    link = re.search(r'href="(/staff/actions/new\?unsur=U9[^"]*)"', page).group(1)
    assert "kind=month" in link and "from=2026-10-01" in link
    assert "Buat tindak lanjut" not in login("viewer").get("/staff/").text


def test_the_workbook_has_the_actions_with_who(db, login):
    from io import BytesIO

    from openpyxl import load_workbook

    store.actions.create(db, "U9", "Perbaiki AC", actor=COMMAND_LINE, who="Pak Budi")
    reply = login("staff").get("/staff/exports/xlsx")
    sheet = load_workbook(BytesIO(reply.data))["Tindak lanjut"]
    rows = list(sheet.values)
    assert rows[0][:4] == ("Unsur", "Layanan", "Tindakan", "Penanggung jawab")
    assert rows[1][0] == "U9" and rows[1][3] == "Pak Budi"
