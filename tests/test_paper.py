"""Paper questionnaires: numbered forms printed in batches, typed in once each, undone."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from support import PASSWORD, ROOT, csrf_token, post_form, sign_in

import kiosk
import store
from ikm.method import PERMENPAN_2017
from store.audit import COMMAND_LINE

WIB = timezone(timedelta(hours=7))
ENTRY = "/staff/paper/entry"
SAVE = "/staff/paper/entries"


def office_today() -> date:
    return datetime.now(WIB).date()


def serials(page: str) -> list[str]:
    return re.findall(r'<article class="paper-form" data-serial="(\d+)">', page)


def typed(serial="000123", service="KK", day=None, **answers) -> dict:
    """A form as the entry page sends it: answers U1..U9, 4 unless given (None: blank)."""
    filled = {f"U{n}": 4 for n in range(1, 10)}
    filled.update(answers)
    return {"serial": serial, "service": service,
            "date": day or (office_today() - timedelta(days=3)).isoformat(), "answers": filled}


def send(client, form, token=None):
    """POST a form as the page does: JSON with the CSRF token in a header."""
    token = token or csrf_token(client.get(ENTRY).text)
    return client.post(SAVE, json=form, headers={"X-CSRFToken": token})


def paper_rows(db) -> list[dict]:
    return store.schema.rows(db, "SELECT * FROM responses WHERE channel = 'paper' "
                                 "ORDER BY serial")


def audit_details(db) -> list[str]:
    return [r["detail"] for r in store.schema.rows(
        db, "SELECT detail FROM audit WHERE action = 'paper' ORDER BY id")]


# --- printed forms ---------------------------------------------------------------------

def test_a_batch_prints_one_page_per_form_with_consecutive_serials_and_official_words(login,
                                                                                      db):
    # The office asks Sarana 8th and Pengaduan 9th, as on the usual printed form.
    order = ["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U9", "U8"]
    store.settings.save(db, {"question_order": order}, actor=COMMAND_LINE)
    client = login("staff")
    reply = post_form(client, "/staff/paper/forms", {"count": "3"}, "/staff/paper/")
    assert reply.status_code == 302 and reply.headers["Location"] == "/staff/paper/forms/1-3"
    page = client.get("/staff/paper/forms/1-3").text
    assert serials(page) == ["000001", "000002", "000003"]
    form = page.split('<article class="paper-form"')[1]
    positions = [form.index(PERMENPAN_2017.unsur_by_code(c).question) for c in order]
    assert positions == sorted(positions), "the questions follow the office's order"
    for code in order:
        for number, label in enumerate(PERMENPAN_2017.unsur_by_code(code).labels, start=1):
            assert f"<b>{number}</b> {label}</td>" in form
    for service in store.services.in_order(db, active_only=True):
        assert service["name"] in form
    assert "Tanggal" in form and "Kritik dan saran" in form and "Jenis kelamin" in form
    assert "paper-forms.css" in page
    assert "size: A4" in (ROOT / "static" / "paper-forms.css").read_text()


def test_a_batch_is_reserved_once_audited_and_its_serials_never_given_again(login, db):
    client = login("staff", "petugas")
    assert client.get("/staff/paper/forms/1-2").status_code == 404  # not reserved yet
    first = post_form(client, "/staff/paper/forms", {"count": "2"}, "/staff/paper/")
    for _ in range(3):  # reloading the printed pages reserves nothing more
        assert len(serials(client.get(first.headers["Location"]).text)) == 2
    assert store.paper.reserved(db) == 2
    second = post_form(client, "/staff/paper/forms", {"count": "500"}, "/staff/paper/")
    assert second.headers["Location"] == "/staff/paper/forms/3-502"
    assert audit_details(db) == ["forms 1-2 printed", "forms 3-502 printed"]
    assert "000001-000002" in client.get("/staff/paper/").text  # printed again from the list
    for wrong in ("0", "501", "", "dua"):
        reply = post_form(client, "/staff/paper/forms", {"count": wrong}, "/staff/paper/")
        assert reply.status_code == 400 and "Jumlah formulir" in reply.text, wrong
    assert store.paper.reserved(db) == 502
    assert client.get("/staff/paper/forms/3-503").status_code == 404
    assert client.get("/staff/paper/forms/2-1").status_code == 404


def test_the_command_line_reserves_a_batch_and_writes_one_file_that_prints_alone(
        app, db, tmp_path, capsys):
    out = tmp_path / "formulir.html"
    store.paper.new_batch(db, 5, actor=COMMAND_LINE)
    status = kiosk.main(["paper-forms", "3", "--instance", app.instance_path, "--out", str(out)])
    assert status == 0
    printed = capsys.readouterr().out
    assert "000006 to 000008" in printed and str(out) in printed
    html = out.read_text("utf-8")
    assert serials(html) == ["000006", "000007", "000008"]
    assert "<style>" in html and "size: A4" in html
    assert not re.search(r"<(link|script|img)\b|src=|url\(", html), "it fetches nothing"
    assert PERMENPAN_2017.unsur[0].question in html
    assert kiosk.main(["paper-forms", "501", "--instance", app.instance_path]) == 2
    assert store.paper.reserved(db) == 8


# --- typing forms in -------------------------------------------------------------------

def test_a_typed_form_is_stored_as_paper_dated_as_written_with_who_typed_it(login, db):
    client = login("staff", "petugas")
    day = (office_today() - timedelta(days=10)).isoformat()
    reply = send(client, typed("123", day=day, U5=None, U9=1))
    assert reply.status_code == 201, reply.json
    assert reply.json["next"] == "000124"
    assert reply.json["entry"]["serial"] == "000123"
    (row,) = paper_rows(db)
    assert (row["serial"], row["service"], row["local_date"], row["entered_by"]) == (
        "000123", "KK", day, "petugas")
    assert (row["u1"], row["u5"], row["u9"], row["counted"], row["flag"]) == (4, None, 1, 1,
                                                                              None)
    assert row["answered_at"].startswith(
        (datetime.fromisoformat(day + "T12:00:00+07:00")).astimezone(timezone.utc).isoformat()
        [:16])
    assert audit_details(db) == [f"form 000123 entered: KK, {day}"]
    page = client.get(ENTRY).text
    assert 'value="000124"' in page and '"serial": "000123"' in page


@pytest.mark.parametrize("change, field", [
    ({"answers": {"U3": 5}}, "answers.U3"),
    ({"answers": {"U3": "a"}}, "answers.U3"),
    ({"answers": {"U3": 0}}, "answers.U3"),
    ({"answers": {"U3": True}}, "answers.U3"),
    ({"answers": {"U10": 4}}, "answers"),
    ({"answers": {"U1": None}}, "answers"),
    ({"answers": "4444"}, "answers"),
    ({"service": ""}, "service"),
    ({"service": None}, "service"),
    ({"service": "KTPX"}, "service"),
    ({"date": ""}, "date"),
    ({"date": "28/11/2026"}, "date"),
    ({"date": "1899-12-31"}, "date"),
    ({"date": "2999-01-01"}, "date"),
    ({"serial": ""}, "serial"),
    ({"serial": "12a"}, "serial"),
    ({"serial": "1234567890123"}, "serial"),
    ({"serial": "0"}, "serial"),
])
def test_a_wrong_field_is_refused_by_name_and_nothing_is_stored(login, db, change, field):
    client = login("staff")
    form = typed()
    if "answers" in change and isinstance(change["answers"], dict):
        form["answers"] = change["answers"] if field == "answers" else {
            **form["answers"], **change["answers"]}
    else:
        form.update(change)
    reply = send(client, form)
    assert reply.status_code == 400 and reply.json["field"] == field, reply.json
    assert reply.json["error"]
    assert paper_rows(db) == [] and audit_details(db) == []


def test_a_date_in_the_future_is_refused(login, db):
    reply = send(login("staff"), typed(day=(office_today() + timedelta(days=1)).isoformat()))
    assert reply.status_code == 400 and reply.json["field"] == "date"
    assert "belum terjadi" in reply.json["error"] and paper_rows(db) == []


def test_a_serial_typed_twice_is_refused_with_when_and_by_whom(app, login, db):
    first = login("staff", "petugas")
    assert send(first, typed("77")).status_code == 201
    store.accounts.create_user(db, "kepala", PASSWORD, "admin", actor=COMMAND_LINE)
    other, _ = sign_in(app, "kepala")
    reply = send(other, typed("000077", service="IMB", U1=1))
    assert reply.status_code == 409 and reply.json["field"] == "serial"
    assert reply.json["entered_by"] == "petugas"
    assert reply.json["entered_on"] == office_today().isoformat()
    assert f"{office_today().isoformat()} oleh petugas" in reply.json["error"]
    (row,) = paper_rows(db)
    assert (row["service"], row["u1"]) == ("KK", 4), "the first form is kept as it was"


def test_undo_removes_only_ones_own_last_form_and_is_audited(app, login, db):
    client = login("staff", "petugas")
    token = csrf_token(client.get(ENTRY).text)
    ids = [send(client, typed(str(n)), token).json["entry"]["id"] for n in (1, 2)]
    undo = f"{SAVE}/{{}}/undo"
    headers = {"X-CSRFToken": token}
    assert client.post(undo.format(ids[0]), json={}, headers=headers).status_code == 409
    reply = client.post(undo.format(ids[1]), json={}, headers=headers)
    assert reply.status_code == 200 and reply.json == {"removed": ids[1], "serial": "000002"}
    assert [r["serial"] for r in paper_rows(db)] == ["000001"]
    assert audit_details(db)[-1] == "form 000002 removed (undo)"
    assert send(client, typed("2"), token).status_code == 201, "it can be typed again"
    assert client.post(undo.format("x" * 65), json={}, headers=headers).status_code == 409
    assert client.post(undo.format(ids[1]), json={}).status_code == 400  # no CSRF token


@pytest.mark.parametrize("role, status", [("staff", 200), ("admin", 200), ("viewer", 403)])
def test_staff_and_admins_type_forms_in_viewers_do_not(login, db, role, status):
    client = login(role)
    for url in (ENTRY, "/staff/paper/", "/staff/paper/import"):
        assert client.get(url).status_code == status, url
    token = csrf_token(client.get("/staff/password").text)
    assert send(client, typed(), token).status_code == (201 if status == 200 else 403)
    assert len(paper_rows(db)) == (1 if status == 200 else 0)


def test_anonymous_visitors_are_sent_to_login_and_store_nothing(client, db):
    for url in (ENTRY, "/staff/paper/"):
        reply = client.get(url)
        assert reply.status_code == 302 and reply.headers["Location"].startswith("/login")
    reply = client.post(SAVE, json=typed())
    assert reply.status_code in (302, 400) and paper_rows(db) == []


def test_a_form_without_its_csrf_token_is_refused_and_stores_nothing(login, db):
    client = login("staff")
    reply = client.post(SAVE, json=typed())
    assert reply.status_code == 400 and reply.json["field"] == "csrf_token"
    reply = client.post(SAVE, json=typed(), headers={"X-CSRFToken": "forged"})
    assert reply.status_code == 400 and paper_rows(db) == []
    reply = post_form(client, "/staff/paper/forms", {"count": "2"}, "/staff/paper/")
    assert reply.status_code == 302
    assert client.post("/staff/paper/forms", data={"count": "2"}).status_code == 400
    assert store.paper.reserved(db) == 2


def test_the_entry_page_lists_the_days_forms_and_offers_only_the_known_keys(login, db):
    client = login("staff", "petugas")
    for n in (5, 6):
        send(client, typed(str(n)))
    page = client.get(ENTRY).text
    assert page.count('class="paper-cell"') == 9
    assert 'value="000007"' in page and "autofocus" in page
    assert '"who": "petugas"' in page and page.count('"serial": "00000') == 2
    store.settings.save(db, {"questionnaire": "short"}, actor=COMMAND_LINE)
    page = client.get(ENTRY).text
    assert re.findall(r'data-code="(U\d)"', page) == ["U7", "U3", "U9"]
    short = {"serial": "8", "service": "KK", "date": office_today().isoformat(),
             "answers": {"U7": 4, "U3": 2, "U9": None}}
    assert send(client, short).status_code == 201
    assert send(client, {**short, "serial": "9", "answers": {"U1": 4}}).json["field"] == \
        "answers"
