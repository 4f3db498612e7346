"""YAML (or JSON) loading that keeps line and column marks for every node.

``load(path)`` returns a :class:`Sourced` document: plain Python data plus a locator that
maps a field path such as ``("timepoints", 0, "labs", 3, "unit")`` to ``(line, col)``, so
that pydantic's ``loc`` and our own checks can point at the exact place in the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from sicca.base.errors import InputError, Problem
from sicca.base.filekind import is_json
from sicca.base.numbers import NumberError, finite_decimal

PathKey = tuple[str | int, ...]
#: Last element of a path that means "the key itself" (its mark points at the key, not at
#: the value); never shown in a field path.
KEY = "<key>"


#: a number as YAML or JSON writes it (Sourced.number_text)
_NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@dataclass
class Sourced:
    """Parsed data with node marks (1-based line/col) keyed by field path."""

    data: Any
    file: str
    marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def digest(self) -> str:
        """SHA-256 (hex) of the file's lines joined by newlines: the version hash of a rule
        file (a cached file answers it without decoding its lines)."""
        return hashlib.sha256("\n".join(self.lines).encode()).hexdigest()

    def mark(self, path: PathKey) -> tuple[int | None, int | None]:
        """The mark of the deepest node on ``path`` that has one."""
        if not self.marks:  # JSON Lines records: no marks at all
            return None, None
        p = tuple(path)
        while p:
            if p in self.marks:
                return self.marks[p]
            p = p[:-1]
        return self.marks.get((), (None, None))  # type: ignore[return-value,unused-ignore]

    def number_text(self, path: PathKey, value: float) -> str | None:
        """The number's own text in the file, if it reads back as ``value``: YAML and JSON
        give ``1.50`` as the float 1.5, and a measurement keeps the digits it was written
        with (its stated precision)."""
        # the deepest marked node: a short form (``focus_score: 1.50``) is read as its main
        # key (``...focus_score.value``), which has no mark of its own; the text found there
        # is used only if it reads back as the very same number
        line, col = self.mark(path)
        if line is None or col is None or line > len(self.lines):
            return None
        m = _NUMBER_TEXT.match(self.lines[line - 1], col - 1)
        if m and float(m.group(0)) == value:
            return m.group(0)
        return None

    def problem(self, path: PathKey, message: str, **kw: Any) -> Problem:
        line, col = self.mark(path)
        src = self.lines[line - 1].rstrip("\n") if line and line <= len(self.lines) else None
        return Problem(
            message,
            file=self.file,
            line=line,
            col=col,
            field=dotted(tuple(p for p in path if p != KEY)),  # the key's own mark only
            source_line=src,
            **kw,
        )


@lru_cache(maxsize=1 << 16)
def dotted(path: PathKey) -> str:
    """``("timepoints", 0, "labs", 2)`` -> ``timepoints[0].labs[2]`` (cached: the same paths
    recur in every record of a cohort)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "<document>"


#: the limits every reader applies (README, "Limits"); module constants so a deployment may
#: change them, and tests may lower them
MAX_BYTES = 16 * 1024 * 1024  # a file or record larger than this is refused unread
MAX_DEPTH = 64  # mappings and lists nested deeper than this are refused
MAX_ALIASES = 100  # YAML aliases (*name) in one document
MAX_ALIAS_NODES = 10_000  # nodes reached again through aliases (a "billion laughs" stops here)
#: the YAML tags a file may carry: the safe core set; any other (``!!python/object``,
#: ``!!timestamp``, ``!!binary``, ``!!set``, a custom ``!tag``, a merge key) is refused
SAFE_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in
                      ("str", "int", "float", "bool", "null", "seq", "map"))
#: characters no Sicca file may hold (YAML's non-printable set: C0 controls but tab, CR, LF;
#: DEL; C1 controls but NEL; surrogates; U+FFFE/U+FFFF)
_CONTROL = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD"
                      "\U00010000-\U0010FFFF]")


#: the number forms read as numbers: plain decimal integers (no leading zero: YAML 1.1 reads
#: 012 as octal) and decimals; anything else YAML 1.1 calls a number is refused
_PLAIN_NUMBER = re.compile(r"[-+]?(?:0|[1-9][0-9]*)|[-+]?[0-9]*\.[0-9]+(?:[eE][-+]?[0-9]+)?"
                           r"|[-+]?[0-9]+\.[0-9]*(?:[eE][-+]?[0-9]+)?")
