"""Structure-aware fuzzing of Sicca's inputs: mutations of the fixtures, and the checks every
outcome must pass (tests/unit/test_fuzz.py).

A mutation starts from a real input (the seed case, a rule file, the lab table, a cohort line),
changes values, keys, types or structure in the parsed tree, writes it back as YAML, JSON or
CSV, and sometimes damages the text itself (a tag, an alias, a tab, a control character).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import traceback
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from sicca.cli.app import main

ROOT = Path(__file__).resolve().parents[2]

#: words and numbers that have broken readers before (issue 12), and the vocabulary's words
TRICKY = [
    "present", "absent", "not_done", "not_reported", "unknown", "invalid", "positive",
    "negative", "yes", "no", "<0.5", ">=1", "≥2", "< 3", "-3", "0", "1e999999", "1e-999999",
    "2024-02-31", "2023-10", "2023-13", "2023-10-05", "NaN", ".nan", ".inf", "Infinity", "1_000",
    "0x1F", "012", "1:30", " " * 300 + "x", "9" * 400, "1." + "0" * 30 + "1", "", "~",
    "cutaneous.purpura", "esspri.dryness", "schirmer", "lab.crp", "mg/L", "g/L", "ng/mL",
]
SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-10**6, max_value=10**6),
    st.integers(min_value=-(10**320), max_value=10**320),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(TRICKY),
    st.text(max_size=12),
)
KEYS = st.one_of(st.sampled_from([
    "findings", "symptoms", "ratings", "tests", "conditions", "drugs", "labs", "history",
    "timepoints", "patient", "id", "date", "label", "note", "inferred", "state", "value",
    "unit", "right", "left", "analyte", "reference", "cutaneous", "purpura",
    "cutaneous.purpura", "esspri", "dryness", "schirmer", "extent", "when", "then", "fact",
    "eq", "lt", "gt", "between", "ends", "in", "all", "any", "not", "field", "rules",
]), st.text(min_size=1, max_size=8))
#: text damage inserted at a random offset
SNIPPETS = ["\t", "&a ", "*a", "!!timestamp ", "!!python/object:os.system ", "<<: *a\n",
            "\x00", "\x01", "{", "[", "]", ":", "- ", "\n  ", "'", '"', "\\", "#", "NaN",
            "Infinity", "1e400", "\ufeff", "\u2028", "&a [*a]", "!custom "]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, path + (i,))
    return out


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        node = node[p]
    return node


@st.composite
def mutated(draw: st.DrawFn, base: Any, max_mutations: int = 3) -> Any:
    """``base`` (parsed data, deep-copied) with 1..max_mutations structural mutations."""
    data = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, max_mutations))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        if not path:
            continue
        parent = _get(data, path[:-1])
        last = path[-1]
        op = draw(st.sampled_from(["replace", "delete", "rename", "insert", "wrap", "dup"]))
        if op == "replace":
            parent[last] = draw(SCALARS)
        elif op == "delete":
            del parent[last]
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(KEYS)] = parent.pop(last)
        elif op == "insert" and isinstance(parent, dict):
            parent[draw(KEYS)] = draw(st.one_of(SCALARS, st.dictionaries(KEYS, SCALARS,
                                                                         max_size=2)))
        elif op == "wrap":
            parent[last] = draw(st.sampled_from([[parent[last]], {"value": parent[last]}]))
        elif op == "dup" and isinstance(parent, list):
            parent.append(json.loads(json.dumps(parent[last])))
    return data


@st.composite
def damaged(draw: st.DrawFn, text: str) -> str:
    """``text``, sometimes with a snippet inserted at a random offset."""
    if not text or draw(st.integers(0, 3)) != 0:
        return text
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(st.sampled_from(SNIPPETS)) + text[at:]


def run_cli(argv: list[str]) -> tuple[int | None, str, str]:
    """(exit code, stdout, stderr) of ``sicca argv`` in-process; a code of None and the
    traceback in stderr when an exception escaped."""
    out, err = io.StringIO(), io.StringIO()
    code: int | None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0) if not isinstance(exc.code, str) else 2
        except BaseException:  # noqa: BLE001 - exactly what the fuzzer looks for
            code = None
            err.write(traceback.format_exc())
    return code, out.getvalue(), err.getvalue()


_HEAD = re.compile(r"^(?P<where>\S.*?): (?:error|warning) (?P<code>[EW]\d{3})")


def unlocated_errors(stderr: str, file: str) -> list[str]:
    """Error heads of ``stderr`` that name no file, or neither a line nor a field path."""
    # "\n" and spaces only: a key may hold U+2028 or U+0085, which splitlines() takes for line
    # ends and strip() for blanks
    lines = stderr.split("\n")
    bad = []
    for i, line in enumerate(lines):
        m = _HEAD.match(line)
        if not m or " error " not in line:
            continue
        where = m["where"]
        has_file = where.startswith(file) or where.startswith(str(Path(file).parent))
        has_line = re.search(r":\d+(:\d+)?$", where) is not None
        detail = lines[i + 1] if i + 1 < len(lines) else ""
        has_field = detail.lstrip(" ").startswith(("at ", "timepoint")) and " at " in " " + detail
        if not has_file or not (has_line or has_field):
            bad.append(line)
    return bad


def without_engine(report: Any) -> Any:
    """A JSON report with the engine's name taken out (what may differ between engines)."""
    if isinstance(report, dict):
        return {k: without_engine(v) for k, v in report.items() if k not in ("engine",)}
    if isinstance(report, list):
        return [without_engine(v) for v in report]
    return report


def _read_outcome(text: str, file: str) -> Any:
    from sicca.base.errors import SiccaError
    from sicca.base.yamlsrc import parse_text

    try:
        src = parse_text(text, file)
    except SiccaError as err:
        return ("error", str(err))
    return ("ok", src.data, src.marks, src.lines)


def readers_agree(text: str, file: str) -> None:
    """The reader fed by libyaml's parser and the pure-Python reference give the same data,
    marks and lines, or the same error word for word (sicca.base.yamlsrc._compose)."""
    import sicca.base.yamlsrc as yamlsrc

    fast = _read_outcome(text, file)
    yamlsrc.USE_LIBYAML = False
    try:
        reference = _read_outcome(text, file)
    finally:
        yamlsrc.USE_LIBYAML = True
    assert repr(fast) == repr(reference), (repr(fast)[:1500], repr(reference)[:1500])
