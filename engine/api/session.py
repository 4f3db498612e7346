"""A session: rules loaded once (and cached on disk), then any number of cases scored.

    import sicca
    s = sicca.load()                         # bundled rules, durable-rules backend
    report = s.score("examples/rfib-case.yaml")
    s.labs(case).timepoints
    s.what_if(case, set={"anti_ssa": "positive"}).timepoints
    s.explain(case, "baseline").conclusions

Everything a command prints is computed here; sicca.cli only parses arguments and renders.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sicca.base.errors import InputError, Problem
from sicca.base.yamlsrc import Sourced
from sicca.records import labs
from sicca.records.models import Case, Catalogue, load_case, parse_case
from sicca.running.evaluate import ENGINES, Sicca

if TYPE_CHECKING:  # re-exported (sicca.api.session.DomainLevels, ...): see __getattr__
    from sicca.api.results import DomainLevels as DomainLevels
    from sicca.api.results import Explanation as Explanation
    from sicca.api.results import Hypothetical as Hypothetical
    from sicca.api.results import LabsReport as LabsReport
    from sicca.api.results import LevelDefinition as LevelDefinition
    from sicca.api.results import OptionInfo as OptionInfo
    from sicca.api.results import RuleListing as RuleListing
    from sicca.api.results import WhatIf as WhatIf
    from sicca.report.model import Report
    from sicca.report.visit import VisitReport

#: A case: a file path (YAML or JSON), the parsed mapping of one, or a loaded Case.
CaseLike = str | Path | Mapping[str, Any] | Case


#: the result classes of the other commands, moved to sicca.api.results (made on first use)
_RESULTS = ("DomainLevels", "Explanation", "Hypothetical", "LabsReport", "LevelDefinition",
            "OptionInfo", "RuleListing", "WhatIf")


def __getattr__(name: str) -> Any:
    if name in _RESULTS:
        import sicca.api.results

        return getattr(sicca.api.results, name)
    raise AttributeError(f"module 'sicca.api.session' has no attribute '{name}'")


def check_engine(engine: str) -> str:
    """``engine`` if it is a backend's name, else the located E121 error."""
    if engine not in ENGINES:
        raise InputError(Problem(f"unknown engine '{engine}'", field="--engine", code="E121",
                                 expected=" | ".join(ENGINES), found=engine))
    return engine


