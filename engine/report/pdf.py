"""The visit report as PDF: the HTML page printed to A4 by headless Chromium.

Chromium is run as a program (``chromium --headless --print-to-pdf``), not through a Python
binding: Debian's ``chromium`` package is the only thing needed, and the page prints exactly
as it shows on screen (the report's ``@media print`` and ``@page`` rules). The page is written
to a private temporary folder and opened with every host name unresolvable, so printing fetches
nothing.

Which Chromium: ``$SICCA_CHROMIUM`` if set, else ``chromium``, ``chromium-browser``,
``google-chrome`` on the PATH, else /usr/bin/chromium. Codes: E600 Chromium not found, E601
Chromium failed or wrote no PDF.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sicca.base.errors import InputError, Problem

__all__ = ["chromium_command", "chromium_path", "html_to_pdf", "missing_chromium"]

_NAMES = ("chromium", "chromium-browser", "google-chrome")
#: Debian's chromium package (issue 13); used when nothing on the PATH answers
DEBIAN = "/usr/bin/chromium"


def chromium_path() -> str | None:
    """The Chromium program to print with, or None when there is none."""
    env = os.environ.get("SICCA_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    return DEBIAN if Path(DEBIAN).is_file() else None


def chromium_command(exe: str, profile: Path, *extra: str) -> list[str]:
    """Headless Chromium with a throw-away profile and no network (nothing resolves)."""
    cmd = [exe, "--headless", "--disable-gpu", "--no-first-run", "--disable-extensions",
           f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND",
           "--disable-dev-shm-usage"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--no-sandbox")  # Chromium's sandbox refuses to start as root (containers)
    return cmd + list(extra)


def missing_chromium() -> InputError:
    return InputError(Problem(
        "cannot write a PDF: headless Chromium was not found", field="-o", code="E600",
        expected="Chromium installed (Debian: apt-get install chromium), or $SICCA_CHROMIUM "
                 "naming the program",
        hint="write HTML instead (-o report.html) and print it from a browser"))


def html_to_pdf(html: str, timeout: float = 180.0) -> bytes:
    """``html`` (a complete, self-contained page) printed to A4 PDF by headless Chromium."""
    exe = chromium_path()
    if exe is None:
        raise missing_chromium()
    with tempfile.TemporaryDirectory(prefix="sicca-pdf-") as tmp:
        d = Path(tmp)
        page, out = d / "report.html", d / "report.pdf"
        page.write_text(html, encoding="utf-8")
        cmd = chromium_command(exe, d / "profile", "--no-pdf-header-footer",
                               "--print-to-pdf-no-header", f"--print-to-pdf={out}",
                               page.as_uri())
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  check=False)
        except FileNotFoundError:
            raise missing_chromium() from None
        except subprocess.TimeoutExpired:
            raise InputError(Problem(f"Chromium did not finish printing within {timeout:g} s",
                                     file=exe, code="E601")) from None
        if proc.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            tail = (proc.stderr or "").strip().splitlines()[-3:]
            raise InputError(Problem("Chromium failed to print the report to PDF", file=exe,
                                     code="E601", found=f"exit {proc.returncode}: "
                                     + " | ".join(tail)))
        return out.read_bytes()
