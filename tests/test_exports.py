"""The exports page: a period's responses as CSV and its SKM report tables as Excel."""
import csv
import io
import json
import random
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import openpyxl
import pytest

import store
from bench.seed import seed
from results import csv_export
from store.audit import Actor
from web.exports import XLSX

ROOT = Path(__file__).resolve().parent.parent
NOVEMBER = "kind=month&from=2026-11-01"
API = "/api/ikm?from=2026-11-01&to=2026-11-30"
URLS = ["/staff/exports", "/staff/exports/csv", "/staff/exports/xlsx"]
INJECTIONS = ['=HYPERLINK("http://x","klik")', "+1+1", "-2", "@SUM(A1)", "\t=1+1", "\r=1+1"]


@pytest.fixture
def send(client, kiosk_token):
    """Send one response from the kiosk, as a tablet does; return its id."""

    def response(answers, at="2026-11-02T09:15:00+07:00", service="KTP-EL", **extra):
        body = {"id": str(uuid.uuid4()), "service": service, "answered_at": at,
                "answers": answers, "duration_ms": 40_000, **extra}
        reply = client.post("/api/responses", json=body,
                            headers={"Authorization": f"Bearer {kiosk_token}"})
        assert reply.status_code == 201, reply.text
        return body["id"]

    return response


@pytest.fixture
def known(send, db):
    """Nine known responses in November 2026 (blanks, two services, profiles, comments),
    one flagged as too fast, and one from October."""
    full = {f"U{i}": 4 for i in range(1, 10)}
    ids = [
        send(full, "2026-11-02T08:00:00+07:00", "KK",
             profile={"gender": "P", "age": 34, "education": "SMA"}, comment="Kursi kurang."),
        send({**full, "U9": 1, "U3": 2}, "2026-11-02T10:00:00+07:00",
             profile={"gender": "L", "occupation": "PNS"}),
        send({"U1": 3, "U2": 3, "U7": 2}, "2026-11-03T09:00:00+07:00", comment="AC rusak."),
        send({f"U{i}": 3 for i in range(1, 10)}, "2026-11-04T09:00:00+07:00", "KK",
             profile={"gender": "P"}),
        send({f"U{i}": 2 for i in range(1, 9)}, "2026-11-05T09:00:00+07:00", "IMB"),
        send({**full, "U5": 3}, "2026-11-06T13:30:00+07:00", "IMB", comment="Cepat, terima kasih."),
        send({"U1": 4, "U9": 1}, "2026-11-09T07:45:00+07:00", profile={"age": 61}),
        send({f"U{i}": 1 + i % 4 for i in range(1, 10)}, "2026-11-10T11:00:00+07:00", "KK"),
        send({}, "2026-11-11T11:00:00+07:00", comment="Hanya ingin menulis saran."),
    ]
    flagged = send({f"U{i}": 1 for i in range(1, 10)}, "2026-11-12T09:00:00+07:00",
                   duration_ms=500, comment="Saya isi asal-asalan.")
    send(full, "2026-10-31T09:00:00+07:00", comment="Bulan lalu.")
    assert db["responses"].get(flagged)["counted"] == 0
    return {"counted": ids, "flagged": flagged}


def csv_rows(reply) -> list[dict]:
    text = reply.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def book(reply) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(reply.data))


def calculator(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "ikm", str(path), "--json"], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def same_result(mine: dict, api: dict) -> None:
    for key in ("ikm", "grade", "respondents", "index", "method", "ci95"):
        assert mine[key] == api[key], key
    assert [(u["code"], u["total"], u["n"], u["nrr"]) for u in mine["unsur"]] == [
        (u["code"], u["total"], u["n"], u["nrr"]) for u in api["unsur"]]


# --- who may use it ---------------------------------------------------------------------

@pytest.mark.parametrize("url", URLS)
def test_anonymous_visitors_are_sent_to_login(client, url):
    reply = client.get(f"{url}?{NOVEMBER}")
    assert reply.status_code == 302 and reply.headers["Location"].startswith("/login")


@pytest.mark.parametrize("url", URLS)
def test_a_viewer_may_not_export(login, client, url):
    login("viewer")
    assert client.get(f"{url}?{NOVEMBER}").status_code == 403


