"""The step catalogue, read from the step library itself: every step's pattern, meaning and
example, for ``sicca steps`` and the documentation site.

A step's meaning is its docstring; the docstring's lines ``Example: <Given|When|Then> ...``
(a long one continued on lines indented further) are its examples. A function with two step
decorators shows, under each pattern, the examples that pattern matches; tests/unit/
test_plugin.py checks that every step has one. ``write_steps_page(path)`` writes the Markdown
page of the docs.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from sicca.testing.plugin import STEP_MODULES

KEYWORDS = ("Given", "When", "Then", "And", "But")


class StepInfo(BaseModel):
    """One step of the library."""

    model_config = ConfigDict(extra="forbid")

    keyword: str  # Given | When | Then
    pattern: str  # the step text, {name} for a value (pytest-bdd `parsers.parse`)
    meaning: str  # the docstring, without its example lines
    examples: list[str]  # as written in a feature file, keyword first
    module: str  # sicca.testing.steps.<module>
    line: int  # where the step function starts in its module
    fixture: str | None = None  # the fixture the step provides (`target_fixture`)


class StepGroup(BaseModel):
    """The steps of one module, with the module's one-line summary."""

    model_config = ConfigDict(extra="forbid")

    module: str
    title: str
    steps: list[StepInfo]


def _split(doc: str) -> tuple[str, list[str]]:
    meaning: list[str] = []
    examples: list[str] = []
    in_example = False
    for line in inspect.cleandoc(doc).splitlines():
        if line.startswith("Example:"):
            examples.append(line.removeprefix("Example:").strip())
            in_example = True
        elif in_example and line.startswith(" ") and line.strip():  # a long example, wrapped
            examples[-1] += " " + line.strip()
        else:
            in_example = False
            meaning.append(line)
    return "\n".join(meaning).strip(), examples


def step_text(example: str) -> str:
    """An example line without its Gherkin keyword (what the step's pattern must match)."""
    word, _, rest = example.strip().partition(" ")
    return rest if word in KEYWORDS else example.strip()


def step_groups() -> list[StepGroup]:
    """Every step of the library, by module, in source order."""
    from pytest_bdd.steps import step_function_context_registry

    groups = []
    for name in STEP_MODULES:
        module = importlib.import_module(f"sicca.testing.steps.{name}")
        found = []
        for context in list(step_function_context_registry.values()):
            func = context.step_func
            if getattr(func, "__module__", None) != module.__name__:
                continue
            meaning, examples = _split(func.__doc__ or "")
            examples = [e for e in examples if context.parser.is_matching(step_text(e))]
            kind = context.type or "given"
            found.append(StepInfo(keyword=kind.capitalize(), pattern=str(context.parser.name),
                                  meaning=meaning, examples=examples, module=module.__name__,
                                  line=inspect.getsourcelines(func)[1],
                                  fixture=context.target_fixture))
        if found:
            # a function with two step decorators registers the lower one first
            found.sort(key=lambda s: s.line)
            title = " ".join((inspect.getdoc(module) or name).split("\n\n")[0].split())
            title = title.rstrip(".")
            groups.append(StepGroup(module=module.__name__, title=title, steps=found))
    return groups


def step_catalogue() -> list[StepInfo]:
    """Every step of the library, flat (``sicca steps --format json``)."""
    return [s for g in step_groups() for s in g.steps]


def steps_text(groups: list[StepGroup]) -> str:
    """Plain text: per module, each step's pattern, meaning and examples."""
    out: list[str] = []
    for g in groups:
        out += [f"{g.title} ({g.module})", ""]
        for s in g.steps:
            out.append(f"  {s.keyword} {s.pattern}")
            out += [f"      {line}" for line in s.meaning.splitlines() if line.strip()]
            out += [f"      e.g. {e}" for e in s.examples]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _md_escape(text: str) -> str:
    """``<``, ``>`` and ``*`` outside code spans escaped (Markdown would read HTML, emphasis)."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("<", "&lt;").replace(">", "&gt;").replace("*", "\\*")
    return "`".join(parts)


def steps_markdown(groups: list[StepGroup]) -> str:
    """The Markdown page: per module a section, per step its pattern, meaning and example."""
    n = sum(len(g.steps) for g in groups)
    out = ["# Step catalogue", "",
           f"The {n} steps of the Sicca pytest plugin (`sicca.testing`), generated from the "
           "step library by `sicca steps --format markdown`. A value in braces (`{name}`) is "
           "yours to fill in; every scenario runs on both backends, which must agree.", ""]
    for g in groups:
        out += [f"## {_md_escape(g.title)}", "", f"Module `{g.module}`.", ""]
        for s in g.steps:
            out += [f"### `{s.keyword} {s.pattern}`", ""]
            if s.meaning:
                out += [_md_escape(s.meaning), ""]
            if s.examples:
                out += ["```gherkin", *s.examples, "```", ""]
    return "\n".join(out).rstrip() + "\n"


def write_steps_page(path: Path) -> Path:
    """Write the step catalogue as a Markdown page at ``path`` (the docs site calls this)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(steps_markdown(step_groups()), encoding="utf-8")
    return path
