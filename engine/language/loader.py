"""Rule files (YAML) → rule objects with locations, every problem reported at once.

A rule file is data in a closed language (docs/rule-language.md); nothing in it is evaluated
as Python. Rule packs (``--rules DIR``) add files, or replace a bundled file that has the same
path relative to its rules directory.

Which instruments score a case is declared by the pack manifest, a ``kind: pack`` file
(``rules/pack.yaml`` for the bundled rules)::

    kind: pack
    instruments: [essdai, clinessdai, esspri, star, acr_eular_2016, aecg_2002, acr_2012]

The manifest of the last rules directory that has one wins (a pack for another disease ships
its own, e.g. ``instruments: []``); a pack without a manifest keeps the bundled one. The loader
checks only its shape; which ids exist is the instruments' business (``sicca.scores``).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sicca.base.errors import InputError, Problem, Problems
from sicca.base.filekind import yaml_files
from sicca.base.kinds import DEFAULT_KIND, KINDS, files_of_kind
from sicca.base.paths import RULES_DIR
from sicca.base.suggest import did_you_mean
from sicca.base.yamlsrc import KEY, PathKey, Reader, Sourced, load
from sicca.language.bibliography import BIB_FILES, Bibliography, Entry, load_bibliography

TAGS = ("V-P", "V-S", "UNVERIFIED", "CONVENTION")
STATUSES = ("draft", "reviewed", "validated")
FILE_KEYS = {"kind", "ruleset", "version", "status", "source", "meta", "outputs", "rules",
             "description"}
RULE_KEYS = {"id", "description", "source", "status", "when", "then", "note"}
CMP_OPS = ("eq", "ne", "lt", "le", "gt", "ge")
LEAF_KEYS = {"fact", "field", "unit", "between", "ends", "in", "state", "note"} | set(CMP_OPS)
ENDS = ("both", "neither", "low", "high")


CITE_KEYS = ("citation", "locator", "note")
SOURCE_KEYS = {"tag", "also", *CITE_KEYS}


@dataclass
class Cite:
    """One cited source: a bibliography id, where in it (``Table 3``, ``§1.6``), a note."""

    citation: str
    locator: str | None = None
    note: str | None = None
    reference: Entry | None = None  # the bibliography entry, once resolved

    def as_dict(self) -> dict[str, Any]:
        return {"citation": self.citation, "locator": self.locator, "note": self.note,
                "reference": self.reference.as_dict() if self.reference else None}


@dataclass
class Source(Cite):
    """A rule's source: its main citation, its verification tag, further citations (``also``)."""

    tag: str = "UNVERIFIED"
    also: list[Cite] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        d = super().as_dict()
        ref = d.pop("reference")
        return {**d, "tag": self.tag, "also": [c.as_dict() for c in self.also],
                "reference": ref}


@dataclass
class Rule:
    id: str
    description: str
    source: Source
    status: str
    when: Any
    then: dict[str, Any]
    file: str
    line: int | None
    col: int | None
    path: PathKey
    ruleset: str

    @property
    def loc(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass
class RuleFile:
    path: Path
    rel: str
    ruleset: str
    version: str
    status: str
    source: Source | None
    meta: dict[str, Any]
    outputs: list[str]
    rules: list[Rule]
    src: Sourced
    digest: str
    origin: int = 0  # index of the rules dir it came from (0: bundled)


@dataclass
class RuleSetInfo:
    name: str
    version: str
    hash: str
    files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "hash": self.hash,
                "files": self.files}


def rule_dirs(extra: list[Path] | None = None) -> list[Path]:
    return [RULES_DIR] + [Path(p) for p in (extra or [])]


def discover(dirs: list[Path]) -> dict[str, Path]:
    """Rule files by path relative to their rules dir; later dirs replace earlier files."""
    found: dict[str, Path] = {}
    for d in dirs:
        if not d.exists():
            raise InputError(Problem("rules directory not found", file=str(d), code="E300"))
        files = yaml_files(d)
        for p in files:
            rel = p.name if d.is_file() else str(p.relative_to(d))
            if rel.startswith(("vocabulary/", "vocabulary\\")) or rel in BIB_FILES:
                continue  # vocabulary and bibliography have their own loaders
            found[rel] = p
    return found