@pytest.mark.parametrize("role", ["staff", "admin"])
@pytest.mark.parametrize("url", URLS)
def test_staff_and_admins_may_export(login, client, known, url, role):
    login(role)
    reply = client.get(f"{url}?{NOVEMBER}")
    assert reply.status_code == 200


def test_the_menu_links_the_page_for_staff(login, client):
    page = login("staff").get("/staff/").text
    assert 'href="/staff/exports"' in page and ">Ekspor<" in page


# --- the page ----------------------------------------------------------------------------

def test_the_page_says_what_the_period_holds_and_links_both_files(login, client, known):
    page = login("staff").get(f"/staff/exports?{NOVEMBER}").text
    assert "Ekspor data survei: November 2026" in page
    assert ("Periode ini punya 10 jawaban survei: 9 dihitung dalam IKM, 1 ditandai dan tidak "
            "dihitung. 5 di antaranya berisi kritik atau saran.") in page
    assert 'formaction="/staff/exports/xlsx"' in page and 'formaction="/staff/exports/csv"' in page
    assert '<input type="checkbox" name="flagged" value="1">' in page  # unchecked
    for key, value in (("kind", "month"), ("from", "2026-11-01"), ("to", "2026-11-30")):
        assert f'<input type="hidden" name="{key}" value="{value}">' in page


def test_an_empty_period_says_there_is_nothing_to_export(login, client):
    page = login("staff").get("/staff/exports?kind=month&from=2026-03-01").text
    assert "Belum ada jawaban survei untuk periode ini, jadi belum ada yang bisa diekspor." in page
    assert "Unduh CSV" in page and "Unduh Excel" in page


@pytest.mark.parametrize("url", URLS[1:])
def test_an_unreadable_period_downloads_nothing(login, client, url):
    login("staff")
    reply = client.get(f"{url}?kind=month&from=kemarin")
    assert reply.status_code == 302 and reply.headers["Location"] == "/staff/exports"
    assert "Periode tidak dapat dibaca" in client.get("/staff/exports").text


# --- CSV ---------------------------------------------------------------------------------

def test_the_csv_is_a_utf8_download_named_after_the_period(login, client, known):
    reply = login("staff").get(f"/staff/exports/csv?{NOVEMBER}")
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"  # said once
    assert reply.headers["Content-Disposition"] == (
        "attachment; filename=skm-2026-11-01_2026-11-30.csv")
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.data.startswith(b"\xef\xbb\xbf\"id\",\"answered_at\"")
    assert list(csv_rows(reply)[0]) == list(csv_export.COLUMNS)


def test_the_csv_holds_exactly_the_counted_responses_by_default(login, client, known, db):
    rows = csv_rows(login("staff").get(f"/staff/exports/csv?{NOVEMBER}"))
    assert [r["id"] for r in rows] == known["counted"]  # oldest first
    assert {r["counted"] for r in rows} == {"1"}
    first = rows[0]
    assert first["answered_at"] == "2026-11-02T08:00:00+07:00"
    assert first["local_date"] == "2026-11-02"
    assert (first["service"], first["service_name"]) == (
        "KK", "Permohonan Surat Kartu Keluarga (KK)")
    assert [first[f"U{i}"] for i in range(1, 10)] == ["4"] * 9
    assert (first["gender"], first["age_group"], first["education"], first["occupation"]) == (
        "P", "30-39", "SMA", "")
    assert (first["comment"], first["comment_status"], first["kiosk"]) == (
        "Kursi kurang.", "baru", "Loket 1")
    assert rows[2]["U3"] == ""  # unanswered stays blank, never 0
    assert rows[1]["comment_status"] == ""  # no comment, no status


def test_flagged_responses_are_included_only_when_asked(login, client, known):
    reply = login("staff").get(f"/staff/exports/csv?{NOVEMBER}&flagged=1")
    assert "skm-2026-11-01_2026-11-30_termasuk-ditandai.csv" in reply.headers["Content-Disposition"]
    rows = csv_rows(reply)
    assert len(rows) == 10
    (flagged,) = [r for r in rows if r["counted"] == "0"]
    assert (flagged["id"], flagged["flag"]) == (known["flagged"], "too_fast")


