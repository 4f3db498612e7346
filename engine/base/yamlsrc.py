"""YAML (or JSON) loading that keeps line and column marks for every node.

``load(path)`` returns a :class:`Sourced` document: plain Python data plus a locator that
maps a field path such as ``("timepoints", 0, "labs", 3, "unit")`` to ``(line, col)``, so
that pydantic's ``loc`` and our own checks can point at the exact place in the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from sicca.base.errors import InputError, Problem
from sicca.base.filekind import is_json

PathKey = tuple[str | int, ...]
#: Last element of a path that means "the key itself" (its mark points at the key, not at
#: the value); never shown in a field path.
KEY = "<key>"


@dataclass
class Sourced:
    """Parsed data with node marks (1-based line/col) keyed by field path."""

    data: Any
    file: str
    marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

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


class _Loader(yaml.SafeLoader):
    """Safe loader: no Python tags, dates kept as strings (month precision matters)."""


# Keep timestamps as text: "2023-10" and "2023-10-05" are parsed by the record model.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_FastLoader: type[Any] | None = None
if getattr(yaml, "__with_libyaml__", False):  # libyaml parses ~10x faster, same nodes and marks
    class _CLoader(yaml.CSafeLoader):  # type: ignore[name-defined,misc,unused-ignore]
        """libyaml's parser with the same resolvers (dates kept as strings)."""

    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _FastLoader = _CLoader


def _construct(node: yaml.Node, path: PathKey, marks: dict[PathKey, tuple[int, int]],
               loader: Any, file: str) -> Any:
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (dict, list)):
                raise InputError(Problem("a mapping key must be a plain value", file=file,
                                         line=key_node.start_mark.line + 1,
                                         col=key_node.start_mark.column + 1, code="E001"))
            if key in out:
                raise InputError(Problem(f"duplicate key '{key}'", file=file,
                                         line=key_node.start_mark.line + 1,
                                         col=key_node.start_mark.column + 1,
                                         field=dotted(path + (key,)), code="E002",
                                         expected="each key once per mapping"))
            sub = path + (key,)
            out[key] = _construct(value_node, sub, marks, loader, file)
            # a key's own mark is more useful than its value's for "unknown key" errors
            marks[sub + (KEY,)] = (key_node.start_mark.line + 1,
                                       key_node.start_mark.column + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(n, path + (i,), marks, loader, file) for i, n in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def parse_text(text: str, file: str) -> Sourced:
    """Parse YAML (JSON is YAML) text, mapping syntax errors to a located InputError."""
    lines = text.splitlines()
    if is_json(file):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(Problem(f"malformed JSON: {exc.msg}", file=file, line=exc.lineno,
                                     col=exc.colno, code="E001", expected="valid JSON")) from None
        # Re-read through YAML for marks (JSON is a YAML subset); fall back to no marks.
        try:
            return _compose(text, file, lines)
        except InputError:
            return Sourced(data, file, {}, lines)
    return _compose(text, file, lines)


def _compose(text: str, file: str, lines: list[str]) -> Sourced:
    if _FastLoader is not None:
        fast = _FastLoader(text)
        try:
            node = fast.get_single_node()
            marks: dict[PathKey, tuple[int, int]] = {}
            if node is None:
                return Sourced(None, file, marks, lines)
            return Sourced(_construct(node, (), marks, fast, file), file, marks, lines)
        except yaml.YAMLError:
            pass  # parsed again below, so a syntax error reads the same with or without libyaml
        finally:
            fast.dispose()
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        src = lines[line - 1] if line and line <= len(lines) else None
        raise InputError(Problem(f"malformed YAML: {exc.problem or exc.context}", file=file,
                                 line=line, col=col, code="E001", source_line=src,
                                 expected="valid YAML")) from None
    except yaml.YAMLError as exc:
        raise InputError(Problem(f"malformed YAML: {exc}", file=file, code="E001")) from None
    finally:
        loader.dispose()
    marks = {}
    if node is None:
        return Sourced(None, file, marks, lines)
    data = _construct(node, (), marks, loader, file)
    return Sourced(data, file, marks, lines)


def read_text(path: str | Path, encoding: str = "utf-8") -> str:
    """A user's file as text; a missing or unreadable file is an InputError naming it."""
    try:
        return Path(path).read_text(encoding=encoding)
    except FileNotFoundError:
        raise InputError(Problem("file not found", file=str(path), code="E000")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(f"cannot read file: {exc}", file=str(path), code="E000")) from None


def load(path: str | Path) -> Sourced:
    """Read and parse a YAML/JSON file; a missing or unreadable file is an InputError."""
    return parse_text(read_text(path), str(path))


#: Reads a file into a :class:`Sourced` (``load``, or a cache's ``read`` with the same contract).
Reader = Callable[[str | Path], Sourced]
