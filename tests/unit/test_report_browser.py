"""The visit report in a real browser: Debian's headless Chromium renders the page (screenshot
not blank, the plots in the DOM as <svg>) and prints it to A4 PDF (page count in range).
Chromium runs take seconds each: slow; the HTML-only checks are in test_report.py, and the
PNG reader has a fast test here."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

import sicca
from tests.support.browser import dom, ink_share, png_pixels, screenshot

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "rfib-case.yaml"


def _png(path: Path, rows: list[bytes], width: int) -> Path:
    """A tiny RGB PNG with filter 0 (none) on every row."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + r for r in rows)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def test_the_png_reader_tells_a_blank_page_from_an_inked_one(tmp_path: Path) -> None:
    white = _png(tmp_path / "w.png", [b"\xff" * 12] * 4, 4)
    assert ink_share(white, step=1) == (0.0, 1)
    # one black pixel of 16: 1/16 inked, two colours
    inked = _png(tmp_path / "i.png", [b"\x00\x00\x00" + b"\xff" * 9] + [b"\xff" * 12] * 3, 4)
    assert ink_share(inked, step=1) == (1 / 16, 2)
    assert png_pixels(inked)[:2] == (4, 4)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    out.write_text(sicca.load(engine="native").report_html(SEED), encoding="utf-8")
    return out


@pytest.mark.slow
def test_chromium_renders_the_report_with_its_plots(page: Path, tmp_path: Path) -> None:
    png = screenshot(page, tmp_path / "report.png", width=900, height=1300)
    share, colours = ink_share(png)
    # a rendered page: text, tables and the first plot ink part of it in many colours
    assert 0.02 < share < 0.9 and colours > 20, (share, colours)
    built = dom(page)
    # the browser's DOM holds every figure's <svg> (9 for the seed case: ESSDAI, ClinESSDAI,
    # ESSPRI and 6 lab panels) with its marks
    assert built.count("<svg") == built.count('<figure id="plot-') >= 9
    assert built.count('class="bar"') >= 5 and "PASS: below 5" in built


@pytest.mark.slow
def test_the_pdf_is_a4_with_pages_in_range(tmp_path: Path) -> None:
    from pypdf import PdfReader

    pdf = sicca.load(engine="native").report_pdf(SEED)
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    reader = PdfReader(path)
    # 32 pages for the seed case today: 1 header, 4 of plots, ~4 per timepoint, changes, the
    # traces (later timepoints list only what changed) and references
    assert 15 <= len(reader.pages) <= 60, len(reader.pages)
    box = reader.pages[0].mediabox  # A4 = 595 x 842 points
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = reader.pages[0].extract_text()
    assert "rfib-001" in text and "not a medical device" in text
