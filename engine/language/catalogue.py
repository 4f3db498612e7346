"""The rule catalogue: every rule set and rule of a rules directory as Markdown pages.

``sicca rules catalogue -o DIR`` and the documentation site (mkdocs.yml's hook) write the same
pages: an index of rule sets, one page per rule set with each rule's description, its conditions
in readable form, its full citation, verification tag and status, and the scenarios that cover
it (from a rule-coverage JSON file written by the pytest plugin's ``--sicca-coverage-json``),
one page per feature file those scenarios come from, and the vocabulary of case files.

The coverage file::

    {"rules": {"<rule id>": [{"feature": "features/essdai/cutaneous.feature",
                              "scenario": "<name>", "line": 40}]},
     "uncovered": ["<rule id>", ...]}

Feature paths are relative to the pytest rootdir (``root`` here). A rule the file does not
list, or lists with no scenario, is shown as covered by no scenario; with no coverage file the
pages say that coverage was not given, never that a rule is uncovered.

Codes: E550 a coverage file that is not of this shape (its own family: rule-coverage files).
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from sicca.base.errors import InputError, Problems, RuleSyntaxError
from sicca.base.paths import RULES_DIR
from sicca.base.yamlsrc import Reader, load
from sicca.language.bibliography import source_lines
from sicca.language.loader import Rule, RuleFile, load_rule_files
from sicca.records.labs import AnalyteTable
from sicca.records.models import Catalogue
from sicca.records.vocabulary import Item, Vocabulary

__all__ = ["Coverage", "Covering", "RuleCatalogue", "build_catalogue", "condition_lines",
           "leaf_text", "load_coverage", "md_text", "ruleset_page", "vocabulary_page"]

CMP_WORDS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥"}
WORD_CMP = {"eq": "is", "ne": "is not"}
#: ``between`` ends -> (low sign, high sign)
ENDS_SIGNS = {"both": ("≤", "≤"), "neither": ("<", "<"), "low": ("≤", "<"), "high": ("<", "≤")}
#: covering scenarios listed one by one under a rule (the rest are counted per feature file)
SHOWN = 5
SCENARIO = re.compile(r"^\s*(Scenario Outline|Scenario Template|Scenario|Example)\s*:\s*(.*)$")


class Covering(BaseModel):
    """One scenario that fired a rule: its feature file (relative to the rootdir), its name
    and its line."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    feature: str
    scenario: str
    line: int


class Coverage(BaseModel):
    """A rule-coverage file: the covering scenarios of each rule, and the uncovered rules."""

    model_config = ConfigDict(extra="forbid")
    rules: dict[str, list[Covering]]
    uncovered: list[str] = []

    def of(self, rule_id: str) -> list[Covering]:
        """The distinct scenarios covering ``rule_id``, by feature and line."""
        seen = {(c.feature, c.line, c.scenario): c for c in self.rules.get(rule_id, [])}
        return [seen[k] for k in sorted(seen)]


def load_coverage(path: Path) -> Coverage:
    """A rule-coverage JSON file, checked: every problem located (E550), exit 2."""
    src = load(path)
    try:
        cov = Coverage.model_validate(src.data)
    except ValidationError as exc:
        raise InputError([src.problem(tuple(e["loc"]), f"rule-coverage file: {e['msg']}",
                                      code="E550",
                                      expected='{"rules": {"<rule id>": [{"feature": "<path>", '
                                      '"scenario": "<name>", "line": <int>}]}, "uncovered": '
                                      '["<rule id>"]}', found=repr(e.get("input"))[:80])
                          for e in exc.errors()]) from None
    bad = [(rid, i, c) for rid, cs in cov.rules.items() for i, c in enumerate(cs)
           if not _safe_rel(c.feature)]
    if bad:
        raise InputError([src.problem(("rules", rid, i, "feature"), "rule-coverage file: a "
                                      "feature path must be relative to the rootdir, without "
                                      "'..'", code="E550",
                                      expected="e.g. features/essdai/cutaneous.feature",
                                      found=c.feature) for rid, i, c in bad])
    return cov


