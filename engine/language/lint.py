"""`sicca rules check`: every problem in rule files, in one run, each located.

``check(paths)`` runs the loader and the compiler over the bundled rules plus ``paths`` and
adds checks that only a linter makes (nothing here changes what the engine evaluates):

======  ========  ==============================================================================
code    severity  meaning
======  ========  ==============================================================================
E340    error     a concluded fact that no rule reads and that no ``outputs:`` pattern of its
                  file lists (``fnmatch`` globs)
E341    error     a rule (one DNF branch) can never fire: its tests on one fact leave no value
E342    error     numeric bands of one rule file overlap: one input value gives two values of
                  one concluded fact
E343    warning   numeric bands of one rule file leave a gap between consecutive bands
======  ========  ==============================================================================

Instrument meta: the linter knows no instrument (sicca.language never imports sicca.scores).
The caller passes ``meta_checks`` (``MetaCheck`` objects; the CLI passes
``sicca.scores.instrument.meta_checks()``): each gets the loaded rule files, the compiled
program and the pack manifest, and returns located problems (E315 unknown instrument in the
manifest, E360-E364 an instrument's meta), reported like every other rule error.

Context: a PATH under the bundled rules directory is checked together with all bundled rules
(problems in PATH are listed first); any other PATH is a rule pack, checked as "bundled + pack"
(pack files replace bundled files with the same relative path), so that chaining on bundled
conclusions resolves. Vocabulary files in a pack extend the bundled vocabulary.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any, Protocol

from sicca.base.errors import InputError, Problem, Problems, SiccaError
from sicca.base.kinds import discover_kinds
from sicca.base.paths import RULES_DIR
from sicca.base.yamlsrc import PathKey, dotted, load, read_text
from sicca.language.compiler import check_limits, compile_program
from sicca.language.docs import point_to_reference
from sicca.language.loader import (
    CMP_OPS,
    Manifest,
    Rule,
    RuleFile,
    discover,
    load_manifest,
    load_rule_files,
    shown_path,
)
from sicca.language.program import Catalog, FactSpec

__all__ = ["LintReport", "MetaCheck", "check", "lint"]


class MetaCheck(Protocol):
    """A check the caller adds to `sicca rules check`: an instrument's meta (see above)."""

    def check_meta(self, files: Sequence[RuleFile], program: dict[str, Any] | None,
                   manifest: Manifest | None) -> list[Problem]: ...

BOUND_OPS = ("lt", "le", "gt", "ge", "eq")


@dataclass
class LintReport:
    """Problems (focus files first), and what was checked."""

    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    rules: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity == "warning")

    def summary(self) -> str:
        def n(k: int, word: str) -> str:
            return f"{k} {word}{'' if k == 1 else 's'}"

        head = f"{n(self.errors, 'error')}, {n(self.warnings, 'warning')}" if self.problems \
            else "no problems"
        return f"{head} in {n(self.files, 'file')}; {n(self.rules, 'rule')} checked"

    def as_dict(self) -> dict[str, Any]:
        return {"problems": [asdict(p) for p in self.problems], "errors": self.errors,
                "warnings": self.warnings, "files": self.files, "rules": self.rules}


def check(paths: list[Path], meta_checks: Sequence[MetaCheck] = ()) -> list[Problem]:
    """Every problem in the rule files at ``paths`` (default: the bundled rules)."""
    return lint(paths, meta_checks).problems


def lint(paths: list[Path] | None = None,
         meta_checks: Sequence[MetaCheck] = ()) -> LintReport:
    """Check ``paths`` in context (see the module docstring); never stops at the first file."""
    _LINES.clear()  # source lines are remembered for one run only: files may change between runs
    bundled = Path(RULES_DIR).resolve()
    targets = [Path(p).resolve() for p in (paths or [bundled])]
    for t in targets:
        if not t.exists():
            raise InputError(Problem("path not found", file=str(t), code="E300",
                                     expected="a rule file or a directory of rule files"))
    packs = [t for t in targets if not _under(t, bundled)]
    dirs = [bundled] + packs
    problems = Problems()
    files = load_rule_files(dirs, problems)
    report = LintReport(files=len(discover(dirs)), rules=sum(len(f.rules) for f in files))
    loaded = _catalog(dirs, problems)
    program: dict[str, Any] | None = None
    if loaded is not None:
        catalog, integers = loaded
        program = compile_program(files, catalog, problems)
        check_limits(program, problems)
        _lint_program(program, files, catalog, integers, problems)
    manifest = load_manifest(dirs, problems)
    for mc in meta_checks:
        for p in mc.check_meta(files, program, manifest):
            problems.add(p)
    by_id: dict[str, Rule] = {}
    for f in files:
        for r in f.rules:
            by_id.setdefault(r.id, r)
    point_to_reference(problems.items)
    for p in problems.items:
        _name_rule(p)
        _locate(p, by_id)
        if p.source_line is None and p.file and p.line and 0 < p.line <= len(_lines(p.file)):
            p.source_line = _lines(p.file)[p.line - 1]
    focus = [str(t) for t in targets]
    report.problems = sorted(problems.items, key=lambda p: _order(p, focus))
    for p in report.problems:
        if p.file:
            p.file = shown_path(p.file)
    return report