def test_the_csv_shows_the_follow_up(login, client, known, db):
    store.comments.set_follow_up(db, known["counted"][0], "selesai", "Kursi ditambah",
                                 actor=Actor("petugas"))
    rows = csv_rows(login("staff").get(f"/staff/exports/csv?{NOVEMBER}"))
    assert (rows[0]["comment_status"], rows[0]["comment_note"]) == ("selesai", "Kursi ditambah")


def test_the_calculator_on_the_csv_gives_the_api_result(login, client, known, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(login("staff").get(f"/staff/exports/csv?{NOVEMBER}").data)
    api = client.get(API).json
    assert (api["respondents"], api["grade"]) == (8, "B")
    same_result(calculator(path), api)


def test_the_calculator_agrees_on_a_realistic_month(login, client, db, tmp_path):
    assert seed(db, date(2026, 10, 1), date(2026, 10, 31), 8, random.Random(7)) > 100
    path = tmp_path / "export.csv"
    path.write_bytes(login("staff").get("/staff/exports/csv?kind=month&from=2026-10-01").data)
    same_result(calculator(path), client.get("/api/ikm?from=2026-10-01&to=2026-10-31").json)


def test_flagged_rows_are_easy_to_leave_out(login, client, known, tmp_path):
    rows = csv_rows(login("staff").get(f"/staff/exports/csv?{NOVEMBER}&flagged=1"))
    path = tmp_path / "counted.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.DictWriter(f, csv_export.COLUMNS)
        out.writeheader()
        out.writerows(r for r in rows if r["counted"] == "1")
    same_result(calculator(path), client.get(API).json)


# --- Excel -------------------------------------------------------------------------------

def xlsx(client, query=NOVEMBER):
    reply = client.get(f"/staff/exports/xlsx?{query}")
    assert reply.status_code == 200
    return book(reply)


def rows_of(ws, min_row=2):
    return [list(r) for r in ws.iter_rows(min_row=min_row, values_only=True)]


def test_the_workbook_is_a_download_named_after_the_period(login, client, known):
    reply = login("staff").get(f"/staff/exports/xlsx?{NOVEMBER}")
    assert reply.mimetype == XLSX
    assert reply.headers["Content-Disposition"] == (
        "attachment; filename=skm-2026-11-01_2026-11-30.xlsx")
    assert book(reply).sheetnames == ["IKM", "Per layanan", "Per saluran", "Profil responden",
                                      "Kritik dan saran", "Tindak lanjut", "Data"]


def unsur_table(ws) -> dict[str, list]:
    return {r[0].value: r for r in ws.iter_rows() if isinstance(r[0].value, str)
            and r[0].value.startswith("U") and r[0].value[1:].isdigit()}


def labelled(ws, label):
    for row in ws.iter_rows():
        if row[0].value == label:
            return row
    raise AssertionError(label)


def test_the_ikm_sheet_carries_the_api_numbers(login, client, known):
    wb = xlsx(login("staff"))
    api = client.get(API).json
    ws = wb["IKM"]
    assert labelled(ws, "Unit pelayanan")[1].value == "Kantor Camat Serai Serumpun"
    assert labelled(ws, "Periode")[1].value == "November 2026 (2026-11-01 s.d. 2026-11-30)"
    assert labelled(ws, "Metode")[1].value == api["method"]
    assert labelled(ws, "Jumlah responden")[1].value == api["respondents"] == 8
    table = unsur_table(ws)
    assert list(table) == [u["code"] for u in api["unsur"]]
    for u in api["unsur"]:
        code, name, total, n, nrr, weighted, ikm, grade = table[u["code"]]
        assert (name.value, total.value, n.value, grade.value) == (
            u["name"], u["total"], u["n"], u["grade"])
        assert round(nrr.value, 3) == u["nrr"] and nrr.number_format == "0.000"
        assert round(weighted.value, 3) == u["nrr_weighted"]
        assert ikm.value == u["ikm"] and ikm.number_format == "0.00"
        assert all(c.data_type == "n" for c in (total, n, nrr, weighted, ikm))
    ikm_row = labelled(ws, "IKM (indeks x 25)")
    assert ikm_row[1].value == api["ikm"] and ikm_row[1].number_format == "0.00"
    assert round(labelled(ws, "Indeks (jumlah NRR tertimbang)")[1].value, 4) == api["index"]
    assert labelled(ws, "Mutu pelayanan")[1].value == api["grade"]
    assert labelled(ws, "Kinerja unit pelayanan")[1].value == api["kinerja"]
    ci = labelled(ws, "Selang kepercayaan 95% IKM")
    assert [ci[1].value, ci[2].value] == api["ci95"]
    assert labelled(ws, "Kode")[0].font.bold


def test_the_ikm_sheet_names_the_grade_table_and_ranks_the_unsur(login, client, known):
    ws = xlsx(login("staff"))["IKM"]
    api = client.get(API).json
    assert labelled(ws, "A")[1].value == 88.31 and labelled(ws, "D")[3].value == "Tidak Baik"
    ranked = [r for r in rows_of(ws, 1) if isinstance(r[0], int) and isinstance(r[1], str)]
    lowest_first = sorted(api["unsur"], key=lambda u: (u["nrr"], u["code"]))
    assert [r[1].split()[0] for r in ranked] == [u["code"] for u in lowest_first]


def test_the_per_service_sheet_carries_each_service_result(login, client, known):
    ws = xlsx(login("staff"))["Per layanan"]
    assert [c.value for c in ws[1]] == ["Kode", "Layanan", "Responden", "IKM", "Mutu", "Kinerja"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    found = {r[0]: r for r in rows_of(ws)}
    assert list(found) == ["KK", "KTP-EL", "IMB"]  # the office's order
    for code, row in found.items():
        api = client.get(f"{API}&service={code}").json
        assert (row[2], row[3], row[4]) == (api["respondents"], api["ikm"], api["grade"])


def test_the_profile_sheet_counts_the_respondents(login, client, known):
    ws = xlsx(login("staff"))["Profil responden"]
    found = {(r[0], r[1]): (r[2], r[3]) for r in rows_of(ws)}
    assert found[("Jenis kelamin", "Perempuan")] == (2, 0.25)
    assert found[("Jenis kelamin", "Laki-laki")] == (1, 0.125)
    assert found[("Jenis kelamin", "Tidak diisi")] == (5, 0.625)
    assert found[("Usia", "60 ke atas")][0] == 1 and found[("Pekerjaan", "PNS")][0] == 1
    assert ws["D2"].number_format == "0.0%"


def test_the_comment_sheet_lists_every_comment_with_its_follow_up(login, client, known, db):
    store.comments.set_follow_up(db, known["counted"][2], "ditindaklanjuti", "Teknisi dipanggil",
                                 actor=Actor("petugas"))
    ws = xlsx(login("staff"))["Kritik dan saran"]
    rows = rows_of(ws)
    assert [r[2] for r in rows] == ["Kursi kurang.", "AC rusak.", "Cepat, terima kasih.",
                                    "Hanya ingin menulis saran.", "Saya isi asal-asalan."]
    assert rows[1][3:6] == ["Ditindaklanjuti", "Teknisi dipanggil", "petugas"]
    assert rows[0][0].isoformat() == "2026-11-02T08:00:00"  # office time
    assert rows[-1][7] == "Tidak (ditandai)"


def test_the_data_sheet_holds_the_csv_rows_as_numbers(login, client, known):
    login("staff")
    csv_data = csv_rows(client.get(f"/staff/exports/csv?{NOVEMBER}"))
    ws = xlsx(client)["Data"]
    assert [c.value for c in ws[1]] == list(csv_export.COLUMNS) and ws.freeze_panes == "A2"
    rows = rows_of(ws)
    assert [r[0] for r in rows] == [r["id"] for r in csv_data]
    u1 = csv_export.COLUMNS.index("U1")
    for row, expected in zip(rows, csv_data):
        assert row[u1:u1 + 9] == [int(expected[f"U{i}"]) if expected[f"U{i}"] else None
                                  for i in range(1, 10)]
    assert rows_of(ws)[0][1].isoformat() == "2026-11-02T08:00:00"


def test_the_data_sheet_follows_the_flagged_choice(login, client, known):
    login("staff")
    assert len(rows_of(xlsx(client)["Data"])) == 9
    assert len(rows_of(xlsx(client, NOVEMBER + "&flagged=1")["Data"])) == 10


# --- formula injection -------------------------------------------------------------------

@pytest.fixture
def hostile(send, db):
    """Comments, a note, a service name and a kiosk name that a spreadsheet would run."""
    for i, text in enumerate(INJECTIONS):
        rid = send({"U1": 3}, f"2026-11-0{i + 2}T09:00:00+07:00", comment="x")
        # Stored directly: the kiosk API strips leading tabs, an older database may not have.
        db["responses"].update(rid, {"comment": text})
    store.comments.set_follow_up(db, rid, "selesai", "=1+1", actor=Actor("petugas"))
    db["services"].update("KTP-EL", {"name": "=cmd|' /C calc'!A0"})
    db["kiosks"].update(1, {"name": "@Loket"})


def test_formulas_are_neutralised_in_the_csv(login, client, hostile):
    rows = csv_rows(login("staff").get(f"/staff/exports/csv?{NOVEMBER}"))
    assert [r["comment"] for r in rows] == ["'" + text for text in INJECTIONS]
    assert "'=HYPERLINK(\"http://x\",\"klik\")" in [r["comment"] for r in rows]
    assert rows[-1]["comment_note"] == "'=1+1"
    for r in rows:
        for column in ("comment", "comment_note", "service_name", "kiosk"):
            assert not r[column].startswith(csv_export.FORMULA_START), (column, r[column])
    assert {r["service_name"] for r in rows} == {"'=cmd|' /C calc'!A0"}
    assert {r["kiosk"] for r in rows} == {"'@Loket"}


def test_formulas_are_stored_as_text_in_the_workbook(login, client, hostile):
    wb = xlsx(login("staff"))
    checked = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.lstrip("'").startswith(
                        ("=", "+", "-2", "@")):
                    assert cell.data_type == "s" and cell.value.startswith("'"), cell.value
                    checked += 1
    assert checked >= 10
    # XML reads a carriage return back as a line feed; the quote is what matters.
    expected = ["'" + t.replace("\r", "\n") for t in INJECTIONS]
    assert [c.value for c in wb["Kritik dan saran"]["C"]][1:] == expected
    assert [c.value for c in wb["Data"]["T"]][1:] == expected
    assert wb["Kritik dan saran"]["E7"].value == "'=1+1"
    assert wb["Per layanan"]["B2"].value == "'=cmd|' /C calc'!A0"


def test_neutralise_leaves_ordinary_text_and_numbers_alone():
    assert csv_export.neutralise("Kursi kurang.") == "Kursi kurang."
    assert csv_export.neutralise(" =1") == " =1" and csv_export.neutralise(3) == 3
    assert csv_export.neutralise(None) is None
    assert [csv_export.neutralise(t) for t in INJECTIONS] == ["'" + t for t in INJECTIONS]


def test_control_characters_do_not_break_the_workbook(login, client, send, db):
    rid = send({"U1": 4}, comment="bel")
    db["responses"].update(rid, {"comment": "bunyi\x07 bel\x1b"})
    ws = xlsx(login("staff"))["Kritik dan saran"]
    assert ws["C2"].value == "bunyi bel"


# --- an empty period ---------------------------------------------------------------------

def test_an_empty_period_downloads_headers_and_empty_tables(login, client, known):
    login("staff")
    reply = client.get("/staff/exports/csv?kind=month&from=2026-03-01")
    assert reply.status_code == 200 and csv_rows(reply) == []
    assert reply.data.decode("utf-8").count("\n") == 1
    wb = xlsx(client, "kind=month&from=2026-03-01")
    ws = wb["IKM"]
    assert labelled(ws, "Jumlah responden")[1].value == 0
    assert labelled(ws, "IKM (indeks x 25)")[1].value is None
    assert [r[3] for r in unsur_table(ws).values()] and all(
        r[3].value == 0 for r in unsur_table(ws).values())
    assert any("Belum ada jawaban" in str(r[0]) for r in rows_of(ws, 1))
    for name in ("Per layanan", "Kritik dan saran", "Data"):
        assert rows_of(wb[name]) == [], name
    assert {r[2] for r in rows_of(wb["Profil responden"])} == {0}
