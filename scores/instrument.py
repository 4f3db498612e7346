"""One interface for every instrument, and the registry the rule pack's manifest selects from.

An instrument (ESSDAI, ClinESSDAI, ESSPRI, STAR, each classification criteria set) has

- ``id``: the name a pack manifest lists (``rules/pack.yaml``: ``instruments: [...]``);
- ``key``: where its per-timepoint result sits in a timepoint of the report
  (criteria sets nest under ``criteria``);
- ``meta_problems(files, program)``: its rule files' ``meta:`` checked with its pydantic meta
  model, every problem located at the offending key (run by ``sicca rules check`` through the
  lint hook, and again when a case is scored, with the same codes);
- ``score(ev, sicca)``: a typed result for one timepoint (None: nothing to report);
- ``change(a, b, sicca)``: a typed result comparing two timepoints (None: none);
- ``series(points)``: what a plot needs over time, as plain typed data (no rendering);
- ``title(sicca)``: how reports and text views name it, from its rule set's meta (``title``;
  a criteria set's ``label``), so the engine renders whatever the rule pack declares.

Instruments never render; the CLI draws tables from the report (sicca.cli).

Which instruments run is declared by the rule pack (``kind: pack`` manifest, see
sicca.language.loader): ``declared(sicca)`` resolves the manifest's ids through ``REGISTRY``;
an id that is not in the registry names a criteria set (a rule set whose meta declares a
``verdict``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel

from sicca.base.errors import InputError, Problem
from sicca.language.loader import Manifest, RuleFile
from sicca.running.evaluate import Evaluation, Sicca
from sicca.scores import criteria, essdai, esspri, response
from sicca.scores.results import (
    ClinEssdaiResult,
    CriteriaResult,
    DeltaResult,
    EssdaiPoint,
    EssdaiResult,
    EssdaiSeries,
    EsspriChange,
    EsspriPoint,
    EsspriResult,
    EsspriSeries,
    Result,
    StarPoint,
    StarResult,
    StarSeries,
    VerdictPoint,
    VerdictSeries,
)

if TYPE_CHECKING:
    from sicca.language.lint import MetaCheck

__all__ = ["REGISTRY", "Instrument", "Scored", "declared", "meta_checks", "resolve", "titles"]


@dataclass
class Scored:
    """One timepoint as the instruments saw it: its evaluation and every instrument's result
    (by instrument id)."""

    timepoint: str
    date: str
    ev: Evaluation | None = None
    results: dict[str, Result] = field(default_factory=dict)
    label: str | None = None


@runtime_checkable
class Instrument(Protocol):
    """What every instrument offers (see the module docstring)."""

    @property
    def id(self) -> str: ...

    @property
    def key(self) -> str: ...

    @property
    def meta_model(self) -> type[BaseModel]: ...

    def meta_problems(self, files: Sequence[RuleFile],
                      program: dict[str, Any] | None) -> list[Problem]: ...

    def inputs_read(self, sicca: Sicca) -> tuple[str, ...]: ...

    def score(self, ev: Evaluation, sicca: Sicca) -> Result | None: ...

    def change(self, a: Scored, b: Scored, sicca: Sicca) -> Result | None: ...

    def series(self, points: Sequence[Scored], sicca: Sicca | None = None) -> Result: ...

    def title(self, sicca: Sicca) -> str: ...

    def terms(self, sicca: Sicca) -> dict[str, str]: ...


class _Base:
    """Defaults: no inputs read directly, no change, no per-timepoint result; the title is
    the rule set's meta ``title_key`` (the id when the rule pack declares none)."""

    id: ClassVar[str]
    key: ClassVar[str]
    ruleset: ClassVar[str]
    title_key: ClassVar[str] = "title"

    def title(self, sicca: Sicca) -> str:
        meta = sicca.memo(f"meta.{self.ruleset}",
                          lambda: criteria.set_meta(sicca, self.ruleset))
        value = meta.get(self.title_key)
        return str(value) if value else self.id

    def terms(self, sicca: Sicca) -> dict[str, str]:
        """The words the pack declares for this instrument's outputs (meta ``terms:``, e.g.
        ``pass: PASS``): the text views and reports print them instead of naming them in code."""
        meta = sicca.memo(f"meta.{self.ruleset}",
                          lambda: criteria.set_meta(sicca, self.ruleset))
        return {str(k): str(v) for k, v in (meta.get("terms") or {}).items()}

    def inputs_read(self, sicca: Sicca) -> tuple[str, ...]:
        return ()

    def score(self, ev: Evaluation, sicca: Sicca) -> Result | None:
        return None

    def change(self, a: Scored, b: Scored, sicca: Sicca) -> Result | None:
        return None


