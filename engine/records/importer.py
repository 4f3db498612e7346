"""Import laboratory tables (CSV laid out like the case's Table 1) into case files.

A table has one row per analyte and the columns ``analyte``, ``unit``, ``reference``
(``panel`` optional, checked against the vocabulary) and one column per timepoint, mapped to
timepoint ids with ``COL=ID``. Cells:

- a number or a censored number (``<0.91``, ``>1000``): a result; its text is kept exactly;
- empty, or ``-`` (the paper's dash): not reported; the entry is omitted and a YAML comment
  says so;
- ``not_done`` / ``nd``: a ``not_done`` entry.

Every other column is reported as "not imported" (never silently dropped); comment columns
(default ``reading_note``) are written as YAML end-of-line comments on the entries.

Every cell is validated with :func:`sicca.records.labs.parse_lab_entry`, so a CSV problem names the
file, line and column like a case-file problem. All problems are reported at once.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sicca.base.errors import InputError, Problem, Problems
from sicca.base.yamlsrc import KEY, PathKey, Sourced, check_text, parse_text, read_text
from sicca.base.yamlsrc import load as load_yaml
from sicca.records import units
from sicca.records.labs import AnalyteTable, parse_lab_entry

REQUIRED_COLUMNS = ("analyte", "unit", "reference")
KNOWN_COLUMNS = ("panel",) + REQUIRED_COLUMNS
NOT_REPORTED_CELLS = ("", "-", "–", "—")
NOT_DONE_CELLS = ("not_done", "nd", "n.d.")


@dataclass
class ImportedLab:
    """One imported cell (or a not-reported placeholder that becomes a comment)."""

    analyte: str  # canonical name
    value: str | None  # exact cell text; None = not reported (omitted)
    unit: str
    reference: str | None
    comment: str | None = None
    line: int | None = None
    not_done: bool = False


@dataclass
class LabImport:
    """The imported labs per timepoint id, and what was not imported."""

    source: str
    timepoints: dict[str, list[ImportedLab]] = field(default_factory=dict)
    not_imported: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # timepoint id -> CSV column

    def header(self, tid: str) -> str:
        """The comment put on a timepoint's ``labs:`` line."""
        return (f"from {Path(self.source).name}, column '{self.columns.get(tid, tid)}' "
                "(sicca import labs)")


def _cell_offsets(line: str) -> list[int]:
    """1-based column of each CSV field on one physical line (best effort)."""
    cols, pos = [], 0
    try:
        cells = next(csv.reader([line]), [])
    except csv.Error:  # the row itself is reported by _rows; positions are only a nicety
        return []
    for cell in cells:
        at = line.find(cell, pos) if cell else pos
        at = pos if at < 0 else at
        cols.append(at + 1)
        pos = at + len(cell) + 1
    return cols


def _rows(reader: csv.DictReader[str], source: str, text: str) -> Iterator[dict[str, Any]]:
    """The table's rows; a malformed one (a stray carriage return, an open quote) is an
    InputError at its line rather than a csv traceback."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _unreadable(exc, reader, source, text) from None
        yield row


def _header(reader: csv.DictReader[str], source: str, text: str) -> list[str]:
    """The table's column names; a malformed header line is E534 at line 1, as a row is."""
    try:
        return list(reader.fieldnames or [])
    except csv.Error as exc:
        raise _unreadable(exc, reader, source, text) from None


def _unreadable(exc: csv.Error, reader: csv.DictReader[str], source: str,
                text: str) -> InputError:
    # csv counts lines by "\n" and has not counted the one it failed on
    lines = [line.rstrip("\r") for line in text.split("\n")]
    line_no = min(reader.line_num + 1, len(lines))
    return InputError(Sourced(None, source, {(): (line_no, 1)}, lines).problem(
        (), f"the CSV cannot be read here: {exc}", code="E534",
        expected="one row per line; quote a cell that holds a line break "
                 "or a carriage return"))


