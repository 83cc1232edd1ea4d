"""The kritik dan saran page: who may see it, the list, its filters and the follow-up form."""
import re
import uuid

import pytest
from support import csrf_token, post_form

import store
from ikm import periods
from store.audit import COMMAND_LINE, Actor

NOVEMBER = "kind=month&from=2026-11-01"
PAGE = f"/staff/comments?{NOVEMBER}"


@pytest.fixture
def send(client, kiosk_token):
    """Send one response from the kiosk, as a tablet does; return its id."""

    def response(comment=None, at="2026-11-02T09:15:00+07:00", service="KTP-EL", **extra):
        body = {"id": str(uuid.uuid4()), "service": service, "answered_at": at,
                "answers": {"U1": 4, "U3": 3, "U7": 4, "U9": 2}, "comment": comment,
                "duration_ms": 40_000, **extra}
        reply = client.post("/api/responses", json=body,
                            headers={"Authorization": f"Bearer {kiosk_token}"})
        assert reply.status_code == 201, reply.text
        return body["id"]

    return response


def stored(db, rid: str) -> dict:
    return db["responses"].get(rid)


def comment_texts(page: str) -> list[str]:
    found = re.findall(r"<blockquote data-comment>(.*?)</blockquote>", page, re.S)
    return [t.strip() for t in found]


# --- who may use it ---------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_login(client, send):
    rid = send("Antre lama.")
    assert client.get(PAGE).headers["Location"].startswith("/login")
    token = csrf_token(client.get("/login").text)
    reply = client.post(f"/staff/comments/{rid}", data={"status": "selesai", "csrf_token": token})
    assert reply.status_code == 302 and reply.headers["Location"].startswith("/login")


def test_a_viewer_may_not_see_or_change_comments(login, client, send, db):
    rid = send("Antre lama.")
    login("viewer")
    assert client.get(PAGE).status_code == 403
    token = csrf_token(client.get("/staff/").text)
    reply = client.post(f"/staff/comments/{rid}", data={"status": "selesai", "csrf_token": token})
    assert reply.status_code == 403
    assert stored(db, rid)["comment_status"] is None


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_admins_see_and_update_comments(login, client, send, db, role):
    rid = send("Antre lama.")
    login(role)
    assert client.get(PAGE).status_code == 200
    reply = post_form(client, f"/staff/comments/{rid}?{NOVEMBER}", {"status": "selesai"}, PAGE)
    assert reply.status_code == 302
    assert client.get(reply.headers["Location"]).status_code == 200
    assert stored(db, rid)["comment_status"] == "selesai"


def test_the_menu_links_the_page_for_staff(login, client):
    login("staff")
    page = client.get("/staff/").text
    assert 'href="/staff/comments"' in page and "Kritik &amp; saran" in page


# --- the list -----------------------------------------------------------------------------

def test_comments_are_listed_newest_first_in_office_time(login, client, send):
    send("Pertama.", at="2026-11-02T09:15:00+07:00", service="KK")
    send("Kedua.", at="2026-11-03T14:05:00+07:00")
    send(None, at="2026-11-04T10:00:00+07:00")  # no comment: not listed
    send("Bulan lalu.", at="2026-10-30T10:00:00+07:00")
    page = login("staff").get(PAGE).text
    assert comment_texts(page) == ["Kedua.", "Pertama."]
    assert "3 Nov 2026 14.05" in page and "2 Nov 2026 09.15" in page
    assert "Permohonan Surat Kartu Keluarga (KK)" in page
    assert "Perekaman Kartu Tanda Penduduk Elektronik (KTP-el)" in page
    assert "Kritik dan saran warga: November 2026" in page


def test_times_follow_the_office_time_zone_setting(login, client, send, db):
    store.settings.save(db, {"utc_offset": "+08:00"}, actor=COMMAND_LINE)
    send("Di Makassar.", at="2026-11-02T09:15:00+08:00")
    page = login("staff").get(PAGE).text
    assert "2 Nov 2026 09.15" in page and "WITA" in page


def test_this_month_is_shown_by_default(login, client, send, db):
    this_month = periods.containing("month", periods.today(store.settings.read(db)))
    page = login("staff").get("/staff/comments").text
    assert f"Kritik dan saran warga: {this_month.label()}" in page


def test_an_unreadable_period_says_so(login, client):
    page = login("staff").get("/staff/comments?from=kemarin").text
    assert "Periode tidak dapat dibaca" in page