# --- ESSDAI and ClinESSDAI --------------------------------------------------------------------

def _per_visit(ev: Evaluation, key: str, make: Callable[[], Any]) -> Any:
    """``make()`` once per evaluation: what several instruments of one visit share (domain
    states for ESSDAI and ClinESSDAI, the flag walk of the criteria sets)."""
    cache: dict[str, Any] = ev.__dict__.setdefault("_instrument_cache", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _states(ev: Evaluation, sicca: Sicca) -> tuple[list[essdai.Domain], dict[str, Any]]:
    """The domains and their states at ``ev`` (worked out once, shared by both totals)."""
    ds = essdai._domains_cached(sicca)
    states: dict[str, Any] = _per_visit(
        ev, "essdai.states", lambda: {d.name: essdai.domain_state(ev, d) for d in ds})
    return ds, states


class Essdai(_Base):
    id = "essdai"
    key = "essdai"
    ruleset = essdai.RULESET
    meta_model: type[BaseModel] = essdai.DomainMeta
    clin: ClassVar[bool] = False

    def meta_problems(self, files: Sequence[RuleFile],
                      program: dict[str, Any] | None) -> list[Problem]:
        return essdai.meta_problems(files, program)

    def score(self, ev: Evaluation, sicca: Sicca) -> Result | None:
        ds, states = _states(ev, sicca)
        if not ds:
            return None
        out = essdai.total(ev, ds, clin=self.clin, states=states)
        if self.clin:
            return ClinEssdaiResult.model_validate(out)
        out["warnings"] = sorted({str(v) for v in ev.values(f"{essdai.RULESET}.warning")})
        out["warning_rules"] = ev.rules_for(f"{essdai.RULESET}.warning")
        out["options"] = dict(ev.options)
        return EssdaiResult.model_validate(out)

    def change(self, a: Scored, b: Scored, sicca: Sicca) -> Result | None:
        ra, rb = a.results.get(self.id), b.results.get(self.id)
        if ra is None or rb is None:
            return None
        raw = response.instrument_delta("x", ra.out(), rb.out())
        return DeltaResult.model_validate({k[2:]: v for k, v in raw.items()})

    def series(self, points: Sequence[Scored], sicca: Sicca | None = None) -> Result:
        rows = []
        for p in points:
            r = p.results.get(self.id)
            tot = r if isinstance(r, (EssdaiResult, ClinEssdaiResult)) else None
            rows.append(EssdaiPoint(
                timepoint=p.timepoint, date=p.date,
                total=tot.documented if tot else None, min=tot.min if tot else None,
                max=tot.max if tot else None, category=tot.category if tot else None,
                domains={n: d.points for n, d in tot.domains.items()} if tot else {}))
        full = not self.clin
        return EssdaiSeries(instrument=self.id, maximum=essdai.SPEC_MAX if full else None,
                            moderate_from=essdai.MODERATE_FROM, high_from=essdai.HIGH_FROM,
                            points=rows)


class ClinEssdai(Essdai):
    id = "clinessdai"
    key = "clinessdai"
    title_key = "clinessdai_title"  # ClinESSDAI is scored from the ESSDAI rule set
    clin = True

    def meta_problems(self, files: Sequence[RuleFile],
                      program: dict[str, Any] | None) -> list[Problem]:
        return []  # the same files as ESSDAI: checked once, there


# --- ESSPRI -----------------------------------------------------------------------------------

class Esspri(_Base):
    id = "esspri"
    key = "esspri"
    ruleset = "esspri"
    meta_model: type[BaseModel] = esspri.EsspriMeta

    def meta_problems(self, files: Sequence[RuleFile],
                      program: dict[str, Any] | None) -> list[Problem]:
        return esspri.meta_problems(files)

    def inputs_read(self, sicca: Sicca) -> tuple[str, ...]:
        return esspri.INPUTS_READ

    def score(self, ev: Evaluation, sicca: Sicca) -> Result | None:
        out = esspri.score(ev, sicca)
        return EsspriResult.model_validate(out["esspri"]) if out else None

    def change(self, a: Scored, b: Scored, sicca: Sicca) -> Result | None:
        if a.ev is None or b.ev is None or self.id not in a.results \
                or self.id not in b.results:
            return None
        raw = esspri.change({"id": a.timepoint, "esspri": 1}, {"id": b.timepoint, "esspri": 1},
                            a.ev, b.ev, sicca)
        return EsspriChange.model_validate({k[len("esspri_"):]: v for k, v in raw.items()})

    def series(self, points: Sequence[Scored], sicca: Sicca | None = None) -> Result:
        rows = []
        for p in points:
            r = p.results.get(self.id)
            e = r if isinstance(r, EsspriResult) else None
            rows.append(EsspriPoint(timepoint=p.timepoint, date=p.date,
                                    score=e.score if e else None,
                                    passed=e.pass_ if e else None))
        return EsspriSeries(instrument=self.id, pass_below=Decimal(esspri.PASS_BELOW.numerator)
                            / Decimal(esspri.PASS_BELOW.denominator),  # exact for 4.5 too
                            points=rows)


# --- STAR -------------------------------------------------------------------------------------

class Star(_Base):
    id = "star"
    key = "star"
    ruleset = response.STAR_RULESET
    meta_model: type[BaseModel] = response.StarMeta

    def meta_problems(self, files: Sequence[RuleFile],
                      program: dict[str, Any] | None) -> list[Problem]:
        return response.meta_problems(files)

    def inputs_read(self, sicca: Sicca) -> tuple[str, ...]:
        return response.inputs_read(sicca)

    def change(self, a: Scored, b: Scored, sicca: Sicca) -> Result | None:
        t = response.star_table(sicca)
        ca, cb = a.results.get("clinessdai"), b.results.get("clinessdai")
        if t is None or ca is None or cb is None or a.ev is None or b.ev is None:
            return None
        out = response.star({"clinessdai": ca.out()}, {"clinessdai": cb.out()}, a.ev, b.ev, t,
                            sicca)
        return StarResult.model_validate(out)

    def series(self, points: Sequence[Scored], sicca: Sicca | None = None) -> Result:
        """One point per consecutive pair of timepoints: the STAR verdict from a to b
        (``sicca`` is needed for the STAR table; without it every verdict is null)."""
        rows = []
        t = response.star_table(sicca) if sicca is not None else None
        for a, b in zip(points, points[1:], strict=False):
            r = self.change(a, b, sicca) if sicca is not None else None
            s = r if isinstance(r, StarResult) else None
            rows.append(StarPoint.model_validate(
                {"from": a.timepoint, "to": b.timepoint, "verdict": s.verdict if s else None,
                 "points_min": s.points_min if s else None,
                 "points_max": s.points_max if s else None}))
        return StarSeries(instrument=self.id,
                          responder_from=t.responder_from if t is not None else None,
                          points=rows)


# --- classification criteria ------------------------------------------------------------------

class CriteriaSet(_Base):
    """One classification criteria set (2016 ACR/EULAR, 2002 AECG, 2012 ACR, ...): its rule
    set's merged meta says how items make a verdict (scores/criteria.py)."""

    key = "criteria"
    meta_model: type[BaseModel] = criteria.CriteriaMeta

    def __init__(self, name: str) -> None:
        self.id = name  # type: ignore[misc]
        self.ruleset = name  # type: ignore[misc]

    def title(self, sicca: Sicca) -> str:
        """The set's meta ``label``, as its results carry it (the id when there is none)."""
        meta = sicca.memo(f"criteria.meta.{self.id}", lambda: criteria.set_meta(sicca, self.id))
        label = meta.get("label")
        return str(label) if label else self.id

    def meta_problems(self, files: Sequence[RuleFile],
                      program: dict[str, Any] | None) -> list[Problem]:
        return criteria.meta_problems(files, self.id)

    def score(self, ev: Evaluation, sicca: Sicca) -> Result | None:
        meta = sicca.memo(f"criteria.meta.{self.id}", lambda: criteria.set_meta(sicca, self.id))
        memo: dict[str, frozenset[str]] = _per_visit(ev, "criteria.memo", dict)
        flagged: bool = _per_visit(ev, "criteria.flagged", lambda: criteria.any_flagged(ev))
        return CriteriaResult.model_validate(
            criteria.score_set(ev, self.id, meta, memo, flagged))

    def series(self, points: Sequence[Scored], sicca: Sicca | None = None) -> Result:
        rows = []
        label, threshold = self.id, None
        for p in points:
            r = p.results.get(self.id)
            c = r if isinstance(r, CriteriaResult) else None
            if c is not None:
                label, threshold = c.label, c.threshold
            rows.append(VerdictPoint(timepoint=p.timepoint, date=p.date,
                                     verdict=c.verdict if c else None,
                                     score_min=c.score_min if c else None,
                                     score_max=c.score_max if c else None))
        return VerdictSeries(instrument=self.id, label=label, threshold=threshold, points=rows)


#: The instruments with their own code, by id; any other declared id is a criteria set.
REGISTRY: dict[str, Instrument] = {i.id: i for i in (Essdai(), ClinEssdai(), Esspri(), Star())}


def resolve(ident: str, rulesets: set[str]) -> Instrument | None:
    """The instrument named ``ident``: from the registry, or the criteria set of that name
    when such a rule set exists (None: unknown)."""
    if ident in REGISTRY:
        return REGISTRY[ident]
    return CriteriaSet(ident) if ident in rulesets else None


def declared(sicca: Sicca) -> list[Instrument]:
    """The instruments the pack manifest declares whose rule sets are loaded, in manifest
    order, their meta checked (an InputError lists every problem). Worked out once."""
    def make() -> list[Instrument]:
        files = sicca.compiled.files
        loaded = {f.ruleset for f in files}
        out: list[Instrument] = []
        problems: list[Problem] = []
        for ident in sicca.declared:
            inst = resolve(ident, loaded)
            if inst is None:
                continue  # its rule set is not loaded: `sicca rules check` names unknown ids
            problems += inst.meta_problems(files, sicca.program)
            out.append(inst)
        if problems:
            raise InputError(problems)
        return out

    result: list[Instrument] = sicca.memo("instruments.declared", make)
    return result


def titles(sicca: Sicca) -> dict[str, str]:
    """Every declared instrument's display name (``title``), by id, in manifest order, and
    each word of its ``terms:`` as ``id.word`` (``esspri.pass`` -> "PASS")."""
    out: dict[str, str] = {}
    for i in declared(sicca):
        out[i.id] = i.title(sicca)
        out.update({f"{i.id}.{k}": v for k, v in i.terms(sicca).items()})
    return out


class _ManifestCheck:
    """The lint hook: every declared id names an instrument, and each declared instrument's
    meta fits its model."""

    id = "manifest"

    def check_meta(self, files: Sequence[RuleFile], program: dict[str, Any] | None,
                   manifest: Manifest | None) -> list[Problem]:
        if manifest is None:
            return []
        loaded = {f.ruleset for f in files}
        problems: list[Problem] = []
        for i, ident in enumerate(manifest.instruments):
            inst = resolve(ident, loaded)
            if inst is None:
                problems.append(manifest.src.problem(
                    ("instruments", i), f"unknown instrument '{ident}'", code="E315",
                    expected=" | ".join(list(REGISTRY) + ["a criteria rule set"]),
                    found=ident))
                continue
            problems += inst.meta_problems(files, program)
        return problems


def meta_checks() -> list[MetaCheck]:
    """What `sicca rules check` passes to the linter (sicca.language never imports scores)."""
    return [_ManifestCheck()]
