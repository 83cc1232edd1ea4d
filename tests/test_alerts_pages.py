"""Alerts on the staff pages: the notice, the list, acknowledging with a note, and who may."""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
from support import answer_rows, csrf_token, post_form, record_answers

import store
from ikm.clock import parse_offset
from store.audit import COMMAND_LINE

TODAY = date(2026, 11, 20)
LIST = "/staff/alerts"


@pytest.fixture
def app(tmp_path, monkeypatch):
    """An app that checks for alerts on every page, on 20 November 2026."""
    from kiosk import create_app

    monkeypatch.setattr("web.alerts.today", lambda: TODAY)
    return create_app({"TESTING": True, "ALERT_CHECK_SECONDS": 0},
                      instance_path=tmp_path / "instance")


@pytest.fixture
def overdue(db) -> int:
    """An action due on 10 November, still under way."""
    action_id = store.actions.create(db, "U9", "Perbaiki AC ruang tunggu", actor=COMMAND_LINE,
                                     who="Pak Budi", due=date(2026, 11, 10))
    store.actions.set_status(db, action_id, "berjalan", None, actor=COMMAND_LINE)
    return action_id


def notice(page: str) -> list[str]:
    """Return the notice's lines as a person reads them; [] when there is none."""
    found = re.search(r'<section class="alerts-notice".*?</section>', page, re.S)
    if not found:
        return []
    return [re.sub(r"<[^>]+>", "", html.unescape(li))
            for li in re.findall(r"<li[^>]*>(.*?)</li>", found.group(0), re.S)]


def badge(page: str) -> str | None:
    found = re.search(r"data-alert-count>(\d+)<", page)
    return found.group(1) if found else None


def open_ids(db) -> list[int]:
    return [a["id"] for a in store.alerts.open_alerts(db)]


def raised(client, db) -> list[int]:
    """Open a staff page, which checks for alerts; return the open ones' ids."""
    assert client.get("/staff/").status_code == 200
    return open_ids(db)


@pytest.mark.parametrize("role", ["viewer", "staff", "admin"])
def test_every_signed_in_role_sees_the_notice_on_staff_pages(overdue, login, role):
    client = login(role)
    for url in ("/staff/", "/staff/actions", "/staff/password"):
        page = client.get(url).text
        assert notice(page) == [
            "Tindak lanjut lewat target waktu. Tindak lanjut #1 “Perbaiki AC ruang tunggu” "
            "(unsur U9) sudah melewati target waktu 10 November 2026 dan belum selesai."], url
        assert "1 peringatan belum ditangani" in page and f'href="{LIST}"' in page
        assert badge(page) == "1"


def test_nobody_signed_out_sees_alerts(overdue, client):
    assert notice(client.get("/login").text) == []
    assert notice(client.get("/").text) == []


def test_a_drop_is_said_with_its_numbers_and_months(db, login):
    record_answers(db, "2026-10-15", answer_rows(40, 4, 3))
    record_answers(db, "2026-11-12", answer_rows(40, 3, 2))
    page = login("viewer").get("/staff/").text
    lines = notice(page)
    assert len(lines) == 5  # the first five of nineteen; the list holds them all
    assert lines[:2] == [
        "IKM turun. IKM November 2026 sejauh ini 62.50 (40 responden), turun 25.00 "
        "poin dari 87.50 pada Oktober 2026. Penurunan sebesar ini lebih dari sekadar "
        "kebetulan.",
        "Unsur U1 turun. Unsur U1 Persyaratan pada November 2026 sejauh ini 62.50 (40 "
        "jawaban), turun 25.00 poin dari 87.50 pada Oktober 2026. Penurunan sebesar ini "
        "lebih dari sekadar kebetulan."]
    assert "Dan 14 lainnya." in page and badge(page) == "19"
    listed = login("viewer").get(LIST).text
    assert 'href="/staff/?kind=month&amp;from=2026-11-01"' in listed
    assert "Mutu unsur U9 Sarana dan Prasarana turun dari B ke D: 62.50 pada November 2026 " \
           "sejauh ini (40 jawaban), 87.50 pada Oktober 2026." in html.unescape(listed)