# --- context ---------------------------------------------------------------------------------

def _under(p: Path, root: Path) -> bool:
    return p == root or root in p.parents


def _catalog(dirs: list[Path], problems: Problems) -> tuple[Catalog, set[str]] | None:
    """The vocabulary and analytes of ``dirs``; a malformed rule file does not stop it."""
    from sicca.records.labs import AnalyteTable
    from sicca.records.models import Catalogue
    from sicca.records.vocabulary import load_vocabulary

    found = discover_kinds(dirs)  # the same discovery as scoring (Catalogue.load)
    problems.items.extend(found.broken)
    vocab_files, analyte_files = found.of("vocabulary"), found.of("analytes")
    try:
        cat = Catalogue(load_vocabulary(vocab_files), AnalyteTable.load(analyte_files))
    except SiccaError as exc:
        problems.items.extend(exc.problems)
        problems.add(Problem("the vocabulary has errors; rule conditions were not compiled",
                             code="E300", hint="fix the vocabulary problems above first"))
        return None
    counts = {n for i in cat.vocabulary.items.values() if i.type == "count"
              for n in i.fact_names() if n == i.name}
    return Catalog.from_catalogue(cat), counts


def _order(p: Problem, focus: list[str]) -> tuple[int, str, int, int]:
    in_focus = p.file is not None and any(p.file == f or p.file.startswith(f + os.sep)
                                          for f in focus)
    rank = 0 if in_focus else (1 if p.file else 2)
    return (rank, p.file or "", p.line or 0, p.col or 0)


def _locate(p: Problem, by_id: dict[str, Rule]) -> None:
    """Give a problem that names a rule but no source line the rule's place."""
    rule = by_id.get(p.rule or "")
    if rule is None or p.source_line is not None:
        return
    src_lines = _lines(rule.file)
    if p.file is None or p.line is None:
        p.file, p.line, p.col = rule.file, rule.line, rule.col
    if p.file == rule.file and p.line is not None:
        if p.line == rule.line and p.col is None:
            p.col = rule.col
        if p.field is None:
            p.field = dotted(rule.path)
        if 0 < p.line <= len(src_lines):
            p.source_line = src_lines[p.line - 1]


_RULE_AT = re.compile(r"^rules\[(\d+)\]")


def _name_rule(p: Problem) -> None:
    """A problem inside ``rules[i]`` names that rule's id, when the file has one there."""
    m = _RULE_AT.match(p.field or "")
    if p.rule is not None or m is None or p.file is None:
        return
    try:
        data = load(p.file).data
        rid = data["rules"][int(m.group(1))]["id"]
    except (SiccaError, KeyError, IndexError, TypeError):
        return
    p.rule = str(rid)


_LINES: dict[str, list[str]] = {}


def _lines(file: str) -> list[str]:
    if file not in _LINES:
        try:
            _LINES[file] = read_text(file).splitlines()
        except InputError:  # reported where the file is read; the lines only quote it
            _LINES[file] = []
    return _LINES[file]


# --- lint-only checks ------------------------------------------------------------------------

