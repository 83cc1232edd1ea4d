"""The methods are the regulation's data, identified by code, never by position."""
from decimal import Decimal

import pytest

from ikm.method import KEPMENPAN_2004, PERMENPAN_2017, SHORT_2017, get_method


def test_2017_has_nine_unsur_in_regulation_order():
    assert PERMENPAN_2017.codes == tuple(f"U{i}" for i in range(1, 10))
    names = {u.code: u.name for u in PERMENPAN_2017.unsur}
    # The regulation lists Pengaduan 8th and Sarana 9th; printed forms often swap them.
    assert names["U8"] == "Penanganan Pengaduan, Saran dan Masukan"
    assert names["U9"] == "Sarana dan Prasarana"
    assert names["U3"] == "Waktu Penyelesaian"
    assert names["U7"] == "Perilaku Pelaksana"


def test_every_2017_question_has_wording_and_four_labels_in_both_languages():
    for u in PERMENPAN_2017.unsur:
        assert u.question.startswith("Bagaimana") and u.question.endswith("?")
        assert u.question_en.endswith("?")
        assert len(u.labels) == 4 and len(u.labels_en) == 4
        assert all(u.labels) and all(u.labels_en)
    assert PERMENPAN_2017.unsur_by_code("U4").labels == (
        "Sangat mahal", "Cukup mahal", "Murah", "Gratis")
    assert PERMENPAN_2017.unsur_by_code("U8").labels_en[0] == "There is none"


def test_2004_has_fourteen_unsur():
    assert len(KEPMENPAN_2004.unsur) == 14
    assert KEPMENPAN_2004.unsur[0].name == "Prosedur pelayanan"
    assert KEPMENPAN_2004.unsur[13].name == "Keamanan pelayanan"


@pytest.mark.parametrize("method", [PERMENPAN_2017, KEPMENPAN_2004])
def test_grade_tables_cover_25_to_100_without_gaps(method):
    bands = list(reversed(method.grades))  # D first
    assert [b.mutu for b in bands] == ["D", "C", "B", "A"]
    assert bands[0].lower == Decimal("25.00") and bands[-1].upper == Decimal("100.00")
    for lower, upper in zip(bands, bands[1:]):
        assert upper.lower == lower.upper + Decimal("0.01")


def test_grade_table_2017_matches_the_regulation():
    table = {b.mutu: (str(b.lower), b.kinerja) for b in PERMENPAN_2017.grades}
    assert table == {
        "A": ("88.31", "Sangat Baik"), "B": ("76.61", "Baik"),
        "C": ("65.00", "Kurang Baik"), "D": ("25.00", "Tidak Baik"),
    }


def test_short_questionnaire_is_named_as_such():
    assert SHORT_2017.codes == ("U7", "U3", "U9")
    assert SHORT_2017.questionnaire == "short"
    assert "short" in SHORT_2017.name and "14/2017" in SHORT_2017.name
    assert get_method("2017-short") is SHORT_2017
    with pytest.raises(KeyError, match="unknown IKM method"):
        get_method("2016")