def test_a_period_without_comments_explains_itself(login, client, send):
    send(None)
    page = login("staff").get(PAGE).text
    assert "Belum ada kritik atau saran untuk periode ini." in page
    assert "pilih periode di atas" in page
    assert "<form method=\"post\" action=\"/staff/comments/" not in page


def test_a_comment_with_markup_is_shown_as_text(login, client, send):
    send("<script>alert(1)</script> <b>tebal</b>")
    page = login("staff").get(PAGE).text
    assert "<script>alert(1)</script>" not in page and "<b>tebal</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;tebal&lt;/b&gt;" in page


def test_line_breaks_of_a_comment_are_kept(login, client, send):
    send("Baris satu.\nBaris <dua>.")
    page = login("staff").get(PAGE).text
    assert "Baris satu.<br>Baris &lt;dua&gt;." in page


def test_a_flagged_comment_is_shown_and_marked(login, client, send, db):
    rid = send("Cepat sekali saya isi.", duration_ms=1000)
    assert stored(db, rid)["counted"] == 0
    send("Biasa saja.", at="2026-11-03T09:00:00+07:00")
    page = login("staff").get(PAGE).text
    assert comment_texts(page) == ["Biasa saja.", "Cepat sekali saya isi."]
    assert page.count("data-flagged") == 1
    assert "Tidak dihitung dalam IKM: diisi terlalu cepat" in page


# --- filters and counts ------------------------------------------------------------------

@pytest.fixture
def three(send, db):
    """Three comments: a new one (KK), one in progress (KTP-EL), one done (KTP-EL)."""
    ids = {
        "baru": send("Kursi kurang.", at="2026-11-02T09:00:00+07:00", service="KK"),
        "ditindaklanjuti": send("AC rusak.", at="2026-11-03T09:00:00+07:00"),
        "selesai": send("Petugas tidak senyum.", at="2026-11-04T09:00:00+07:00"),
    }
    store.comments.set_follow_up(db, ids["ditindaklanjuti"], "ditindaklanjuti", "Teknisi dipanggil",
                                 actor=Actor("x"))
    store.comments.set_follow_up(db, ids["selesai"], "selesai", None, actor=Actor("x"))
    return ids