class Session:
    """The bundled rules plus rule packs, loaded once for any number of cases.

    Loading is lazy: the vocabulary and analyte table on the first case, the compiled rules on
    the first score. The parsed vocabulary and analyte files and the compiled program are cached
    on disk (sicca.base.diskcache), keyed by the content of every rule file and the Sicca
    version, so a later process neither parses nor compiles the rules again.
    """

    def __init__(self, rules: list[str | Path] | None = None, engine: str = "durable", *,
                 cache: bool = True, cache_dir: Path | None = None) -> None:
        from sicca.base.paths import RULES_DIR

        self.engine = check_engine(engine)
        self.rules = [Path(r) for r in rules or []]
        self._cache = None
        if cache:
            from sicca.base.diskcache import SourceCache

            self._cache = SourceCache([RULES_DIR] + self.rules, cache_dir)
        self._catalogue: Catalogue | None = None
        self._sicca: Sicca | None = None

    def __repr__(self) -> str:
        return f"Session(rules={[str(r) for r in self.rules]}, engine={self.engine!r})"

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the Sicca version and every rule file's path and content (the disk
        cache's key; worked out now when the session runs uncached)."""
        if self._cache is not None:
            return self._cache.key
        from sicca.base.diskcache import fingerprint
        from sicca.base.paths import RULES_DIR

        return fingerprint([RULES_DIR] + self.rules)

    @property
    def catalogue(self) -> Catalogue:
        """Vocabulary and analyte table of the rule set (loaded on first use)."""
        if self._catalogue is None:
            if self._cache is None:
                self._catalogue = Catalogue.load(self.rules)
            else:
                self._catalogue = Catalogue.load(self.rules, self._cache.read)
                self._cache.save()
        return self._catalogue

    @property
    def sicca(self) -> Sicca:
        """The compiled rules on the session's backend (compiled on first use)."""
        if self._sicca is None:
            if self._cache is None:
                self._sicca = Sicca.load(self.rules, self.engine, catalogue=self.catalogue)
            elif self._cache.program is not None:  # compiled before from the same files
                self._sicca = Sicca.from_program(self._cache.program, self.catalogue,
                                                 self.engine, self.rules, self._cache.read,
                                                 self._cache.memo)
                self._cache.save()
            else:
                # rule files are kept too: a later session rebuilds compiled.files from them
                from sicca.language.compiler import build

                compiled = build(self.rules, self.catalogue, None, self._cache.read)
                self._cache.keep_program(compiled.program)
                self._sicca = Sicca(compiled, self.catalogue, self.engine, self.rules,
                                    self._cache.memo)
                self._cache.save()
        return self._sicca

    @property
    def cache_path(self) -> Path | None:
        """The disk-cache file of this rule set (None when the session runs uncached)."""
        return self._cache.path if self._cache is not None else None

    def case(self, case: CaseLike) -> Case:
        """A loaded case from a path, a mapping (as a case file would hold) or a Case."""
        if isinstance(case, Case):
            return case
        if isinstance(case, Mapping):
            return parse_case(Sourced(dict(case), "<dict>"), self.catalogue)
        return load_case(case, self.catalogue)

    def _timepoints(self, case: Case, timepoints: list[str] | None) -> list[str] | None:
        for t in timepoints or []:
            case.timepoint(t)  # an unknown id is a located error
        return list(timepoints) if timepoints else None

    def score(self, case: CaseLike, options: Mapping[str, str] | None = None,
              timepoints: list[str] | None = None) -> Report:
        """The typed scoring report; ``.dump_json()`` is the JSON of
        ``sicca score --format json``, ``.dump()`` the same with exact Decimals."""
        from sicca.report.build import build_report

        sicca = self.sicca  # rule errors first, then the case's
        c = self.case(case)
        tps = self._timepoints(c, timepoints)
        return build_report(sicca, c, dict(options or {}), timepoints=tps)

    def visit_report(self, case: CaseLike, options: Mapping[str, str] | None = None
                     ) -> VisitReport:
        """What the visit report shows: the typed Report, the instruments' plot series, labs,
        treatments, every conclusion's trace and the references (one scoring pass). Its plots:
        ``sicca.report.plots.timeline_plots(visit)``."""
        from sicca.report.visit import build_visit

        sicca = self.sicca
        return build_visit(sicca, self.case(case), dict(options or {}))

    def report_html(self, case: CaseLike, options: Mapping[str, str] | None = None) -> str:
        """The visit report as one self-contained HTML page (``sicca report -o X.html``)."""
        from sicca.report.html import render_html

        return render_html(self.visit_report(case, options))

    def report_pdf(self, case: CaseLike, options: Mapping[str, str] | None = None) -> bytes:
        """The visit report printed to A4 PDF by headless Chromium (E600 when there is none)."""
        from sicca.report.pdf import chromium_path, html_to_pdf, missing_chromium

        if chromium_path() is None:  # before scoring: say at once what is missing
            raise missing_chromium()
        return html_to_pdf(self.report_html(case, options))

    def labs(self, case: CaseLike) -> LabsReport:
        """Lab flags per timepoint and their changes (no rule backend needed)."""
        from sicca.api.labs import labs_data

        c = self.case(case)
        name = str(case) if isinstance(case, (str, Path)) else c.file
        d = labs_data(c, name)
        from sicca.api.results import LabsReport

        return LabsReport(d["case"], d["conventions"], d["timepoints"], d["changes"])

    def what_if(self, case: CaseLike, set: Mapping[str, Any],
                options: Mapping[str, str] | None = None,
                timepoints: list[str] | None = None) -> WhatIf:
        """Score with and without hypothetical values, side by side: vocabulary items and
        their parts (``{"anti_ssa": "positive", "cutaneous.purpura": "present"}``), lab values
        (``{"lab.igg": "12"}``, censored ``"<0.5"``) and options
        (``{"option.purpura_extent": "generalised"}``); every instrument is compared."""
        from sicca.api.whatif import (
            compare,
            compare_changes,
            lab_overrides,
            option_overrides,
            parse_settings,
            with_hypotheticals,
        )
        from sicca.report.build import build

        sicca = self.sicca
        c = self.case(case)
        tps = self._timepoints(c, timepoints)
        pairs = [(str(k), v if isinstance(v, str) else _text(v)) for k, v in set.items()]
        h = parse_settings(pairs, sicca.catalogue.vocabulary, c.analytes)
        opts = dict(options or {})
        after_opts = {**opts, **h.options}
        before = build(sicca, c, opts, timepoints=tps)
        sicca.check_options(after_opts)  # a bad hypothetical option: E122 before scoring
        hyp_case = with_hypotheticals(c, h.items, h.parts)
        per_tp = lab_overrides(hyp_case, h.labs)
        for tid, facts in option_overrides(hyp_case, h.options).items():
            per_tp.setdefault(tid, {}).update(facts)
        after = build(sicca, hyp_case, after_opts, timepoints=tps, per_timepoint=per_tp)
        from sicca.api.results import Hypothetical, WhatIf

        return WhatIf(c.file, sicca.engine, sicca.rulesets(), before["options"],
                      [Hypothetical(k, v, h.kinds.get(k, "item")) for k, v in pairs],
                      compare(before, after), before, after,
                      changes=compare_changes(before, after), options_after=after["options"])

    def explain(self, case: CaseLike, timepoint: str, only: str | None = None,
                options: Mapping[str, str] | None = None) -> Explanation:
        """Every conclusion at ``timepoint`` (those whose fact starts with ``only``)."""
        sicca = self.sicca
        c = self.case(case)
        tp = c.timepoint(timepoint)
        ev = sicca.evaluate(c, tp, dict(options or {}))
        names = sorted(n for n in ev.derived if not only or n.startswith(only))
        from sicca.api.results import Explanation

        return Explanation(c.file, tp.id, str(tp.date), sicca.engine, sicca.rulesets(),
                           ev.options, [t for n in names for t in ev.trace(n)])

    def fhir_bundle(self, case: CaseLike, options: Mapping[str, str] | None = None
                    ) -> dict[str, Any]:
        """The case and its scores as a FHIR R4 Bundle (JSON data; Decimals keep their digits:
        write it with ``sicca.records.fhir.dumps_bundle``)."""
        from sicca.records.fhir import validate_bundle
        from sicca.report.fhir import report_to_bundle
        from sicca.scores.instrument import titles

        c = self.case(case)
        bundle = report_to_bundle(c, self.score(c, options).dump_json(), titles(self.sicca))
        validate_bundle(bundle, c.file)
        return bundle

    def case_from_fhir(self, bundle: Mapping[str, Any], file: str = "<bundle>"
                       ) -> dict[str, Any]:
        """A case mapping (as a case file holds) from a FHIR R4 Bundle; what cannot be mapped
        is a located InputError, never dropped."""
        from sicca.records.fhir import bundle_to_case

        return bundle_to_case(dict(bundle), file, self.catalogue.vocabulary)

    def rule_list(self) -> RuleListing:
        """Every rule of the bundled rules and packs: id, rule set, version, status, source
        tag, location and source (with its full reference); files with problems are left out
        and counted."""
        from sicca.base.errors import Problems
        from sicca.base.paths import RULES_DIR
        from sicca.language.loader import load_rule_files

        problems = Problems()
        files = load_rule_files([RULES_DIR] + self.rules, problems)
        rows = [{"id": r.id, "ruleset": f.ruleset, "version": f.version, "status": r.status,
                 "tag": r.source.tag, "loc": r.loc, "source": r.source.as_dict()}
                for f in files for r in f.rules]
        from sicca.api.results import RuleListing

        return RuleListing(rows, len(problems.items))

    def domain_levels(self) -> list[DomainLevels]:
        """Every rule file whose ``meta`` names a ``domain``, with the rules concluding that
        domain's ``<ruleset>.<domain>.level`` (bundled order)."""
        from sicca.api.results import DomainLevels, LevelDefinition

        out: list[DomainLevels] = []
        lab_files = {r["file"] for r in self.sicca.program["rules"]
                     if any(lit["fact"].startswith(labs.FACT_PREFIX)
                            for branch in r["branches"] for lit in branch)}
        for f in self.sicca.compiled.files:
            domain = f.meta.get("domain") if isinstance(f.meta, dict) else None
            if not isinstance(domain, str):
                continue
            fact = f"{f.ruleset}.{domain}.level"
            levels = [LevelDefinition(r.id, int(r.then["value"]),
                                      " ".join(str(r.description or r.id).split()))
                      for r in f.rules
                      if r.then.get("fact") == fact and isinstance(r.then.get("value"), int)]
            weight = f.meta.get("weight")
            out.append(DomainLevels(f.ruleset, domain,
                                    weight if isinstance(weight, int) else None, levels,
                                    f.rel in lab_files))
        return out

    def options(self) -> list[OptionInfo]:
        """The judgement calls of the rule set, with their choices and defaults."""
        from sicca.api.results import OptionInfo

        return [OptionInfo(i.name, i.spec.choices, i.spec.default,
                           (i.spec.description or "").strip())
                for i in self.catalogue.vocabulary.options()]


def _text(value: Any) -> str:
    """A notebook's Python value as the text a command line would give (4 → "4")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def load(rules: list[str | Path] | None = None, engine: str = "durable", *,
         cache: bool = True) -> Session:
    """A session on the bundled rules plus rule packs ``rules``, on backend ``engine``
    ("durable" or "native"); the parsed vocabulary and the compiled program are cached on disk
    unless ``cache=False``."""
    return Session(rules, engine, cache=cache)