def parse_timepoint_columns(specs: list[str]) -> dict[str, str]:
    """``["before_rfib=baseline", ...]`` -> ``{"before_rfib": "baseline", ...}``."""
    out: dict[str, str] = {}
    for spec in specs:
        col, sep, tid = spec.partition("=")
        if not sep or not col.strip() or not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*",
                                                          tid.strip()):
            raise InputError(Problem(f"bad --timepoint-column {spec!r}", field="--timepoint-column",
                                     expected="COLUMN=TIMEPOINT_ID, e.g. before_rfib=baseline",
                                     found=repr(spec), code="E530"))
        if col.strip() in out:
            raise InputError(Problem(f"column '{col.strip()}' mapped twice",
                                     field="--timepoint-column", code="E530"))
        out[col.strip()] = tid.strip()
    return out


def read_lab_table(path: str | Path, timepoint_columns: dict[str, str], table: AnalyteTable,
                   comment_columns: tuple[str, ...] = ("reading_note",)) -> LabImport:
    """Read and validate a lab CSV; raises one InputError listing every problem."""
    p = Path(path)
    text = read_text(p, encoding="utf-8-sig")  # a BOM from spreadsheet exports is dropped
    check_text(text, str(path))  # control characters, at their line and column
    lines = text.splitlines()
    reader = csv.DictReader(io.StringIO(text))
    header = _header(reader, str(path), text)
    problems = Problems()
    head = Sourced(None, str(path), {(): (1, 1)}, lines)
    for col in REQUIRED_COLUMNS:
        if col not in header:
            problems.add(head.problem((), f"the table has no '{col}' column", code="E531",
                                      expected="columns " + ", ".join(REQUIRED_COLUMNS)
                                      + " and one column per timepoint",
                                      found=", ".join(header)))
    for col in timepoint_columns:
        if col not in header:
            problems.add(head.problem((), f"no column '{col}' (from --timepoint-column)",
                                      code="E532", found=", ".join(header)))
    if not timepoint_columns:
        problems.add(Problem("no timepoint column given", field="--timepoint-column",
                             expected="--timepoint-column COLUMN=ID (repeatable)", code="E530"))
    problems.raise_if_any(InputError)

    result = LabImport(str(path), {tid: [] for tid in timepoint_columns.values()})
    result.columns = {tid: col for col, tid in timepoint_columns.items()}
    comments = [c for c in comment_columns if c in header]
    for col in header:
        if col in KNOWN_COLUMNS or col in timepoint_columns:
            continue
        if col in comments:
            result.not_imported.append(f"column '{col}': kept as YAML comments only")
        else:
            result.not_imported.append(f"column '{col}'")

    seen: dict[str, int] = {}
    for i, row in enumerate(_rows(reader, str(path), text)):
        line_no = reader.line_num  # the last physical line of the row
        offsets = _cell_offsets(lines[line_no - 1]) if line_no <= len(lines) else []
        marks: dict[PathKey, tuple[int, int]] = {("rows", i): (line_no, 1)}
        for k, col in enumerate(header):
            if k < len(offsets):
                marks[("rows", i, col)] = (line_no, offsets[k])
        if None in row:
            problems.add(Sourced(None, str(path), marks, lines).problem(
                ("rows", i), "row has more cells than the header", code="E533"))
            continue
        name = (row.get("analyte") or "").strip()
        note = " ".join(f"{row[c].strip()}" for c in comments if (row.get(c) or "").strip())
        for col, tid in timepoint_columns.items():
            cell = (row.get(col) or "").strip()
            m = dict(marks)
            m[("rows", i, "value")] = marks.get(("rows", i, col), (line_no, 1))
            src = Sourced(None, str(path), m, lines)
            entry: dict[str, Any] = {"analyte": name, "unit": (row.get("unit") or "").strip(),
                                     "reference": (row.get("reference") or "").strip() or None}
            if cell in NOT_REPORTED_CELLS:
                entry["value"] = "not_reported"
            elif cell.lower() in NOT_DONE_CELLS:
                entry["value"] = "not_done"
            else:
                entry["value"] = cell
            try:
                lab = parse_lab_entry(entry, src, ("rows", i), table)
            except InputError as exc:
                for prob in exc.problems:
                    if prob.field and prob.field.endswith(".value"):
                        prob.field = prob.field[: -len("value")] + col
                    prob.timepoint = tid
                    problems.add(prob)
                break  # one problem per row is enough (the analyte/unit repeat per column)
            if cell in NOT_REPORTED_CELLS:
                why = "empty cell" if cell == "" else f"the table prints {cell!r}"
                result.timepoints[tid].append(ImportedLab(
                    lab.analyte.name, None, lab.analyte.unit, None,
                    comment=f"{lab.analyte.name}: not reported at this timepoint ({why} in "
                            f"{p.name}, line {line_no}); omitted"
                            + (f"; row note: {note}" if note else ""), line=line_no))
                continue
            unit = units.normalize(entry["unit"]) or entry["unit"]
            result.timepoints[tid].append(ImportedLab(
                lab.analyte.name, None if lab.state == "not_done" else cell, unit,
                entry["reference"], comment=f"row note: {note}" if note else None,
                line=line_no,
                not_done=lab.state == "not_done"))
        else:
            analyte = table.resolve(name)
            if analyte is not None:
                key = analyte.key
                if key in seen:
                    problems.add(Sourced(None, str(path), marks, lines).problem(
                        ("rows", i, "analyte"), f"analyte '{analyte.name}' appears twice",
                        code="E534", hint=f"first on line {seen[key]}"))
                seen[key] = line_no
                panel = (row.get("panel") or "").strip()
                if panel and panel != analyte.panel:
                    result.notes.append(f"{path}:{line_no}: panel '{panel}' differs from the "
                                        f"vocabulary's '{analyte.panel}' for {analyte.name}")
    problems.raise_if_any(InputError)
    return result