def counts(page: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', page)}


def test_counts_per_status_are_at_the_top(login, client, three):
    page = login("staff").get(PAGE).text
    assert counts(page) == {"semua": 3, "baru": 1, "ditindaklanjuti": 1, "selesai": 1}


@pytest.mark.parametrize("query, expected", [
    ("", ["Petugas tidak senyum.", "AC rusak.", "Kursi kurang."]),
    ("&status=baru", ["Kursi kurang."]),
    ("&status=ditindaklanjuti", ["AC rusak."]),
    ("&status=selesai", ["Petugas tidak senyum."]),
    ("&status=apa-saja", ["Petugas tidak senyum.", "AC rusak.", "Kursi kurang."]),
    ("&service=KTP-EL", ["Petugas tidak senyum.", "AC rusak."]),
    ("&service=KTP-EL&status=baru", []),
    ("&service=PASPOR", ["Petugas tidak senyum.", "AC rusak.", "Kursi kurang."]),
])
def test_filters_by_status_and_service(login, client, three, query, expected):
    page = login("staff").get(PAGE + query).text
    assert comment_texts(page) == expected
    if not expected:
        assert "Tidak ada kritik atau saran yang cocok dengan pilihan ini." in page


def test_counts_follow_the_service_filter(login, client, three):
    page = login("staff").get(PAGE + "&service=KTP-EL").text
    assert counts(page) == {"semua": 2, "baru": 0, "ditindaklanjuti": 1, "selesai": 1}
    assert 'value="KTP-EL" selected' in page


def test_links_and_forms_keep_the_chosen_filters(login, client, three):
    page = login("staff").get(PAGE + "&service=KTP-EL&status=selesai").text
    assert ('href="/staff/comments?from=2026-11-01&amp;to=2026-11-30&amp;kind=month'
            '&amp;status=baru&amp;service=KTP-EL"') in page
    assert (f'action="/staff/comments/{three["selesai"]}?from=2026-11-01&amp;to=2026-11-30'
            '&amp;kind=month&amp;status=selesai&amp;service=KTP-EL"') in page


# --- the follow-up form ------------------------------------------------------------------

def test_a_follow_up_is_stored_with_who_and_when_and_shown(login, client, send, db):
    rid = send("Kursi ruang tunggu kurang.")
    login("staff", username="petugas")
    reply = post_form(client, f"/staff/comments/{rid}?{NOVEMBER}",
                      {"status": "ditindaklanjuti", "note": "  Kursi tambahan dipesan.  "}, PAGE)
    assert reply.status_code == 302
    row = stored(db, rid)
    assert (row["comment_status"], row["comment_note"], row["comment_updated_by"]) == (
        "ditindaklanjuti", "Kursi tambahan dipesan.", "petugas")
    assert row["comment_updated_at"].startswith("2026-")
    page = client.get(reply.headers["Location"]).text
    assert "Tindak lanjut disimpan: status sekarang \u201cDitindaklanjuti\u201d." in page
    assert "Tersimpan." in page
    assert "Kursi tambahan dipesan." in page and "Diperbarui oleh petugas" in page
    assert '<span class="badge status-ditindaklanjuti" data-status>Ditindaklanjuti</span>' in page


def test_after_saving_the_same_filtered_list_is_shown(login, client, three):
    login("staff")
    url = f"/staff/comments/{three['baru']}?{NOVEMBER}&status=baru&service=KK"
    reply = post_form(client, url, {"status": "selesai", "note": "Kursi ditambah"}, PAGE)
    location = reply.headers["Location"]
    assert location.startswith("/staff/comments?")
    for part in ("kind=month", "from=2026-11-01", "status=baru", "service=KK",
                 f"saved={three['baru']}", f"#c-{three['baru']}"):
        assert part in location
    # Now done, it has left the list of new comments; the message says where it went.
    page = client.get(location).text
    assert comment_texts(page) == [] and "status sekarang \u201cSelesai\u201d" in page


def test_a_note_can_be_cleared(login, client, three, db):
    login("staff")
    rid = three["ditindaklanjuti"]
    post_form(client, f"/staff/comments/{rid}", {"status": "selesai", "note": ""}, PAGE)
    assert (stored(db, rid)["comment_status"], stored(db, rid)["comment_note"]) == ("selesai", None)


def test_without_a_csrf_token_nothing_changes(login, client, send, db):
    rid = send("Kursi kurang.")
    login("staff")
    reply = client.post(f"/staff/comments/{rid}", data={"status": "selesai", "note": "x"})
    assert reply.status_code == 400
    reply = client.post(f"/staff/comments/{rid}", data={"status": "selesai", "csrf_token": "palsu"})
    assert reply.status_code == 400
    row = stored(db, rid)
    assert (row["comment_status"], row["comment_note"], row["comment_updated_by"]) == (None,) * 3


@pytest.mark.parametrize("data, message", [
    ({"status": "dibuang"}, "Belum disimpan"),
    ({}, "Pilih salah satu status."),
    ({"status": "selesai", "note": "x" * 1001}, "Catatan paling banyak 1000 huruf."),
])
def test_a_wrong_form_changes_nothing_and_says_why(login, client, send, db, data, message):
    rid = send("Kursi kurang.")
    login("staff")
    reply = post_form(client, f"/staff/comments/{rid}", data, PAGE)
    assert reply.status_code == 302
    page = client.get(reply.headers["Location"]).text
    assert message in page and "Tersimpan." not in page
    assert stored(db, rid)["comment_status"] is None


@pytest.mark.parametrize("rid", ["tidak-ada", str(uuid.uuid4())])
def test_an_unknown_response_is_404(login, client, rid):
    login("staff")
    reply = post_form(client, f"/staff/comments/{rid}", {"status": "selesai"}, PAGE)
    assert reply.status_code == 404


def test_a_response_without_a_comment_cannot_get_a_status(login, client, send, db):
    rid = send(None)
    login("staff")
    reply = post_form(client, f"/staff/comments/{rid}", {"status": "selesai"}, PAGE)
    assert reply.status_code == 404
    assert stored(db, rid)["comment_status"] is None


# --- store.comments without the web ----------------------------------------------------------

def test_set_follow_up_refuses_what_it_cannot_store(db, send):
    rid = send("Kursi kurang.")
    with pytest.raises(ValueError, match="status"):
        store.comments.set_follow_up(db, rid, "dibuang", None, actor=Actor("x"))
    with pytest.raises(ValueError, match="note"):
        store.comments.set_follow_up(db, rid, "selesai", "x" * 1001, actor=Actor("x"))
    assert store.comments.set_follow_up(db, rid, "selesai", " ", actor=Actor("x"),
                                        now="2026-11-05T01:00:00+00:00")
    row = stored(db, rid)
    assert (row["comment_status"], row["comment_note"], row["comment_updated_at"]) == (
        "selesai", None, "2026-11-05T01:00:00+00:00")
