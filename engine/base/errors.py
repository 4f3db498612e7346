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

from dataclasses import dataclass, field


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
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def render(self) -> str:
        head = f"{self.where()}: {self.severity} {self.code}"
        if self.rule:
            head += f" in rule '{self.rule}'"
        head += f": {self.message}"
        lines = [head]
        detail = []
        if self.timepoint:
            detail.append(f"timepoint '{self.timepoint}'")
        if self.field:
            detail.append(f"at {self.field}")
        if detail:
            lines.append("  " + ", ".join(detail))
        if self.expected is not None:
            lines.append(f"  expected {self.expected}")
        if self.found is not None:
            lines.append(f"  found {self.found}")
        if self.source_line is not None and self.line is not None:
            lines.append(f"  {self.line:>4} | {self.source_line}")
            if self.col is not None:
                lines.append(f"       | {' ' * (self.col - 1)}^")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        if self.see:
            lines.append(f"  see: {self.see}")
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
