"""Comments by theme: grouping, keywords, the themes kept, their settings page, the filter."""
from __future__ import annotations

import json

import pytest

import store
from ikm.themes import DEFAULT_THEMES, Theme, by_theme, group, normalise, themes_of
from store.audit import COMMAND_LINE

THEMES = [Theme(n, u, name, en, k) for n, (u, name, en, k) in enumerate(DEFAULT_THEMES, 1)]


def test_identical_and_near_identical_texts_are_one_group_with_their_count():
    texts = ["AC ruang tunggu rusak, panas sekali.", "ac ruang tunggu rusak panas sekali",
             "AC RUANG TUNGGU RUSAK,  PANAS SEKALI!!", "AC ruang tunggu rusak, panas sekali.",
             "AC ruang tunggu rusak, panas sekali ya", "Kursi kurang."]
    groups = group(texts, str)
    assert [(g.wording, g.count) for g in groups] == [
        ("AC ruang tunggu rusak, panas sekali.", 5), ("Kursi kurang.", 1)]


@pytest.mark.parametrize("a, b", [("Gak ada kursi!", "tidak ada kursi"),
                                  ("Antri   lama", "antre lama."),
                                  ("yg jaga judes", "Yang jaga judes")])
def test_case_punctuation_and_short_spellings_do_not_matter(a, b):
    assert normalise(a) == normalise(b)


def test_different_texts_stay_apart_and_the_order_is_by_count_then_first_seen():
    groups = group(["Parkir sempit", "Toilet bau", "Toilet bau", "AC rusak"], str)
    assert [(g.wording, g.count) for g in groups] == [
        ("Toilet bau", 2), ("Parkir sempit", 1), ("AC rusak", 1)]


@pytest.mark.parametrize("text, unsur", [
    ("AC ruang tunggu rusak, panas sekali.", ["U9"]),
    ("Antrean lama, mohon ditambah petugas.", ["U3"]),
    ("Petugas perekaman KTP kurang senyum.", ["U7"]),
    ("Acara di aula mengganggu", []),  # "AC" is a whole word, not the start of "acara"
    ("Mati lampu terus", ["U9"]),  # a keyword of two words
    ("Semoga makin baik.", []),
])
def test_themes_are_found_by_whole_words_or_word_beginnings(text, unsur):
    assert [t.unsur for t in themes_of(text, THEMES)] == unsur


def test_each_comment_goes_under_its_first_theme_and_the_rest_last():
    texts = ["Semoga makin baik", "Kursi kurang", "Antre lama, ruangan panas"]
    found = by_theme(texts, str, THEMES)
    assert [(t.unsur if t else None, items) for t, items in found] == [
        ("U3", ["Antre lama, ruangan panas"]), ("U9", ["Kursi kurang"]),
        (None, ["Semoga makin baik"])]


def test_the_defaults_are_seeded_in_unsur_order(db):
    themes = store.themes.in_order(db)
    assert [t["unsur"] for t in themes] == [f"U{i}" for i in range(1, 10)]
    assert "AC" in themes[-1]["keywords"] and "antre" in themes[2]["keywords"]


def test_edits_are_audited_and_a_retired_theme_is_kept(db):
    theme_id = store.themes.add(db, "U9", "Air minum", ["air minum", "galon"],
                                actor=COMMAND_LINE)
    store.themes.edit(db, theme_id, "U9", "Air minum", ["air minum", "galon", "dispenser"],
                      actor=COMMAND_LINE)
    store.themes.set_active(db, theme_id, False, actor=COMMAND_LINE)
    assert theme_id not in [t.id for t in store.themes.active(db)]
    kept = store.themes.get(db, theme_id)
    assert kept["keywords"] == ["air minum", "galon", "dispenser"] and not kept["active"]
    details = [d for (d,) in db.execute("SELECT detail FROM audit WHERE action = 'theme'")]
    assert len(details) == 3 and details[-1] == f"{theme_id}: retired"
    assert store.themes.move(db, 9, -1, actor=COMMAND_LINE) is False  # alone in U9 now
    store.themes.set_active(db, theme_id, True, actor=COMMAND_LINE)
    assert store.themes.move(db, theme_id, -1, actor=COMMAND_LINE) is True
    assert [t.name for t in store.themes.active(db)][-2:] == ["Air minum",
                                                             "Ruang tunggu dan fasilitas"]


@pytest.mark.parametrize("keywords, field", [
    ([], "keywords"), (["x" * 41], "keywords"), ([f"k{i}" for i in range(31)], "keywords")])
def test_the_store_refuses_keywords_out_of_bounds(db, keywords, field):
    from ikm.refused import Refused

    with pytest.raises(Refused) as refused:
        store.themes.add(db, "U1", "Tema", keywords, actor=COMMAND_LINE)
    assert refused.value.field == field


def test_keywords_are_stored_as_a_json_list(db):
    theme_id = store.themes.add(db, None, "Umum", [" wifi ", "WIFI", "air  minum"],
                                actor=COMMAND_LINE)
    stored = db.execute("SELECT keywords FROM themes WHERE id = ?", [theme_id]).fetchone()[0]
    assert json.loads(stored) == ["wifi", "air minum"]


def test_the_comments_page_filters_by_theme_and_shows_each_comments_themes(db, login):
    from ikm import office
    from ikm.validation import parse

    rows = ["AC rusak, panas sekali.", "Antre lama.", "Semoga makin baik."]
    items = [parse({"id": f"00000000-0000-4000-8000-{i:012d}", "service": "KK",
                    "answered_at": "2026-10-05T09:00:00+07:00", "answers": {"U1": 3},
                    "comment": c}, {"KK"}) for i, c in enumerate(rows)]
    store.responses.record(db, None, items, {**office.DEFAULTS, "min_survey_seconds": 0})
    client = login("staff")
    u9 = next(t.id for t in store.themes.active(db) if t.unsur == "U9")
    page = client.get(f"/staff/comments?kind=month&from=2026-10-01&theme={u9}&status=baru").text
    assert "AC rusak" in page and "Antre lama" not in page
    assert f'data-theme="{u9}"' in page and 'name="status" value="baru"' in page
    others = client.get("/staff/comments?kind=month&from=2026-10-01&theme=lainnya").text
    assert "Semoga makin baik" in others and "AC rusak" not in others
    everything = client.get("/staff/comments?kind=month&from=2026-10-01&theme=999").text
    assert all(r.split()[0] in everything for r in rows)  # an unknown theme shows them all
