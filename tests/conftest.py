"""Shared fixtures: files of questionnaires written the way offices write them."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest


@pytest.fixture
def write_csv(tmp_path):
    """Write a CSV with a header and rows; return its path."""

    def write(header: list[str], rows: list[list[object]], name: str = "skm.csv",
              delimiter: str = ",") -> Path:
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f, delimiter=delimiter)
            out.writerow(header)
            out.writerows(["" if v is None else v for v in row] for row in rows)
        return path

    return write


@pytest.fixture
def write_xlsx(tmp_path):
    """Write an .xlsx workbook with a header and rows; return its path."""
    import openpyxl

    def write(header: list[str], rows: list[list[object]], name: str = "skm.xlsx",
              title: str | None = None) -> Path:
        book = openpyxl.Workbook()
        sheet = book.active
        if title:
            sheet.append([title])
            sheet.append([])
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        path = tmp_path / name
        book.save(path)
        return path

    return write
