"""A small PDF writer: A4 pages of text in the standard fonts, lines and filled squares.

Enough for survey slips, with no PDF library to install: the standard 14 fonts need no
embedding, so every PDF reader shows them, and text is written in WinAnsi (cp1252).
"""
from __future__ import annotations

import zlib

A4 = (595.276, 841.89)  # points (1/72 inch)
MM = 72 / 25.4

# The standard fonts used, by the name a page gives them.
FONTS = {"regular": "Helvetica", "bold": "Helvetica-Bold", "mono": "Courier-Bold"}
# Advance widths of characters 32-126 (thousandths of the size), from Adobe's font metrics.
_WIDTHS = {
    "regular": "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 "
               "556 556 556 556 556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 "
               "778 722 278 500 667 556 833 722 778 667 778 722 667 611 722 667 944 667 667 "
               "611 278 278 278 469 556 333 556 556 500 556 556 278 556 556 222 222 500 222 833 "
               "556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 584",
    "bold": "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 "
            "556 556 556 556 556 556 333 333 584 584 584 611 975 722 722 722 722 667 611 778 "
            "722 278 556 722 611 833 722 778 667 778 722 667 611 722 667 944 667 667 611 333 "
            "278 333 584 556 333 556 611 556 611 556 333 611 611 278 278 556 278 889 611 611 "
            "611 611 389 556 333 611 556 778 556 556 500 389 280 389 584",
}
WIDTHS = {font: [int(w) for w in table.split()] for font, table in _WIDTHS.items()}


def width(text: str, size: float, font: str = "regular") -> float:
    """Return how wide a line of text is, in points."""
    if font == "mono":
        return len(text) * 0.6 * size
    table = WIDTHS[font]
    return sum(table[ord(c) - 32] if 32 <= ord(c) <= 126 else 556 for c in text) * size / 1000


def wrap(text: str, size: float, room: float, font: str = "regular") -> list[str]:
    """Break text into lines no wider than `room` points (a word longer stays whole)."""
    lines: list[str] = []
    for word in text.split():
        if lines and width(f"{lines[-1]} {word}", size, font) <= room:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def _literal(text: str) -> str:
    """Return text as a PDF string literal in WinAnsi; what it cannot hold becomes '?'."""
    out = []
    for byte in text.encode("cp1252", "replace"):
        if byte in b"()\\" or not 32 <= byte <= 126:
            out.append(f"\\{byte:03o}")
        else:
            out.append(chr(byte))
    return "(" + "".join(out) + ")"


class Page:
    """One A4 page; coordinates in points from the bottom left, as PDF has them."""

    def __init__(self) -> None:
        self.ops: list[str] = []

    def text(self, x: float, y: float, text: str, size: float, font: str = "regular",
             grey: float = 0) -> None:
        """Write one line of text with its baseline at (x, y)."""
        self.ops.append(f"BT {grey:.2f} g /{font} {size:.2f} Tf {x:.2f} {y:.2f} Td "
                        f"{_literal(text)} Tj ET")

    def line(self, x1: float, y1: float, x2: float, y2: float, thickness: float = 0.5,
             dash: tuple[float, float] | None = None, grey: float = 0) -> None:
        """Draw a straight line, dashed when `dash` gives (dash, gap) lengths."""
        pattern = f"[{dash[0]:.2f} {dash[1]:.2f}] 0 d" if dash else "[] 0 d"
        self.ops.append(f"{grey:.2f} G {thickness:.2f} w {pattern} {x1:.2f} {y1:.2f} m "
                        f"{x2:.2f} {y2:.2f} l S")

    def squares(self, x: float, top: float, module: float, matrix: list) -> None:
        """Fill a grid of black modules (a QR code's), top row first, left edge at x."""
        ops = ["0 g"]
        for r, row in enumerate(matrix):
            y = top - (r + 1) * module
            c = 0
            while c < len(row):  # one rectangle per run of dark modules
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < len(row) and row[c]:
                    c += 1
                ops.append(f"{x + start * module:.3f} {y:.3f} {(c - start) * module:.3f} "
                           f"{module:.3f} re")
        self.ops.append("\n".join(ops) + "\nf")


class Document:
    """Pages in order; bytes() gives the whole file."""

    def __init__(self) -> None:
        self.pages: list[Page] = []

    def page(self) -> Page:
        """Add a new blank page and return it."""
        self.pages.append(Page())
        return self.pages[-1]

    def bytes(self) -> bytes:
        """Return the PDF file: catalog, pages, fonts, compressed contents, cross-references."""
        fonts = len(FONTS)
        first_page = 3 + fonts  # 1 catalog, 2 page tree, then the fonts, then each page
        objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
        kids = " ".join(f"{first_page + 2 * n} 0 R" for n in range(len(self.pages)))
        objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(self.pages)} >>".encode())
        for base in FONTS.values():
            objects.append(f"<< /Type /Font /Subtype /Type1 /BaseFont /{base} "
                           f"/Encoding /WinAnsiEncoding >>".encode())
        font_refs = " ".join(f"/{name} {3 + n} 0 R" for n, name in enumerate(FONTS))
        for n, page in enumerate(self.pages):
            content = zlib.compress("\n".join(page.ops).encode("latin-1"))
            objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {A4[0]} {A4[1]}] "
                           f"/Resources << /Font << {font_refs} >> >> "
                           f"/Contents {first_page + 2 * n + 1} 0 R >>".encode())
            objects.append(f"<< /Length {len(content)} /Filter /FlateDecode >>\nstream\n"
                           .encode() + content + b"\nendstream")
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
        out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
        out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
                f"%%EOF\n").encode()
        return bytes(out)
