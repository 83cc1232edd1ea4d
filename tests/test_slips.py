"""Survey slips: made and printed by staff or the command line, answered once on a phone."""
from __future__ import annotations

import json
import re
import subprocess
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from support import ROOT, csrf_token, post_form

import kiosk
import store
from store.audit import COMMAND_LINE
from store.schema import connect, one, rows

CODE = re.compile(f"[{store.slips.ALPHABET}]{{8}}")
WIB = timezone(timedelta(hours=7))


def make(db, count: int = 1, service: str | None = None, days: int = 14) -> list[str]:
    return [s["code"] for s in store.slips.create(db, count, service, days, actor=COMMAND_LINE)]


def answer(service: str = "KK", **changes) -> dict:
    """A response as the phone page sends it."""
    return {"id": str(uuid.uuid4()), "service": service, "duration_ms": 45_000,
            "answered_at": datetime.now(timezone.utc).isoformat(),
            "answers": {f"U{i}": 3 for i in range(1, 10)}, **changes}


def stored(db) -> list[dict]:
    return rows(db, "SELECT id, channel, slip, service, flag FROM responses")


def expire(db, code: str) -> None:
    with store.schema.write_transaction(db):
        db.execute("UPDATE slips SET expires_at = '2020-01-01T00:00:00.000+00:00' "
                   "WHERE code = ?", [code])


# --- the store ------------------------------------------------------------------------

def test_codes_are_eight_characters_without_look_alikes_and_unique(db):
    codes = make(db, 500)
    assert all(CODE.fullmatch(c) for c in codes)
    assert len(set(codes)) == 500
    assert not set("".join(codes)) & set("0O1IL2Z5S8B")


def test_making_slips_is_audited_and_a_printing_is_found_again(db):
    first = make(db, 3, "KK")
    second = make(db, 2)
    (entry, *_) = rows(db, "SELECT action, detail FROM audit ORDER BY id DESC")
    assert entry["action"] == "slips" and entry["detail"].startswith("2 slips")
    assert [s["code"] for s in store.slips.batch(db, first[1])] == first
    latest, earlier = store.slips.batches(db)
    assert (latest["code"], latest["count"]) == (second[0], 2)
    assert (earlier["code"], earlier["count"], earlier["service"]) == (first[0], 3, "KK")


# --- staff make and print them --------------------------------------------------------

def test_staff_and_admin_print_slips_a_viewer_may_not_and_strangers_sign_in(login, client):
    assert client.get("/staff/slips").headers["Location"].startswith("/login")
    assert client.get("/staff/slips/sheet").headers["Location"].startswith("/login")
    for role, status in (("viewer", 403), ("staff", 200), ("admin", 200)):
        assert login(role).get("/staff/slips").status_code == status, role
    viewer = login("viewer")
    assert viewer.post("/staff/slips", data={"count": 5}).status_code in (400, 403)


def test_the_ikm_page_and_the_settings_lead_to_the_slips(login):
    staff = login("staff")
    assert 'href="/staff/slips"' in staff.get("/staff/").text
    admin = login("admin")
    assert 'href="/staff/slips"' in admin.get("/staff/settings/").text
    assert 'href="/staff/settings/phone"' in admin.get("/staff/settings/").text