def load_rule_files(dirs: list[Path], problems: Problems,
                    only: list[str] | None = None, read: Reader = load) -> list[RuleFile]:
    out: list[RuleFile] = []
    bib = load_bibliography(dirs, problems, read)
    roots = [d.resolve() for d in dirs]
    for rel, path in sorted(discover(dirs).items()):
        try:
            src = read(path)
        except InputError as exc:
            for p in exc.problems:
                problems.add(p)
            continue
        if not isinstance(src.data, dict):
            problems.add(src.problem((), "a rule file must be a mapping", code="E301"))
            continue
        if src.data.get("kind", DEFAULT_KIND) in KINDS and \
                src.data.get("kind", DEFAULT_KIND) != DEFAULT_KIND:
            continue
        rf = _parse_file(src, path, rel, problems, bib)
        if rf is not None:
            rf.origin = _origin(path, roots)
        if rf is not None and (only is None or rf.ruleset in only):
            out.append(rf)
    _check_ids(out, problems)
    return out


@dataclass
class Manifest:
    """A pack manifest: the instruments that score a case under these rules, in order."""

    instruments: list[str]
    src: Sourced

    @property
    def file(self) -> str:
        return self.src.file


MANIFEST_KEYS = {"kind", "instruments", "description"}


def load_manifest(dirs: list[Path], problems: Problems) -> Manifest | None:
    """The manifest (``kind: pack``) of the last of ``dirs`` that has one, checked for shape."""
    found: Manifest | None = None
    for d in dirs:
        if not d.exists() or d.is_file():
            continue
        here: Manifest | None = None
        for p in files_of_kind([d], "pack"):
            try:
                src = load(p)
            except InputError as exc:
                for prob in exc.problems:
                    problems.add(prob)
                continue
            if here is not None:
                problems.add(src.problem((), "a rules directory has two pack manifests",
                                         code="E315", hint=f"the other: {here.file}"))
                continue
            here = _parse_manifest(src, problems)
        found = here or found
    return found


def _parse_manifest(src: Sourced, problems: Problems) -> Manifest | None:
    d = src.data
    if not isinstance(d, dict):
        return None
    ok = True
    for key in d:
        if key not in MANIFEST_KEYS:
            problems.add(src.problem((key, KEY), f"unknown key '{key}' in a pack manifest",
                                     code="E315", hint=_dym(str(key), MANIFEST_KEYS)))
            ok = False
    ids = d.get("instruments")
    if not isinstance(ids, list) or not all(isinstance(x, str) for x in ids):
        problems.add(src.problem(("instruments",), "a pack manifest needs a list of "
                                 "instrument ids", code="E315",
                                 expected="instruments: [essdai, esspri, ...] (may be empty)",
                                 found=repr(ids)[:80]))
        return None
    for i, x in enumerate(ids):
        if x in ids[:i]:
            problems.add(src.problem(("instruments", i), f"instrument '{x}' is listed twice",
                                     code="E315"))
            ok = False
    return Manifest(list(ids), src) if ok else None


def _origin(path: Path, roots: list[Path]) -> int:
    """The index of the last rules dir (bundled first, then packs) that holds ``path``."""
    p = os.path.normcase(path.resolve())
    hits = [i for i, r in enumerate(roots)
            if p == os.path.normcase(r) or p.startswith(_below(r))]
    return hits[-1] if hits else 0


def _below(root: Path) -> str:
    """The text every path under ``root`` starts with: ``root in p.parents`` by text (pathlib
    makes each parent an object, for every rule file of every start)."""
    text = os.path.normcase(root)
    return text if text.endswith(os.sep) else text + os.sep


def ruleset_infos(files: list[RuleFile], problems: Problems | None = None) -> list[RuleSetInfo]:
    by: dict[str, list[RuleFile]] = {}
    for f in files:
        by.setdefault(f.ruleset, []).append(f)
    infos = []
    for name, fs in sorted(by.items()):
        versions = sorted({f.version for f in fs})
        if len(versions) > 1 and problems is not None:
            _version_conflicts(name, fs, versions, problems)
        h = hashlib.sha256()
        for f in sorted(fs, key=lambda x: x.rel):
            h.update(f.rel.encode() + b"\0" + f.digest.encode() + b"\0")
        infos.append(RuleSetInfo(name, versions[-1], "sha256:" + h.hexdigest()[:16],
                                 [f.rel for f in sorted(fs, key=lambda x: x.rel)]))
    return infos


def _version_conflicts(name: str, fs: list[RuleFile], versions: list[str],
                       problems: Problems) -> None:
    """E312 at each file whose version differs from the rule set's first file (bundled
    before packs, then by path), naming that file: the error is where the other version
    came in."""
    first = min(fs, key=lambda f: (f.origin, f.rel))
    line, _ = first.src.mark(("version",))
    for f in sorted(fs, key=lambda f: (f.origin, f.rel)):
        if f.version != first.version:
            problems.add(f.src.problem(
                ("version",), f"rule set '{name}' has several versions: "
                f"{', '.join(versions)}", code="E312",
                expected=f"'{first.version}', as in {shown_path(first.src.file)}:{line}",
                found=f.version, hint=f"give all files of rule set '{name}' one version"))


