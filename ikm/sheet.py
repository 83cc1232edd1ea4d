"""Read a spreadsheet of paper questionnaires (.csv or .xlsx) into validated answer rows."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ikm.method import DEFAULT_METHOD, Method

MAX_ERRORS = 20
HEADER_SEARCH_ROWS = 20  # a title or office name often sits above the header row


class InputError(Exception):
    """A file the calculator cannot use; the message says what and where."""


@dataclass
class Sheet:
    """Answer rows keyed by unsur code, with the file's row number of each."""

    rows: list[dict[str, int | None]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # code -> header as written
    warnings: list[str] = field(default_factory=list)
    # The header row and each answer row as read, for callers that want other columns too.
    header: list[object] = field(default_factory=list)
    records: list[list[object]] = field(default_factory=list)


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def column_map(method: Method) -> dict[str, str]:
    """Return normalised header -> unsur code, for codes and official names."""
    mapping = {}
    for u in method.unsur:
        mapping[_normal(u.code)] = u.code
        mapping[_normal(u.name)] = u.code
    return mapping


def parse_answer(value: object) -> int | None:
    """Return the answer 1..4 in a cell, None for a blank; raise ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an answer (1-4)")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if 1 <= value <= 4:
            return value
        raise ValueError(f"{value} is not an answer (1-4)")
    if isinstance(value, float):
        raise ValueError(f"{value:g} is not an answer (1-4)")
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"\+?\d+", text):
        return parse_answer(int(text))
    if re.fullmatch(r"[-+]?\d*[.,]\d+|-\d+", text):
        raise ValueError(f"{text} is not an answer (1-4)")
    raise ValueError(f"{text!r} is not an answer (1-4)")


def _csv_records(path: Path) -> Iterator[list[object]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(f"{path}: not a text CSV file")
    if "\x00" in text:
        raise InputError(f"{path}: not a text CSV file (it holds binary data)")
    try:
        # Spreadsheets set to Indonesian save CSV with ';' because ',' is the decimal mark.
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
        # Its sample decides whether quotes are doubled; every spreadsheet doubles them
        # (RFC 4180), and a "" further down than the sample must not split a field.
        dialect.doublequote = True
    except csv.Error:
        dialect = csv.excel
    try:
        yield from csv.reader(io.StringIO(text), dialect)
    except csv.Error as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc})") from None


def _xlsx_records(path: Path) -> Iterator[list[object]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(
            f"{path}: cannot be read as an Excel workbook (.xlsx): {exc or type(exc).__name__}"
        ) from None
    try:
        # The workbook our own export makes keeps one row per respondent on "Data".
        sheet = book["Data"] if "Data" in book.sheetnames else (book.active or book.worksheets[0])
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        book.close()


def records(path: Path) -> Iterator[list[object]]:
    """Yield the raw rows of a .csv or .xlsx file."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_records(path)
    if suffix == ".xlsx":
        return _xlsx_records(path)
    hint = " (save it as .xlsx)" if suffix in (".xls", ".ods") else ""
    raise InputError(f"{path}: unsupported file type {suffix or '(none)'}{hint}; use .csv or .xlsx")


def _blank(record: list[object]) -> bool:
    return all(v is None or str(v).strip() == "" for v in record)


def read_sheet(path: str | Path, method: Method = DEFAULT_METHOD) -> Sheet:
    """Read and validate every answer cell; raise InputError naming each bad cell."""
    path = Path(path)
    names = column_map(method)
    rows = records(path)
    sheet = Sheet()
    header: dict[int, str] | None = None
    seen_any = False
    errors: list[str] = []
    for number, record in enumerate(rows, start=1):
        if _blank(record):
            continue
        seen_any = True
        if header is None:
            header = _find_header(record, names, method, sheet)
            sheet.header = record
            if header is None and number >= HEADER_SEARCH_ROWS:
                break
            continue
        answers: dict[str, int | None] = {code: None for code in header.values()}
        for index, code in header.items():
            value = record[index] if index < len(record) else None
            try:
                answers[code] = parse_answer(value)
            except ValueError as exc:
                errors.append(f"row {number}, column {_column_label(sheet, code)}: {exc}")
        sheet.rows.append(answers)
        sheet.row_numbers.append(number)
        sheet.records.append(record)
    if not seen_any:
        raise InputError(f"{path}: the file is empty")
    if header is None:
        expected = f"{method.codes[0]}-{method.codes[-1]}"
        raise InputError(
            f"{path}: no answer columns found; name them {expected} or by the official "
            f"unsur names of {method.name} (e.g. {method.unsur[0].name!r})"
        )
    if errors:
        extra = len(errors) - MAX_ERRORS
        shown = errors[:MAX_ERRORS] + ([f"... and {extra} more"] if extra > 0 else [])
        raise InputError("\n".join(shown))
    if not any(v is not None for row in sheet.rows for v in row.values()):
        raise InputError(f"{path}: the answer columns hold no answers")
    return sheet


def _column_label(sheet: Sheet, code: str) -> str:
    written = sheet.columns[code]
    return code if written.strip().upper() == code else f"{written.strip()} ({code})"


def _find_header(record, names, method: Method, sheet: Sheet) -> dict[int, str] | None:
    header: dict[int, str] = {}
    for index, cell in enumerate(record):
        if cell is None:
            continue
        written = str(cell)
        code = names.get(_normal(written))
        if code is None:
            if re.fullmatch(r"u\d+", _normal(written).replace(" ", "")):
                sheet.warnings.append(
                    f"column {written.strip()} ignored: {method.name} has "
                    f"{method.codes[0]}-{method.codes[-1]}"
                )
            continue
        if code in sheet.columns:
            raise InputError(
                f"columns {sheet.columns[code].strip()!r} and {written.strip()!r} both "
                f"hold {code}; keep one"
            )
        sheet.columns[code] = written
        header[index] = code
    if not header:
        sheet.warnings.clear()
        return None
    return header