def _safe_rel(p: str) -> bool:
    pp = PurePosixPath(p.replace("\\", "/"))
    return bool(p) and not pp.is_absolute() and ".." not in pp.parts and ":" not in p


# --- Markdown helpers ---------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#|])")


def md_text(text: str) -> str:
    """Text from a rule or vocabulary file as literal Markdown: HTML and Markdown marks
    escaped, whitespace folded (a YAML block scalar's line breaks are not paragraph breaks)."""
    text = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def code(text: Any) -> str:
    """An identifier in backticks (a backtick inside is dropped: ids never hold one)."""
    return f"`{str(text).replace('`', '')}`"


def _const(v: Any) -> str:
    if isinstance(v, bool):
        return code("yes" if v else "no")
    if isinstance(v, (int, float)):
        return f"{v:g}" if isinstance(v, float) else str(v)
    return code(v)


def _states(v: Any) -> str:
    states = v if isinstance(v, list) else [v]
    words = [str(s).replace("_", " ") for s in states]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


# --- readable conditions ------------------------------------------------------------------------

def leaf_text(leaf: Mapping[str, Any], concluded: set[str] | frozenset[str] = frozenset()) -> str:
    """One leaf condition in words: ``lab.igg > 20 g/L``, ``cutaneous.purpura is present``,
    ``16 ≤ lab.igg ≤ 20``, ``focus_score is not reported, not done or unknown``."""
    fact = str(leaf.get("fact"))
    name = code(fact)
    unit = f" {leaf['unit']}" if leaf.get("unit") else ""
    fld = leaf.get("field")
    subject = f"the {fld} of {name}" if fld in ("state", "code", "value") else name
    parts: list[str] = []
    for op in leaf:  # as written: {gt: 16, le: 20} reads "> 16 and ≤ 20"
        if op not in CMP_WORDS:
            continue
        sign, v = CMP_WORDS[op], leaf[op]
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            parts.append(f"{subject} {sign} {_const(v)}{unit}")
        else:
            parts.append(f"{subject} {WORD_CMP.get(op, sign)} {_const(v)}")
    if "between" in leaf:
        b = leaf["between"]
        lo, hi = (b[0], b[1]) if isinstance(b, list) and len(b) == 2 else ("?", "?")
        s_lo, s_hi = ENDS_SIGNS.get(str(leaf.get("ends")), ("?", "?"))
        parts.append(f"{_const(lo)} {s_lo} {subject} {s_hi} {_const(hi)}{unit}")
    if "in" in leaf:
        words = leaf["in"] if isinstance(leaf["in"], list) else [leaf["in"]]
        parts.append(f"{subject} is one of {', '.join(_const(w) for w in words)}")
    if "state" in leaf:
        parts.append(f"{name} is {_states(leaf['state'])}")
    if not parts:
        parts.append(f"{name} was concluded" if fact in concluded else f"{name} is reported")
    text = " and ".join(parts)
    if leaf.get("note"):
        text += f" ({md_text(str(leaf['note']))})"
    return text


def condition_lines(cond: Any, concluded: set[str] | frozenset[str] = frozenset(),
                    depth: int = 0) -> list[str]:
    """A condition as nested Markdown list items (4 spaces a level, as Python-Markdown
    nests lists): ``all of:`` / ``any of:`` / ``not:`` over their parts, a leaf in words."""
    pad = "    " * depth
    if isinstance(cond, Mapping):
        for key, head in (("all", "all of:"), ("any", "any of:")):
            if key in cond and isinstance(cond[key], list):
                out = [f"{pad}- {head}"]
                for c in cond[key]:
                    out += condition_lines(c, concluded, depth + 1)
                return out
        if "not" in cond:
            inner = cond["not"]
            if isinstance(inner, Mapping) and "fact" in inner:
                return [f"{pad}- not: {leaf_text(inner, concluded)}"]
            return [f"{pad}- not:", *condition_lines(inner, concluded, depth + 1)]
        if "fact" in cond:
            return [f"{pad}- {leaf_text(cond, concluded)}"]
    return [f"{pad}- {md_text(repr(cond))}"]