def test_acknowledged_with_a_note_it_leaves_the_notice_and_stays_in_the_list(db, overdue,
                                                                               login):
    client = login("staff")
    [alert_id] = raised(client, db)
    reply = post_form(client, f"/staff/alerts/{alert_id}/acknowledge",
                      {"note": "Teknisi datang Senin; target diundur."}, LIST)
    assert reply.status_code == 302 and reply.headers["Location"] == LIST
    page = client.get(LIST).text
    assert "Peringatan ditandai sudah ditangani: Tindak lanjut lewat target waktu." in page
    assert notice(client.get("/staff/").text) == [] and badge(page) is None
    done = page[page.index("Sudah ditangani"):]
    assert "Teknisi datang Senin; target diundur." in done and "staff1" in done
    assert "Tidak ada peringatan yang perlu ditangani." in page
    [row] = store.alerts.acknowledged(db)
    assert (row["acknowledged_by"], row["note"]) == ("staff1", "Teknisi datang Senin; target "
                                                               "diundur.")
    [event] = store.audit.recent(db, action="alert")
    assert event["username"] == "staff1"
    assert event["detail"] == (f"#{alert_id} overdue:{overdue}:2026-11-10: Teknisi datang "
                               "Senin; target diundur.")


def test_acknowledged_without_a_note_and_only_once(db, overdue, login):
    client = login("admin")
    [alert_id] = raised(client, db)
    url = f"/staff/alerts/{alert_id}/acknowledge"
    assert post_form(client, url, {"note": ""}, LIST).status_code == 302
    token = csrf_token(client.get(LIST).text)
    reply = client.post(url, data={"note": "lagi", "csrf_token": token})
    assert reply.status_code == 302
    assert "Peringatan ini sudah ditandai sebelumnya oleh admin1." in client.get(LIST).text
    [row] = store.alerts.acknowledged(db)
    assert row["note"] is None and len(store.audit.recent(db, action="alert")) == 1
    assert client.post("/staff/alerts/99/acknowledge",
                       data={"csrf_token": token}).status_code == 404


def test_a_note_too_long_is_refused_on_the_page(db, overdue, login):
    client = login("staff")
    [alert_id] = raised(client, db)
    reply = post_form(client, f"/staff/alerts/{alert_id}/acknowledge",
                      {"note": "x" * (store.alerts.MAX_NOTE + 1)}, LIST)
    assert reply.status_code == 400
    assert "Paling banyak 500 huruf." in reply.text and "Belum disimpan" in reply.text
    assert open_ids(db) == [alert_id]


def test_a_viewer_sees_the_list_but_cannot_acknowledge(db, overdue, login):
    viewer = login("viewer")
    [alert_id] = raised(viewer, db)
    page = viewer.get(LIST).text
    assert "Perbaiki AC ruang tunggu" in page and "Tandai sudah ditangani" not in page
    token = csrf_token(page)  # the sign-out form's: a valid token of this session
    reply = viewer.post(f"/staff/alerts/{alert_id}/acknowledge",
                        data={"note": "dilihat", "csrf_token": token})
    assert reply.status_code == 403
    assert open_ids(db) == [alert_id] and store.audit.recent(db, action="alert") == []


def test_without_its_csrf_token_nothing_is_acknowledged(db, overdue, login, app):
    staff = login("staff")
    [alert_id] = raised(staff, db)
    url = f"/staff/alerts/{alert_id}/acknowledge"
    assert staff.post(url, data={"note": "tanpa token"}).status_code == 400
    stranger = app.test_client()
    reply = stranger.post(url, data={"note": "tanpa sesi"})
    assert reply.status_code in (302, 400)  # signed out: refused before anything else
    assert open_ids(db) == [alert_id]


def test_the_list_shows_open_alerts_first_then_those_seen_to(db, overdue, login):
    second = store.actions.create(db, "U3", "Tambah loket", actor=COMMAND_LINE,
                                  due=date(2026, 11, 1))
    client = login("staff")
    client.get("/staff/")  # the check raises both
    first_id = next(a["id"] for a in store.alerts.open_alerts(db)
                    if a["details"]["action_id"] == overdue)
    store.alerts.acknowledge(db, first_id, "selesai dibahas", actor=COMMAND_LINE)
    page = client.get(LIST).text
    waiting, seen = page.split("Sudah ditangani", 1)
    assert "Tambah loket" in waiting and "Perbaiki AC" not in waiting
    assert "Perbaiki AC" in seen and "selesai dibahas" in seen
    assert f'href="/staff/actions/{second}"' in waiting
    assert store.actions.get(db, second, parse_offset("+07:00")).is_open