def test_slips_made_are_audited_and_printed_ten_to_a_sheet(login, db):
    staff = login("staff")
    reply = post_form(staff, "/staff/slips", {"count": 12, "service": "KK"})
    assert reply.status_code == 302
    made = rows(db, "SELECT * FROM slips ORDER BY rowid")
    assert len(made) == 12 and {s["service"] for s in made} == {"KK"}
    assert reply.headers["Location"] == f"/staff/slips/sheet?batch={made[0]['code']}"
    entry = one(db, "SELECT * FROM audit WHERE action = 'slips'")
    assert entry["username"] == "staff1" and entry["detail"].startswith("12 slips for KK")

    page = staff.get(reply.headers["Location"])
    assert page.status_code == 200
    assert page.text.count('class="sheet"') == 2
    assert page.text.count('<svg viewBox') == 12 and page.text.count('class="qr"') == 12
    for slip in made:
        code = slip["code"]
        assert f"{code[:4]} {code[4:]}" in page.text and f"/s/{code}" in page.text
    assert "Permohonan Surat Kartu Keluarga (KK)" in page.text
    assert "size: A4" in (ROOT / "static" / "slips.css").read_text()
    # A reload prints the same slips again and makes none.
    printed = re.findall(r'data-code="(\w+)"', page.text)
    assert printed == [s["code"] for s in made]
    assert re.findall(r'data-code="(\w+)"', staff.get(reply.headers["Location"]).text) == printed
    assert db["slips"].count == 12


def test_the_sheet_says_until_when_a_slip_is_valid(login, db):
    admin = login("admin")
    store.settings.save(db, {"slip_days": 3}, actor=COMMAND_LINE)
    reply = post_form(admin, "/staff/slips", {"count": 1, "service": ""})
    slip = one(db, "SELECT * FROM slips")
    made = datetime.fromisoformat(slip["created_at"])
    assert datetime.fromisoformat(slip["expires_at"]) - made == timedelta(days=3)
    last_day = (made.astimezone(WIB) + timedelta(days=2)).date()
    page = admin.get(reply.headers["Location"]).text
    assert f"Berlaku sampai {last_day.day} " in page and str(last_day.year) in page
    assert slip["service"] is None and "Layanan:" not in page


@pytest.mark.parametrize("data", [{"count": 0}, {"count": 501}, {"count": "sepuluh"},
                                  {"count": ""}, {"count": 5, "service": "NOPE"}])
def test_a_wrong_request_for_slips_makes_none_and_says_why(login, db, data):
    reply = post_form(login("staff"), "/staff/slips", {"service": "", **data})
    assert reply.status_code == 400
    assert "Jumlah kupon: isi angka bulat dari 1 sampai 500" in reply.text or \
        "Layanan: pilih salah satu" in reply.text
    assert db["slips"].count == 0


def test_making_slips_needs_the_forms_csrf_token(login, db):
    staff = login("staff")
    assert staff.post("/staff/slips", data={"count": 3}).status_code == 400
    assert db["slips"].count == 0


def test_a_printing_that_does_not_exist_is_not_found(login, db):
    staff = login("staff")
    assert "Belum ada kupon" in staff.get("/staff/slips/sheet").text
    assert staff.get("/staff/slips/sheet?batch=ACDEFGHJ").status_code == 404
    assert staff.get("/staff/slips/sheet?batch=../../x").status_code == 404
    (code,) = make(db)
    assert code in staff.get("/staff/slips/sheet").text  # the latest printing


def test_slips_lead_to_the_survey_address_or_this_servers_lan_address(login, db, monkeypatch):
    monkeypatch.setattr("web.network.lan_addresses", lambda: ["192.168.7.20"])
    staff = login("staff")
    (code,) = make(db)
    page = staff.get("/staff/slips/sheet", base_url="http://localhost:5000").text
    assert f"192.168.7.20:5000/s/{code}" in page
    store.settings.save(db, {"survey_address": "https://skm.serai.go.id"}, actor=COMMAND_LINE)
    page = staff.get("/staff/slips/sheet").text
    assert f"skm.serai.go.id/s/{code}" in page and "192.168.7.20" not in page


# --- the admin's settings for phones --------------------------------------------------

def test_the_admin_sets_the_survey_address_and_how_long_slips_last(login, db):
    admin = login("admin")
    reply = post_form(admin, "/staff/settings/phone", {
        "survey_address": " http://192.168.1.10:5000/ ", "slip_days": 30})
    assert reply.status_code == 302
    settings = store.settings.read(db)
    assert (settings["survey_address"], settings["slip_days"]) == ("http://192.168.1.10:5000",
                                                                   30)
    assert settings["poster_enabled"] is False
    assert "survey_address" in one(db, "SELECT detail FROM audit WHERE action = 'settings'"
                                       )["detail"]
    assert login("staff").get("/staff/settings/phone").status_code == 403