# --------------------------------------------------------------------------- YAML output

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 _.+/()-]*$")
_RESERVED = {"yes", "no", "y", "n", "true", "false", "on", "off", "null", "not_done",
             "not_reported"}
_NUM = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _scalar(text: str) -> str:
    if _PLAIN.match(text) and text.lower() not in _RESERVED and not text.endswith(" "):
        return text
    return json.dumps(text, ensure_ascii=False)


def _value(text: str) -> str:
    return text if _NUM.match(text) else json.dumps(text, ensure_ascii=False)


def render_labs(labs: list[ImportedLab], indent: int, header: str | None = None) -> list[str]:
    """The ``labs:`` block for one timepoint, as YAML lines (without newlines)."""
    pad = " " * indent
    out = [f"{pad}labs:" + (f"  # {header}" if header else "")]
    for lab in labs:
        if lab.value is None and not lab.not_done:
            out.append(f"{pad}  # {lab.comment}")
            continue
        parts = [f"analyte: {_scalar(lab.analyte)}",
                 f"value: {'not_done' if lab.not_done else _value(lab.value or '')}",
                 f"unit: {_scalar(lab.unit)}"]
        if lab.reference:
            parts.append(f"reference: {json.dumps(lab.reference, ensure_ascii=False)}")
        line = f"{pad}  - {{{', '.join(parts)}}}"
        if lab.comment:
            line += f"  # {lab.comment}"
        out.append(line)
    if len(out) == 1:
        out[0] = f"{pad}labs: []" + (f"  # {header}" if header else "")
    return out


def render_fragment(imp: LabImport) -> str:
    """A YAML fragment ``timepoints: [{id, labs}]`` for merging into a case by hand."""
    lines = [f"# Labs imported from {Path(imp.source).name} by `sicca import labs`.",
             "# A fragment: merge it into a case file (or use --into CASE.yaml).",
             "timepoints:"]
    for tid, labs in imp.timepoints.items():
        lines.append(f"  - id: {_scalar(tid)}")
        lines += render_labs(labs, 4, imp.header(tid))
    return "\n".join(lines) + "\n"


def _is_comment_or_blank(line: str) -> bool:
    s = line.strip()
    return not s or s.startswith("#")


