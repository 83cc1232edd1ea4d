"""The settings page of comment themes: listed per unsur, added, edited, retired, restored."""
from __future__ import annotations

import pytest
from support import csrf_token, post_form

import store
from ikm import office
from ikm.method import PERMENPAN_2017
from ikm.themes import DEFAULT_THEMES
from ikm.validation import parse
from store.audit import COMMAND_LINE

PAGE = "/staff/settings/themes"


def theme_audit(db) -> list[str]:
    return [r["detail"] for r in reversed(store.audit.recent(db, action="theme"))]


def count(db) -> int:
    return db.execute("SELECT count(*) FROM themes").fetchone()[0]


def comment(db, text: str) -> None:
    item = parse({"id": "00000000-0000-4000-8000-000000000001", "service": "KK",
                  "answered_at": "2026-10-05T09:00:00+07:00", "answers": {"U1": 3},
                  "comment": text}, {"KK"})
    store.responses.record(db, None, [item], {**office.DEFAULTS, "min_survey_seconds": 0})


def test_an_admin_sees_the_default_themes_per_unsur_with_their_keywords(login):
    page = login("admin").get(PAGE)
    assert page.status_code == 200
    text = page.text
    headings = {u.code: text.index(f"{u.code} {u.name}") for u in PERMENPAN_2017.unsur}
    assert list(headings.values()) == sorted(headings.values())  # unsur order, U1 first
    for unsur, name, _en, keywords in DEFAULT_THEMES:
        assert text.index(name) > headings[unsur] and ", ".join(keywords) in text
    assert "Tanpa unsur" in text and "Tambah tema" in text
    index = login("admin").get("/staff/settings/").text
    assert f"{len(DEFAULT_THEMES)} tema aktif" in index and f'href="{PAGE}"' in index


def test_an_added_theme_is_audited_and_groups_matching_comments(login, db, client):
    login("admin")
    reply = post_form(client, PAGE, {"unsur": "U9", "name": " Air minum ", "name_en": "",
                                     "keywords": " galon, , dispenser ,air minum,"})
    assert reply.status_code == 302
    theme = next(t for t in store.themes.in_order(db) if t["name"] == "Air minum")
    assert (theme["unsur"], theme["keywords"], theme["active"]) == (
        "U9", ["galon", "dispenser", "air minum"], 1)
    assert theme_audit(db)[-1] == f"{theme['id']}: added U9 Air minum"
    assert "Tema Air minum ditambahkan" in client.get(reply.location).text
    comment(db, "Galonnya kosong dari pagi.")
    page = client.get(f"/staff/comments?kind=month&from=2026-10-01&theme={theme['id']}").text
    assert "Galonnya kosong" in page and f'data-theme="{theme["id"]}"' in page


def test_a_theme_without_unsur_is_listed_last(login, db, client):
    login("admin")
    assert post_form(client, PAGE, {"unsur": "", "name": "Ucapan terima kasih",
                                    "keywords": "terima kasih"}).status_code == 302
    theme = store.themes.in_order(db)[-1]
    assert (theme["name"], theme["unsur"]) == ("Ucapan terima kasih", None)
    text = client.get(PAGE).text
    assert text.index(f'id="t-{theme["id"]}"') > text.index("Ruang tunggu dan fasilitas")


def test_editing_changes_keywords_and_is_audited(login, db, client):
    login("admin")
    theme_id = next(t.id for t in store.themes.active(db) if t.unsur == "U9")
    url = f"{PAGE}/{theme_id}/edit"
    form = client.get(url).text
    assert 'value="AC, panas, kursi, toilet, WC, parkir, listrik, mati lampu, padam"' in form
    reply = post_form(client, url, {"unsur": "U9", "name": "Fasilitas",
                                    "name_en": "Facilities", "keywords": "AC, kipas"})
    assert reply.status_code == 302
    theme = store.themes.get(db, theme_id)
    assert (theme["name"], theme["name_en"], theme["keywords"]) == (
        "Fasilitas", "Facilities", ["AC", "kipas"])
    assert theme_audit(db)[-1] == f"{theme_id}: U9 Fasilitas: AC, kipas"