def shown_path(file: str) -> str:
    """A path relative to the working directory when it lies below it (as messages show it)."""
    try:
        rel = os.path.relpath(file)
    except ValueError:
        return file
    return file if rel.startswith("..") else rel


def _parse_source(raw: Any, src: Sourced, path: PathKey, problems: Problems, bib: Bibliography,
                  rule: str | None = None) -> Source | None:
    if raw is None:
        return None
    shape = "{citation: <bibliography id>, locator: '...', note: '...', tag: " \
        "V-P|V-S|UNVERIFIED|CONVENTION, also: [{citation: <id>, locator: '...'}]}"
    if not isinstance(raw, dict) or set(raw) - SOURCE_KEYS or \
            "citation" not in raw or "tag" not in raw:
        problems.add(src.problem(path, "a source needs a citation and a tag", code="E303",
                                 rule=rule, expected=shape, found=repr(raw)[:80]))
        return None
    if raw["tag"] not in TAGS:
        problems.add(src.problem(path + ("tag",), f"unknown verification tag '{raw['tag']}'",
                                 code="E304", rule=rule, expected=" | ".join(TAGS),
                                 found=str(raw["tag"])))
        return None
    also_raw = raw.get("also", [])
    if not isinstance(also_raw, list) or not all(
            isinstance(a, dict) and "citation" in a and not set(a) - set(CITE_KEYS)
            for a in also_raw):
        problems.add(src.problem(path + ("also",), "'also' is a list of further citations",
                                 code="E303", rule=rule,
                                 expected="[{citation: <bibliography id>, locator: '...', "
                                 "note: '...'}]", found=repr(also_raw)[:80]))
        return None
    main = _cite(raw, src, path, problems, bib, rule)
    also = [_cite(a, src, path + ("also", i), problems, bib, rule)
            for i, a in enumerate(also_raw)]
    return Source(main.citation, main.locator, main.note, main.reference, str(raw["tag"]), also)


def _cite(raw: dict[str, Any], src: Sourced, path: PathKey, problems: Problems,
          bib: Bibliography, rule: str | None) -> Cite:
    """One citation, resolved against the bibliography (E311 with "did you mean" if unknown)."""
    cid = str(raw["citation"])
    entry = bib.get(cid)
    if entry is None:
        problems.add(src.problem(path + ("citation",), f"unknown citation '{cid}': not an id "
                                 "of the bibliography", code="E311", rule=rule,
                                 expected="an entry id of rules/bibliography.yaml or of the "
                                 "rule pack's bibliography.yaml", found=cid,
                                 hint=_cite_hint(cid, bib)))

    def text(key: str) -> str | None:
        return None if raw.get(key) is None else str(raw[key])

    return Cite(cid, text("locator"), text("note"), entry)