def merge_into(imp: LabImport, case_path: str | Path, table: AnalyteTable,
               replace: bool = False) -> str:
    """The text of ``case_path`` with each imported timepoint's ``labs:`` block inserted.

    The rest of the file (comments, layout) is kept as it is. A timepoint that already has
    labs is an error unless ``replace``; a timepoint id the case does not have is an error.
    """
    src = load_yaml(case_path)
    data = src.data
    lines = list(src.lines)
    problems = Problems()
    if not isinstance(data, dict) or not isinstance(data.get("timepoints"), list):
        raise InputError(src.problem((), "the case file has no 'timepoints' list", code="E535"))
    tps: list[Any] = data["timepoints"]
    ids = {str(tp.get("id")): i for i, tp in enumerate(tps) if isinstance(tp, dict)}
    edits: list[tuple[int, int, list[str]]] = []  # (start, end) 0-based line slice, new lines
    for tid, labs in imp.timepoints.items():
        if tid not in ids:
            problems.add(src.problem(("timepoints",), f"the case has no timepoint '{tid}'",
                                     code="E536", expected="one of " + ", ".join(ids),
                                     hint="map the column to an existing id with COL=ID"))
            continue
        i = ids[tid]
        tp_path: PathKey = ("timepoints", i)
        start_line, start_col = src.marks[tp_path]
        if lines[start_line - 1][start_col - 1:].lstrip().startswith("{"):
            problems.add(src.problem(tp_path, f"timepoint '{tid}' is written in flow style "
                                              "({...}); cannot insert labs", code="E537"))
            continue
        key_marks = [(src.marks[tp_path + (k, KEY)], k) for k in tps[i]]
        indent = min(m[0][1] for m in key_marks) - 1
        boundary = _block_end(src, tp_path, start_line, len(lines))
        if "labs" in tps[i]:
            labs_line = src.marks[tp_path + ("labs", KEY)][0]
            if not replace:
                problems.add(src.problem(tp_path + ("labs", KEY),
                                         f"timepoint '{tid}' already has labs", code="E538",
                                         hint="pass --replace to replace them"))
                continue
            later = [m[0][0] for m in key_marks if m[0][0] > labs_line]
            end = min(later) if later else boundary
            end = _back_over_trailing(lines, labs_line, end, max_indent=indent)
            edits.append((labs_line - 1, end - 1, render_labs(labs, indent, imp.header(tid))))
        else:
            at = _back_over_trailing(lines, start_line, boundary)
            edits.append((at - 1, at - 1, render_labs(labs, indent, imp.header(tid))))
    problems.raise_if_any(InputError)
    for s, e, new in sorted(edits, reverse=True):
        lines[s:e] = new
    text = "\n".join(lines) + "\n"
    merged = parse_text(text, str(case_path))  # must still parse; entries must validate
    for tid in imp.timepoints:
        tp = merged.data["timepoints"][ids[tid]]
        for j, entry in enumerate(tp.get("labs") or []):
            parse_lab_entry(entry, merged, ("timepoints", ids[tid], "labs", j), table)
    return text


def _block_end(src: Sourced, tp_path: PathKey, start_line: int, n_lines: int) -> int:
    """1-based line where the block of the mapping at ``tp_path`` ends (exclusive)."""
    after = [line for path, (line, _c) in src.marks.items()
             if line > start_line and path[: len(tp_path)] != tp_path]
    return min(after) if after else n_lines + 1


def _back_over_trailing(lines: list[str], first: int, end: int,
                        max_indent: int | None = None) -> int:
    """Move ``end`` (1-based, exclusive) back over blank and comment lines after ``first``.

    With ``max_indent``, comment lines indented deeper than it are kept in the block (they
    are the block's own, e.g. a "not reported" comment at the end of a labs list).
    """
    while end - 1 > first and _is_comment_or_blank(lines[end - 2]):
        line = lines[end - 2]
        indent = len(line) - len(line.lstrip())
        if line.strip() and max_indent is not None and indent > max_indent:
            break
        end -= 1
    return end
