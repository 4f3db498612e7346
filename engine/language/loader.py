"""Rule files (YAML) → rule objects with locations, every problem reported at once.

A rule file is data in a closed language (docs/rule-language.md); nothing in it is evaluated
as Python. Rule packs (``--rules DIR``) add files, or replace a bundled file that has the same
path relative to its rules directory.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sicca.base.errors import InputError, Problem, Problems
from sicca.base.paths import RULES_DIR
from sicca.base.yamlsrc import KEY, PathKey, Reader, Sourced, load

TAGS = ("V-P", "V-S", "UNVERIFIED", "CONVENTION")
STATUSES = ("draft", "reviewed", "validated")
FILE_KEYS = {"kind", "ruleset", "version", "status", "source", "meta", "outputs", "rules",
             "description"}
RULE_KEYS = {"id", "description", "source", "status", "when", "then", "note"}
CMP_OPS = ("eq", "ne", "lt", "le", "gt", "ge")
LEAF_KEYS = {"fact", "field", "unit", "between", "ends", "in", "state", "note"} | set(CMP_OPS)
ENDS = ("both", "neither", "low", "high")


@dataclass
class Source:
    citation: str
    tag: str

    def as_dict(self) -> dict[str, str]:
        return {"citation": self.citation, "tag": self.tag}


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
        files = [d] if d.is_file() else sorted(list(d.rglob("*.yaml")) + list(d.rglob("*.yml")))
        for p in files:
            rel = p.name if d.is_file() else str(p.relative_to(d))
            if rel.startswith("vocabulary/") or rel.startswith("vocabulary\\"):
                continue
            found[rel] = p
    return found


def load_rule_files(dirs: list[Path], problems: Problems,
                    only: list[str] | None = None, read: Reader = load) -> list[RuleFile]:
    out: list[RuleFile] = []
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
        if src.data.get("kind") in ("vocabulary", "analytes", "synth"):
            continue
        rf = _parse_file(src, path, rel, problems)
        if rf is not None and (only is None or rf.ruleset in only):
            out.append(rf)
    _check_ids(out, problems)
    return out


def ruleset_infos(files: list[RuleFile], problems: Problems | None = None) -> list[RuleSetInfo]:
    by: dict[str, list[RuleFile]] = {}
    for f in files:
        by.setdefault(f.ruleset, []).append(f)
    infos = []
    for name, fs in sorted(by.items()):
        versions = sorted({f.version for f in fs})
        if len(versions) > 1 and problems is not None:
            problems.add(fs[0].src.problem(("version",), f"rule set '{name}' has several "
                                           f"versions: {', '.join(versions)}", code="E312",
                                           expected="one version for all files of a rule set"))
        h = hashlib.sha256()
        for f in sorted(fs, key=lambda x: x.rel):
            h.update(f.rel.encode() + b"\0" + f.digest.encode() + b"\0")
        infos.append(RuleSetInfo(name, versions[-1], "sha256:" + h.hexdigest()[:16],
                                 [f.rel for f in sorted(fs, key=lambda x: x.rel)]))
    return infos


def _parse_source(raw: Any, src: Sourced, path: PathKey, problems: Problems) -> Source | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"citation", "tag", "note"} or \
            "citation" not in raw or "tag" not in raw:
        problems.add(src.problem(path, "a source needs a citation and a tag", code="E303",
                                 expected="{citation: '...', tag: V-P|V-S|UNVERIFIED|CONVENTION}",
                                 found=repr(raw)[:80]))
        return None
    if raw["tag"] not in TAGS:
        problems.add(src.problem(path + ("tag",), f"unknown verification tag '{raw['tag']}'",
                                 code="E304", expected=" | ".join(TAGS), found=str(raw["tag"])))
        return None
    return Source(str(raw["citation"]), str(raw["tag"]))


def _parse_file(src: Sourced, path: Path, rel: str, problems: Problems) -> RuleFile | None:
    d = src.data
    ok = True
    for key in d:
        if key not in FILE_KEYS:
            problems.add(src.problem((key, KEY), f"unknown key '{key}' in a rule file",
                                     code="E302", hint=_dym(str(key), FILE_KEYS)))
            ok = False
    if d.get("kind", "rules") != "rules":
        problems.add(src.problem(("kind",), f"unknown kind '{d.get('kind')}'", code="E302",
                                 expected="rules | vocabulary | analytes"))
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
    fsource = _parse_source(d.get("source"), src, ("source",), problems)
    meta = d.get("meta") or {}
    outputs = d.get("outputs") or []
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
        rsource = _parse_source(raw.get("source"), src, p + ("source",), problems) or fsource
        if rsource is None:
            problems.add(src.problem(p, "a rule needs a source (its own or the file's)",
                                     code="E303", rule=rid))
            rsource = Source("?", "UNVERIFIED")
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
    digest = hashlib.sha256("\n".join(src.lines).encode()).hexdigest()
    return RuleFile(path, rel, ruleset, str(d["version"]), str(status), fsource,
                    meta if isinstance(meta, dict) else {}, list(outputs), rules, src, digest)


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
    import difflib

    hit = difflib.get_close_matches(name, sorted(pool), n=1, cutoff=0.6)
    return f"did you mean '{hit[0]}'?" if hit else f"allowed: {', '.join(sorted(pool))}"