def _parse_file(src: Sourced, path: Path, rel: str, problems: Problems,
                bib: Bibliography) -> RuleFile | None:
    d = src.data
    ok = True
    for key in d:
        if key not in FILE_KEYS:
            problems.add(src.problem((key, KEY), f"unknown key '{key}' in a rule file",
                                     code="E302", hint=_dym(str(key), FILE_KEYS)))
            ok = False
    if d.get("kind", DEFAULT_KIND) != DEFAULT_KIND:
        problems.add(src.problem(("kind",), f"unknown kind '{d.get('kind')}'", code="E302",
                                 expected=" | ".join(KINDS)))
        return None
    for key in ("ruleset", "version", "rules"):
        if key not in d:
            problems.add(src.problem((), f"a rule file needs '{key}'", code="E305"))
            ok = False
    if not ok:
        return None
    ruleset = str(d["ruleset"])
    status = d.get("status", "draft")
    if status not in STATUSES:
        problems.add(src.problem(("status",), f"unknown status '{status}'", code="E306",
                                 expected=" | ".join(STATUSES)))
    fsource = _parse_source(d.get("source"), src, ("source",), problems, bib)
    if not isinstance(d["version"], str):
        problems.add(src.problem(("version",), "a version is text: quote it", code="E305",
                                 expected='a quoted version, e.g. version: "1.10"',
                                 found=repr(d["version"]),
                                 hint=f'write version: "{_as_written(src, ("version",))}" '
                                 "(unquoted, YAML reads 1.10 as the number 1.1)"))
        ok = False
    meta = d.get("meta")
    if meta is None:
        meta = {}
    elif not isinstance(meta, dict):
        problems.add(src.problem(("meta",), "meta must be a mapping", code="E305",
                                 expected="meta: {key: value, ...}",
                                 found=repr(meta)[:80]))
        ok = False
    outputs = d.get("outputs")
    if outputs is None:
        outputs = []
    elif not isinstance(outputs, list) or \
            not all(isinstance(o, str) and o for o in outputs):
        problems.add(src.problem(("outputs",), "outputs must be a list of patterns",
                                 code="E305", expected="outputs: [<ruleset>.<name>, ...] "
                                 "(fnmatch globs allowed)", found=repr(outputs)[:80],
                                 hint=f'write outputs: ["{outputs}"]' if isinstance(outputs, str)
                                 else None))
        ok = False
    if not ok:
        return None
    if not isinstance(d["rules"], list):
        problems.add(src.problem(("rules",), "rules must be a list", code="E305"))
        return None
    rules: list[Rule] = []
    for i, raw in enumerate(d["rules"]):
        p: PathKey = ("rules", i)
        if not isinstance(raw, dict):
            problems.add(src.problem(p, "a rule must be a mapping", code="E307"))
            continue
        bad = False
        for key in raw:
            if key not in RULE_KEYS:
                problems.add(src.problem(p + (key, KEY), f"unknown key '{key}' in a rule",
                                         code="E307", rule=str(raw.get("id")),
                                         hint=_dym(str(key), RULE_KEYS)))
                bad = True
        for key in ("id", "when", "then"):
            if key not in raw:
                problems.add(src.problem(p, f"a rule needs '{key}'", code="E307",
                                         rule=str(raw.get("id"))))
                bad = True
        if bad:
            continue
        rid = str(raw["id"])
        if not rid.startswith(ruleset + "."):
            problems.add(src.problem(p + ("id",), f"rule id '{rid}' is outside its rule set",
                                     code="E308", rule=rid,
                                     expected=f"an id starting '{ruleset}.'"))
        rsource = _parse_source(raw.get("source"), src, p + ("source",), problems, bib,
                                rid) or fsource
        if rsource is None:
            problems.add(src.problem(p, "a rule needs a source (its own or the file's)",
                                     code="E303", rule=rid))
            rsource = Source("?")
        rstatus = raw.get("status", status)
        if rstatus not in STATUSES:
            problems.add(src.problem(p + ("status",), f"unknown status '{rstatus}'",
                                     code="E306", rule=rid, expected=" | ".join(STATUSES)))
        then = raw["then"]
        if not isinstance(then, dict) or set(then) - {"fact", "value"} or "fact" not in then \
                or "value" not in then or isinstance(then["value"], (dict, list, bool)) \
                or then["value"] is None:
            problems.add(src.problem(p + ("then",), "a conclusion is one fact with one value",
                                     code="E309", rule=rid,
                                     expected="{fact: <ruleset>.<name>, value: <number or word>}",
                                     found=repr(then)[:80]))
            continue
        if not str(then["fact"]).startswith(ruleset + "."):
            problems.add(src.problem(p + ("then", "fact"), f"conclusion '{then['fact']}' is "
                                     "outside its rule set", code="E308", rule=rid,
                                     expected=f"a fact starting '{ruleset}.'"))
        if not str(raw.get("description", "")).strip():
            problems.add(src.problem(p, "a rule needs a description", code="W301", rule=rid,
                                     severity="warning", hint="say in clinical words what it "
                                     "rates, e.g. 'IgG above 20 g/L'"))
        line, col = src.mark(p)
        rules.append(Rule(rid, str(raw.get("description", "")), rsource, str(rstatus),
                          raw["when"], dict(then), src.file, line, col, p, ruleset))
    digest = src.digest()
    return RuleFile(path, rel, ruleset, str(d["version"]), str(status), fsource,
                    meta, list(outputs), rules, src, digest)


def _as_written(src: Sourced, path: PathKey) -> str:
    """The text of a scalar value as it stands in the file (for quoting hints)."""
    line, col = src.mark(path)
    if line is None or col is None or not 0 < line <= len(src.lines):
        return ""
    rest = src.lines[line - 1][col - 1:]
    return rest.split("#")[0].split(",")[0].split("}")[0].strip()


def _cite_hint(cid: str, bib: Bibliography) -> str:
    hint = _dym(cid, bib.ids())
    return hint if hint.startswith("did you mean") else \
        "an id is the 'id:' of a bibliography entry (rules/bibliography.yaml)"


def _check_ids(files: list[RuleFile], problems: Problems) -> None:
    seen: dict[str, Rule] = {}
    for f in files:
        for r in f.rules:
            if r.id in seen:
                o = seen[r.id]
                problems.add(f.src.problem(r.path + ("id",), f"duplicate rule id '{r.id}'",
                                           code="E310", rule=r.id,
                                           hint=f"first defined at {o.file}:{o.line}"))
            else:
                seen[r.id] = r


def _dym(name: str, pool: set[str] | list[str]) -> str:
    return did_you_mean(name, pool) or f"allowed: {', '.join(sorted(pool))}"
