"""A period's SKM report tables as an Excel workbook (openpyxl)."""
from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlite_utils import Database

import store
from ikm.clock import parse_offset
from ikm.method import PERMENPAN_2017
from ikm.periods import Period
from ikm.profile import FIELDS
from results import channels, summary
from results.csv_export import COLUMNS, STATUS_LABELS, neutralise, response_rows

CODES = PERMENPAN_2017.codes
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
NUMBER_FORMATS = {"nrr": "0.000", "index": "0.0000", "ikm": "0.00", "percent": "0.0%",
                  "time": "yyyy-mm-dd hh:mm", "date": "yyyy-mm-dd"}


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        # openpyxl refuses control characters; a kiosk may still have sent some.
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: office wall-clock time
    return value


def _row(ws: Worksheet, values: list[Any], formats: dict[int, str] | None = None,
         bold: bool = False) -> None:
    cells = []
    for column, value in enumerate(values, start=1):
        cell = Cell(ws, value=_cell(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"  # text stays text, whatever it looks like
        if bold:
            cell.font = BOLD
        if formats and column in formats:
            cell.number_format = NUMBER_FORMATS[formats[column]]
        cells.append(cell)
    ws.append(cells)


def _table(ws: Worksheet, header: list[str], rows: list[list[Any]],
           formats: dict[int, str] | None = None, freeze: bool = True) -> None:
    _row(ws, header, bold=True)
    if freeze:
        ws.freeze_panes = f"A{ws.max_row + 1}"
    for values in rows:
        _row(ws, values, formats)


def _shown_length(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    return 16 if isinstance(value, datetime) else 8  # numbers show with their format's places


def _widths(ws: Worksheet, wide: dict[int, int] | None = None, wrap: bool = True) -> None:
    for column in ws.iter_cols():
        index = column[0].column
        longest = max((_shown_length(c.value) for c in column if c.value is not None), default=6)
        ws.column_dimensions[get_column_letter(index)].width = min(max(longest + 2, 8), 45)
    for index, width in (wide or {}).items():
        ws.column_dimensions[get_column_letter(index)].width = width
        for cell in next(ws.iter_cols(min_col=index, max_col=index)) if wrap else ():
            cell.alignment = WRAP


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _ikm_sheet(ws: Worksheet, office: str, period: Period, result, made: datetime) -> None:
    ws.append(["Survei Kepuasan Masyarakat (SKM)"])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in (
            ("Unit pelayanan", office),
            ("Periode", f"{period.label('id')} ({period.start} s.d. {period.end})"),
            ("Metode", result.method.name),
            ("Jumlah responden", result.respondents),
            ("Dibuat", made)):
        _row(ws, [label, value], {2: "time"} if label == "Dibuat" else None)
    ws.append([])
    _table(ws, ["Kode", "Unsur", "Jumlah nilai", "n", "NRR", "NRR tertimbang", "NRR x 25",
                "Mutu"],
           [[u.code, u.name, u.total, u.n, _num(u.nrr), _num(u.nrr_weighted), _num(u.ikm),
             u.grade] for u in result.unsur],
           # Other tables follow on this sheet: a frozen unsur header would sit above them.
           {5: "nrr", 6: "nrr", 7: "ikm"}, freeze=False)
    ws.append([])
    if result.ikm is None:
        _row(ws, ["Belum ada jawaban pada periode ini: IKM tidak dapat dihitung."], bold=True)
    if not result.complete and result.ikm is not None:
        _row(ws, [f"Hanya {result.covered} dari {len(result.method.unsur)} unsur yang dijawab; "
                  "IKM dihitung atas unsur tersebut saja."], bold=True)
    ci = result.ci or (None, None)
    for label, value, fmt in (
            ("Indeks (jumlah NRR tertimbang)", _num(result.index_exact), "index"),
            ("IKM (indeks x 25)", _num(result.ikm), "ikm"),
            ("Mutu pelayanan", result.grade, None),
            ("Kinerja unit pelayanan", result.kinerja, None)):
        _row(ws, [label, value], {2: fmt} if fmt else None, bold=label.startswith("IKM"))
    _row(ws, ["Selang kepercayaan 95% IKM", _num(ci[0]), _num(ci[1])], {2: "ikm", 3: "ikm"})
    ws.append([])
    _row(ws, ["Tabel mutu", "IKM dari", "sampai", "Kinerja"], bold=True)
    for band in result.method.grades:
        _row(ws, [band.mutu, _num(band.lower), _num(band.upper), band.kinerja],
             {2: "ikm", 3: "ikm"})
    ws.append([])
    _row(ws, ["Urutan unsur, terendah dulu (dasar rencana tindak lanjut)"], bold=True)
    _row(ws, ["Peringkat", "Unsur", "NRR x 25", "Mutu"], bold=True)
    for rank, u in enumerate(result.lowest(), start=1):
        _row(ws, [rank, f"{u.code} {u.name}", _num(u.ikm), u.grade], {3: "ikm"})
    _widths(ws, {1: 34, 2: 40}, wrap=False)  # labels and titles run on into empty cells


APART_NOTE = "Ditampilkan terpisah agar petugas dapat menilainya; tetap dihitung dalam IKM."


def _channel_sheet(ws: Worksheet, found: dict[str, Any], result) -> None:
    rows = [[row.channel, channels.indonesian(row.channel), row.respondents, _num(row.ikm),
             row.grade, row.result.kinerja if row.result else None,
             APART_NOTE if row.apart else None]
            for row in channels.rows(found, every=True)]
    rows.append(["", "Semua saluran", result.respondents, _num(result.ikm), result.grade,
                 result.kinerja, None])
    _table(ws, ["Kode", "Saluran", "Responden", "IKM", "Mutu", "Kinerja", "Keterangan"], rows,
           {4: "ikm"})
    _widths(ws, {7: 50})


def _profile_rows(counts: dict[str, dict[str | None, int]]) -> list[list[Any]]:
    rows = []
    for field in FIELDS:
        found = counts.get(field.key, {})
        total = sum(found.values())
        codes = [*field.codes, *sorted(c for c in found if c and c not in field.codes), None]
        for code in codes:
            n = found.get(code, 0)
            label = field.label(code) if code else "Tidak diisi"
            rows.append([field.title, label, n, n / total if total else None])
    return rows


def _comment_rows(items: list[store.comments.Comment]) -> list[list[Any]]:
    return [[c.answered_at, c.service_name, c.text, STATUS_LABELS[c.status], c.note,
             c.updated_by, c.updated_at, "Ya" if c.counted else "Tidak (ditandai)"]
            for c in reversed(items)]


def workbook(db: Database, period: Period, settings: dict[str, Any],
             include_flagged: bool = False) -> Workbook:
    """Build the period's SKM report workbook; every number comes from results.summary."""
    tz = parse_offset(settings["utc_offset"])
    book = Workbook()
    found = summary.split(db, [(period.start, period.end)])
    result = found.results[0]
    _ikm_sheet(book.active, settings["office_name"], period, result, datetime.now(tz))
    book.active.title = "IKM"
    ws = book.create_sheet("Per layanan")
    _table(ws, ["Kode", "Layanan", "Responden", "IKM", "Mutu", "Kinerja"],
           [[s["code"], s["name"], r.respondents, _num(r.ikm), r.grade, r.kinerja]
            for s, r in summary.by_service(db, period)], {4: "ikm"})
    _widths(ws, {2: 50})
    _channel_sheet(book.create_sheet("Per saluran"), found.channels, result)
    ws = book.create_sheet("Profil responden")
    _table(ws, ["Profil", "Kategori", "Jumlah", "Persen"],
           _profile_rows(store.totals.profile_counts(db, period.start, period.end)), {4: "percent"})
    _widths(ws)
    ws = book.create_sheet("Kritik dan saran")
    _table(ws, ["Tanggal dan jam", "Layanan", "Kritik dan saran", "Status", "Catatan tindak lanjut",
                "Diperbarui oleh", "Diperbarui pada", "Dihitung dalam IKM"],
           _comment_rows(store.comments.list_comments(db, period.start, period.end, tz)),
           {1: "time", 7: "time"})
    _widths(ws, {1: 18, 2: 30, 3: 60, 5: 45, 7: 18})
    ws = book.create_sheet("Tindak lanjut")  # a staff file: who does it is included
    _table(ws, ["Unsur", "Layanan", "Tindakan", "Penanggung jawab", "Target waktu", "Status",
                "Keterangan untuk publik", "Ditetapkan", "Ditutup"],
           [[a.unsur, a.service, a.what, a.who, a.due, a.status, a.public_note,
             a.created_at.date(), a.closed_at.date() if a.closed_at else None]
            for a in store.actions.list_actions(db, tz)], {5: "date", 8: "date", 9: "date"})
    _widths(ws, {3: 50, 7: 40})
    ws = book.create_sheet("Data")
    rows = response_rows(db, period.start, period.end, tz, include_flagged)
    time_col, date_col = COLUMNS.index("answered_at") + 1, COLUMNS.index("local_date") + 1
    _table(ws, list(COLUMNS),
           [[date.fromisoformat(r[c]) if c == "local_date" else r[c] for c in COLUMNS]
            for r in rows], {time_col: "time", date_col: "date"})
    _widths(ws, {1: 38, time_col: 18})
    return book


def workbook_bytes(book: Workbook) -> bytes:
    """Return the workbook as the bytes of an .xlsx file."""
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
