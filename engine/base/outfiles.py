"""Output files that never destroy an input, and are never left half-written.

``check_outputs`` refuses an output path that is an input (the same file after symlinks and
hard links: same ``st_dev``/``st_ino``), lies inside an input directory, or holds an input
(E134). ``AtomicFile`` writes to a temporary file beside the output and renames it into place
only when the work is done (``os.replace`` is atomic on one file system): until then the old
output, if any, is untouched; on an error the temporary file is removed; ``keep_as`` saves what
an interrupted run wrote under another name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from sicca.base.errors import InputError, Problem

#: Where an interrupted run's complete records are kept: ``out.jsonl`` -> ``out.partial.jsonl``.
PARTIAL = ".partial"


def partial_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}{PARTIAL}{path.suffix}")


def _ident(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _chain(path: Path) -> Iterator[Path]:
    """``path`` resolved, then each of its ancestors."""
    p = path.resolve()
    yield p
    yield from p.parents


def _within(inner: Path, outer: Path) -> bool:
    """Whether ``inner`` is ``outer`` or lies inside it: by resolved path, or by identity of an
    existing ancestor (bind mounts, a directory reached two ways)."""
    outer_r = outer.resolve()
    oid = _ident(outer)
    for p in _chain(inner):
        if p == outer_r or (oid is not None and _ident(p) == oid):
            return True
    return False


def _files_of(path: Path) -> Iterator[Path]:
    if path.is_dir():
        for p in path.rglob("*"):
            if p.is_file():
                yield p


def check_outputs(outputs: Iterable[tuple[str, Path | None]],
                  inputs: Iterable[tuple[str, Path | None]]) -> None:
    """Refuse (E134, exit 2) any output that equals or overlaps an input or another output.

    ``outputs`` and ``inputs`` are (flag, path) pairs; a None path is skipped. An existing
    output is also compared with every file under an input directory (a hard link to one).
    """
    outs = [(f, p) for f, p in outputs if p is not None]
    ins = [(f, p) for f, p in inputs if p is not None]
    for i, (oflag, out) in enumerate(outs):
        oid = _ident(out)
        for iflag, inp in ins:
            why = None
            if out.resolve() == inp.resolve() or (oid is not None and oid == _ident(inp)):
                why = "is the same file as"
            elif inp.is_dir() and _within(out, inp):
                why = "is inside the input directory"
            elif out.is_dir() and _within(inp, out):
                why = "is a directory that holds"
            elif oid is not None and inp.is_dir() and any(
                    _ident(f) == oid for f in _files_of(inp)):
                why = "is the same file (a link) as a file read from"
            if why:
                raise InputError(Problem(
                    f"the output {out} {why} the input {inp} ({iflag}): writing it would "
                    f"destroy what is read", field=oflag, code="E134", found=str(out),
                    expected=f"an output path outside every input ({iflag})"))
        for oflag2, out2 in outs[i + 1:]:
            if out.resolve() == out2.resolve() or (oid is not None and oid == _ident(out2)):
                raise InputError(Problem(f"{oflag} and {oflag2} name the same file", field=oflag2,
                                         code="E134", found=str(out2),
                                         expected="a different file for each output"))


def _mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777  # an output written again keeps its mode
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


class AtomicFile:
    """A text file written beside ``path`` and renamed onto it by ``commit``."""

    def __init__(self, path: Path, newline: str | None = None, sync: bool = True) -> None:
        self.path = path
        self.sync = sync  # fsync before the rename (a power cut too); a Ctrl-C needs none
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        self.tmp = Path(tmp)
        os.chmod(fd, _mode(path))  # mkstemp makes 0600; an output gets the usual mode
        self.fh: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline=newline)
        self.done = False

    def _close(self) -> None:
        if not self.fh.closed:
            self.fh.flush()
            if self.sync:
                os.fsync(self.fh.fileno())
            self.fh.close()

    def commit(self) -> None:
        """Put the finished file in place of ``path`` (atomically)."""
        self._close()
        os.replace(self.tmp, self.path)
        self.done = True

    def keep_as(self, path: Path) -> None:
        """Keep what was written under ``path`` instead (an interrupted run's records)."""
        self._close()
        os.replace(self.tmp, path)
        self.done = True

    def discard(self) -> None:
        """Remove the temporary file; ``path`` is left as it was."""
        if not self.done:
            with contextlib.suppress(OSError):
                self.fh.close()
            with contextlib.suppress(OSError):
                self.tmp.unlink()
            self.done = True


@contextlib.contextmanager
def atomic_text(path: Path, newline: str | None = None,
                sync: bool = True) -> Iterator[IO[str]]:
    """``with atomic_text(p) as fh:`` — ``p`` is replaced only if the block ends without an
    exception (of any kind, Ctrl-C included); otherwise it is left as it was."""
    out = AtomicFile(path, newline, sync)
    try:
        yield out.fh
        out.commit()
    finally:
        out.discard()


def write_text_atomic(path: Path, text: str, sync: bool = False) -> None:
    with atomic_text(path, sync=sync) as fh:
        fh.write(text)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """``path`` replaced by ``data`` at once (a PDF): an interrupted write leaves it whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(fd, _mode(path))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