# --- the pages ----------------------------------------------------------------------------------

@dataclass
class FeatureDoc:
    """A feature file cut at its scenarios: (first line, heading, lines) per part."""

    rel: str
    page: str
    parts: list[tuple[int, str, list[str]]] = field(default_factory=list)

    def anchor(self, line: int) -> str:
        """The anchor of the part holding ``line`` (a scenario line or an Examples row)."""
        best = self.parts[0][0] if self.parts else 1
        for start, _, _ in self.parts:
            if start <= line:
                best = start
        return f"line-{best}"


def read_feature(rel: str, root: Path, page: str) -> FeatureDoc | None:
    """The feature file ``root/rel`` cut into parts; None when it is not there."""
    try:
        lines = (root / rel).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None  # listed without a link
    doc = FeatureDoc(rel, page)
    start, head, chunk = 1, "Feature", list[str]()
    for i, line in enumerate(lines, 1):
        m = SCENARIO.match(line)
        if m and chunk:
            doc.parts.append((start, head, chunk))
            start, head, chunk = i, f"{m.group(1)}: {m.group(2).strip()}", []
        elif m:
            head = f"{m.group(1)}: {m.group(2).strip()}"
        chunk.append(line)
    if chunk:
        doc.parts.append((start, head, chunk))
    return doc


#: the feature file of a coverage path, read once (None: not found under the root)
FeatureOf = Callable[[str], "FeatureDoc | None"]


def _feature_page(doc: FeatureDoc) -> str:
    out = [f"# {code(doc.rel)}", ""]
    for start, head, chunk in doc.parts:
        body = _fence_safe(textwrap.dedent("\n".join(chunk)).splitlines())
        out += [f"## {md_text(head)} {{#line-{start}}}", "",
                f'```gherkin linenums="{start}"', *body, "```", ""]
    return "\n".join(out)


def _fence_safe(lines: list[str]) -> list[str]:
    return [ln.replace("```", "`\u200b``") for ln in lines]


def _relative(from_page: str, to_page: str) -> str:
    """A link from one generated page to another (both relative to the output root)."""
    import posixpath

    return posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")