@pytest.mark.parametrize("data, words", [
    ({"survey_address": "javascript:alert(1)", "slip_days": 14}, "Alamat survei: tulis"),
    ({"survey_address": "http://x/?a=b", "slip_days": 14}, "Alamat survei: tulis"),
    ({"survey_address": "", "slip_days": 0}, "isi angka bulat dari 1 sampai 365"),
    ({"survey_address": "", "slip_days": 366}, "isi angka bulat dari 1 sampai 365"),
])
def test_a_wrong_setting_is_refused_and_named(login, db, data, words):
    reply = post_form(login("admin"), "/staff/settings/phone", data)
    assert reply.status_code == 400 and words in reply.text
    assert store.settings.read(db)["slip_days"] == 14


# --- the command line -----------------------------------------------------------------

def test_the_command_prints_each_link_and_writes_an_a4_pdf(tmp_path, capsys):
    pdf = tmp_path / "kupon.pdf"
    assert kiosk.main(["--instance", str(tmp_path), "slips", "12", "--service", "KK",
                       "--url", "http://192.168.1.10:5000", "--pdf", str(pdf)]) == 0
    links = capsys.readouterr().out.splitlines()
    assert len(links) == 12 and len(set(links)) == 12
    codes = [re.fullmatch(r"http://192\.168\.1\.10:5000/s/(\w{8})", u).group(1) for u in links]
    assert all(CODE.fullmatch(c) for c in codes)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert "Pages:           2" in info.stdout and "(A4)" in info.stdout
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for code in codes:
        assert f"{code[:4]} {code[4:]}" in text and f"192.168.1.10:5000/s/{code}" in text
    assert "Kartu Keluarga" in text and "Berlaku sampai" in text
    db = connect(tmp_path / "skm.db")
    assert sorted(codes) == sorted(r["code"] for r in rows(db, "SELECT code FROM slips"))
    entry = one(db, "SELECT * FROM audit WHERE action = 'slips'")
    assert entry["username"] is None and entry["detail"].startswith("12 slips for KK")


def test_the_command_uses_the_survey_address_and_the_days_set(tmp_path, capsys):
    db = store.schema.open_db(tmp_path / "skm.db")
    store.settings.save(db, {"survey_address": "https://skm.serai.go.id", "slip_days": 5},
                        actor=COMMAND_LINE)
    assert kiosk.main(["--instance", str(tmp_path), "slips", "2"]) == 0
    assert all(u.startswith("https://skm.serai.go.id/s/")
               for u in capsys.readouterr().out.splitlines())
    slip = one(db, "SELECT * FROM slips")
    assert (datetime.fromisoformat(slip["expires_at"])
            - datetime.fromisoformat(slip["created_at"])) == timedelta(days=5)


@pytest.mark.parametrize("args, words", [
    (["0"], "between 1 and 500"), (["501"], "between 1 and 500"),
    (["3", "--service", "NOPE"], "'NOPE' is not an active service"),
    (["3", "--days", "0"], "--days must be between 1 and 365"),
    (["3", "--url", "192.168.1.10"], "is not an address"),
])
def test_the_command_refuses_a_wrong_request_and_makes_nothing(tmp_path, capsys, args, words):
    assert kiosk.main(["--instance", str(tmp_path), "slips", *args]) == 2
    out = capsys.readouterr()
    assert words in out.err and out.out == ""
    assert connect(tmp_path / "skm.db")["slips"].count == 0


# --- a citizen's phone opens a slip ---------------------------------------------------

def config(page: str) -> dict:
    return json.loads(re.search(r'id="kiosk-config">(.*?)</script>', page, re.S).group(1))


