"""Survey slips and the poster as printed: what they say, and sheets of ten slips as a PDF."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Any

import segno

import store
from ikm import clock, office
from ikm.periods import MONTHS, MONTHS_EN
from results import pdf

PER_PAGE, COLUMNS = 10, 2  # two columns of five: each slip 105 x 59.4 mm
# A slip speaks to citizens in both languages whatever the language of the staff page that
# printed it, and reads the same on the page and in the PDF: fixed words, not translations.
INVITATION = {
    "id": "Bagaimana pelayanan kami? Pindai kode QR ini dan isi survei singkat di ponsel Anda.",
    "en": "How was our service? Scan the QR code for a short survey on your phone.",
}
VALID = {"id": "Berlaku sampai", "en": "valid until"}
SERVICE = {"id": "Layanan", "en": "Service"}
TYPE_IT = {"id": "atau buka", "en": "or open"}
POSTER = {
    "title": {"id": "Survei Kepuasan Masyarakat", "en": "Public Satisfaction Survey"},
    "invite": {"id": "Bagaimana pelayanan kami? Pindai kode QR ini dengan kamera ponsel Anda.",
               "en": "How was our service? Scan this QR code with your phone's camera."},
    "note": {"id": "Tanpa nama, tanpa aplikasi, kurang dari satu menit.",
             "en": "Anonymous, no app, less than a minute."},
}


@dataclass
class Slip:
    """One slip as printed."""

    code: str
    link: str  # what the QR code holds
    address: str  # the link without its scheme, for typing
    until: dict[str, str]  # the last day it is valid, in each language
    service: str | None  # the service's name when the slip is for one

    @property
    def grouped(self) -> str:
        """Return the code in two groups of four, as people read it out and type it."""
        return f"{self.code[:4]} {self.code[4:]}"


def link(base: str, code: str) -> str:
    """Return a slip's link on the survey address."""
    return f"{base.rstrip('/')}/s/{code}"


def slips(rows: list[dict[str, Any]], base: str, tz: timezone,
          service_names: dict[str, str]) -> list[Slip]:
    """Return the slips of stored rows, their dates in the office's time zone."""
    made = []
    for row in rows:
        # The last day valid all day long: a slip made at 10:00 expires at 10:00.
        day = (clock.local_time(row["expires_at"], tz) - timedelta(days=1)).date()
        until = {"id": f"{day.day} {MONTHS[day.month - 1]} {day.year}",
                 "en": f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"}
        url = link(base, row["code"])
        made.append(Slip(row["code"], url, url.split("://", 1)[-1], until,
                         service_names.get(row["service"]) if row["service"] else None))
    return made


def pages(items: list[Slip]) -> list[list[Slip]]:
    """Return the slips in sheets of ten."""
    return [items[n:n + PER_PAGE] for n in range(0, len(items), PER_PAGE)]


def to_pdf(items: list[Slip], office: str) -> bytes:
    """Return the slips as A4 pages of ten, with dashed lines to cut along."""
    document = pdf.Document()
    width, height = pdf.A4
    slip_w, slip_h = width / COLUMNS, height / (PER_PAGE // COLUMNS)
    for sheet in pages(items):
        page = document.page()
        page.line(slip_w, 0, slip_w, height, dash=(4, 3), grey=0.5)
        for row in range(1, PER_PAGE // COLUMNS):
            page.line(0, row * slip_h, width, row * slip_h, dash=(4, 3), grey=0.5)
        for n, slip in enumerate(sheet):
            _draw(page, slip, office, (n % COLUMNS) * slip_w,
                  height - (n // COLUMNS) * slip_h, slip_h)
    return document.bytes()


def _draw(page: pdf.Page, slip: Slip, office: str, left: float, top: float,
          slip_h: float) -> None:
    """Draw one slip whose top left corner is at (left, top)."""
    mm = pdf.MM
    matrix = segno.make_qr(slip.link, error="m").matrix
    qr = 38 * mm
    module = qr / (len(matrix) + 8)  # four modules of white all round
    page.squares(left + 6 * mm + 4 * module, top - (slip_h - qr) / 2 - 4 * module, module,
                 matrix)
    x, room = left + 47 * mm, 52 * mm
    y = top - 10 * mm
    for text in pdf.wrap(office.upper(), 7, room, "bold")[:2]:
        page.text(x, y, text, 7, "bold", grey=0.25)
        y -= 9
    y -= 2
    for text in pdf.wrap(INVITATION["id"], 8.5, room, "bold"):
        page.text(x, y, text, 8.5, "bold")
        y -= 10.5
    for text in pdf.wrap(INVITATION["en"], 6.5, room):
        page.text(x, y, text, 6.5, grey=0.35)
        y -= 8
    y -= 14
    page.text(x, y, slip.grouped, 17, "mono")
    y -= 10
    page.text(x, y, f"{TYPE_IT['id']} / {TYPE_IT['en']}:", 6, grey=0.35)
    y -= 9
    page.text(x, y, slip.address, 7.5)
    y -= 3
    for text in pdf.wrap(f"{VALID['id']} {slip.until['id']} ({VALID['en']} "
                         f"{slip.until['en']})", 6, room):
        y -= 7.5
        page.text(x, y, text, 6, grey=0.2)
    if slip.service:
        for text in pdf.wrap(f"{SERVICE['id']}: {slip.service}", 6.5, room, "bold")[:2]:
            y -= 8.5
            page.text(x, y, text, 6.5, "bold")


def make(db: Any, count: int, service: str | None, days: int | None, url: str | None,
         lan: str, *, actor: Any) -> tuple[list[Slip], dict[str, Any]]:
    """Make a printing of slips (audited) for the command line; return them and the
    office's settings. They lead to `url`, else the survey address, else `lan`. Raise
    ValueError saying what is wrong with the request."""
    settings = store.settings.read(db)
    low, high = office.LIMITS["slip_days"]
    if days is not None and not low <= days <= high:
        raise ValueError(f"--days must be between {low} and {high}")
    base = url or settings["survey_address"] or lan
    if office.tidy_address(base) in (None, ""):
        raise ValueError(f"{base!r} is not an address such as http://192.168.1.10:5000")
    row = store.services.get(db, service) if service else None
    if service and not (row and row["active"]):
        raise ValueError(f"{service!r} is not an active service of this office")
    made = store.slips.create(db, count, service, days or settings["slip_days"], actor=actor)
    names = {s["code"]: s["name"] for s in store.services.in_order(db)}
    return slips(made, base, clock.parse_offset(settings["utc_offset"]), names), settings
