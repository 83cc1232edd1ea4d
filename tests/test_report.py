"""The monthly report: its numbers, its agenda, and its PDF on A4."""
from __future__ import annotations

import random
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from support import print_pdf, staff_page

import store
from bench.seed import seed
from ikm.periods import containing
from results import summary
from store.audit import COMMAND_LINE

OCTOBER = containing("month", date(2026, 10, 1))
OUTPUT = Path(__file__).resolve().parent.parent / "test-output"


@pytest.fixture
def seeded(db):
    """A year of an ordinary office: about a dozen surveys a working day."""
    seed(db, date(2025, 10, 1), date(2026, 10, 31), 12, random.Random(2017))
    return db


def test_report_page_needs_a_login(client):
    reply = client.get("/staff/report")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]


def test_report_shows_the_period_numbers(seeded, login):
    page = login("viewer").get("/staff/report?kind=month&from=2026-10-01").text
    result = summary.period_result(seeded, OCTOBER.start, OCTOBER.end)
    assert f"{result.ikm:.2f}" in page and f">{result.grade}<" in page
    assert "Oktober 2026" in page and "September 2026" in page and "Oktober 2025" in page
    assert "Rencana tindak lanjut" in page and "Camat" in page
    # Lowest first: the first row of the unsur table is the weakest unsur.
    weakest = result.lowest()[0]
    assert page.index(f"{weakest.code} {weakest.name}") < page.index("U4 Biaya/Tarif")


def test_agenda_names_the_weakest_and_the_drops(db):
    import store
    from ikm import office
    from ikm.validation import parse

    codes = office.QUESTIONNAIRES["full"]

    def add(month: str, answers: dict, n: int):
        items = [parse({"id": f"00000000-0000-4000-8000-{month[-2:]}{i:010d}", "service": "KK",
                        "answered_at": f"{month}-10T10:00:00+07:00", "answers": answers},
                       {"KK"}) for i in range(n)]
        store.responses.record(db, None, items, {**office.DEFAULTS, "min_survey_seconds": 0})

    add("2026-09", {c: 4 for c in codes}, 20)
    add("2026-10", {**{c: 4 for c in codes}, "U9": 2, "U3": 3}, 20)
    data = summary.monthly_report(db, OCTOBER)
    assert [u.code for u in data.weakest] == ["U9", "U3", "U1"]
    assert [(u.code, float(c.delta)) for u, c in data.drops] == [("U9", -50.0), ("U3", -25.0)]
    assert data.drops[0][1].significant is True


def test_comments_are_grouped_by_service_with_their_status(db, login):
    import store
    from ikm import clock, office
    from ikm.validation import parse

    rows = [("KTP-EL", "Petugas kurang senyum"), ("KK", "Kursi kurang"), ("KTP-EL", "Cepat")]
    items = [parse({"id": f"00000000-0000-4000-8000-{i:012d}", "service": s,
                    "answered_at": "2026-10-05T09:00:00+07:00", "answers": {"U1": 3},
                    "comment": c}, {s}) for i, (s, c) in enumerate(rows)]
    store.responses.record(db, None, items, {**office.DEFAULTS, "min_survey_seconds": 0})
    groups = summary.comments_by_service(db, OCTOBER, clock.parse_offset("+07:00"))
    assert [(s["code"], [c.text for c in cs]) for s, cs in groups] == [
        ("KK", ["Kursi kurang"]), ("KTP-EL", ["Petugas kurang senyum", "Cepat"])]
    assert summary.open_complaints(groups) == 3


needs_pdf_tools = pytest.mark.skipif(not shutil.which("pdftotext"),
                                     reason="poppler-utils (pdftotext) is not installed")


@needs_pdf_tools
def test_report_prints_on_at_most_four_a4_pages_with_the_api_numbers(
        seeded, live_server, browser, client, tmp_path):
    store.accounts.create_user(seeded, "camat", "rahasia-camat", "viewer", actor=COMMAND_LINE)
    page = staff_page(browser, live_server.url, "camat", "rahasia-camat")
    page.goto(f"{live_server.url}/staff/report?kind=month&from=2026-10-01")

    # The charts are drawn: a bar per unsur, a marker per month of the trend.
    page.wait_for_selector("[data-figure=unsur] .main-svg")
    assert page.locator("[data-figure=unsur] .trace.bars .point").count() == 9
    assert page.locator("[data-figure=trend] .trace.scatter .point").count() == 12

    pdf = tmp_path / "laporan.pdf"
    pages, info = print_pdf(page, pdf)
    page.close()
    assert 1 <= pages <= 4
    assert "A4" in info or "595.2 x 841.92" in info or "595 x 842" in info

    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True).stdout
    api = client.get("/api/ikm?from=2026-10-01&to=2026-10-31").json
    assert f"{api['ikm']:.2f}" in text
    assert api["grade"] in text.split()
    assert "Halaman 1 / " in text  # page numbers
    # The bar labels of the unsur chart made it into the PDF: the chart is not an empty box.
    for u in api["unsur"]:
        assert f"{u['ikm']:.2f} ({u['grade']})" in text
    OUTPUT.mkdir(exist_ok=True)
    shutil.copy(pdf, OUTPUT / "laporan-oktober-2026.pdf")


def test_the_trend_of_this_year_stops_at_this_month(db):
    year = containing("year", date(2026, 11, 28))
    months = summary.overview(db, year, today=date(2026, 11, 28)).trend
    assert months[-1][0].label() == "November 2026" and len(months) == 12
