"""Headless Chromium for the report tests: a screenshot (PNG) and the DOM as the browser built
it, plus a small PNG reader to tell a rendered page from a blank one (no imaging library)."""

from __future__ import annotations

import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

from sicca.report.pdf import chromium_command, chromium_path


def _chromium(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    exe = chromium_path()
    assert exe is not None, "headless Chromium is needed (Debian: apt-get install chromium)"
    with tempfile.TemporaryDirectory(prefix="sicca-test-chromium-") as tmp:
        cmd = chromium_command(exe, Path(tmp) / "profile", "--hide-scrollbars", *args)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              check=False)


def screenshot(page: Path, png: Path, width: int = 1000, height: int = 2400) -> Path:
    """A PNG of the top ``width`` x ``height`` pixels of ``page`` as Chromium renders it."""
    done = _chromium(f"--screenshot={png}", f"--window-size={width},{height}", page.as_uri())
    assert done.returncode == 0 and png.is_file(), done.stderr[-2000:]
    return png


def dom(page: Path) -> str:
    """The page's DOM after Chromium parsed and laid it out (``--dump-dom``)."""
    done = _chromium("--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def png_pixels(png: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and the rows of RGB(A) bytes of an 8-bit, non-interlaced PNG (what
    Chromium writes), filters undone."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and ctype in (2, 6), (depth, ctype)
            channels = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride = zlib.decompress(idat), width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def ink_share(png: Path, step: int = 4) -> tuple[float, int]:
    """The share of sampled pixels that are not near-white, and how many distinct colours
    the sample holds (a blank page: 0.0 and 1)."""
    width, height, rows = png_pixels(png)
    channels = len(rows[0]) // width
    colours: set[bytes] = set()
    inked = total = 0
    for y in range(0, height, step):
        row = rows[y]
        for x in range(0, width, step):
            px = row[x * channels:x * channels + 3]
            colours.add(px)
            total += 1
            inked += min(px) < 235
    return inked / total, len(colours)
