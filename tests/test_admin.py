"""The administration pages, as an admin (or staff, for flagged responses) uses them."""
import json
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from support import PASSWORD, csrf_token, post_form, settings_form, sign_in

import store
from ikm import refused
from ikm.method import PERMENPAN_2017
from store.audit import COMMAND_LINE
from web.network import lan_addresses


def api_services(client) -> list[str]:
    return [s["code"] for s in client.get("/api/services").json]


def kiosk_config(client) -> dict:
    page = client.get("/kiosk/").text
    return json.loads(re.search(r'<script type="application/json" id="kiosk-config">(.*?)'
                                r'</script>', page, re.S).group(1))


def hello(client, token, **report):
    return client.post("/api/kiosk/hello", json=report,
                       headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("url", ["/staff/services/KK/retire", "/staff/services/KK/move/up",
                                 "/staff/kiosks/new", "/staff/users/new", "/staff/flagged"])
def test_a_viewer_cannot_change_anything(login, url):
    client = login("viewer")
    token = csrf_token(client.get("/staff/password").text)
    assert client.post(url, data={"csrf_token": token, "name": "X"}).status_code == 403


def test_the_landing_page_links_every_section_and_is_in_the_menu(login):
    page = login("admin").get("/staff/settings/").text
    for url in ("/staff/services", "/staff/settings/survey", "/staff/kiosks", "/staff/users",
                "/staff/flagged"):
        assert f'href="{url}"' in page
    assert ">Pengaturan</a>" in page


# --- services -----------------------------------------------------------------------

def test_an_added_service_is_stored_and_offered_on_the_kiosk(login, db, client):
    login("admin")
    reply = post_form(client, "/staff/services/new",
                      {"code": " sktm ", "name": "Surat Keterangan Tidak Mampu", "name_en": ""})
    assert reply.status_code == 302
    row = db["services"].get("SKTM")
    assert (row["name"], row["name_en"], row["active"]) == (
        "Surat Keterangan Tidak Mampu", None, 1)
    assert api_services(client)[-1] == "SKTM"
    assert "Layanan SKTM ditambahkan" in client.get(reply.location).text


@pytest.mark.parametrize("data, message", [
    ({"code": "KK", "name": "Kartu Keluarga lagi"}, "Kode layanan: KK sudah dipakai"),
    ({"code": "SK TM", "name": "Surat"}, "Kode layanan: pakai huruf besar"),
    ({"code": "SKTM/1", "name": "Surat"}, "Kode layanan: pakai huruf besar"),
    ({"code": "", "name": "Surat"}, "Kode layanan wajib diisi"),
    ({"code": "SKTM", "name": "  "}, "Nama layanan wajib diisi"),
])
def test_a_bad_service_is_refused_with_the_field_named_and_nothing_stored(
        login, db, client, data, message):
    login("admin")
    before = list(db["services"].rows)
    reply = post_form(client, "/staff/services/new", {"name_en": "", **data})
    assert reply.status_code == 200
    assert message in reply.text and "Belum disimpan. Periksa:" in reply.text
    assert list(db["services"].rows) == before


def test_renaming_a_service_keeps_its_code(login, db, client):
    login("admin")
    reply = post_form(client, "/staff/services/KK/edit",
                      {"name": "Kartu Keluarga (KK) baru", "name_en": "New family card"})
    assert reply.status_code == 302
    row = db["services"].get("KK")
    assert (row["name"], row["name_en"]) == ("Kartu Keluarga (KK) baru", "New family card")
    assert client.get("/api/services").json[0] == {
        "code": "KK", "name": "Kartu Keluarga (KK) baru", "name_en": "New family card"}


def test_a_retired_service_leaves_the_kiosk_but_keeps_its_history(
        login, db, client, kiosk_token):
    client.post("/api/responses", headers={"Authorization": f"Bearer {kiosk_token}"},
                json={"id": str(uuid.uuid4()), "service": "KK", "answers": {"U1": 4},
                      "answered_at": "2026-11-02T09:15:00+07:00", "duration_ms": 40000})
    login("admin")
    confirm = client.get("/staff/services/KK/retire").text
    assert "Ya, nonaktifkan" in confirm and "tetap tersimpan" in confirm
    assert post_form(client, "/staff/services/KK/retire", {}).status_code == 302
    assert db["services"].get("KK")["active"] == 0
    assert "KK" not in api_services(client)
    assert "KK" not in [s["code"] for s in kiosk_config(client)["services"]]
    assert db["responses"].count_where("service = 'KK'") == 1
    listing = client.get("/staff/services").text
    assert "Aktifkan kembali" in listing and "Layanan nonaktif" in listing

    reply = post_form(client, "/staff/services/KK/activate", {}, page_url="/staff/services")
    assert reply.status_code == 302
    assert db["services"].get("KK")["active"] == 1 and api_services(client)[0] == "KK"


def test_services_move_up_and_down_among_the_active_ones(login, db, client):
    login("admin")

    def move(code, way):
        return post_form(client, f"/staff/services/{code}/move/{way}", {},
                         page_url="/staff/services")

    assert move("LEGALISIR", "up").status_code == 302
    assert api_services(client)[-2:] == ["LEGALISIR", "IUMK"]
    move("KK", "up")  # already first: nothing moves
    assert api_services(client)[:3] == ["KK", "KTP-EL", "PINDAH"]
    move("KK", "down")
    assert api_services(client)[:3] == ["KTP-EL", "KK", "PINDAH"]
    store.services.set_service_active(db, "PINDAH", False, actor=COMMAND_LINE)
    move("DATANG", "up")  # past the retired PINDAH, above KK
    assert api_services(client)[:3] == ["KTP-EL", "DATANG", "KK"]
    positions = [r["position"] for r in db["services"].rows_where(order_by="position")]
    assert positions == list(range(1, 14))


# --- survey settings ----------------------------------------------------------------

def test_valid_settings_are_stored_and_reach_the_kiosk(login, db, client):
    login("admin")
    positions = {"order_U9": 1, "order_U3": 2, "order_U7": 3, "order_U1": 4, "order_U2": 5,
                 "order_U4": 6, "order_U5": 7, "order_U6": 8, "order_U8": 9}
    reply = post_form(client, "/staff/settings/survey", settings_form(
        db, office_name="Kantor Camat Uji", utc_offset="+08:00", questionnaire="short",
        idle_seconds=120, thanks_seconds=5, discard_partial="y", min_survey_seconds=10,
        burst_count=20, burst_window_seconds=600, **positions))
    assert reply.status_code == 302
    assert "dimuat ulang" in client.get(reply.location).text
    settings = store.settings.read(db)
    assert {k: settings[k] for k in ("office_name", "utc_offset", "questionnaire",
                                     "idle_seconds", "thanks_seconds", "discard_partial",
                                     "min_survey_seconds", "burst_count",
                                     "burst_window_seconds")} == {
        "office_name": "Kantor Camat Uji", "utc_offset": "+08:00", "questionnaire": "short",
        "idle_seconds": 120, "thanks_seconds": 5, "discard_partial": True,
        "min_survey_seconds": 10, "burst_count": 20, "burst_window_seconds": 600}
    kiosk = kiosk_config(client)
    assert [q["code"] for q in kiosk["questions"]] == ["U9", "U3", "U7"]
    assert (kiosk["office"], kiosk["questionnaire"], kiosk["idle_seconds"],
            kiosk["thanks_seconds"], kiosk["discard_partial"]) == (
        "Kantor Camat Uji", "short", 120, 5, True)


@pytest.mark.parametrize("changes, message", [
    ({"idle_seconds": 5}, "Batas diam (detik): isi angka bulat dari 10 sampai 600"),
    ({"idle_seconds": "satu menit"}, "Batas diam (detik): isi angka bulat"),
    ({"thanks_seconds": 61}, "Lama layar terima kasih (detik): isi angka bulat dari 3"),
    ({"min_survey_seconds": -1}, "Waktu isi tercepat yang wajar (detik): isi angka"),
    ({"burst_count": 1}, "Survei beruntun: jumlah: isi angka bulat dari 2 sampai 100"),
    ({"burst_window_seconds": 3601}, "Survei beruntun: dalam (detik): isi angka bulat"),
    ({"office_name": ""}, "Nama kantor wajib diisi"),
    ({"utc_offset": "+05:30"}, "Zona waktu kantor: pilih WIB, WITA atau WIT"),
    ({"questionnaire": "long"}, "Kuesioner: pilih lengkap atau singkat"),
    ({"order_U1": 2}, "Urutan pertanyaan: nomor 2 dipilih untuk lebih dari satu unsur (U1, U2)"),
])
def test_an_invalid_setting_is_named_and_nothing_changes(login, db, client, changes, message):
    login("admin")
    before = store.settings.read(db)
    # Every other field changed too: none of it may be saved.
    reply = post_form(client, "/staff/settings/survey",
                      settings_form(db, **{"office_name": "Baru", "questionnaire": "short",
                                           **changes}))
    assert reply.status_code == 200
    assert message in reply.text and "Belum disimpan. Periksa:" in reply.text
    assert store.settings.read(db) == before
    assert kiosk_config(client)["questionnaire"] == "full"


def test_an_untouched_order_keeps_the_short_surveys_own_order(login, db, client):
    login("admin")
    post_form(client, "/staff/settings/survey", settings_form(db, questionnaire="short"))
    assert store.settings.read(db)["question_order"] == []
    assert [q["code"] for q in kiosk_config(client)["questions"]] == ["U7", "U3", "U9"]


def test_the_default_order_can_be_restored(login, db, client):
    login("admin")
    post_form(client, "/staff/settings/survey", settings_form(db, order_U1=2, order_U2=1))
    assert store.settings.read(db)["question_order"][:2] == ["U2", "U1"]
    # Repeated numbers do not matter when the default order is asked for.
    post_form(client, "/staff/settings/survey", settings_form(db, reset_order="y", order_U3=1))
    assert store.settings.read(db)["question_order"] == []
    assert [q["code"] for q in kiosk_config(client)["questions"]] == list(PERMENPAN_2017.codes)


# --- kiosks -------------------------------------------------------------------------

def pairing_token(page: str) -> str:
    return re.search(r"/kiosk/pair#([A-Za-z0-9_-]+)", page).group(1)


def add_kiosk(client, name="Loket 2"):
    reply = post_form(client, "/staff/kiosks/new", {"name": name})
    assert reply.status_code == 302
    return reply.location, client.get(reply.location)


def test_a_new_kiosk_shows_its_pairing_link_and_qr_once(login, client):
    login("admin")
    url, page = add_kiosk(client)
    assert page.headers["Cache-Control"] == "no-store"
    # Opened on the server PC itself, the link names its network address, which a tablet
    # can reach, rather than localhost.
    assert f"http://{lan_addresses()[0]}:80/kiosk/pair#" in page.text and "<svg" in page.text
    assert "http://localhost/kiosk/pair#" not in page.text
    token = pairing_token(page.text)
    assert f"<code data-token>{token}</code>" in page.text
    assert hello(client, token).status_code == 200
    again = client.get(url).text
    assert token not in again and "<svg" not in again and "tidak bisa dilihat lagi" in again
    assert "Loket 2" in client.get("/staff/kiosks").text


def test_a_kiosk_name_is_required(login, db, client):
    login("admin")
    reply = post_form(client, "/staff/kiosks/new", {"name": " "})
    assert reply.status_code == 200 and "Nama kios wajib diisi" in reply.text
    assert db["kiosks"].count == 0


def test_a_revoked_kiosk_can_no_longer_send(login, db, client):
    login("admin")
    url, page = add_kiosk(client)
    token = pairing_token(page.text)
    kiosk_id = int(url.split("/")[-2])
    confirm = client.get(f"/staff/kiosks/{kiosk_id}/revoke").text
    assert "Ya, cabut kios ini" in confirm
    assert post_form(client, f"/staff/kiosks/{kiosk_id}/revoke", {}).status_code == 302
    assert hello(client, token).status_code == 401
    assert db["kiosks"].get(kiosk_id)["revoked_at"] is not None
    assert "dicabut" in client.get("/staff/kiosks").text


def test_repairing_replaces_the_token(login, client):
    login("admin")
    url, page = add_kiosk(client)
    old = pairing_token(page.text)
    kiosk_id = int(url.split("/")[-2])
    assert "Ya, buat tautan baru" in client.get(f"/staff/kiosks/{kiosk_id}/repair").text
    reply = post_form(client, f"/staff/kiosks/{kiosk_id}/repair", {})
    assert reply.location == url
    new = pairing_token(client.get(url).text)
    assert new != old
    assert hello(client, old).status_code == 401
    assert hello(client, new).status_code == 200


def test_the_kiosk_list_shows_what_the_tablet_reported(login, client, kiosk_token):
    slow_clock = (datetime.now(timezone.utc) - timedelta(minutes=10)).isoformat()
    reply = client.post("/api/kiosk/hello",
                        json={"outbox": 3, "rejected": 1, "last_error": "HTTP 503 di server"},
                        headers={"Authorization": f"Bearer {kiosk_token}",
                                 "X-Kiosk-Clock": slow_clock})
    assert reply.status_code == 200
    login("admin")
    page = client.get("/staff/kiosks").text
    row = re.search(r'<tr data-kiosk="1">.*?</tr>', page, re.S).group(0)
    assert '<span class="badge warn" data-outbox>3 menunggu di tablet</span>' in row
    assert '<span class="badge warn" data-rejected>1 disisihkan</span>' in row
    assert '<span class="muted" data-last-error>HTTP 503 di server</span>' in row
    assert "Jam tablet selisih 10 menit (terlambat)" in row
    assert "baru saja" in row and "WIB" in row and "aktif" in row


def test_a_kiosk_can_be_renamed(login, db, client, kiosk_token):
    login("admin")
    assert post_form(client, "/staff/kiosks/1/edit", {"name": "Ruang tunggu"}).status_code == 302
    assert db["kiosks"].get(1)["name"] == "Ruang tunggu"


# --- accounts -----------------------------------------------------------------------

def test_an_added_user_can_sign_in_with_their_role(app, login, db, client):
    login("admin")
    reply = post_form(client, "/staff/users/new", {
        "username": "Siti.Aminah", "role": "staff", "password": "mulai-kerja-1",
        "confirm": "mulai-kerja-1"})
    assert reply.status_code == 302
    assert store.accounts.get_user(db, "siti.aminah")["role"] == "staff"
    assert "Petugas" in client.get("/staff/users").text
    _, signed = sign_in(app, "siti.aminah", "mulai-kerja-1")
    assert signed.status_code == 302


@pytest.mark.parametrize("data, message", [
    ({"username": "admin1"}, "Nama pengguna admin1 sudah dipakai"),
    ({"username": "si ti"}, "Nama pengguna: 3 sampai 32 huruf kecil"),
    ({"password": "pendek", "confirm": "pendek"}, "Kata sandi paling sedikit 8 huruf"),
    ({"confirm": "lain-sekali"}, "Kedua kata sandi tidak sama"),
])
def test_a_bad_new_user_is_refused(login, db, client, data, message):
    login("admin")
    reply = post_form(client, "/staff/users/new", {
        "username": "budi", "role": "viewer", "password": "mulai-kerja-1",
        "confirm": "mulai-kerja-1", **data})
    assert reply.status_code == 200 and message in reply.text
    assert db["users"].count == 1


def test_an_admin_changes_someones_role(login, db, client):
    store.accounts.create_user(db, "budi", PASSWORD, "viewer", actor=COMMAND_LINE)
    login("admin")
    budi = store.accounts.get_user(db, "budi")["id"]
    reply = post_form(client, f"/staff/users/{budi}/role", {"role": "staff"})
    assert reply.status_code == 302
    assert store.accounts.get_user(db, "budi")["role"] == "staff"


def test_a_deactivated_user_can_no_longer_sign_in(app, login, db, client):
    store.accounts.create_user(db, "budi", PASSWORD, "staff", actor=COMMAND_LINE)
    budi_client, signed = sign_in(app, "budi")
    assert signed.status_code == 302
    login("admin")
    budi = store.accounts.get_user(db, "budi")["id"]
    assert "Ya, nonaktifkan" in client.get(f"/staff/users/{budi}/deactivate").text
    assert post_form(client, f"/staff/users/{budi}/deactivate", {}).status_code == 302
    assert store.accounts.get_user(db, "budi")["active"] == 0
    assert budi_client.get("/staff/").status_code == 302  # signed out at once
    assert sign_in(app, "budi")[1].status_code == 200  # the login form again
    post_form(client, f"/staff/users/{budi}/activate", {}, page_url="/staff/users")
    assert sign_in(app, "budi")[1].status_code == 302


def test_an_admin_resets_a_forgotten_password(app, login, db, client):
    store.accounts.create_user(db, "budi", PASSWORD, "staff", actor=COMMAND_LINE)
    for _ in range(3):
        sign_in(app, "budi", "salah-terus")
    login("admin")
    budi = store.accounts.get_user(db, "budi")["id"]
    reply = post_form(client, f"/staff/users/{budi}/password",
                      {"password": "kata-sandi-baru", "confirm": "kata-sandi-baru"})
    assert reply.status_code == 302
    assert sign_in(app, "budi", "kata-sandi-baru")[1].status_code == 302
    assert sign_in(app, "budi", PASSWORD)[1].status_code == 200


def test_the_last_admin_cannot_be_deactivated_or_demoted(login, db, client):
    login("admin")
    me = store.accounts.get_user(db, "admin1")["id"]
    reply = post_form(client, f"/staff/users/{me}/deactivate", {},
                      page_url="/staff/users")
    assert "tidak dapat menonaktifkan akun Anda sendiri" in client.get(reply.location).text
    reply = post_form(client, f"/staff/users/{me}/role", {"role": "viewer"})
    assert reply.status_code == 200 and "tidak dapat menurunkan peran Anda sendiri" in reply.text
    me_now = store.accounts.get_user(db, "admin1")
    assert (me_now["role"], me_now["active"]) == ("admin", 1)
    # Nor by anyone else, nor by a script.
    with pytest.raises(refused.Refused, match="last_admin"):
        store.accounts.set_active(db, me, False, actor=COMMAND_LINE)
    with pytest.raises(refused.Refused, match="last_admin"):
        store.accounts.set_role(db, me, "staff", actor=COMMAND_LINE)


def test_an_admin_may_demote_another_admin(login, db, client):
    store.accounts.create_user(db, "kepala", PASSWORD, "admin", actor=COMMAND_LINE)
    login("admin")
    other = store.accounts.get_user(db, "kepala")["id"]
    assert post_form(client, f"/staff/users/{other}/role",
                     {"role": "viewer"}).status_code == 302
    assert store.accounts.get_user(db, "kepala")["role"] == "viewer"


# --- flagged responses --------------------------------------------------------------

def test_a_too_fast_response_is_listed_and_can_be_counted(login, db, client, kiosk_token):
    rid = str(uuid.uuid4())
    sent = client.post("/api/responses", headers={"Authorization": f"Bearer {kiosk_token}"},
                       json={"id": rid, "service": "KTP-EL", "duration_ms": 500,
                             "answered_at": "2026-11-02T09:15:00+07:00",
                             "answers": {c: 4 for c in PERMENPAN_2017.codes}})
    assert sent.status_code == 201
    row = db["responses"].get(rid)
    assert (row["flag"], row["counted"]) == ("too_fast", 0)
    day = row["local_date"]
    ikm = f"/api/ikm?from={day[:8]}01&to={day}"
    assert client.get(ikm).json["respondents"] == 0

    login("staff")
    url = f"/staff/flagged?kind=month&from={day}"
    page = client.get(url).text
    assert "Terlalu cepat" in page and "0,5 detik" in page and "Loket 1" in page
    assert "Perekaman Kartu Tanda Penduduk Elektronik" in page and "tidak dihitung" in page
    assert post_form(client, url, {"include": rid}).status_code == 302
    assert client.get(ikm).json["respondents"] == 1
    assert "1 jawaban sekarang dihitung dalam IKM" in client.get(url).text
    post_form(client, url, {"exclude": "all"})
    assert client.get(ikm).json["respondents"] == 0


def test_a_period_without_flags_says_so(login):
    page = login("staff").get("/staff/flagged").text
    assert "Tidak ada jawaban yang ditandai pada periode ini" in page


# --- CSRF ---------------------------------------------------------------------------

@pytest.mark.parametrize("url, data", [
    ("/staff/services/new", {"code": "SKTM", "name": "Surat"}),
    ("/staff/services/KK/retire", {}),
    ("/staff/settings/survey", {"idle_seconds": 120}),
    ("/staff/kiosks/new", {"name": "Loket 9"}),
    ("/staff/users/new", {"username": "budi", "role": "admin", "password": "12345678",
                          "confirm": "12345678"}),
])
def test_a_post_without_its_csrf_token_is_refused(login, db, client, url, data):
    login("admin")
    before = {t: list(db[t].rows) for t in ("services", "settings", "kiosks", "users")}
    assert client.post(url, data=data).status_code == 400
    assert {t: list(db[t].rows) for t in before} == before
