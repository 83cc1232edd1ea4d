"""A spreadsheet of paper forms into the store: as the calculator reads it, all or nothing."""
from __future__ import annotations

import io
import json
import random
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from support import csrf_token, post_form
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

import kiosk
import store
from ikm.__main__ import main as calculator
from ikm.method import PERMENPAN_2017
from ikm.paper import paper_response
from results import summary

WIB = timezone(timedelta(hours=7))
TODAY = datetime.now(WIB).date()
DAY = TODAY - timedelta(days=20)


def office_file(rng: random.Random, count: int = 40) -> tuple[list[str], list[list[object]]]:
    """Forms as an office types them: official names in another order, blanks, extra columns."""
    codes = ["U9", "U3", "U7", "U1", "U8", "U2", "U6", "U5", "U4"]
    header = ["No", "Nomor Formulir", "Tanggal", "LAYANAN", "Umur",
              *[PERMENPAN_2017.unsur_by_code(c).name.upper() for c in codes]]
    rows = []
    for n in range(1, count + 1):
        answers = [rng.choice([1, 2, 3, 3, 4, 4, None]) for _ in codes]
        day = DAY - timedelta(days=n % 5)
        rows.append([n, 100 + n, day.strftime("%d/%m/%Y") if n % 2 else day.isoformat(),
                     "KK" if n % 3 else "Legalisir Camat", 30 + n, *answers])
    return header, rows


def run(app, *args: str) -> int:
    return kiosk.main(["import-paper", *args, "--instance", app.instance_path])


def paper(db) -> list[dict]:
    return store.schema.rows(db, "SELECT * FROM responses WHERE channel = 'paper' "
                                 "ORDER BY serial")


def printed_ikm(out: str) -> Decimal:
    return Decimal(re.search(r"to \d{4}-\d\d-\d\d(?: after the import)?: ([\d.]+)", out)[1])