@dataclass(frozen=True)
class Interval:
    """A set of numbers: lo..hi (None = unbounded), each end included or not."""

    lo: Decimal | None = None
    lo_in: bool = False
    hi: Decimal | None = None
    hi_in: bool = False

    def empty(self) -> bool:
        if self.lo is None or self.hi is None:
            return False
        return self.lo > self.hi or (self.lo == self.hi and not (self.lo_in and self.hi_in))

    def meet(self, other: Interval) -> Interval:
        lo, lo_in = self.lo, self.lo_in
        if other.lo is not None and (lo is None or other.lo > lo or
                                     (other.lo == lo and not other.lo_in)):
            lo, lo_in = other.lo, other.lo_in
        hi, hi_in = self.hi, self.hi_in
        if other.hi is not None and (hi is None or other.hi < hi or
                                     (other.hi == hi and not other.hi_in)):
            hi, hi_in = other.hi, other.hi_in
        return Interval(lo, lo_in, hi, hi_in)

    def has_integer(self) -> bool:
        if self.empty() or self.lo is None or self.hi is None:
            return not self.empty()
        n = self.lo.to_integral_value(rounding=ROUND_CEILING)
        if n == self.lo and not self.lo_in:
            n += 1
        return n < self.hi or (n == self.hi and self.hi_in)

    def holds(self, x: Decimal) -> bool:
        return not Interval(x, True, x, True).meet(self).empty()

    def __str__(self) -> str:
        if self.lo is not None and self.lo == self.hi:
            return f"exactly {_num(self.lo)}"
        lo = "-inf" if self.lo is None else _num(self.lo)
        hi = "inf" if self.hi is None else _num(self.hi)
        return f"{'[' if self.lo_in else '('}{lo}, {hi}{']' if self.hi_in else ')'}"


def _num(x: Decimal) -> str:
    return format(x.normalize(), "f") if x == x.to_integral_value() else str(x)


def interval_of(op: str, value: Decimal, negated: bool = False) -> Interval:
    """The numbers passing ``op value`` (or failing it, when ``negated``)."""
    if negated:
        op = {"lt": "ge", "le": "gt", "gt": "le", "ge": "lt"}[op]
    return {
        "lt": Interval(hi=value, hi_in=False),
        "le": Interval(hi=value, hi_in=True),
        "gt": Interval(lo=value, lo_in=False),
        "ge": Interval(lo=value, lo_in=True),
        "eq": Interval(value, True, value, True),
    }[op]


def _lint_program(program: dict[str, Any], files: list[RuleFile], catalog: Catalog,
                  integers: set[str], problems: Problems) -> None:
    rules = {r.id: (r, f) for f in files for r in f.rules}
    concluded: dict[str, set[Decimal | str]] = {}
    for f in files:
        for r in f.rules:
            v = r.then["value"]
            concluded.setdefault(str(r.then["fact"]), set()).add(
                Decimal(str(v)) if isinstance(v, (int, float)) else str(v))
    _unconsumed(program, files, problems)
    for cr in program["rules"]:
        hit = rules.get(cr["id"])
        if hit is not None:
            _never_fires(cr, hit[0], hit[1], catalog, concluded, problems)
    for f in files:
        _bands(f, [cr for cr in program["rules"] if cr["id"] in
                   {r.id for r in f.rules}], catalog, integers, problems)


def _unconsumed(program: dict[str, Any], files: list[RuleFile], problems: Problems) -> None:
    read = {lit["fact"] for r in program["rules"] for b in r["branches"] for lit in b}
    for f in files:
        seen: set[str] = set()
        for r in f.rules:
            fact = str(r.then["fact"])
            if fact in read or fact in seen or \
                    any(fnmatch.fnmatchcase(fact, str(pat)) for pat in f.outputs):
                continue
            seen.add(fact)
            others = [x.id for x in f.rules if str(x.then["fact"]) == fact]
            problems.add(f.src.problem(
                r.path + ("then",), f"nothing consumes the conclusion '{fact}'", code="E340",
                rule=r.id, expected="a fact some rule reads, or one listed in the file's "
                "`outputs:`", found=f"'{fact}' concluded by {', '.join(others)}",
                hint=f"if a score reads it, add `outputs: [{fact}]` (globs allowed) to "
                f"{os.path.basename(f.src.file)}; otherwise remove the rule"))


def _leaf_paths(raw: Any, path: PathKey, fact: str) -> list[PathKey]:
    """Paths of the condition leaves in ``raw`` that name ``fact`` (document order)."""
    if not isinstance(raw, dict):
        return []
    if "fact" in raw:
        return [path] if str(raw["fact"]) == fact else []
    out: list[PathKey] = []
    for key in ("all", "any"):
        if isinstance(raw.get(key), list):
            for i, sub in enumerate(raw[key]):
                out += _leaf_paths(sub, path + (key, i), fact)
    if "not" in raw:
        out += _leaf_paths(raw["not"], path + ("not",), fact)
    return out


