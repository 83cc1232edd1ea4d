"""Pengaturan → Alasan tidak puas: reasons added, renamed, retired and restored per unsur."""
from __future__ import annotations

import pytest
from support import csrf_token, post_form

import store
from ikm.method import PERMENPAN_2017
from ikm.reasons import DEFAULT_REASONS, MAX_ACTIVE
from store.audit import COMMAND_LINE

PAGE = "/staff/settings/reasons"


def reason_audit(db) -> list[str]:
    return [r["detail"] for r in reversed(store.audit.recent(db, action="reason"))]


def active(db, unsur: str) -> list[str]:
    return [r.name for r in store.reasons.in_order(db, active_only=True) if r.unsur == unsur]


def test_an_admin_sees_the_reasons_per_unsur_and_a_link_from_pengaturan(login):
    client = login("admin")
    text = client.get(PAGE).text
    headings = {u.code: text.index(f"{u.code} {u.name}") for u in PERMENPAN_2017.unsur}
    assert list(headings.values()) == sorted(headings.values())
    for unsur, name, name_en in DEFAULT_REASONS:
        assert text.index(name) > headings[unsur] and name_en in text
    assert "(5/6)" in text  # U9: five of the six a screen holds
    index = client.get("/staff/settings/").text
    assert f"{len(DEFAULT_REASONS)} alasan aktif" in index and f'href="{PAGE}"' in index


def test_an_added_reason_is_audited_and_offered_on_the_kiosk(login, db, client):
    login("admin")
    reply = post_form(client, PAGE, {"unsur": "U9", "name": " Air minum  habis ",
                                     "name_en": "No drinking water"})
    assert reply.status_code == 302
    reason = store.reasons.in_order(db)[-1]
    assert (reason.unsur, reason.name, reason.name_en) == ("U9", "Air minum habis",
                                                           "No drinking water")
    assert reason_audit(db)[-1] == f"{reason.id}: added U9 Air minum habis"
    assert "Alasan Air minum habis ditambahkan" in client.get(reply.location).text
    assert '"name": {"en": "No drinking water", "id": "Air minum habis"}' in \
        client.get("/kiosk/").text


def test_a_seventh_active_reason_is_refused_and_a_retired_one_makes_room(login, db, client):
    login("admin")
    assert post_form(client, PAGE, {"unsur": "U9", "name": "Air minum"}).status_code == 302
    assert len(active(db, "U9")) == MAX_ACTIVE
    reply = post_form(client, PAGE, {"unsur": "U9", "name": "Sinyal"})
    assert reply.status_code == 400
    assert "sudah punya 6 alasan aktif" in reply.text and "Belum disimpan" in reply.text
    assert "Sinyal" not in active(db, "U9")
    parking = next(r for r in store.reasons.in_order(db) if r.name == "Parkir")
    ask = client.get(f"{PAGE}/{parking.id}/retire")
    assert ask.status_code == 200 and "Nonaktifkan alasan?" in ask.text
    assert store.reasons.get(db, parking.id).active  # asking changes nothing
    assert post_form(client, f"{PAGE}/{parking.id}/retire", {}).status_code == 302
    assert "Parkir" not in active(db, "U9") and store.reasons.get(db, parking.id)
    assert post_form(client, PAGE, {"unsur": "U9", "name": "Sinyal"}).status_code == 302
    # Now full again: bringing Parkir back is refused with the same words.
    reply = post_form(client, f"{PAGE}/{parking.id}/restore", {}, page_url=PAGE)
    assert "sudah punya 6 alasan aktif" in client.get(reply.location).text
    assert not store.reasons.get(db, parking.id).active
    store.reasons.set_active(db, store.reasons.in_order(db)[-1].id, False, actor=COMMAND_LINE)
    post_form(client, f"{PAGE}/{parking.id}/restore", {}, page_url=PAGE)
    assert store.reasons.get(db, parking.id).active
    assert reason_audit(db)[-2:] == ["30: retired", f"{parking.id}: restored"]


def test_renaming_keeps_the_reason_and_its_id(login, db, client):
    login("admin")
    toilet = next(r for r in store.reasons.in_order(db) if r.name == "Toilet")
    page = client.get(f"{PAGE}/{toilet.id}/edit")
    assert page.status_code == 200 and "U9 Sarana" in page.text
    reply = post_form(client, f"{PAGE}/{toilet.id}/edit",
                      {"name": "Toilet kotor", "name_en": "Dirty toilet"})
    assert reply.status_code == 302
    renamed = store.reasons.get(db, toilet.id)
    assert (renamed.unsur, renamed.name, renamed.name_en) == ("U9", "Toilet kotor",
                                                              "Dirty toilet")
    assert reason_audit(db)[-1] == f"{toilet.id}: renamed Toilet kotor"


@pytest.mark.parametrize("data, says", [
    ({"unsur": "U9", "name": "  "}, "Nama wajib diisi."),
    ({"unsur": "U9", "name": "x" * 41}, "Nama paling banyak 40 huruf."),
    ({"unsur": "U10", "name": "Sinyal"}, "Unsur tidak dikenal."),
    ({"unsur": "U9", "name": "Sinyal", "name_en": "y" * 41},
     "Nama bahasa Inggris paling banyak 40 huruf."),
])
def test_out_of_bounds_is_refused_saying_what_and_nothing_is_saved(login, db, client, data,
                                                                    says):
    login("admin")
    before = store.reasons.in_order(db)
    reply = post_form(client, PAGE, data)
    assert reply.status_code == 400 and says in reply.text
    assert store.reasons.in_order(db) == before and reason_audit(db) == []


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_staff_and_viewers_may_not_change_reasons(login, db, role):
    client = login(role)
    token = csrf_token(client.get("/staff/password").text)
    for url in (PAGE, f"{PAGE}/1/edit", f"{PAGE}/1/retire", f"{PAGE}/1/restore"):
        reply = client.post(url, data={"csrf_token": token, "unsur": "U1", "name": "X"})
        assert reply.status_code == 403, url
    assert len(store.reasons.in_order(db)) == len(DEFAULT_REASONS)
    assert store.reasons.get(db, 1).active and store.reasons.get(db, 1).name != "X"


def test_a_post_without_csrf_token_changes_nothing(login, db):
    client = login("admin")
    for url in (PAGE, f"{PAGE}/1/edit", f"{PAGE}/1/retire"):
        assert client.post(url, data={"unsur": "U1", "name": "Baru"}).status_code == 400
    assert reason_audit(db) == [] and store.reasons.get(db, 1).active


def test_an_unknown_reason_is_not_found(login):
    client = login("admin")
    for url in (f"{PAGE}/999/edit", f"{PAGE}/999/retire"):
        assert client.get(url).status_code == 404