def test_a_file_gives_the_ikm_the_calculator_gives_and_a_reimport_stores_nothing(
        app, db, write_xlsx, capsys):
    header, rows = office_file(random.Random(2017))
    path = write_xlsx(header, rows, title="SKM Kantor Camat Serai Serumpun")
    assert calculator([str(path), "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)["ikm"]
    assert run(app, str(path)) == 0
    out = capsys.readouterr().out
    assert "Stored: 40" in out and "Skipped (serial already stored): 0" in out
    assert printed_ikm(out) == Decimal(str(expected))
    stored = paper(db)
    assert len(stored) == 40 and {r["entered_by"] for r in stored} == {"import-paper"}
    first, last = min(r["local_date"] for r in stored), max(r["local_date"] for r in stored)
    result = summary.period_result(db, date.fromisoformat(first), date.fromisoformat(last))
    assert float(result.ikm) == expected
    assert {r["service"] for r in stored} == {"KK", "LEGALISIR"}
    # Form 101 is dated DD/MM/YYYY in the file, form 102 YYYY-MM-DD.
    assert [(r["serial"], r["local_date"]) for r in stored[:2]] == [
        ("000101", (DAY - timedelta(days=1)).isoformat()),
        ("000102", (DAY - timedelta(days=2)).isoformat())]
    assert run(app, str(path)) == 0
    again = capsys.readouterr().out
    assert "Stored: 0" in again and "Skipped (serial already stored): 40" in again
    assert len(paper(db)) == 40
    audit = [r["detail"] for r in store.schema.rows(db, "SELECT detail FROM audit "
                                                        "WHERE action = 'paper'")]
    assert audit == ["import-paper skm.xlsx: 40 forms stored, 0 already there (skipped)",
                     "import-paper skm.xlsx: 0 forms stored, 40 already there (skipped)"]


def test_a_serial_typed_in_before_is_skipped_by_the_import(app, db, write_csv, capsys):
    typed = paper_response("000005", "IMB", DAY, WIB, "full", {"U1": 1})
    assert store.paper_entries.enter(db, typed, store.settings.read(db),
                                     actor=store.audit.Actor("petugas")) == "stored"
    path = write_csv(["serial", "service", "date", "U1"],
                     [[5, "KK", DAY.isoformat(), 4], [6, "KK", DAY.isoformat(), 3]])
    assert run(app, str(path)) == 0
    assert "Stored: 1" in capsys.readouterr().out
    assert [(r["serial"], r["service"], r["u1"]) for r in paper(db)] == [
        ("000005", "IMB", 1), ("000006", "KK", 3)]


@pytest.mark.parametrize("cell, column, message", [
    ("KTPX", "LAYANAN", "'KTPX' is not a service of this office"),
    (None, "LAYANAN", "empty; fill it in, or choose the service of the whole file"),
])
def test_an_invalid_cell_stops_the_import_naming_row_and_column(app, db, write_csv, capsys,
                                                                cell, column, message):
    header, rows = office_file(random.Random(1), 20)
    rows[15][3] = cell  # the 16th form is on row 17: the header is row 1
    path = write_csv(header, rows)
    assert run(app, str(path)) == 2
    err = capsys.readouterr().err
    assert f"row 17, column {column}: {message}" in err
    assert paper(db) == []


@pytest.mark.parametrize("index, value, expected", [
    (5, 5, "row 4, column SARANA DAN PRASARANA (U9): 5 is not an answer (1-4)"),
    (2, "31/02/2026", "row 4, column Tanggal: '31/02/2026' is not a date"),
    (2, (TODAY + timedelta(days=1)).isoformat(), "row 4, column Tanggal: "
                                                 f"{TODAY + timedelta(days=1)} is in the future"),
    (1, "12A", "row 4, column Nomor Formulir: '12A' is not a form number"),
    (1, 102, "row 4, column Nomor Formulir: form 000102 is also on row 3"),
])
def test_every_kind_of_bad_cell_is_named_and_nothing_is_stored(app, db, write_csv, capsys,
                                                                index, value, expected):
    header, rows = office_file(random.Random(2), 6)
    rows[2][index] = value
    assert run(app, str(write_csv(header, rows))) == 2
    assert expected in capsys.readouterr().err
    assert paper(db) == []


def test_a_dry_run_shows_what_would_be_stored_and_stores_nothing(app, db, write_csv, capsys):
    header, rows = office_file(random.Random(3), 10)
    assert run(app, str(write_csv(header, rows)), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "Dry run: nothing was stored." in out and "Would be stored: 10" in out
    assert paper(db) == []
    assert store.schema.rows(db, "SELECT * FROM audit WHERE action = 'paper'") == []


def test_service_and_date_options_fill_what_the_file_lacks(app, db, write_csv, capsys):
    path = write_csv(["U1", "U2", "Layanan"], [[4, 3, ""], [2, None, "IMB"], [None, None, "KK"]])
    assert run(app, str(path)) == 2
    assert "row 2, column Layanan: empty" in capsys.readouterr().err
    assert run(app, str(path), "--service", "KK") == 2
    assert "row 2, column Tanggal: empty; fill it in, or choose the date" in \
        capsys.readouterr().err
    assert run(app, str(path), "--service", "NOPE", "--date", DAY.isoformat()) == 2
    assert "--service: 'NOPE' is not a service" in capsys.readouterr().err
    assert run(app, str(path), "--service", "KK", "--date", "2999-12-31") == 2
    assert "--date: 2999-12-31 is in the future" in capsys.readouterr().err
    assert run(app, str(path), "--service", "KK", "--date", "1-2-2026") == 2
    assert paper(db) == []
    assert run(app, str(path), "--service", "KK", "--date", DAY.isoformat()) == 0
    out = capsys.readouterr().out
    assert "Forms in the file: 2 (1 row without answers ignored)" in out
    assert [(r["service"], r["local_date"], r["serial"]) for r in paper(db)] == [
        ("KK", DAY.isoformat(), None), ("IMB", DAY.isoformat(), None)]


def test_an_excel_date_cell_is_read_as_its_date(app, db, write_xlsx):
    when = datetime.combine(DAY, datetime.min.time())
    path = write_xlsx(["Tanggal", "Layanan", "U7", "U3", "U9"], [[when, "kk", 4, 3, 2]])
    assert run(app, str(path)) == 0
    (row,) = paper(db)
    assert (row["local_date"], row["service"], row["questionnaire"]) == (DAY.isoformat(), "KK",
                                                                         "short")


# --- the same from the staff side -------------------------------------------------------

def upload(client, data: bytes, name: str = "formulir.csv", **options):
    return post_form(client, "/staff/paper/import",
                     {"file": (io.BytesIO(data), name), **options}, "/staff/paper/import")


def csv_bytes(write_csv, header, rows) -> bytes:
    return write_csv(header, rows).read_bytes()


def test_staff_upload_preview_then_confirm(login, db, write_csv):
    client = login("staff", "petugas")
    header, rows = office_file(random.Random(4), 12)
    reply = upload(client, csv_bytes(write_csv, header, rows))
    assert reply.status_code == 302
    preview = client.get(reply.headers["Location"])
    assert preview.status_code == 200, preview.text
    text = preview.text
    assert "<td data-forms>12</td>" in text and "<td data-stored>12</td>" in text
    assert "<td data-skipped>0</td>" in text and paper(db) == []
    token = re.search(r'name="file" type="hidden" value="([^"]+)"', text)[1]
    done = post_form(client, "/staff/paper/import/confirm",
                     {"file": token, "service": "", "date": ""}, reply.headers["Location"])
    assert done.status_code == 302
    stored = paper(db)
    assert len(stored) == 12 and {r["entered_by"] for r in stored} == {"petugas"}
    page = client.get(done.headers["Location"]).text
    assert "12 formulir disimpan, 0 dilewati" in page
    audit = store.schema.rows(db, "SELECT username, detail FROM audit WHERE action = 'paper'")
    assert audit == [{"username": "petugas",
                      "detail": "upload formulir.csv: 12 forms stored, 0 already there (skipped)"}]
    # Confirmed once: the same file again previews as all skipped.
    again = client.get(upload(client, csv_bytes(write_csv, header, rows)).headers["Location"])
    assert "<td data-stored>0</td>" in again.text and "<td data-skipped>12</td>" in again.text


def test_staff_upload_with_options_and_a_bad_file(login, db, write_csv):
    client = login("admin")
    data = csv_bytes(write_csv, ["U1", "U2"], [[4, 3], [2, 9]])
    reply = upload(client, data, service="KK", date=DAY.isoformat())
    assert reply.status_code == 400
    assert "row 3, column U2: 9 is not an answer (1-4)" in reply.text
    assert paper(db) == []
    good = csv_bytes(write_csv, ["U1", "U2"], [[4, 3], [2, 1]])
    location = upload(client, good, service="KK", date=DAY.isoformat()).headers["Location"]
    assert "service=KK" in location and f"date={DAY.isoformat()}" in location
    assert "<td data-stored>2</td>" in client.get(location).text


@pytest.mark.parametrize("name, data, status", [
    ("formulir.xls", b"U1\n4\n", 400),
    ("formulir.csv", b"", 400),
    ("formulir.csv", b"U1\n" + b"4\n" * 1_100_000, 413),
])
def test_a_wrong_or_too_large_upload_is_refused_naming_the_file(login, db, name, data, status):
    client = login("staff")
    token = csrf_token(client.get("/staff/paper/import").text)
    # Encoded here, in memory: the test client spools a large body to a file it never closes.
    boundary, body = encode_multipart({"csrf_token": token,
                                       "file": FileStorage(io.BytesIO(data), name)})
    reply = client.post("/staff/paper/import", data=body,
                        content_type=f"multipart/form-data; boundary={boundary}")
    assert reply.status_code == status
    assert "Berkas" in reply.text and paper(db) == []


def test_viewers_cannot_import(login, db, write_csv):
    client = login("viewer")
    assert client.get("/staff/paper/import").status_code == 403
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      client.get("/staff/password").text)[1]
    reply = client.post("/staff/paper/import", data={
        "csrf_token": token, "file": (io.BytesIO(b"U1\n4\n"), "f.csv")})
    assert reply.status_code == 403 and paper(db) == []