#: a float holds 17 significant digits; a longer literal would be rounded without a word
FLOAT_DIGITS = 17


class _Refused(Exception):
    """A limit or a refused construct met while composing; turned into a located InputError."""

    def __init__(self, message: str, mark: Any, code: str, expected: str | None = None) -> None:
        super().__init__(message)
        self.message, self.mark, self.code, self.expected = message, mark, code, expected


class _Limits(yaml.composer.Composer):
    """Nesting depth and alias count bounded while composing (before anything is built)."""

    _depth = 0
    _aliases = 0

    def _mark(self) -> Any:
        return self.peek_event().start_mark  # type: ignore[attr-defined]

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):  # type: ignore[attr-defined]
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Refused(f"more than {MAX_ALIASES} aliases", self._mark(), "E005",
                               f"at most {MAX_ALIASES} aliases (*name) in a file")
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"nested deeper than {MAX_DEPTH} levels", self._mark(), "E004",
                               f"at most {MAX_DEPTH} nested mappings or lists")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Loader(_Limits, yaml.SafeLoader):
    """Safe loader: no Python tags, dates kept as strings (month precision matters), and the
    nesting depth and alias count bounded while composing (pure Python: the reference)."""


# Keep timestamps as text: "2023-10" and "2023-10-05" are parsed by the record model.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_CLoader: type | None = None
_CFAST: type | None = None
if getattr(yaml, "__with_libyaml__", False):  # libyaml's scanner and parser, when installed
    from yaml._yaml import CParser

    class _CLoaderImpl(_Limits, CParser, yaml.constructor.SafeConstructor,
                       yaml.resolver.Resolver):
        """The same loader on libyaml's events: libyaml scans and parses (about 10x faster);
        composing, with its limits, resolving and constructing stay the Python code above,
        so marks, values and the errors of that code are the same. A syntax error is
        reported by the pure-Python loader, word for word as before."""

        yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

        get_single_node = yaml.composer.Composer.get_single_node

    class _CComposer(CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """libyaml scans, parses *and composes* (about 2.5x faster than the Python composer);
        used only on text whose events were first found within the limits
        (``_within_limits``), since the C composer recurses without bound. Tags are resolved
        by the same Python resolver, so nodes, values and marks are those of the loaders
        above."""

        yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    def _within_limits(text: str) -> bool:
        """Whether libyaml's events of ``text`` stay within MAX_DEPTH and MAX_ALIASES,
        counted as ``_Limits`` counts them (a scalar one level below its collection). False
        on any limit or error: the caller then takes the reader that words it."""
        parser = CParser(text)
        depth = aliases = 0
        try:
            while parser.check_event():
                ev = parser.get_event()
                kind = type(ev)
                if kind is yaml.ScalarEvent:
                    if depth >= MAX_DEPTH:
                        return False
                elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                    depth += 1
                    if depth > MAX_DEPTH:
                        return False
                elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                    depth -= 1
                elif kind is yaml.AliasEvent:
                    aliases += 1
                    if aliases > MAX_ALIASES:
                        return False
        except Exception:  # noqa: BLE001 - a syntax error: another reader words it
            return False
        finally:
            parser.dispose()
        return True

    _CLoader = _CLoaderImpl
    _CFAST = _CComposer


@dataclass
class _Build:
    """State of one construction: the marks, and the alias expansions seen so far."""

    loader: Any  # a _Loader or a _CLoader
    file: str
    marks: dict[PathKey, tuple[int, int]]
    seen: set[int] = field(default_factory=set)  # ids of nodes built once already
    stack: set[int] = field(default_factory=set)  # ids of the collections being built
    expanded: int = 0


_STR = "tag:yaml.org,2002:str"


def _at(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _construct(node: yaml.Node, path: PathKey, b: _Build) -> Any:
    mark = node.start_mark
    b.marks[path] = (mark.line + 1, mark.column + 1)
    if node.tag == _STR and node.__class__ is yaml.ScalarNode:
        return node.value  # most nodes: a safe tag, never an alias's repeat that counts
    if node.tag not in SAFE_TAGS:
        what = ("a merge key (<<)" if node.tag == "tag:yaml.org,2002:merge"
                else f"the tag '{node.tag.replace('tag:yaml.org,2002:', '!!')}'")
        raise _Refused(f"{what} is not allowed", node.start_mark, "E005",
                       "plain YAML: strings, numbers, true/false, null, mappings and lists")
    nid = id(node)
    if nid in b.stack:
        raise _Refused("a recursive alias (a node that contains itself)", node.start_mark,
                       "E005", "no alias inside the node it names")
    if nid in b.seen and not isinstance(node, yaml.ScalarNode):
        b.expanded += 1 + _size(node)
        if b.expanded > MAX_ALIAS_NODES:
            raise _Refused(f"aliases expand to more than {MAX_ALIAS_NODES} nodes",
                           node.start_mark, "E005",
                           f"aliases that repeat at most {MAX_ALIAS_NODES} nodes in all")
    b.seen.add(nid)
    if isinstance(node, yaml.MappingNode):
        b.stack.add(nid)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Refused("a merge key (<<) is not allowed", key_node.start_mark, "E005",
                               "each key written out in its mapping")
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError(Problem("a mapping key must be a plain value", file=b.file,
                                         line=key_node.start_mark.line + 1,
                                         col=key_node.start_mark.column + 1, code="E001"))
            key = _construct(key_node, path + (KEY,), b)
            if key in out:
                raise InputError(Problem(f"duplicate key '{key}'", file=b.file,
                                         line=key_node.start_mark.line + 1,
                                         col=key_node.start_mark.column + 1,
                                         field=dotted(path + (key,)), code="E002",
                                         expected="each key once per mapping"))
            sub = path + (key,)
            out[key] = _construct(value_node, sub, b)
            # a key's own mark is more useful than its value's for "unknown key" errors
            b.marks[sub + (KEY,)] = _at(key_node)
        b.stack.discard(nid)
        return out
    if isinstance(node, yaml.SequenceNode):
        b.stack.add(nid)
        items = [_construct(n, path + (i,), b) for i, n in enumerate(node.value)]
        b.stack.discard(nid)
        return items
    return _scalar(node, b)


def _size(node: yaml.Node) -> int:
    """How many nodes ``node`` holds (iterative; an alias's repeat costs this many)."""
    n, todo = 0, [node]
    while todo:
        x = todo.pop()
        n += 1
        if n > MAX_ALIAS_NODES:
            return n
        if isinstance(x, yaml.MappingNode):
            todo += [v for kv in x.value for v in kv]
        elif isinstance(x, yaml.SequenceNode):
            todo += x.value
    return n


def _scalar(node: yaml.Node, b: _Build) -> Any:
    if node.tag == _STR:  # most scalars: the text itself (what construct_yaml_str returns)
        return node.value
    try:
        value = b.loader.construct_object(node, deep=True)
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise _Refused(f"unreadable value: {exc}", node.start_mark, "E003",
                       "a number of at most 100 characters") from None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(node.value)
        if not _PLAIN_NUMBER.fullmatch(text):  # 0x1F, 0o17, 012 (octal), 1:30 (base 60), .nan
            raise _Refused(f"'{text[:40]}' is not a plain decimal number", node.start_mark,
                           "E003", "a finite decimal such as 12 or 38.6 (quote it to keep it "
                                   "as text)")
        try:
            d = finite_decimal(text)
        except NumberError as exc:
            raise _Refused(str(exc), node.start_mark, "E003",
                           "a finite number a float can hold") from None
        if isinstance(value, float) and len(d.as_tuple().digits) > FLOAT_DIGITS:
            raise _Refused(f"'{text[:40]}' has more digits than a float holds", node.start_mark,
                           "E003", f"at most {FLOAT_DIGITS} significant digits")
    return value


def _located(exc: _Refused, file: str, lines: list[str]) -> InputError:
    line, col = exc.mark.line + 1, exc.mark.column + 1
    src = lines[line - 1] if line <= len(lines) else None
    return InputError(Problem(exc.message, file=file, line=line, col=col, code=exc.code,
                              source_line=src, expected=exc.expected))


def _line_col(text: str | bytes, offset: int) -> tuple[int, int]:
    nl = "\n" if isinstance(text, str) else b"\n"
    line = text.count(nl, 0, offset) + 1  # type: ignore[arg-type]
    start = text.rfind(nl, 0, offset) + 1  # type: ignore[arg-type]
    return line, offset - start + 1


def check_text(text: str, file: str) -> None:
    """Refuse text longer than MAX_BYTES or holding a control character (file:line:col)."""
    if len(text) > MAX_BYTES:
        raise InputError(Problem(f"more than {MAX_BYTES} characters", file=file, code="E003",
                                 expected=f"at most {MAX_BYTES // (1024 * 1024)} MiB"))
    m = _CONTROL.search(text)
    if m:
        line, col = _line_col(text, m.start())
        lines = text.splitlines()
        raise InputError(Problem(f"control character U+{ord(m.group()):04X}", file=file,
                                 line=line, col=col, code="E006",
                                 source_line=lines[line - 1] if line <= len(lines) else None,
                                 expected="printable text (tabs and line breaks allowed)"))


@dataclass(frozen=True)
class _Bad:
    """A JSON number or constant that is refused, kept in place until its path is known."""

    text: str
    reason: str


class _JsonDuplicate(ValueError):
    pass


class _JsonAt(InputError):
    """A refused JSON value, with the path where it is (to be located through marks)."""

    def __init__(self, problem: Problem, path: PathKey) -> None:
        super().__init__(problem)
        self.path = path


def _json_number(text: str) -> Any:
    try:
        d = finite_decimal(text)
    except NumberError as exc:
        return _Bad(text, str(exc))
    if any(c in text for c in ".eE"):
        if len(d.as_tuple().digits) > FLOAT_DIGITS:
            return _Bad(text, f"'{text[:40]}' has more digits than a float holds")
        return float(text)
    return int(text)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _JsonDuplicate(dup)
    return out


def loads_json(text: str, file: str, record: bool = False) -> Any:
    """Strict JSON: no NaN/Infinity, no duplicate key, nesting and numbers bounded.

    Errors carry the file and the line and column, or the field path. A JSON Lines
    ``record`` is named ``file:line`` already, so its errors add no line of their own.
    """
    line: int | None = None
    if record:
        try:
            check_text(text, file)
        except InputError as exc:
            exc.problems[0].line = exc.problems[0].col = None
            raise
    else:
        check_text(text, file)
    try:
        data = json.loads(text, parse_constant=lambda c: _Bad(c, f"'{c}' is not a number"),
                          parse_float=_json_number, parse_int=_json_number,
                          object_pairs_hook=_pairs)
    except json.JSONDecodeError as exc:
        raise InputError(Problem(f"malformed JSON: {exc.msg}" + (
            f" (column {exc.colno})" if record else ""), file=file,
            line=None if record else exc.lineno, col=None if record else exc.colno,
            code="E001", expected="valid JSON")) from None
    except _JsonDuplicate as exc:
        raise InputError(Problem(f"duplicate key '{exc}'", file=file, line=line,
                                 code="E002", expected="each key once per mapping")) from None
    except RecursionError:
        raise InputError(Problem(f"nested deeper than {MAX_DEPTH} levels", file=file,
                                 line=line, code="E004",
                                 expected=f"at most {MAX_DEPTH} nested objects or arrays")
                         ) from None
    _check_json_data(data, file, line)
    return data


def _check_json_data(data: Any, file: str, line: int | None) -> None:
    """Depth and numbers of parsed JSON (iteratively), reported with their field path."""
    todo: list[tuple[Any, PathKey]] = [(data, ())]
    while todo:
        node, path = todo.pop()
        if len(path) > MAX_DEPTH:
            raise _JsonAt(Problem(f"nested deeper than {MAX_DEPTH} levels", file=file,
                                  line=line, field=dotted(path), code="E004",
                                  expected=f"at most {MAX_DEPTH} nested objects or arrays"),
                          path)
        if isinstance(node, dict):
            todo += [(v, path + (k,)) for k, v in node.items()]
        elif isinstance(node, list):
            todo += [(v, path + (i,)) for i, v in enumerate(node)]
        elif isinstance(node, _Bad):
            raise _JsonAt(Problem(node.reason, file=file, line=line, field=dotted(path),
                                  code="E003", found=node.text[:40],
                                  expected="a finite number a float can hold"), path)


def parse_text(text: str, file: str) -> Sourced:
    """Parse YAML (JSON is YAML) text, mapping syntax errors to a located InputError."""
    check_text(text, file)
    lines = text.splitlines()
    if is_json(file):
        try:
            data = loads_json(text, file)
        except InputError as exc:
            if exc.problems[0].line is None:  # a duplicate key, depth or number: locate it
                marked = _compose(text.replace("\t", " "), file, lines)
                if isinstance(exc, _JsonAt):
                    p = exc.problems[0]
                    p.line, p.col = marked.mark(exc.path)
                    if p.line is not None and p.line <= len(lines):
                        p.source_line = lines[p.line - 1]
            raise
        # Re-read through YAML for marks (JSON is a YAML subset once its tabs, which JSON
        # allows only between tokens, are spaces: same columns); fall back to no marks, where
        # errors still name the field path.
        try:
            return _compose(text.replace("\t", " "), file, lines)
        except InputError:
            return Sourced(data, file, {}, lines)
    return _compose(text, file, lines)


#: read with libyaml's parser when it is installed (tests switch it off to compare)
USE_LIBYAML = True


def _compose(text: str, file: str, lines: list[str]) -> Sourced:
    # libyaml reads tabs and byte-order marks inside the text where PyYAML refuses them: such
    # text keeps the reference reader (tests/unit/test_fuzz.py compares the two)
    if USE_LIBYAML and _CLoader is not None and "\t" not in text and "\ufeff" not in text:
        if _CFAST is not None and _within_limits(text):
            try:
                return _compose_with(_CFAST(text), file, lines)
            except InputError:
                raise  # a value refused by the shared Python code
            except Exception:  # noqa: BLE001 - e.g. an undefined alias: worded below
                pass
        try:
            return _compose_with(_CLoader(text), file, lines)
        except InputError:
            raise  # a limit (depth, aliases) or a value refused by the shared Python code
        except Exception:  # noqa: BLE001 - a syntax error: the pure-Python reader's to word
            pass  # reported by the pure-Python reader, word for word as it always was
    return _compose_with(_Loader(text), file, lines)


def _compose_with(loader: Any, file: str, lines: list[str]) -> Sourced:
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            if not isinstance(loader, _Loader):
                raise
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            col = mark.column + 1 if mark else None
            src = lines[line - 1] if line and line <= len(lines) else None
            raise InputError(Problem(f"malformed YAML: {exc.problem or exc.context}",
                                     file=file, line=line, col=col, code="E001",
                                     source_line=src, expected="valid YAML")) from None
        except yaml.YAMLError as exc:
            if not isinstance(loader, _Loader):
                raise
            raise InputError(Problem(f"malformed YAML: {exc}", file=file, code="E001")) from None
        marks: dict[PathKey, tuple[int, int]] = {}
        if node is None:
            return Sourced(None, file, marks, lines)
        data = _construct(node, (), _Build(loader, file, marks))
        return Sourced(data, file, marks, lines)
    except _Refused as exc:
        raise _located(exc, file, lines) from None
    finally:
        loader.dispose()


def read_text(path: str | Path, encoding: str = "utf-8") -> str:
    """A user's file as text, read whole only when it is a regular file of at most MAX_BYTES
    (a device, a FIFO or an endless stream is refused unread); invalid UTF-8 is reported at
    its line and column. Any problem is an InputError naming the file."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        if p.is_symlink():
            raise InputError(Problem("broken symbolic link", file=str(path), code="E000",
                                     found=f"a link to {os.readlink(p)}")) from None
        raise InputError(Problem("file not found", file=str(path), code="E000")) from None
    except OSError as exc:
        raise InputError(Problem(f"cannot read file: {exc.strerror or exc}", file=str(path),
                                 code="E000")) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(Problem("not a regular file", file=str(path), code="E000",
                                 expected="a file (not a directory, device, FIFO or socket)"))
    try:
        with p.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(Problem(f"cannot read file: {exc.strerror or exc}", file=str(path),
                                 code="E000")) from None
    if len(raw) > MAX_BYTES:
        raise InputError(Problem(f"larger than {MAX_BYTES // (1024 * 1024)} MiB",
                                 file=str(path), code="E003",
                                 expected=f"at most {MAX_BYTES} bytes"))
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line, col = _line_col(raw, exc.start)
        raise InputError(Problem(f"invalid {exc.encoding.upper()}: byte "
                                 f"0x{raw[exc.start]:02X} ({exc.reason})", file=str(path),
                                 line=line, col=col, code="E006",
                                 expected="a UTF-8 text file")) from None


def load(path: str | Path) -> Sourced:
    """Read and parse a YAML/JSON file; a missing or unreadable file is an InputError."""
    return parse_text(read_text(path), str(path))


#: Reads a file into a :class:`Sourced` (``load``, or a cache's ``read`` with the same contract).
Reader = Callable[[str | Path], Sourced]
