"""The report's comments by theme keep a month on four A4 pages, a busy month on five."""
from __future__ import annotations

import random
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from support import print_pdf, staff_page

import store
from bench.seed import COMMENTS, seed
from ikm.periods import containing
from store.audit import COMMAND_LINE

OCTOBER = containing("month", date(2026, 10, 1))
OUTPUT = Path(__file__).resolve().parent.parent / "test-output" / "themes"
# What a month's citizens write: the same complaint in many hands, a few one-offs.
VARIED = [*COMMENTS,
          "ac ruang tunggu rusak panas sekali", "AC RUANG TUNGGU RUSAK, PANAS SEKALI!!",
          "Toilet kotor dan bau.", "toilet kotor dan bau", "Parkir motor sempit.",
          "Antri lama sekali, gak ada nomor antrian.", "Menunggu dua jam.",
          "Petugas judes waktu ditanya.", "Petugasnya ramah, terima kasih.",
          "Syarat berubah-ubah, disuruh fotokopi lagi.", "Alurnya bingung, tidak ada petunjuk.",
          "Ada yang minta bayar padahal gratis.", "Nama di KK salah ketik.",
          "Petugas tidak paham aturan pindah datang.", "Kemana lapor kalau ada keluhan?",
          "Semoga makin baik.", "Mohon disediakan air minum.", "Tempat sampah kurang.",
          "Jam buka tolong ditulis di depan.", "Sudah bagus.", "Terima kasih banyak.",
          "Wifi untuk warga tolong diadakan.", "Mantap pelayanannya."]


def _print(browser, live_server, path: Path) -> tuple[int, str]:
    """Sign in as a viewer, print October's report to a PDF; return its pages and text."""
    page = staff_page(browser, live_server.url, "camat", "rahasia-camat")
    page.goto(f"{live_server.url}/staff/report?kind=month&from=2026-10-01")
    page.wait_for_selector("[data-figure=unsur] .main-svg")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.locator("[data-comment-themes]").screenshot(path=str(OUTPUT / f"{path.stem}.png"))
    pages, _ = print_pdf(page, path)
    page.close()
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True).stdout
    shutil.copy(path, OUTPUT / path.name)
    return pages, text


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils is not installed")
@pytest.mark.parametrize("rate, least, most, pages", [
    (0.125, 60, 90, 4),    # about 600 responses and 75 comments: four pages
    (0.5, 270, 330, 5),    # a month when citizens wrote five times as much: five
])
def test_a_month_of_comments_prints_within_its_pages(db, live_server, browser, tmp_path,
                                                     rate, least, most, pages):
    seed(db, date(2025, 10, 1), date(2026, 9, 30), 12, random.Random(2017))
    seed(db, OCTOBER.start, OCTOBER.end, 27, random.Random(75), comments=VARIED,
         comment_rate=rate)
    written = store.comments.status_counts(db, OCTOBER.start, OCTOBER.end)["semua"]
    answered = db.execute("SELECT count(*) FROM responses WHERE local_date BETWEEN ? AND ?",
                          [OCTOBER.start.isoformat(), OCTOBER.end.isoformat()]).fetchone()[0]
    assert 540 <= answered <= 660 and least <= written <= most
    store.accounts.create_user(db, "camat", "rahasia-camat", "viewer", actor=COMMAND_LINE)

    printed, text = _print(browser, live_server, tmp_path / f"laporan-{written}-tulisan.pdf")
    print(f"{answered} responses, {written} comments: {printed} pages")
    assert printed <= pages
    assert "Lainnya" in text and "×" in text and "U9 Ruang tunggu dan" in text
