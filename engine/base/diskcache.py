"""A per-user disk cache of parsed rule and vocabulary files, so that everyday commands start fast.

:class:`SourceCache` keeps, for one set of rule directories, every parsed vocabulary and
analyte file (data, marks, digest) and the compiled program in one file (each file's lines and
full marks, which only place errors, in a JSON side file read when one is needed), named by a
fingerprint: the SHA-256 of the Sicca version, the cache format, the path and content of every
``*.yaml``/``*.yml`` file under the directories, and the size and time of every module of the
installed package (so a developer's edit to the compiler is a miss too). Any edit, added or
removed file gives another fingerprint, hence a miss.

Where: ``$SICCA_CACHE_DIR``, else the platform's user cache directory (``~/.cache/sicca``,
``$XDG_CACHE_HOME/sicca``, ``~/Library/Caches/sicca``, ``%LOCALAPPDATA%\\sicca\\Cache``); never
inside the installed package. Format: the main file is plain data (dicts, lists, strings,
numbers, booleans, None, bytes) written with :mod:`marshal` (the standard library's reader of
.pyc constants: four times faster to read than JSON, ~10 ms of a start), never :mod:`pickle`:
reading marshal data calls no Python code and builds no class instance, so a planted or damaged
file cannot run anything; the side file is JSON. Both are written atomically (temporary file +
rename); a file that cannot be read, does not decode or does not have the expected shape is
ignored and rebuilt. Nothing is executed from the cache. Beside the program,
:meth:`SourceCache.memo` keeps what is derived from it alone (the durable backend's rulesets as
text), dropped with it.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sicca.base.yamlsrc import PathKey, Sourced, load

#: Bumped whenever the on-disk layout changes (3: each file's parts kept as JSON text, decoded
#: on first use, so a start reads the 0.9 MB of marks only when an error needs a line; the
#: marks of paths one or two deep, which every rule's location needs, kept apart).
#: 4: each file's digest kept too, so loading rules never decodes the lines; 5: the lines and
#: the full marks in a side file (``.marks.json``), read only when an error needs a place;
#: 6: the main file in marshal (``.marshal``), each file's data and shallow marks as marshal
#: bytes.
FORMAT = 6
#: the suffix of a main cache file (a side file is ``.marks.json``); ``.json``: formats 1-5
MAIN = ".marshal"
#: Marks of paths at most this deep are also kept apart, in the main file (``("rules", 3)``: a
#: rule's place; ``("entries", 4, "id")``: a bibliography entry's line).
SHALLOW = 3
#: the parts of a file's entry kept in the side file
DEEP = ("lines", "marks")
#: Cache files kept per directory (one per rule set and version); older ones are removed.
KEEP = 8


def cache_dir() -> Path:
    """``$SICCA_CACHE_DIR``, else the platform user cache directory for sicca."""
    env = os.environ.get("SICCA_CACHE_DIR")
    if env:
        return Path(env)
    if sys.platform == "win32":  # pragma: no cover - not run on the CI
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "sicca" / "Cache"
    if sys.platform == "darwin":  # pragma: no cover
        return Path.home() / "Library" / "Caches" / "sicca"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "sicca"


def source_files(dirs: Iterable[Path]) -> list[Path]:
    """Every file a rule load may read under ``dirs`` (a dir may also be a single file)."""
    out: list[Path] = []
    for d in dirs:
        if d.is_file():
            out.append(d)
        elif d.is_dir():
            out += sorted(p for p in d.rglob("*") if p.suffix in (".yaml", ".yml")
                          and p.is_file())
    return out


def fingerprint(dirs: Iterable[Path]) -> str:
    """SHA-256 of the Sicca version, the cache format, and each rule file's path and content."""
    from sicca import __version__

    h = hashlib.sha256(f"sicca {__version__} format {FORMAT}\n".encode())
    for py in _modules(str(Path(__file__).resolve().parents[1])):
        st = os.stat(py)
        h.update(f"code {py}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    for d in dirs:
        h.update(f"dir {d}\n".encode())
    for p in source_files(dirs):
        try:
            data = p.read_bytes()
        except OSError:
            data = b"<unreadable>"
        h.update(f"{p}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def _modules(root: str) -> list[str]:
    """Every ``*.py`` file below ``root``, sorted by path parts, found with os.scandir
    (pathlib's rglob made a Path object of every file and folder of the package on every
    start)."""
    out: list[tuple[list[str], str]] = []
    todo = [root]
    while todo:
        with os.scandir(todo.pop()) as entries:
            for e in entries:
                if e.is_dir():
                    todo.append(e.path)
                elif e.name.endswith(".py"):
                    out.append((e.path.split(os.sep), e.path))
    out.sort()
    return [path for _, path in out]


def encode(src: Sourced) -> dict[str, Any]:
    """A parsed file as plain data: its data as marshal bytes (decoded afresh by each
    :func:`decode`), its lines and marks as JSON text. ValueError: data marshal cannot write
    (not plain YAML data; the file is then parsed every time)."""
    return {"data": marshal.dumps(src.data),
            "digest": src.digest(),
            "lines": json.dumps(src.lines, ensure_ascii=False, separators=(",", ":")),
            "marks": json.dumps([[list(p), m[0], m[1]] for p, m in src.marks.items()],
                                ensure_ascii=False, separators=(",", ":")),
            "shallow": marshal.dumps({p: m for p, m in src.marks.items()
                                      if len(p) <= SHALLOW})}


class _CachedSourced(Sourced):
    """A :class:`Sourced` read from the cache: ``lines`` and ``marks`` are decoded on first
    use (most starts never need them: they only place errors). A part that does not decode
    (a damaged cache) is taken from the file parsed again by ``reparse``."""

    def __init__(self, file: str, data: Any, deep: Callable[[], dict[str, Any] | None],
                 shallow: bytes, reparse: Callable[[], Sourced],
                 digest: str | None = None) -> None:
        self.data, self.file = data, file
        self._digest = digest
        self._shallow: bytes | None = shallow
        self._top: Sourced | None = None
        #: fetches the entry's ``lines`` and ``marks`` texts (the side file); None once done
        self._deep: Callable[[], dict[str, Any] | None] | None = deep
        self._lines_text: str | None = None
        self._marks_text: str | None = None
        self._lines: list[str] = []
        self._marks: dict[PathKey, tuple[int, int]] = {}
        self._reparse = reparse

    def _fetch(self) -> None:
        """Bring in the lines and marks texts (once); if they are missing, parse the file."""
        if self._deep is None:
            return
        deep, self._deep = self._deep, None
        entry = deep()
        if isinstance(entry, dict) and all(isinstance(entry.get(k), str) for k in DEEP):
            self._lines_text, self._marks_text = entry["lines"], entry["marks"]
        else:
            self._fresh()

    def digest(self) -> str:
        """As :meth:`Sourced.digest`, from the cache entry (the lines stay undecoded)."""
        return self._digest if self._digest is not None else super().digest()

    def _fresh(self) -> None:
        src = self._reparse()
        self._lines, self._marks = src.lines, src.marks
        self._lines_text = self._marks_text = None

    @property
    def lines(self) -> list[str]:
        self._fetch()
        if self._lines_text is not None:
            try:
                got = json.loads(self._lines_text)
                if not isinstance(got, list):
                    raise TypeError("lines")
                self._lines = [str(x) for x in got]
                self._lines_text = None
            except (TypeError, ValueError):
                self._fresh()
        return self._lines

    @lines.setter
    def lines(self, value: list[str]) -> None:
        self._fetch()
        self._lines, self._lines_text, self._digest = value, None, None

    @property
    def marks(self) -> dict[PathKey, tuple[int, int]]:
        self._fetch()
        if self._marks_text is not None:
            try:
                self._marks = {tuple(p): (int(line), int(col))
                               for p, line, col in json.loads(self._marks_text)}
                self._marks_text = None
            except (TypeError, ValueError):
                self._fresh()
        return self._marks

    @marks.setter
    def marks(self, value: dict[PathKey, tuple[int, int]]) -> None:
        self._fetch()
        self._marks, self._marks_text = value, None

    def mark(self, path: PathKey) -> tuple[int | None, int | None]:
        """As :meth:`Sourced.mark`; a path at most SHALLOW deep is answered from the shallow
        marks alone (they hold every mark its search could reach) while the rest are unread."""
        if (self._deep is None and self._marks_text is None) or len(path) > SHALLOW:
            return super().mark(path)
        if self._shallow is not None:
            try:
                marks = marshal.loads(self._shallow)  # {path tuple: (line, col)}
            except (TypeError, ValueError, EOFError):
                marks = None
            self._top = Sourced(self.data, self.file, marks) if isinstance(marks, dict) \
                else None
            self._shallow = None
        got = self._top.mark(path) if self._top is not None else None
        if not (isinstance(got, tuple) and len(got) == 2
                and all(x is None or type(x) is int for x in got)):
            return super().mark(path)  # no shallow marks, or a damaged one
        return got


def decode(file: str, entry: dict[str, Any], reparse: Callable[[], Sourced] | None = None,
           deep: Callable[[], dict[str, Any] | None] | None = None) -> Sourced:
    """A fresh :class:`Sourced` from :func:`encode`'s output (never shared between calls);
    ``reparse`` parses the file again should its lines or marks turn out damaged; ``deep``
    fetches the lines and marks when they are not in ``entry`` (the side file)."""
    for part in ("data", "shallow"):
        if not isinstance(entry[part], bytes):
            raise TypeError(f"cache entry part {part} is not marshal bytes")
    for part in DEEP if deep is None else ():
        if not isinstance(entry[part], str):
            raise TypeError(f"cache entry part {part} is not JSON text")
    data = marshal.loads(entry["data"])  # ValueError, EOFError, TypeError when damaged
    digest = entry.get("digest")
    if not (isinstance(digest, str) and len(digest) == 64):
        digest = None  # worked out from the lines
    return _CachedSourced(file, data, deep or (lambda: entry), entry["shallow"],
                          reparse or (lambda: load(file)), digest)


class SourceCache:
    """Parsed files of one set of rule directories, read from and saved to one JSON file.

    ``read(path)`` is a drop-in for :func:`sicca.base.yamlsrc.load`: a hit is decoded from the
    cache, a miss is parsed and remembered; :meth:`save` writes the file when anything was new.
    """

    def __init__(self, dirs: list[Path], directory: Path | None = None) -> None:
        self.dirs = list(dirs)
        self.key = fingerprint(self.dirs)
        self.path = (directory or cache_dir()) / f"sources-{self.key[:32]}{MAIN}"
        #: the lines and full marks of every file (read only when one is needed)
        self.side_path = self.path.with_name(f"sources-{self.key[:32]}.marks.json")
        self._side: dict[str, Any] | None = None
        self.hits = 0
        self.misses = 0
        self.program: dict[str, Any] | None = None
        #: values derived from the program alone (a backend's plan), by key: see :meth:`memo`
        self._memo: dict[str, Any] = {}
        self._entries: dict[str, dict[str, Any]] = self._read()
        self._dirty = False

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            doc = marshal.loads(self.path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return {}  # absent, unreadable or corrupt: rebuilt
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or \
                doc.get("fingerprint") != self.key or not isinstance(doc.get("files"), dict):
            return {}
        program = doc.get("program")
        if isinstance(program, dict) and isinstance(program.get("rules"), list):
            self.program = program
            memo = doc.get("memo")
            if isinstance(memo, dict):
                self._memo = memo
        files: dict[str, dict[str, Any]] = doc["files"]
        return files

    def keep_program(self, program: dict[str, Any]) -> None:
        """Remember the compiled program of these directories (written by :meth:`save`)."""
        self.program = program
        self._memo = {}  # derived from the program it replaces
        self._dirty = True

    def memo(self, key: str, make: Callable[[], Any]) -> Any:
        """The value kept under ``key`` for this program, else ``make()`` (JSON data), kept
        for :meth:`save`. The caller checks the shape of what it gets back (a cache file
        can be damaged) and builds it again itself when it is wrong."""
        if key not in self._memo:
            self._memo[key] = make()
            self._dirty = True
        return self._memo[key]

    def read(self, path: str | Path) -> Sourced:
        """The parsed file at ``path`` (from the cache when its fingerprint matches); a miss
        is parsed and kept for :meth:`save`."""
        file = str(path)
        entry = self._entries.get(file)
        if entry is not None:
            try:
                src = decode(file, entry, lambda: self._reparse(file),
                             lambda: self._deep(file))
            except (KeyError, TypeError, ValueError, EOFError):
                self._entries.pop(file, None)  # a damaged entry: parse the file again
            else:
                self.hits += 1
                return src
        src = load(path)
        self.misses += 1
        self._keep(file, src)
        return src

    def _keep(self, file: str, src: Sourced) -> None:
        """Remember a parsed file for :meth:`save` (not if marshal cannot write its data)."""
        try:
            self._entries[file] = encode(src)
        except ValueError:
            self._entries.pop(file, None)
            return
        self._dirty = True

    def _deep(self, file: str) -> dict[str, Any] | None:
        """The lines and marks texts of ``file``: from a parse in this session, else from the
        side file (read once; absent, damaged or of other rules: None, and the file is parsed
        again)."""
        entry = self._entries.get(file)
        if entry is not None and all(k in entry for k in DEEP):
            return entry
        if self._side is None:
            self._side = {}
            try:
                doc = json.loads(self.side_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                doc = None
            if isinstance(doc, dict) and doc.get("format") == FORMAT and \
                    doc.get("fingerprint") == self.key and isinstance(doc.get("files"), dict):
                self._side = doc["files"]
        got = self._side.get(file)
        return got if isinstance(got, dict) else None

    def _reparse(self, file: str) -> Sourced:
        """``file`` parsed again (its cached lines or marks were damaged), and kept."""
        src = load(file)
        self.misses += 1
        self._keep(file, src)
        return src

    def save(self) -> None:
        """Write the cache atomically if anything was parsed; a failure to write is ignored."""
        if not self._dirty:
            return
        files: dict[str, dict[str, Any]] = {}
        side: dict[str, dict[str, Any]] = {}
        for file, entry in self._entries.items():
            deep = self._deep(file)
            if deep is None or not all(isinstance(deep.get(k), str) for k in DEEP):
                continue  # its lines are nowhere: parsed again next time
            side[file] = {k: deep[k] for k in DEEP}
            files[file] = {k: v for k, v in entry.items() if k not in DEEP}
        doc = {"format": FORMAT, "fingerprint": self.key, "files": files,
               "program": self.program, "memo": self._memo if self.program else {}}
        try:
            main = marshal.dumps(doc)
        except ValueError:  # a program or memo that is not plain data: run uncached
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # the side file first: a main file is never newer than its side file
            _write_json(self.side_path, {"format": FORMAT, "fingerprint": self.key,
                                         "files": side})
            _write(self.path, main)
        except OSError:
            return  # a read-only home: run uncached
        self._dirty = False
        self._prune()

    def _prune(self) -> None:
        """Remove all but the ``KEEP`` most recent cache files (edited rules leave old ones)."""
        try:
            found = sorted((p for p in self.path.parent.glob("sources-*")
                            if p.suffix in (MAIN, ".json")  # .json: a main file of formats 1-5
                            and not p.name.endswith(".marks.json")),
                           key=lambda p: p.stat().st_mtime_ns, reverse=True)
            for old in found[KEEP:]:
                if old != self.path:
                    old.unlink(missing_ok=True)
                    old.with_name(old.stem + ".marks.json").unlink(missing_ok=True)
        except OSError:
            return


def _write_json(path: Path, doc: Any) -> None:
    """``doc`` written to ``path`` as JSON, atomically."""
    _write(path, json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode())


def _write(path: Path, data: bytes) -> None:
    """``data`` written to ``path`` atomically (a temporary file, then a rename)."""
    import tempfile  # (and shutil, bz2, lzma) only when a cache file is written

    fd, tmp = tempfile.mkstemp(prefix=".sources-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