def _test_path(rule: Rule, fact: str, ops: tuple[str, ...], last: bool = True) -> PathKey:
    """The place of the test on ``fact`` a problem is about (the last one, by default)."""
    leaves = _leaf_paths(rule.when, rule.path + ("when",), fact) or [rule.path + ("when",)]
    leaf = leaves[-1] if last else leaves[0]
    node = _at(rule.when, leaf[len(rule.path) + 1:])
    if isinstance(node, dict):
        for op in ops:
            if op in node:
                return leaf + (op,)
    return leaf


def _at(raw: Any, path: PathKey) -> Any:
    for part in path:
        try:
            raw = raw[part]
        except (KeyError, IndexError, TypeError):
            return None
    return raw


def _shape(tests: list[dict[str, Any]]) -> str:
    sym = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "=", "ne": "!=", "in": "in"}
    out = []
    for t in tests:
        s = f"{t['field']} {sym.get(t['op'], t['op'])} {t['value']}"
        out.append(f"not ({s})" if t["neg"] else s)
    return " and ".join(out)


def _never_fires(cr: dict[str, Any], rule: Rule, rf: RuleFile, catalog: Catalog,
                 concluded: dict[str, set[Decimal | str]], problems: Problems) -> None:
    for j, branch in enumerate(cr["branches"]):
        for lit in branch:
            if lit["negated"]:
                continue
            why = _empty_tests(lit["tests"])
            if why is None and lit["fact"] not in catalog.facts and lit["fact"] in concluded:
                values = concluded[lit["fact"]]
                if lit["tests"] and not any(_passes(v, lit["tests"]) for v in values):
                    why = "no rule concludes a value that passes them"
            if why is None:
                continue
            label = f" (branch {j + 1} of {len(cr['branches'])})" if len(cr["branches"]) > 1 \
                else ""
            problems.add(rf.src.problem(
                _test_path(rule, lit["fact"], CMP_OPS + ("between", "in", "state")),
                f"rule can never fire{label}: its tests on '{lit['fact']}' leave no value",
                code="E341", rule=rule.id, expected=f"tests on '{lit['fact']}' that some "
                "value passes", found=f"{_shape(lit['tests'])}: {why}",
                hint="check the direction of each comparison and the `ends:` of between"))
            break


def _empty_tests(tests: list[dict[str, Any]]) -> str | None:
    """Why the conjunction of ``tests`` on one fact holds for no value (None if it can hold)."""
    numeric = [t for t in tests if t["field"] == "value" and not isinstance(t["value"], list)
               and t["op"] in BOUND_OPS]
    if any(not t["neg"] for t in numeric):  # a decided value must exist: negations complement
        box = Interval()
        for t in numeric:
            if t["neg"] and t["op"] == "eq":
                continue
            box = box.meet(interval_of(t["op"], Decimal(str(t["value"])), t["neg"]))
        if box.empty():
            return "no number is in all of these ranges"
        if box.lo is not None and box.lo == box.hi:
            out = {Decimal(str(t["value"])) for t in tests if t["field"] == "value" and
                   ((t["op"] == "ne" and not t["neg"]) or (t["op"] == "eq" and t["neg"]))}
            if box.lo in out:
                return f"the only number left, {_num(box.lo)}, is excluded"
    for fld in ("code", "state"):
        own = [t for t in tests if t["field"] == fld]
        pos = [t for t in own if not t["neg"] and t["op"] in ("eq", "in")]
        if not pos:
            continue
        allowed: set[str] | None = None
        for t in pos:
            vals = set(t["value"] if isinstance(t["value"], list) else [t["value"]])
            allowed = vals if allowed is None else allowed & vals
        for t in own:
            if (t["neg"] and t["op"] in ("eq", "in")) or (not t["neg"] and t["op"] == "ne"):
                allowed = (allowed or set()) - set(t["value"] if isinstance(t["value"], list)
                                                   else [t["value"]])
        if not allowed:
            return f"no {fld} is allowed by all of them"
    return None