@pytest.mark.parametrize("data, field, says", [
    ({"name": "Air", "keywords": "galon, " + "x" * 41}, "Kata kunci", "paling banyak 40 huruf"),
    ({"name": "Air", "keywords": ", ".join(f"kata{i}" for i in range(31))}, "Kata kunci",
     "31 kata kunci, paling banyak 30"),
    ({"name": "  ", "keywords": "galon"}, "Nama tema", "Nama wajib diisi"),
    ({"name": "A" * 61, "keywords": "galon"}, "Nama tema", "paling banyak 60 huruf"),
    ({"name": "Air", "keywords": " , ,"}, "Kata kunci", "paling sedikit satu"),
])
@pytest.mark.parametrize("edit", [False, True])
def test_out_of_bounds_is_refused_naming_the_field_and_nothing_is_saved(
        login, db, client, data, field, says, edit):
    login("admin")
    url = f"{PAGE}/1/edit" if edit else PAGE
    before, audited, kept = count(db), theme_audit(db), store.themes.get(db, 1)
    reply = post_form(client, url, {"unsur": "U1", "name_en": "", **data})
    assert reply.status_code == 400
    assert "Belum disimpan. Periksa: " in reply.text and field in reply.text.split(
        "Belum disimpan. Periksa: ")[1].split(".")[0]
    assert says in reply.text
    assert (count(db), theme_audit(db), store.themes.get(db, 1)) == (before, audited, kept)


def test_retire_asks_first_then_restore_keeps_the_row(login, db, client):
    login("admin")
    theme_id = next(t.id for t in store.themes.active(db) if t.unsur == "U3")
    url = f"{PAGE}/{theme_id}/retire"
    ask = client.get(url)
    assert ask.status_code == 200 and "Nonaktifkan tema?" in ask.text
    assert store.themes.get(db, theme_id)["active"] == 1  # asking changes nothing
    assert post_form(client, url, {}).status_code == 302
    assert store.themes.get(db, theme_id)["active"] == 0
    assert theme_id not in [t.id for t in store.themes.active(db)]
    page = client.get(PAGE).text
    assert "Antrean dan waktu tunggu" in page and "Aktifkan kembali" in page
    reply = post_form(client, f"{PAGE}/{theme_id}/restore", {}, page_url=PAGE)
    assert reply.status_code == 302
    theme = store.themes.get(db, theme_id)
    assert theme["active"] == 1 and theme["name"] == "Antrean dan waktu tunggu"
    assert count(db) == len(DEFAULT_THEMES)
    assert theme_audit(db)[-2:] == [f"{theme_id}: retired", f"{theme_id}: restored"]


def test_move_reorders_within_the_unsur(login, db, client):
    login("admin")
    first = store.themes.add(db, "U9", "Air minum", ["galon"], actor=COMMAND_LINE)
    u9 = [t.id for t in store.themes.active(db) if t.unsur == "U9"]
    assert u9[-1] == first
    reply = post_form(client, f"{PAGE}/{first}/move/up", {}, page_url=PAGE)
    assert reply.status_code == 302
    assert [t.id for t in store.themes.active(db) if t.unsur == "U9"] == [first, u9[0]]
    assert client.post(f"{PAGE}/{first}/move/sideways",
                       data={"csrf_token": csrf_token(client.get(PAGE).text)}).status_code == 404


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_staff_and_viewers_may_not_open_or_change_themes(login, db, role):
    client = login(role)
    token = csrf_token(client.get("/staff/password").text)
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}/1/edit").status_code == 403
    for url in (PAGE, f"{PAGE}/1/edit", f"{PAGE}/1/retire", f"{PAGE}/1/restore",
                f"{PAGE}/1/move/down"):
        reply = client.post(url, data={"csrf_token": token, "unsur": "U1", "name": "X",
                                       "keywords": "x"})
        assert reply.status_code == 403, url
    assert count(db) == len(DEFAULT_THEMES) and store.themes.get(db, 1)["active"] == 1


def test_anonymous_visitors_are_sent_to_login(client):
    for url in (PAGE, f"{PAGE}/1/edit", f"{PAGE}/1/retire"):
        reply = client.get(url)
        assert reply.status_code == 302 and "/login" in reply.headers["Location"]


def test_a_post_without_csrf_token_changes_nothing(login, db):
    client = login("admin")
    before = theme_audit(db)
    for url in (PAGE, f"{PAGE}/1/edit"):
        reply = client.post(url, data={"unsur": "U1", "name": "Baru", "keywords": "baru"})
        assert reply.status_code == 400
    assert client.post(f"{PAGE}/1/retire").status_code == 400
    assert (count(db), theme_audit(db)) == (len(DEFAULT_THEMES), before)
    assert store.themes.get(db, 1)["active"] == 1 and store.themes.get(db, 1)["name"] != "Baru"


def test_an_unknown_theme_is_not_found(login):
    client = login("admin")
    assert client.get(f"{PAGE}/999/edit").status_code == 404
    assert client.get(f"{PAGE}/999/retire").status_code == 404


