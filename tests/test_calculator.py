"""python -m ikm: files as offices keep them, and every way a file can be wrong."""
import json
import subprocess
import sys

import pytest

from ikm.__main__ import main
from ikm.method import PERMENPAN_2017

CODES = list(PERMENPAN_2017.codes)
NAMES = {u.code: u.name for u in PERMENPAN_2017.unsur}
ROWS = [
    [3, 3, 2, 4, 3, 3, 2, 3, 2],
    [4, 3, 3, 4, None, 3, 3, 3, 2],
    [3, 4, 2, 4, 3, 4, 3, 2, 3],
    [4, 3, 3, 4, 4, 3, 4, 3, 2],
]


def run_json(capsys, *args) -> dict:
    assert main([*map(str, args), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_all_fours_gives_100_a(write_csv, capsys):
    data = run_json(capsys, write_csv(CODES, [[4] * 9] * 3))
    assert (data["ikm"], data["grade"], data["kinerja"]) == (100.0, "A", "Sangat Baik")
    assert data["respondents"] == 3 and data["complete"] is True
    assert data["method"] == "PermenPAN-RB 14/2017"


def test_every_nrr_three_gives_75_c(write_csv, capsys):
    data = run_json(capsys, write_csv(CODES, [[2] * 9, [4] * 9, [3] * 9]))
    assert (data["ikm"], data["grade"]) == (75.0, "C")
    assert {u["nrr"] for u in data["unsur"]} == {3.0}


def test_reordered_columns_named_officially_give_identical_output(write_csv, capsys):
    baseline = run_json(capsys, write_csv(CODES, ROWS, "codes.csv"))
    # The printed form's order: Sarana 8th, Pengaduan 9th; headers in mixed case.
    order = ["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U9", "U8"]
    header = ["No", "Jenis Layanan"] + [NAMES[c].upper() if c in ("U8", "U9") else NAMES[c]
                                        for c in order]
    rows = [[i, "KTP-el"] + [row[CODES.index(c)] for c in order] for i, row in enumerate(ROWS)]
    renamed = run_json(capsys, write_csv(header, rows, "names.csv"))
    baseline.pop("source"), renamed.pop("source")
    assert renamed == baseline
    assert baseline["ikm"] == 77.31 and baseline["grade"] == "B"
    assert baseline["unsur"][4]["n"] == 3  # the blank U5 is unanswered, not 0


def test_xlsx_with_title_rows_gives_the_same_result_as_csv(write_csv, write_xlsx, capsys):
    from_csv = run_json(capsys, write_csv(CODES, ROWS))
    from_xlsx = run_json(capsys, write_xlsx([c.lower() for c in CODES], ROWS,
                                            title="SKM Kantor Camat Serai Serumpun"))
    from_csv.pop("source"), from_xlsx.pop("source")
    assert from_xlsx == from_csv


def test_semicolon_csv_from_an_indonesian_spreadsheet(write_csv, capsys):
    data = run_json(capsys, write_csv(CODES, ROWS, delimiter=";"))
    assert data["ikm"] == 77.31


def test_a_doubled_quote_past_the_sniffed_sample_stays_in_its_field(tmp_path, capsys):
    """The export quotes every field; only a comment far down holds quotes and a new line."""
    import csv

    path = tmp_path / "skm.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, quoting=csv.QUOTE_ALL)
        out.writerow([*CODES, "comment"])
        out.writerows([*[[3] * 9 + ["cukup"]] * 300, [3] * 9 + ['antre "lama"\nbaris kedua']])
    assert run_json(capsys, path)["respondents"] == 301


def test_readable_table_by_default(write_csv, capsys):
    assert main([str(write_csv(CODES, ROWS))]) == 0
    out = capsys.readouterr().out
    assert "U8    Penanganan Pengaduan, Saran dan Masukan" in out
    assert "IKM:         77.31" in out
    assert "Mutu:        B (Baik)" in out
    assert "Method: PermenPAN-RB 14/2017" in out and "Respondents: 4" in out


def test_incomplete_file_says_so(write_csv, capsys):
    assert main([str(write_csv(["U7", "U3", "U9"], [[4, 3, 2]]))]) == 0
    assert "only 3 of 9 unsur have answers" in capsys.readouterr().out


def test_2004_method(write_csv, capsys):
    header = [f"U{i}" for i in range(1, 15)]
    data = run_json(capsys, write_csv(header, [[3] * 10 + [4] * 4]), "--method", "2004")
    assert data["method"] == "KepMenPAN 25/2004" and len(data["unsur"]) == 14
    # (10*3 + 4*4) / 14 * 25 = 82.142857... -> A under the 2004 table.
    assert (data["ikm"], data["grade"]) == (82.14, "A")


@pytest.mark.parametrize("cell, shown", [
    ("0", "0"), ("5", "5"), ("3.5", "3.5"), ("baik", "'baik'"), ("-1", "-1"), ("3,5", "3,5"),
])
def test_an_invalid_cell_stops_everything_and_names_row_and_column(write_csv, capsys, cell,
                                                                    shown):
    rows = [list(r) for r in ROWS]
    rows[2][1] = cell
    assert main([str(write_csv(CODES, rows))]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == f"error: row 4, column U2: {shown} is not an answer (1-4)"


def test_invalid_xlsx_cells_name_the_official_column(write_xlsx, capsys):
    header = [NAMES[c] for c in CODES]
    path = write_xlsx(header, [[4] * 9, [4, 4, 3.5, 4, 4, 4, 4, 4, True]])
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert "row 3, column Waktu Penyelesaian (U3): 3.5 is not an answer (1-4)" in err
    assert "row 3, column Sarana dan Prasarana (U9): True is not an answer (1-4)" in err


def test_whole_number_cells_from_excel_are_accepted(write_xlsx, capsys):
    data = run_json(capsys, write_xlsx(CODES, [[4.0] * 9]))
    assert data["ikm"] == 100.0


def test_columns_named_twice_are_refused(write_csv, capsys):
    path = write_csv(CODES + ["Sarana dan Prasarana"], [[4] * 10])
    assert main([str(path)]) == 2
    assert "both hold U9" in capsys.readouterr().err


def test_unknown_unsur_column_is_ignored_with_a_warning(write_csv, capsys):
    assert main([str(write_csv(CODES + ["U10"], [[4] * 10]))]) == 0
    assert "column U10 ignored" in capsys.readouterr().err


def write_bytes(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name, data, message", [
    ("empty.csv", b"", "the file is empty"),
    ("blank.csv", b"\n,,\n\n", "the file is empty"),
    ("nocols.csv", b"nama,umur\nAni,34\n", "no answer columns found"),
    ("noanswers.csv", b"U1,U2\n,\n", "the answer columns hold no answers"),
    ("notes.txt", b"U1\n4\n", "unsupported file type .txt"),
    ("old.xls", b"U1\n4\n", "save it as .xlsx"),
    ("broken.xlsx", b"PK\x03\x04 not really a workbook", "cannot be read as an Excel workbook"),
    ("binary.csv", b"\x00\x01\x02U1\n", "not a text CSV file"),
])
def test_unusable_files_get_one_clear_line(tmp_path, capsys, name, data, message):
    assert main([str(write_bytes(tmp_path, name, data))]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_missing_file(tmp_path, capsys):
    assert main([str(tmp_path / "nowhere.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_many_errors_are_listed_then_summarised(write_csv, capsys):
    assert main([str(write_csv(CODES, [[9] * 9] * 5))]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 21 and lines[-1] == "... and 25 more"


def test_command_line_end_to_end_without_traceback(tmp_path, write_csv):
    good = subprocess.run([sys.executable, "-m", "ikm", str(write_csv(CODES, [[4] * 9])),
                           "--json"], capture_output=True, text=True)
    assert good.returncode == 0 and json.loads(good.stdout)["grade"] == "A"
    bad = subprocess.run([sys.executable, "-m", "ikm", str(write_bytes(tmp_path, "x.xlsx", b"zz"))],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stdout == ""


def test_a_workbook_with_a_data_sheet_is_read_from_it(tmp_path, capsys):
    import openpyxl

    # Like the staff export: a summary sheet first (its own unsur headers), rows on "Data".
    book = openpyxl.Workbook()
    book.active.title = "IKM"
    book.active.append(["Unsur", "U1", "Persyaratan"])
    data = book.create_sheet("Data")
    data.append(CODES)
    data.append([4] * 9)
    path = tmp_path / "skm-export.xlsx"
    book.save(path)
    assert run_json(capsys, path)["ikm"] == 100.0