def _passes(v: Decimal | str, tests: list[dict[str, Any]]) -> bool:
    """Whether a concluded constant passes every (positive or negated) test of a literal."""
    for t in tests:
        vals = t["value"] if isinstance(t["value"], list) else [t["value"]]
        if t["field"] == "state":
            ok = "derived" in vals if t["op"] in ("eq", "in") else "derived" not in vals
        elif isinstance(v, Decimal) and t["field"] == "value" and t["op"] in BOUND_OPS:
            ok = interval_of(t["op"], Decimal(str(t["value"]))).holds(v)
        elif isinstance(v, Decimal) and t["field"] == "value" and t["op"] == "ne":
            ok = v != Decimal(str(t["value"]))
        elif isinstance(v, str) and t["field"] == "code":
            ok = v in vals if t["op"] in ("eq", "in") else v not in vals
        else:
            return True  # a kind mismatch the compiler reports; do not guess here
        if ok == t["neg"]:
            return False
    return True


def _nonempty(box: Interval) -> bool:
    return not box.empty()


@dataclass
class _Band:
    box: Interval
    value: str
    rule: Rule
    path: PathKey


def _bands(rf: RuleFile, compiled: list[dict[str, Any]], catalog: Catalog, integers: set[str],
           problems: Problems) -> None:
    """Overlaps (E342) and gaps (E343) between one file's numeric bands; counts are integers."""
    by_rule = {r.id: r for r in rf.rules}
    groups: dict[tuple[str, str], list[_Band]] = {}
    for cr in compiled:
        rule = by_rule[cr["id"]]
        for branch in cr["branches"]:
            if len(branch) != 1 or branch[0]["negated"]:
                continue
            lit = branch[0]
            spec: FactSpec | None = catalog.facts.get(lit["fact"])
            tests = lit["tests"]
            if spec is None or spec.kind != "number" or not tests or \
                    any(t["field"] != "value" or t["op"] not in BOUND_OPS or t["neg"] or
                        isinstance(t["value"], list) for t in tests):
                continue
            box = Interval()
            for t in tests:
                box = box.meet(interval_of(t["op"], Decimal(str(t["value"]))))
            if box.empty():
                continue  # E341 already
            groups.setdefault((lit["fact"], str(rule.then["fact"])), []).append(
                _Band(box, str(rule.then["value"]), rule,
                      _test_path(rule, lit["fact"], CMP_OPS + ("between",), last=False)))
    for (fact, out), bands in groups.items():
        if len({b.value for b in bands}) < 2:
            continue
        real = Interval.has_integer if fact in integers else _nonempty
        unit = catalog.facts[fact].unit
        in_unit = f" {unit}" if unit else ""
        bands.sort(key=lambda b: (b.box.lo is not None, b.box.lo or 0, not b.box.lo_in))
        for i, b in enumerate(bands):
            for a in bands[:i]:
                if a.value != b.value and real(a.box.meet(b.box)):
                    problems.add(rf.src.problem(
                        b.path, f"bands overlap: '{fact}' in {a.box.meet(b.box)}{in_unit} "
                        f"gives '{out}' both {a.value} and {b.value}", code="E342",
                        rule=b.rule.id, expected=f"bands of '{fact}' that do not overlap",
                        found=f"{b.box} here, {a.box} in rule '{a.rule.id}'",
                        hint="make one end open: `le` on one band and `gt` on the next, or "
                        "`ends: low` / `ends: high` on between"))
                    break
        reach: Interval | None = None  # the union of the bands so far, as one interval
        for b in bands:
            if reach is not None and reach.hi is not None and b.box.lo is not None:
                gap = Interval(reach.hi, not reach.hi_in, b.box.lo, not b.box.lo_in)
                if real(gap):
                    problems.add(rf.src.problem(
                        b.path, f"bands leave a gap: '{fact}' in {gap}{in_unit} gives no "
                        f"value of '{out}'", code="E343", severity="warning", rule=b.rule.id,
                        expected=f"consecutive bands of '{fact}' that meet",
                        found=f"{reach} below, {b.box} here",
                        hint="if the gap is meant (values there get no conclusion), ignore "
                        "this; else close it (`le` on one band, `gt` on the next)"))
            if reach is None:
                reach = b.box
            elif reach.hi is not None and (b.box.hi is None or b.box.hi > reach.hi or
                                           (b.box.hi == reach.hi and b.box.hi_in)):
                reach = Interval(reach.lo, reach.lo_in, b.box.hi, b.box.hi_in)
