"""Sicca's errors.

Hierarchy::

    SiccaError                  base; carries where the problem is and what was expected
    ├── InputError              a case file, CSV or option a user gave is wrong (exit code 2)
    │   └── UnitError           a unit does not fit the analyte, or cannot be converted
    ├── RuleSyntaxError         a rule or vocabulary file is malformed (found at load time)
    └── EvaluationError         the engine failed while evaluating a visit (a backend fault)

Every error names the file, the place (line:col, field path, timepoint) and what was
expected; the CLI prints ``str(err)`` and exits 2 without a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: characters that would break or hide an error line: C0 controls but tab, DEL, C1 controls
#: (U+0085 included) and the Unicode line and paragraph separators
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """``text`` with line breaks and control characters written as escapes (``\\n``,
    ``\\x85``, ``\\u2028``), so that a key, id or value from a file is shown on one line as
    it was written (every part of an error goes through here)."""
    if not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


@dataclass
class Problem:
    """One located problem: file:line:col, field path, expected, found, hint."""

    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None
    field: str | None = None
    expected: str | None = None
    found: str | None = None
    hint: str | None = None
    code: str = "E000"
    rule: str | None = None
    timepoint: str | None = None
    severity: str = "error"
    source_line: str | None = None
    see: str | None = None  # where the documentation explains it (a path with an anchor)

    def where(self) -> str:
        parts = [printable(self.file or "<input>")]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def render(self) -> str:
        head = f"{self.where()}: {self.severity} {self.code}"
        if self.rule:
            head += f" in rule '{printable(self.rule)}'"
        head += f": {printable(self.message)}"
        lines = [head]
        detail = []
        if self.timepoint:
            detail.append(f"timepoint '{printable(self.timepoint)}'")
        if self.field:
            detail.append(f"at {printable(self.field)}")
        if detail:
            lines.append("  " + ", ".join(detail))
        if self.expected is not None:
            lines.append(f"  expected {printable(self.expected)}")
        if self.found is not None:
            lines.append(f"  found {printable(self.found)}")
        if self.source_line is not None and self.line is not None:
            lines.append(f"  {self.line:>4} | {printable(self.source_line)}")
            if self.col is not None:
                lines.append(f"       | {' ' * (self.col - 1)}^")
        if self.hint:
            lines.append(f"  hint: {printable(self.hint)}")
        if self.see:
            lines.append(f"  see: {printable(self.see)}")
        return "\n".join(lines)


class SiccaError(Exception):
    """Base of all Sicca errors; holds one or more located problems."""

    exit_code = 2

    def __init__(self, problems: Problem | list[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = Problem(problems)
        self.problems: list[Problem] = problems if isinstance(problems, list) else [problems]
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(p.render() for p in self.problems)


class InputError(SiccaError):
    """Raised when a case file, lab table, option or hypothetical value is wrong."""


class UnitError(InputError):
    """Raised when a unit does not fit an analyte, or the conversion is not allowed."""


class RuleSyntaxError(SiccaError):
    """Raised at load time when rule or vocabulary files are malformed (all problems at once)."""


class EvaluationError(SiccaError):
    """Raised when a backend fails on a visit (e.g. a rule action raised in durable-rules)."""


@dataclass
class Problems:
    """Collects problems so that a run reports all of them, not the first only."""

    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.items.append(problem)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, cls: type[SiccaError]) -> None:
        errors = [p for p in self.items if p.severity == "error"]
        if errors:
            raise cls(errors)