def test_a_slips_link_opens_the_survey_laid_out_for_a_phone(client, db):
    (code,) = make(db, 1, "KK")
    page = client.get(f"/s/{code}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    settings = config(page.text)
    assert (settings["mode"], settings["post_url"], settings["service"]) == (
        "phone", f"/s/{code}", "KK")
    assert len(settings["questions"]) == 9 and settings["text"]["en"]["welcome"]
    assert 'class="kiosk phone"' in page.text and "manifest" not in page.text
    (other,) = make(db)
    assert config(client.get(f"/s/{other}").text)["service"] is None  # the citizen chooses


def test_a_code_typed_loosely_leads_to_its_slip(client, db):
    (code,) = make(db)
    loose = f" {code[:4].lower()}-{code[4:]} "
    assert client.get("/s/", query_string={"code": loose}).headers["Location"] == f"/s/{code}"
    assert client.get(f"/s/{code[:4].lower()}-{code[4:]}").headers["Location"] == f"/s/{code}"
    form = client.get("/s/")
    assert form.status_code == 200 and 'name="code"' in form.text


@pytest.mark.parametrize("path, status, words", [
    ("/s/ABC", 404, "Kode kupon tidak lengkap atau salah ketik"),
    ("/s/0OIL1ZS8", 404, "Kode kupon tidak lengkap atau salah ketik"),
    ("/s/" + "A" * 5000, 404, "Kode kupon tidak lengkap atau salah ketik"),
    ("/s/%E2%80%AE%00", 404, "Kode kupon tidak lengkap atau salah ketik"),
    ("/s/ACDE/FGHJ", 404, "Kode kupon tidak lengkap atau salah ketik"),
    ("/s/?code=ABC", 400, "Kode kupon tidak lengkap atau salah ketik"),
    ("/s/ACDEFGHJ", 404, "Kode kupon tidak dikenal"),
])
def test_a_wrong_code_says_which_and_how_to_get_a_new_slip(client, path, status, words):
    page = client.get(path)
    assert page.status_code == status and words in page.text
    assert "petugas di loket" in page.text


def test_an_expired_slip_and_a_used_one_say_so(client, db):
    expired, used = make(db, 2)
    expire(db, expired)
    page = client.get(f"/s/{expired}")
    assert page.status_code == 410 and "Kupon ini sudah tidak berlaku" in page.text
    assert "minta kupon baru" in page.text
    assert client.post(f"/s/{used}", json=answer()).status_code == 201
    page = client.get(f"/s/{used}")
    assert page.status_code == 410 and "Terima kasih" in page.text
    assert "Kode kupon ini sudah dipakai" in page.text


# --- the phone's response -------------------------------------------------------------

def test_one_code_one_response_and_a_resend_is_acknowledged(client, db):
    (code,) = make(db)
    first = answer()
    reply = client.post(f"/s/{code}", json=first)
    assert reply.status_code == 201 and reply.json["status"] == "stored"
    assert stored(db) == [{"id": first["id"], "channel": "phone", "slip": code,
                           "service": "KK", "flag": None}]
    assert store.slips.get(db, code)["response_id"] == first["id"]
    again = client.post(f"/s/{code}", json=first)
    assert again.status_code == 200 and again.json["status"] == "duplicate"
    other = client.post(f"/s/{code}", json=answer())
    assert other.status_code == 409
    assert other.json["field"] == "code" and "already used" in other.json["error"]
    assert len(stored(db)) == 1


def test_the_pages_outbox_sends_a_list_and_hears_per_entry(client, db):
    (code,) = make(db)
    first, second = answer(), answer()
    reply = client.post(f"/s/{code}", json=[first, second],
                        headers={"X-Kiosk-Clock": datetime.now(timezone.utc).isoformat()})
    assert reply.status_code == 200
    assert [(r["id"], r["status"]) for r in reply.json["results"]] == [
        (first["id"], "stored"), (second["id"], "invalid")]
    assert reply.json["results"][1]["field"] == "code"
    resend = client.post(f"/s/{code}", json=[first])
    assert resend.json["results"] == [{"id": first["id"], "status": "duplicate"}]
    assert len(stored(db)) == 1


def test_an_expired_or_unknown_code_stores_nothing(client, db):
    (code,) = make(db)
    expire(db, code)
    reply = client.post(f"/s/{code}", json=answer())
    assert reply.status_code == 410 and reply.json["field"] == "code"
    assert client.post("/s/ACDEFGHJ", json=answer()).status_code == 404
    assert client.post("/s/not-a-code", json=answer()).json["field"] == "code"
    assert stored(db) == []


def test_a_refused_response_leaves_the_slip_unused(client, db):
    (code,) = make(db, 1, "KK")
    bad = client.post(f"/s/{code}", json=answer(answers={"U1": 7}))
    assert bad.status_code == 422 and bad.json["field"].startswith("answers")
    other = client.post(f"/s/{code}", json=answer("IMB"))
    assert other.status_code == 422 and other.json["field"] == "service"
    assert store.slips.state(store.slips.get(db, code)) is None
    assert client.post(f"/s/{code}", json=answer("KK")).status_code == 201


@pytest.mark.parametrize("body, content_type, status, field", [
    (b"{", "application/json", 400, "body"),
    (b'{"id": 1}', "text/plain", 415, "Content-Type"),
    (json.dumps([answer() for _ in range(6)]).encode(), "application/json", 413, "body"),
    (json.dumps(answer(comment="x" * 70_000)).encode(), "application/json", 413, "body"),
    (b"[" * 100_000, "application/json", 413, "body"),
    (json.dumps(answer(answered_at="3999-01-01T00:00:00+07:00")).encode(), "application/json",
     422, "answered_at"),
])
def test_anything_else_posted_for_a_code_is_held_to_the_same_bounds(client, db, body,
                                                                    content_type, status,
                                                                    field):
    (code,) = make(db)
    reply = client.post(f"/s/{code}", data=body, content_type=content_type)
    assert (reply.status_code, reply.json["field"]) == (status, field)
    assert stored(db) == [] and store.slips.state(store.slips.get(db, code)) is None


def test_a_code_with_its_requests_under_way_is_asked_to_wait(app, client, db):
    from web import kiosk_turns

    (code,) = make(db)
    turns = kiosk_turns.turns(app)
    with turns.turn(f"slip:{code}"), turns.turn(f"slip:{code}"):
        reply = client.post(f"/s/{code}", json=answer())
    assert reply.status_code == 429 and reply.headers["Retry-After"] == "1"
    assert stored(db) == []
    assert client.post(f"/s/{code}", json=answer()).status_code == 201


def test_a_phone_with_a_wrong_clock_is_placed_by_its_send_time(client, db):
    (code,) = make(db)
    wrong = datetime.now(timezone.utc) - timedelta(days=400)
    client.post(f"/s/{code}", json=answer(answered_at=wrong.isoformat()),
                headers={"X-Kiosk-Clock": wrong.isoformat()})
    row = one(db, "SELECT local_date, clock FROM responses")
    assert row["clock"] == "corrected"
    assert date.fromisoformat(row["local_date"]) >= date.today() - timedelta(days=1)


def test_the_phone_page_carries_no_inline_script_or_style(client, db):
    (code,) = make(db)
    for url in (f"/s/{code}", "/s/", "/s/ACDEFGHJ", "/p"):
        page = client.get(url).text
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
        assert not re.search(r"\son[a-z]+\s*=", page) and 'style="' not in page, url


def test_staff_slip_pages_carry_no_inline_script_or_style(login, db):
    admin = login("admin")
    make(db, 2)
    for url in ("/staff/slips", "/staff/slips/sheet", "/staff/settings/phone",
                "/staff/settings/poster"):
        page = admin.get(url).text
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert "src=" in tag, (url, tag)
        assert not re.search(r"\son[a-z]+\s*=", page) and 'style="' not in page, url
    assert csrf_token(admin.get("/staff/slips").text)