def _slug(rule_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", rule_id)


@dataclass
class RuleCatalogue:
    """The generated pages, by path relative to the output directory (``index.md`` first)."""

    pages: dict[str, str]
    rulesets: list[str]

    def write(self, out: Path) -> list[Path]:
        """Write every page under ``out`` (folders made as needed); the paths written."""
        written = []
        for rel, text in self.pages.items():
            p = out / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
            written.append(p)
        return written


def ruleset_page(name: str) -> str:
    """A rule set's page (its name made safe as a file name: a pack's name is never a path)."""
    return f"rulesets/{_slug(name)}.md"


def build_catalogue(rule_dirs: list[Path] | None = None, coverage: Coverage | None = None,
                    root: Path | None = None, records: Catalogue | None = None, *,
                    coverage_name: str | None = None, read: Reader = load) -> RuleCatalogue:
    """The catalogue pages of the bundled rules plus the packs ``rule_dirs``.

    ``coverage``: the covering scenarios (None: not given, and the pages say so);
    ``coverage_name``: where they were read, to say so; ``root``: the folder feature paths are
    relative to (their pages are made from the files found there); ``records``: the vocabulary
    and analyte table, for ``vocabulary.md`` (the items a case file can hold); ``read``: how a
    rule file is parsed (a disk cache's reader, or :func:`sicca.base.yamlsrc.load`). Rule files
    with errors raise RuleSyntaxError (``sicca rules check`` lists them)."""
    problems = Problems()
    files = load_rule_files([RULES_DIR] + [Path(d) for d in rule_dirs or []], problems,
                            read=read)
    problems.raise_if_any(RuleSyntaxError)
    concluded = {str(r.then.get("fact")) for f in files for r in f.rules}
    features: dict[str, FeatureDoc | None] = {}

    def feature(rel: str) -> FeatureDoc | None:
        if rel not in features:
            page = f"scenarios/{rel}.md"
            features[rel] = read_feature(rel, root, page) if root is not None else None
        return features[rel]

    by_set: dict[str, list[RuleFile]] = {}
    for f in files:
        by_set.setdefault(f.ruleset, []).append(f)
    pages: dict[str, str] = {}
    index_rows = []
    for name in sorted(by_set):
        fs = sorted(by_set[name], key=lambda f: f.rel)
        page = ruleset_page(name)
        text, n_rules, n_cov = _ruleset_text(name, fs, coverage, feature, concluded, page)
        pages[page] = text
        covered = "—" if coverage is None else f"{n_cov} of {n_rules}"
        index_rows.append(f"| [{code(name)}]({page}) | {md_text(fs[0].version)} | {len(fs)} | "
                          f"{n_rules} | {covered} |")
    index = _index_text(index_rows, files, coverage, coverage_name)
    if coverage is not None:
        index += _uncovered_text(files, coverage)
    pages = {"index.md": index, **pages}
    for _rel, doc in sorted(features.items()):
        if doc is not None:
            pages[doc.page] = _feature_page(doc)
    if records is not None:
        pages["vocabulary.md"] = vocabulary_page(records.vocabulary, records.analytes)
    return RuleCatalogue(pages, sorted(by_set))


def _coverage_note(coverage: Coverage | None, coverage_name: str | None) -> str:
    if coverage is None:
        return ("No rule-coverage file was given, so covering scenarios are not shown (this "
                "says nothing about whether rules are covered). Write one with "
                "`pytest --sicca-coverage-json coverage.json` and pass it to "
                "`sicca rules catalogue --coverage coverage.json`.")
    where = f" ({code(coverage_name)})" if coverage_name else ""
    return (f"Covering scenarios are from the rule-coverage file{where}: the scenarios in which "
            "each rule fired.")


def _index_text(rows: list[str], files: list[RuleFile], coverage: Coverage | None,
                coverage_name: str | None) -> str:
    rules = [r for f in files for r in f.rules]
    tags: dict[str, int] = {}
    statuses: dict[str, int] = {}
    for r in rules:
        tags[r.source.tag] = tags.get(r.source.tag, 0) + 1
        statuses[r.status] = statuses.get(r.status, 0) + 1
    out = ["# Rule catalogue", "",
           f"{len(rules)} rules in {len(rows)} rule sets, generated from the rule files "
           "(`sicca rules catalogue`). Each rule shows its description, its conditions in "
           "words, its full citation with its verification tag (V-P primary source, V-S "
           "secondary, UNVERIFIED, CONVENTION), its status and the scenarios that cover it.", "",
           _coverage_note(coverage, coverage_name), "",
           "| rule set | version | files | rules | covered by a scenario |",
           "|---|---|---|---|---|", *rows, "",
           "Verification tags: " + ", ".join(f"{code(t)} {n}" for t, n in sorted(tags.items()))
           + ". Statuses: " + ", ".join(f"{code(s)} {n}" for s, n in sorted(statuses.items()))
           + ".", ""]
    return "\n".join(out)


def _uncovered_text(files: list[RuleFile], coverage: Coverage) -> str:
    missing = [(f.ruleset, r.id) for f in files for r in f.rules if not coverage.of(r.id)]
    if not missing:
        return "\nEvery rule is covered by at least one scenario.\n"
    out = ["", "## Rules no scenario covers", "",
           f"{len(missing)} rule{'s' if len(missing) > 1 else ''} fired in no scenario of the "
           "coverage run:", ""]
    out += [f"- [{code(rid)}]({ruleset_page(rs)}#{_slug(rid)})" for rs, rid in missing]
    return "\n".join(out) + "\n"


def _ruleset_text(name: str, fs: list[RuleFile], coverage: Coverage | None,
                  feature: FeatureOf, concluded: set[str], page: str) -> tuple[str, int, int]:
    n_rules = sum(len(f.rules) for f in fs)
    out = [f"# Rule set {code(name)}", "",
           f"Version {md_text(fs[0].version)}; {n_rules} rules in {len(fs)} files.", "",
           "[All rule sets](../index.md)", ""]
    n_cov = 0
    for f in fs:
        out += [f"## {code(_shown_rel(f))}", ""]
        desc = f.src.data.get("description") if isinstance(f.src.data, dict) else None
        if desc:
            out += [md_text(str(desc)), ""]
        out += [f"File status: {code(f.status)}.", ""]
        if not f.rules:
            out += ["No rules (the instrument reads only this file's `meta`).", ""]
        for r in f.rules:
            text, covered = _rule_text(r, _shown_rel(f), coverage, feature, concluded, page)
            out += text
            n_cov += covered
    return "\n".join(out), n_rules, n_cov


def _shown_rel(f: RuleFile) -> str:
    """A rule file as a reader finds it: ``rules/essdai/renal.yaml`` for the bundled rules, the
    path inside its pack (``mypack/igg.yaml``) for a pack's."""
    return f"rules/{f.rel}" if f.origin == 0 else f.rel


def _rule_text(r: Rule, rel: str, coverage: Coverage | None, feature: FeatureOf,
               concluded: set[str], page: str) -> tuple[list[str], bool]:
    src = r.source.as_dict()
    out = [f"### {code(r.id)} {{#{_slug(r.id)}}}", ""]
    out += [md_text(r.description) if r.description.strip() else "*(no description)*", ""]
    out += [f"- **Status**: {code(r.status)}",
            f"- **Verification**: {code(r.source.tag)}",
            f"- **Defined at**: {code(f'{rel}:{r.line}')}"]
    lines = source_lines(src)
    out.append(f"- **Source**: {md_text(lines[0])}")
    out += [f"- **Also**: {md_text(line)}" for line in lines[1:]]
    out += ["", "**When**", "", *condition_lines(r.when, concluded), "",
            f"**Then** {code(r.then.get('fact'))} = {_const(r.then.get('value'))}", ""]
    covered = False
    if coverage is None:
        out += ["**Covered by**: not known (no rule-coverage file was given).", ""]
    else:
        cs = coverage.of(r.id)
        if not cs:
            out += ["**Covered by**: no covering scenario.", ""]
        else:
            covered = True
            near = {PurePosixPath(rel).stem, PurePosixPath(rel).parent.name, r.ruleset}
            cs.sort(key=lambda c: (PurePosixPath(c.feature).stem not in near, c.feature, c.line))
            shown, rest = cs[:SHOWN], cs[SHOWN:]
            out += [f"**Covered by** {len(cs)} scenario{'s' if len(cs) > 1 else ''}", ""]
            for c in shown:
                doc = feature(c.feature)
                label = f"{md_text(c.scenario)} ({code(c.feature)}, line {c.line})"
                if doc is not None:
                    out.append(f"- [{label}]({_relative(page, doc.page)}#{doc.anchor(c.line)})")
                else:
                    out.append(f"- {label}")
            if rest:
                per: dict[str, int] = {}
                for c in rest:
                    per[c.feature] = per.get(c.feature, 0) + 1
                links = []
                for f, n in per.items():
                    doc = feature(f)
                    name = code(f)
                    links.append(f"[{name}]({_relative(page, doc.page)}) ({n})" if doc is not None
                                 else f"{name} ({n})")
                out.append(f"- and {len(rest)} more in " + ", ".join(links))
            out.append("")
    return out, covered


# --- the vocabulary -----------------------------------------------------------------------------

def _item_values(i: Item) -> str:
    s = i.spec
    if i.type == "option":
        return ", ".join(code(c) for c in s.choices or []) + \
            (f" (default {code(s.default)})" if s.default else "")
    words = {"finding": "present, absent", "result": "positive, negative", "answer": "yes, no"}
    if i.type in words:
        return words[i.type]
    lo, hi = (None if b is None else format(b.normalize(), "f") for b in s.bounds())
    unit = f" {s.unit}" if s.unit else ""
    if lo is not None and hi is not None:
        return f"{lo} to {hi}{unit}"
    if lo is not None:
        return f"≥ {lo}{unit}"
    if hi is not None:
        return f"≤ {hi}{unit}"
    return f"a number{unit}"


def _attributes(i: Item) -> str:
    parts = []
    for name, a in i.spec.attributes.items():
        if a.choices:
            kind = " \\| ".join(code(c) for c in a.choices)
        elif a.kind() == "bool":
            kind = "yes \\| no"
        elif a.unit:
            kind = f"number ({a.unit})"
        else:
            kind = a.kind()
        parts.append(f"{code(name)}: {kind}")
    return "; ".join(parts)


def vocabulary_page(vocab: Vocabulary, analytes: AnalyteTable | None = None) -> str:
    """Every item a case file can hold, by section: its key, type, values, attributes and
    description (generated from the vocabulary files); then the analytes ``labs:`` may name."""
    out = ["# Case-file items", "",
           "Every item a case file can hold, generated from the vocabulary files "
           "(`rules/vocabulary/*.yaml` and any rule pack's). An item's name is its place in "
           "the case file: `cutaneous.purpura` is written `findings: {cutaneous: {purpura: "
           "...}}`. Any item may also be `not_reported` (or left out), `not_done` or "
           "`unknown`; none of them is ever read as negative.", ""]
    sections = sorted({i.section for i in vocab.items.values()},
                      key=lambda s: ("symptoms", "findings", "ratings", "tests", "conditions",
                                     "drugs", "options").index(s)
                      if s in ("symptoms", "findings", "ratings", "tests", "conditions",
                               "drugs", "options") else 99)
    for sec in sections:
        items = vocab.by_section(sec)
        cumulative = vocab.sections.get(sec, False)
        out += [f"## {sec.capitalize()}", ""]
        desc = vocab.descriptions.get(sec)
        if desc:
            out += [md_text(desc), ""]
        if sec == "options":
            out += ["Options are not written in case files: `--option NAME=VALUE` on the command "
                    "line, `options=` in the Python API.", ""]
        else:
            out += [f"Section `{sec}:`; " + ("cumulative" if cumulative else "not cumulative")
                    + " by default. A cumulative item's value recorded earlier (in `history` or "
                    "an earlier timepoint) still holds later; any other item holds at its own "
                    "timepoint only.", ""]
        out += ["| item | type | values | attributes | cumulative | description |",
                "|---|---|---|---|---|---|"]
        for i in items:
            d = md_text(i.spec.description or "")
            cum = "—" if i.type == "option" else ("yes" if i.cumulative else "no")
            out.append(f"| {code(i.name)} | {i.type} | {_item_values(i)} | {_attributes(i)} | "
                       f"{cum} | {d} |")
        out.append("")
    if analytes is not None:
        out += ["## Labs", "",
                "Entries of a timepoint's `labs:` list name one of these analytes (by name, key "
                "or alias; case, spaces, hyphens and greek letters are ignored). The value is "
                "converted to the canonical unit within its dimension; its fact is "
                "`lab.<key>`, with `lab.<key>.flag` and `lab.<key>.x_uln`.", "",
                "| analyte | key | aliases | unit | dimension | LOINC | panel |",
                "|---|---|---|---|---|---|---|"]
        for a in analytes.all():
            aliases = ", ".join(md_text(x) for x in a.aliases)
            out.append(f"| {md_text(a.name)} | {code(a.key)} | {aliases} | {md_text(a.unit)} | "
                       f"{a.dimension} | {a.loinc or '—'} | {a.panel} |")
        out.append("")
    return "\n".join(out)
