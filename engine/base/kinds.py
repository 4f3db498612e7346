"""What each file under a rules directory is: its parsed top-level ``kind:`` key.

One discovery for every reader (rule loader, linter, vocabulary, analyte table, scoring), so
that a file is found, or not, the same way everywhere: ``*.yaml`` and ``*.yml`` files under
each directory (or a single file), kind read from the parsed document (quotes, comments,
flow style and position do not matter). A file with no ``kind`` is a rule file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sicca.base.errors import InputError, Problem
from sicca.base.filekind import yaml_files
from sicca.base.yamlsrc import Reader, load

#: The one table of file kinds (docs/rule-language.md#file-kinds).
KINDS = ("rules", "vocabulary", "analytes", "synth", "bibliography", "pack")
DEFAULT_KIND = "rules"

_KIND_CACHE: dict[tuple[str, int, int], str | None] = {}


def data_kind(path: Path, read: Reader = load) -> str | None:
    """The file's ``kind`` (``rules`` when absent); None when it cannot be read or parsed,
    or its top level is not a mapping (the file's reader reports why). ``read`` parses the file
    (a session passes its disk cache); the answer is kept per file version for the process."""
    try:
        st = path.stat()
    except OSError:
        return None
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _KIND_CACHE:
        try:  # the one hardened reader: limits, no tags beyond the safe core
            data = read(path).data
        except InputError:
            data = None
        if isinstance(data, dict):
            kind = data.get("kind", DEFAULT_KIND)
            _KIND_CACHE[key] = kind if isinstance(kind, str) else str(kind)
        else:
            _KIND_CACHE[key] = None
    return _KIND_CACHE[key]


@dataclass
class Found:
    """Files by kind, in discovery order; ``broken``: problems of unreadable files that only
    a catalogue reader would see (those under a ``vocabulary/`` folder; the rule loader
    reports the others)."""

    by_kind: dict[str, list[Path]] = field(default_factory=dict)
    broken: list[Problem] = field(default_factory=list)

    def of(self, kind: str) -> list[Path]:
        return list(self.by_kind.get(kind, []))


def discover_kinds(dirs: list[Path], read: Reader = load) -> Found:
    """Every YAML file under ``dirs``, by its parsed ``kind``."""
    found = Found()
    for d in dirs:
        for p in yaml_files(d):
            _sort(found, d, p, read)
    return found


def _sort(found: Found, d: Path, p: Path, read: Reader) -> None:
    kind = data_kind(p, read)
    if kind is None:
        if p != d and "vocabulary" in p.relative_to(d).parts[:-1]:
            try:
                load(p)
            except InputError as exc:
                found.broken.extend(exc.problems)
        return
    found.by_kind.setdefault(kind, []).append(p)


def files_of_kind(dirs: list[Path], kind: str, read: Reader = load) -> list[Path]:
    """The files under ``dirs`` whose parsed ``kind`` is ``kind``."""
    return discover_kinds(dirs, read).of(kind)
