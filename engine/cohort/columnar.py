"""The columnar backend: the compiled program evaluated over a whole table of visits at once.

It reads the same compiled Program as the native backend (sicca.running.native) and mirrors
its semantics test by test: a numeric test holds only when it is *decided* (a missing value
decides nothing; a censored value decides only when its whole interval does, so ``<0.5`` is
never read as an exact 0.5), its negation holds otherwise; word and state tests compare the
code or the state; an unknown or not-reported input is never read as normal. A positive
literal on a concluded fact holds when some concluded fact of that name passes its tests (the
tests are constants, decided once when the plan is made); a negated one when none does.
Strata run in order; within a stratum, rules run level by level (a rule after those concluding
what it reads), and a stratum whose conclusions feed each other in a cycle runs until nothing
new is concluded. The result per visit is one boolean column per concluded fact id.

The instruments are then computed column-wise from those columns, reading what the rule files'
``meta`` says through the same functions of sicca.scores the per-visit report uses (domains,
weights and levels; criteria items and verdict kinds; the STAR table; the ESSPRI items and PASS
line): nothing clinical is written here. Arithmetic that must be exact (ESSPRI means, STAR's
relative changes, criteria verdicts) is done by the scores' own functions on each distinct
combination of inputs, then joined back: a cohort has few distinct combinations.

No trace is built on this path; a row's trace is one ``sicca explain CASE --timepoint T``
away.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from sicca.base.errors import EvaluationError, Problem
from sicca.cohort.table import CENSOR, FROM, STATE, Layout

if TYPE_CHECKING:
    import polars as pl

    from sicca.running.evaluate import Sicca
    from sicca.running.facts import Visit

#: The ``engine`` of a row holding a censored value: scored per visit by the native backend
#: (its definite and possible passes), not column-wise.
PER_VISIT_ENGINE = "native"
TRACE_NOTE = "traces are not computed on the columnar path: `sicca explain CASE --timepoint T`"


def _lit_false() -> pl.Expr:
    import polars as pl

    return pl.lit(False)


def _any(cols: Sequence[pl.Expr]) -> pl.Expr:
    import polars as pl

    if not cols:
        return pl.lit(False)
    if len(cols) == 1:
        return cols[0]
    return pl.any_horizontal(list(cols))


def _all(cols: Sequence[pl.Expr]) -> pl.Expr:
    import polars as pl

    if not cols:
        return pl.lit(True)
    if len(cols) == 1:
        return cols[0]
    return pl.all_horizontal(list(cols))


class Program:
    """A compiled program, planned for column-wise evaluation (made once per rule set)."""

    def __init__(self, sicca: Sicca) -> None:
        from sicca.running.native import _derived_fact, _pred

        self.sicca = sicca
        program = sicca.program
        self.layout = Layout(sicca)
        self.specs = sicca.compiled.catalog.facts
        self.derived = {d["id"]: d for d in program["derived"]}
        self.by_name: dict[str, list[str]] = {}
        for d in program["derived"]:
            self.by_name.setdefault(d["name"], []).append(d["id"])
        const = {did: _derived_fact(d) for did, d in self.derived.items()}
        self.inputs = list(program["inputs"])
        # per stratum: levels of (did, branch expressions), and whether it is cyclic
        self.strata: list[tuple[list[dict[str, list[pl.Expr]]], bool]] = []
        by_stratum: list[list[dict[str, Any]]] = [[] for _ in range(program["strata"])]
        for r in program["rules"]:
            by_stratum[r["stratum"]].append(r)
        for rules in by_stratum:
            levels, cyclic = self._levels(rules)
            planned: list[dict[str, list[pl.Expr]]] = []
            for level in levels:
                out: dict[str, list[pl.Expr]] = {}
                for r in level:
                    for br in r["branches"]:
                        out.setdefault(r["then"], []).append(self._branch(br, const, _pred))
                planned.append(out)
            self.strata.append((planned, cyclic))

    # --- planning -----------------------------------------------------------------------------

    def _levels(self, rules: list[dict[str, Any]]) -> tuple[list[list[dict[str, Any]]], bool]:
        producers: dict[str, list[int]] = {}
        for i, r in enumerate(rules):
            producers.setdefault(self.derived[r["then"]]["name"], []).append(i)
        level: dict[int, int] = {}
        state: dict[int, int] = {}
        cyclic = False

        def visit(i: int) -> int:
            nonlocal cyclic
            if state.get(i) == 2:
                return level[i]
            if state.get(i) == 1:
                cyclic = True
                return 0
            state[i] = 1
            lv = 0
            for br in rules[i]["branches"]:
                for lit in br:
                    if not lit["negated"]:
                        for p in producers.get(lit["fact"], ()):
                            lv = max(lv, visit(p) + 1)
            level[i], state[i] = lv, 2
            return lv

        for i in range(len(rules)):
            visit(i)
        out: list[list[dict[str, Any]]] = [[] for _ in range(1 + max(level.values(), default=0))]
        for i, r in enumerate(rules):
            out[level[i]].append(r)
        return [x for x in out if x], cyclic

    def _branch(self, br: list[dict[str, Any]], const: dict[str, dict[str, Any]],
                pred: Callable[[dict[str, Any]], Any]) -> pl.Expr:
        import polars as pl

        parts: list[pl.Expr] = []
        for lit in br:
            name = lit["fact"]
            if name in self.by_name and name not in self.specs:
                passing = [did for did in self.by_name[name]
                           if all(pred(t)(const[did]) for t in lit["tests"])]
                got = _any([pl.col(did) for did in passing])
                parts.append(~got if lit["negated"] else got)
                continue
            parts.append(_all([self._test(name, t) for t in lit["tests"]]))
        return _all(parts)

    def _test(self, name: str, t: dict[str, Any]) -> pl.Expr:
        fld, op, v, neg = t["field"], t["op"], t["value"], t["neg"]
        if fld == "value" and not isinstance(v, list):
            got = decided(op, float(v), value_of(name, self.specs[name].kind),
                          censor_of(name, self.specs[name].kind))
            return ~got if neg else got
        x = state_of(name) if fld == "state" else code_of(name, self.specs[name].kind)
        vals = v if isinstance(v, list) else [v]
        if op in ("eq", "in"):
            got = x == vals[0] if len(vals) == 1 else x.is_in(vals)
            return ~got if neg else got
        differs = (x != "") & ~x.is_in(vals)
        return ~differs if neg else differs

    # --- running ------------------------------------------------------------------------------

    def prepare(self, df: pl.DataFrame, options: dict[str, str]) -> pl.DataFrame:
        """The table with every column the program and the instruments read (missing ones
        null: not reported; option columns from ``options`` where the table has none)."""
        import polars as pl

        schema = self.layout.schema()
        have = df.schema  # once: building a wide frame's schema is not free
        add: list[pl.Expr] = []
        for c, typ in schema.items():
            if c.startswith("option."):
                if c not in have:
                    add.append(pl.lit(options[c[7:]], dtype=pl.Utf8).alias(c))
                continue
            if c not in have:
                add.append(pl.lit(None, dtype=typ).alias(c))
            elif have[c] != typ:
                add.append(pl.col(c).cast(typ))
        return df.with_columns(add) if add else df

    def conclude(self, df: pl.DataFrame) -> pl.DataFrame:
        """``df`` (prepared) with one boolean column per concluded fact id."""
        import polars as pl

        df = df.with_columns([_lit_false().alias(did) for did in self.derived])
        for levels, cyclic in self.strata:
            for level in levels:
                df = df.with_columns([(pl.col(did) | _any(brs)).alias(did)
                                      for did, brs in level.items()])
            while cyclic:
                before = df.select([pl.col(did).sum() for lv in levels for did in lv]).row(0)
                for level in levels:
                    df = df.with_columns([(pl.col(did) | _any(brs)).alias(did)
                                          for did, brs in level.items()])
                after = df.select([pl.col(did).sum() for lv in levels for did in lv]).row(0)
                if after == before:
                    break
        return self._censored_native(df)

    def _censored_native(self, df: pl.DataFrame) -> pl.DataFrame:
        """``df`` with the concluded columns of each row holding a censored value replaced by
        the native backend's definite conclusions for the same facts."""
        import polars as pl

        from sicca.running.native import NativeBackend

        idx = censored_rows(df)
        if not idx:
            return df
        native = self.sicca.memo("columnar.native", lambda: NativeBackend(self.sicca.program))
        ids = list(self.derived)
        fixed: dict[str, list[bool]] = {did: [] for did in ids}
        for row in df[idx].to_dicts():
            visit = visit_of_row(self.sicca, row, {})
            have = native.evaluate([f.engine() for f in visit.facts.values()]).derived
            for did in ids:
                fixed[did].append(did in have)
        fix = pl.DataFrame({"_i": pl.Series(idx, dtype=pl.UInt32), **fixed},
                           schema={"_i": pl.UInt32, **{did: pl.Boolean for did in ids}})
        return df.with_row_index("_i").update(fix, on="_i").drop("_i")

    def has(self, name: str, value: Any = None) -> pl.Expr:
        """Whether some concluded fact ``name`` (with ``value``) holds, per row."""
        import polars as pl

        ids = [did for did in self.by_name.get(name, [])
               if value is None or _same(self.derived[did], value)]
        return _any([pl.col(did) for did in ids])


def visit_of_row(sicca: Sicca, row: dict[str, Any], options: dict[str, str]) -> Visit:
    """One table row back to the Visit the per-visit reader built (``Layout.row`` inverted;
    options: the row's ``option.N`` words, else ``options``)."""
    from sicca.running.facts import Fact, Visit, _plan

    specs = sicca.compiled.catalog.facts
    plan = _plan(sicca.catalogue.vocabulary, sicca.compiled.catalog)
    facts = plan.defaults.copy()
    recorded: list[str] = []
    for name, fid in plan.ids.items():
        if name.startswith("option."):
            continue
        raw = row.get(name)
        number = specs[name].kind == "number"
        state = row.get(name + STATE) or ("reported" if raw is not None else "not_reported")
        censor = row.get(name + CENSOR) if number else None
        if raw is None and state == "not_reported" and not censor:
            continue
        value = Decimal(repr(raw)) if number and raw is not None else None
        code = str(raw) if not number and raw is not None else None
        rec, _, rest = str(row.get(name + FROM) or "").partition(":")
        date, _, path = rest.partition(":")
        facts[name] = Fact(fid, name, state, value, code, censor or None, plan.units[name],
                           path or None, rec or None, date or None,
                           integer=name in plan.integers)
        recorded.append(name)
    for name, default in plan.options:
        word = row.get(name) or options.get(name[7:], default)
        facts[name] = Fact(plan.ids[name], name, "reported", None, word)
        recorded.append(name)
    return Visit("table", str(row.get("timepoint") or ""), facts,
                 recorded=sorted(set(recorded), key=plan.index.__getitem__))


def censored_rows(df: pl.DataFrame) -> list[int]:
    """The rows holding a censored value (a non-null ``N:censor``): the native backend runs a
    definite and a possible pass on them, which this path does not plan (README "Honest
    uncertainty"), so they are evaluated per visit."""
    import polars as pl

    cen = [c for c in df.columns if c.endswith(CENSOR)]
    if not cen or not df.height:
        return []
    mask = df.select(pl.any_horizontal([pl.col(c).is_not_null() for c in cen])
                     .fill_null(False).alias("m"))["m"]
    return list(mask.arg_true().to_list())


def _same(d: dict[str, Any], value: Any) -> bool:
    if d["value"] is not None:
        try:
            return Decimal(d["value"]) == Decimal(str(value))
        except ArithmeticError:
            return False
    return bool(d["code"] == str(value))


# --- the columns of one input fact, as the backends see it -----------------------------------

def state_of(name: str) -> pl.Expr:
    import polars as pl

    return pl.coalesce(pl.col(name + STATE),
                       pl.when(pl.col(name).is_not_null()).then(pl.lit("reported"))
                       .otherwise(pl.lit("not_reported")))


def value_of(name: str, kind: str) -> pl.Expr:
    import polars as pl

    return pl.col(name) if kind == "number" else pl.lit(None, dtype=pl.Float64)


def code_of(name: str, kind: str) -> pl.Expr:
    import polars as pl

    return pl.col(name).fill_null("") if kind != "number" else pl.lit("")


def censor_of(name: str, kind: str) -> pl.Expr:
    import polars as pl

    return pl.col(name + CENSOR).fill_null("") if kind == "number" else pl.lit("")


def decided(op: str, c: float, v: pl.Expr, cen: pl.Expr) -> pl.Expr:
    """Column-wise ``sicca.running.native.decided``: every value the (censored) number allows
    satisfies ``op c``; false on a missing value."""
    import polars as pl

    plain = {"lt": v < c, "le": v <= c, "gt": v > c, "ge": v >= c, "eq": v == c,
             "ne": v != c}[op]
    return (pl.when(v.is_null()).then(False).when(cen == "").then(plain)
            .otherwise(_censored(op, c, v, cen)))


def _censored(op: str, c: float, v: pl.Expr, cen: pl.Expr) -> pl.Expr:
    import polars as pl

    if op == "eq":
        return pl.lit(False)
    if op == "ne":
        return _censored("lt", c, v, cen) | _censored("gt", c, v, cen)
    if op == "gt":
        return pl.when(cen == ">").then(v >= c).when(cen == ">=").then(v > c).otherwise(False)
    if op == "ge":
        return pl.when(cen.is_in([">", ">="])).then(v >= c).otherwise(False)
    if op == "lt":
        return pl.when(cen == "<").then(v <= c).when(cen == "<=").then(v < c).otherwise(False)
    return pl.when(cen.is_in(["<", "<="])).then(v <= c).otherwise(False)


# --- distinct combinations through the scores' own functions ---------------------------------

def map_unique(df: pl.DataFrame, cols: list[str], fn: Callable[..., Any],
               dtype: Any) -> pl.Series:
    """``fn(*row)`` for each row of ``df[cols]``, computed once per distinct combination."""
    import polars as pl

    keys = df.select(cols).unique(maintain_order=True)
    out = pl.Series("_r", [fn(*row) for row in keys.iter_rows()], dtype=dtype)
    joined = df.select(cols).join(keys.with_columns(out), on=cols, how="left",
                                  nulls_equal=True, maintain_order="left")
    return joined["_r"]


def _mean(total: float, n: int) -> Fraction:
    """The exact mean of ``n`` values whose (rounded) float sum is ``total``."""
    return Fraction(Decimal(repr(total))) / n


def _q(x: float | None) -> Fraction | None:
    """A float of the table back to the exact decimal it was written from (at most 15
    significant digits, as the per-visit reader allows)."""
    if x is None:
        return None
    return Fraction(Decimal(repr(x)))


# --- scoring --------------------------------------------------------------------------------

class Scorer:
    """The columnar scorer of one loaded rule set (make once; call ``score`` per frame)."""

    def __init__(self, sicca: Sicca, options: dict[str, str] | None = None) -> None:
        from sicca.scores import criteria, essdai, response

        self.sicca = sicca
        self.options = sicca.check_options(dict(options or {}))
        self.program: Program = sicca.memo("columnar.program", lambda: Program(sicca))
        declared = set(sicca.declared)
        self.domains = essdai.domains(sicca) if {"essdai", "clinessdai"} & declared else []
        self.esspri = "esspri" in declared and any(
            r["name"] == "esspri" for r in sicca.rulesets())
        self.sets = [s for s in criteria.criteria_sets(sicca) if s in declared]
        self.set_meta = {s: criteria.set_meta(sicca, s) for s in self.sets}
        self.star = response.star_table(sicca) if "star" in declared else None
        self.rulesets = sicca.rulesets()
        self._per_visit: list[int] = []  # rows of the frame being scored with a censored value

    # the output's columns, derived from the program (the same whatever the data)
    def score(self, df: pl.DataFrame) -> pl.DataFrame:
        """One output row per input row, in input order. Rows of one patient must be
        contiguous and in visit order (the changes compare each visit with the patient's first
        and previous rows)."""
        import polars as pl

        p = self.program
        self._per_visit = censored_rows(df)
        df = p.conclude(p.prepare(df, self.options))
        out: list[pl.Expr] = [pl.col("patient").cast(pl.Utf8), pl.col("timepoint").cast(pl.Utf8),
                              pl.col("date").cast(pl.Utf8)]
        res = df.select(out)
        if self.domains:
            res = res.hstack(self._essdai(df))
        if self.esspri:
            res = res.hstack(self._esspri(df))
        for s in self.sets:
            res = res.hstack(self._criteria(df, s))
        res = res.hstack(df.select([pl.col(f"option.{k}").alias(f"options.{k}")
                                    for k in self.options]))
        res = self._censored_per_visit(res, df)
        res = self._changes(res, df)
        res = res.with_columns(
            [pl.lit(r["version"], dtype=pl.Utf8).alias(f"rulesets.{r['name']}.version")
             for r in self.rulesets] +
            [pl.lit(r["hash"], dtype=pl.Utf8).alias(f"rulesets.{r['name']}.hash")
             for r in self.rulesets] +
            [pl.lit("columnar", dtype=pl.Utf8).alias("engine")])
        if self._per_visit:  # visits with a censored value are scored per visit
            at = pl.Series(self._per_visit, dtype=pl.UInt32)
            res = res.with_columns(
                pl.when(pl.int_range(pl.len(), dtype=pl.UInt32).is_in(at.implode()))
                .then(pl.lit(PER_VISIT_ENGINE)).otherwise(pl.col("engine")).alias("engine"))
        return res

    # --- visits with a censored value: the per-visit path ---------------------------------

    def _censored_per_visit(self, res: pl.DataFrame, df: pl.DataFrame) -> pl.DataFrame:
        """``res`` with each row that holds a censored value (a non-null ``N:censor``) replaced
        by the per-visit report's keys for the same facts. The native backend runs a definite
        and a possible pass on such a visit (README "Honest uncertainty": undetermined domains,
        unknown items, a censored ESSPRI); this path plans only the definite one."""
        import polars as pl

        idx = self._per_visit
        if not idx:
            return res
        from sicca.cohort.batch import flatten

        cols = [c for c in res.columns if c not in ("patient", "timepoint", "date")
                and not c.startswith("_")]
        rows = res.to_dicts()
        for i, row in zip(idx, df[idx].to_dicts(), strict=True):
            got, bounds = self._report_row(row)
            native = flatten(got)
            if "_esspri_sum" in rows[i] and native.get("esspri.state") != "computable":
                rows[i]["_esspri_sum"] = None  # a censored rating: no exact mean to compare
                rows[i]["_esspri_b"] = None if bounds is None else \
                    f"{bounds[0]}|{int(bounds[1])}|{bounds[2]}|{int(bounds[3])}"
            for c in cols:
                if c.startswith("options."):
                    continue
                v = native.get(c)
                rows[i][c] = float(v) if isinstance(v, Decimal) else v
        return pl.DataFrame(rows, schema=res.schema)

    def _report_row(self, row: dict[str, Any]) -> tuple[dict[str, Any], Any]:
        """The per-visit report keys of one table row (its facts as the reader built them),
        and the range of its ESSPRI mean when a rating is censored (``esspri.bounds``)."""
        from sicca.report.build import _timepoint
        from sicca.scores import esspri
        from sicca.scores.instrument import Scored, declared

        sicca = self.sicca
        opts = {k: str(row.get(f"option.{k}") or v) for k, v in self.options.items()}
        visit = visit_of_row(sicca, row, opts)
        ev = sicca.evaluate_visit(visit, opts)
        insts = declared(sicca)
        s = Scored(str(row["timepoint"]), str(row.get("date") or ""), ev)
        for inst in insts:
            r = inst.score(ev, sicca)
            if r is not None:
                s.results[inst.id] = r
        out: dict[str, Any] = _timepoint(s, insts, sicca).out()
        b = esspri.bounds(ev, sicca) if self.esspri else None
        return {k: v for k, v in out.items() if k not in ("id", "date", "label")}, b

    def columns(self) -> list[str]:
        """The output columns (what ``score`` returns for any input)."""
        import polars as pl

        empty = pl.DataFrame({"patient": [], "timepoint": [], "date": []},
                             schema={"patient": pl.Utf8, "timepoint": pl.Utf8,
                                     "date": pl.Utf8})
        return self.score(empty).columns

    # --- ESSDAI / ClinESSDAI ---------------------------------------------------------------

    def _essdai(self, df: pl.DataFrame) -> pl.DataFrame:
        import polars as pl

        from sicca.scores import essdai

        p = self.program
        cols: list[pl.Expr] = []
        for d in self.domains:
            name = f"{essdai.RULESET}.{d.name}"
            lv = [pl.when(pl.col(did)).then(pl.lit(int(Decimal(p.derived[did]["value"]))))
                  for did in p.by_name.get(f"{name}.level", [])
                  if p.derived[did]["value"] is not None]
            lvl = pl.max_horizontal(lv) if lv else pl.lit(None, dtype=pl.Int64)
            pv = [pl.when(pl.col(did)).then(pl.lit(int(Decimal(p.derived[did]["value"]))))
                  for did in p.by_name.get(f"{name}.level_possible", [])
                  if p.derived[did]["value"] is not None]
            poss = pl.max_horizontal(pv) if pv else pl.lit(None, dtype=pl.Int64)
            met = lvl.fill_null(0)
            # a higher level left open by missing data: the level met, bounds met .. possible
            partly = poss.is_not_null() & (poss > met)
            na = p.has(f"{name}.assessment", "not_assessable")
            aa = p.has(f"{name}.assessment", "assumed_absent")
            rated = lvl.is_not_null()
            key = f"essdai.domains.{d.name}"
            cols += [
                pl.when(partly).then(pl.lit("partly_assessable"))
                .when(rated).then(pl.lit("rated")).when(na).then(pl.lit("not_assessable"))
                .when(aa).then(pl.lit("assumed_absent")).otherwise(pl.lit("rated"))
                .alias(f"{key}.state"),
                pl.when(partly).then(met)
                .when(rated).then(lvl).when(na).then(pl.lit(None, dtype=pl.Int64))
                .otherwise(0).cast(pl.Int64).alias(f"{key}.level"),
                pl.when(partly).then(met)
                .when(rated).then(lvl).otherwise(0).cast(pl.Int64).alias(f"{key}.level_min"),
                pl.when(partly).then(poss)
                .when(rated).then(lvl).when(na).then(d.max_level).otherwise(0)
                .cast(pl.Int64).alias(f"{key}.level_max"),
            ]
        res = df.select(cols)
        for clin in (False, True):
            res = res.hstack(self._totals(res, clin))
        return res

    def _totals(self, st: pl.DataFrame, clin: bool) -> pl.DataFrame:
        import polars as pl

        from sicca.scores import essdai

        inst = "clinessdai" if clin else "essdai"
        doc: list[pl.Expr] = []
        lo: list[pl.Expr] = []
        hi: list[pl.Expr] = []
        high_now: list[pl.Expr] = []
        high_possible: list[pl.Expr] = []
        na: list[pl.Expr] = []  # bit i: the i-th domain is not assessable
        pa: list[pl.Expr] = []  # bit i: the i-th domain is partly assessable
        names: list[str] = []
        pts: list[pl.Expr] = []
        for d in self.domains:
            w = d.clin_weight if clin else d.weight
            if w is None:
                continue
            wf = float(w)
            key = f"essdai.domains.{d.name}"
            doc.append((pl.col(f"{key}.level") * wf).fill_null(0.0))
            lo.append(pl.col(f"{key}.level_min") * wf)
            hi.append(pl.col(f"{key}.level_max") * wf)
            if essdai.HIGH_LEVEL in d.levels:
                high_now.append(pl.col(f"{key}.level_min") == essdai.HIGH_LEVEL)
                high_possible.append(pl.col(f"{key}.level_max") == essdai.HIGH_LEVEL)
            na.append(pl.when(pl.col(f"{key}.state") == "not_assessable")
                      .then(pl.lit(1 << len(na), dtype=pl.Int64)).otherwise(0))
            pa.append(pl.when(pl.col(f"{key}.state") == "partly_assessable")
                      .then(pl.lit(1 << len(pa), dtype=pl.Int64)).otherwise(0))
            names.append(d.name)
            if not clin:
                pts += [(pl.col(f"{key}.level") * wf).alias(f"{key}.points"),
                        (pl.col(f"{key}.level_min") * wf).alias(f"{key}.points_min"),
                        (pl.col(f"{key}.level_max") * wf).alias(f"{key}.points_max")]

        def total(xs: list[pl.Expr]) -> pl.Expr:
            return pl.sum_horizontal(xs).round(6) if xs else pl.lit(0.0)

        t = st.select(pts + [
            total(doc).alias(f"{inst}.documented"), total(lo).alias(f"{inst}.min"),
            total(hi).alias(f"{inst}.max"),
            _any(high_now).alias("_high_now"), _any(high_possible).alias("_high_possible"),
            (pl.sum_horizontal(na) if na else pl.lit(0, dtype=pl.Int64))
            .alias(f"_{inst}.na_mask"),
            (pl.sum_horizontal(pa) if pa else pl.lit(0, dtype=pl.Int64))
            .alias(f"_{inst}.pa_mask")])

        def na_list(mask: int) -> list[str]:  # a cohort has few distinct masks
            return [n for i, n in enumerate(names) if mask >> i & 1]

        t = t.with_columns(map_unique(t, [f"_{inst}.na_mask"], na_list, pl.List(pl.Utf8))
                           .alias(f"{inst}.not_assessable"),
                           map_unique(t, [f"_{inst}.pa_mask"], na_list, pl.List(pl.Utf8))
                           .alias(f"{inst}.partly_assessable"))

        def label(na_mask: int, pa_mask: int) -> str | None:
            parts = ([essdai.DOCUMENTED_LABEL] if na_mask else []) + \
                ([essdai.PARTLY_LABEL] if pa_mask else [])
            return "; ".join(parts) or None

        def cat(x: float | None) -> str | None:
            return essdai.category(None if x is None else Decimal(repr(x)))

        for src, dst in (("documented", "category"), ("min", "category_min"),
                         ("max", "category_max")):
            t = t.with_columns(map_unique(t, [f"{inst}.{src}"], cat, pl.Utf8)
                               .alias(f"{inst}.{dst}"))
        t = t.with_columns(
            (pl.col(f"{inst}.category_min") == pl.col(f"{inst}.category_max"))
            .alias(f"{inst}.category_determined"),
            map_unique(t, [f"_{inst}.na_mask", f"_{inst}.pa_mask"], label, pl.Utf8)
            .alias(f"{inst}.documented_label"))
        if not clin:
            above = float(essdai.SEVERE_ABOVE)
            sev_lo = (pl.col("essdai.min") > above) | pl.col("_high_now")
            sev_hi = (pl.col("essdai.max") > above) | pl.col("_high_possible")
            t = t.with_columns(
                pl.when(sev_lo == sev_hi).then(sev_lo).otherwise(pl.lit(None, pl.Boolean))
                .alias("essdai.severe"),
                ((pl.col("essdai.documented") > above) | pl.col("_high_now"))
                .alias("essdai.severe_documented"),
                (sev_lo == sev_hi).alias("essdai.severe_determined"))
        return t.drop("_high_now", "_high_possible")

    # --- ESSPRI -----------------------------------------------------------------------------

    def _esspri(self, df: pl.DataFrame) -> pl.DataFrame:
        import polars as pl

        from sicca.scores import esspri

        p = self.program
        items = list(esspri.INPUTS_READ)
        ok = p.has("esspri.state", "computable") & _all([pl.col(i).is_not_null()
                                                          for i in items])
        t = df.select(pl.when(ok).then(pl.sum_horizontal([pl.col(i) for i in items]).round(9))
                      .otherwise(pl.lit(None, pl.Float64)).alias("_esspri_sum"))
        n = len(items)

        def score(s: float | None) -> float | None:
            return None if s is None else float(esspri.shown(_mean(s, n)))

        def passes(s: float | None) -> bool | None:
            return None if s is None else bool(_mean(s, n) < esspri.PASS_BELOW)

        missing = [pl.when(pl.col(did)).then(pl.lit(p.derived[did]["code"]))
                   for did in p.by_name.get("esspri.missing", [])]
        return t.with_columns(
            map_unique(t, ["_esspri_sum"], score, pl.Float64).alias("esspri.score"),
            map_unique(t, ["_esspri_sum"], passes, pl.Boolean).alias("esspri.pass"),
            pl.when(pl.col("_esspri_sum").is_not_null()).then(pl.lit("computable"))
            .otherwise(pl.lit("not_computable")).alias("esspri.state"),
            pl.lit(None, dtype=pl.Utf8).alias("_esspri_b"),  # a censored row's range
        ).hstack(df.select(
            pl.when(~ok).then(
                pl.concat_list(missing).list.drop_nulls().list.unique().list.sort()
                if missing else pl.lit([], dtype=pl.List(pl.Utf8)))
            .alias("esspri.missing")))

    # --- criteria -----------------------------------------------------------------------------

    def _one_state(self, df: pl.DataFrame, fact: str, allowed: tuple[str, ...]) -> pl.Series:
        """The one state concluded for ``fact`` per row; an EvaluationError (E401, as the
        per-visit path raises) naming the first row where not exactly one was concluded."""
        import polars as pl

        p = self.program
        ids = [did for did in p.by_name.get(fact, []) if p.derived[did]["code"] in allowed]
        others = [did for did in p.by_name.get(fact, []) if did not in ids]
        count = pl.sum_horizontal([pl.col(d).cast(pl.Int32) for d in ids + others]) \
            if ids + others else pl.lit(0)
        got = df.select(
            pl.coalesce([pl.when(pl.col(d)).then(pl.lit(p.derived[d]["code"])).otherwise(None)
                         for d in ids] or [pl.lit(None, pl.Utf8)]).alias("s"),
            count.alias("n"), pl.col("patient"), pl.col("timepoint"))
        # a row with a censored value is scored per visit (its item may be unknown through
        # the possible pass): not checked here, its columns are replaced
        skip = pl.Series(self._per_visit, dtype=pl.UInt32)
        bad = got.with_row_index("_i").filter(
            ~pl.col("_i").is_in(skip.implode()) & ((pl.col("n") != 1) | pl.col("s").is_null())
        ).drop("_i").head(1)
        if bad.height:
            _, n, patient, tp = bad.row(0)
            raise EvaluationError(Problem(
                f"'{fact}' concluded {n} states at patient '{patient}' timepoint '{tp}'",
                code="E401", timepoint=str(tp), expected=f"exactly one of {' | '.join(allowed)}",
                hint="the rules for this fact must cover every input state exactly once"))
        return got["s"]

    def _criteria(self, df: pl.DataFrame, name: str) -> pl.DataFrame:
        import polars as pl

        from sicca.scores import criteria

        meta = self.set_meta[name]
        items = list(meta["items"])
        cols: dict[str, pl.Series] = {}
        for item in items:
            cols[f"criteria.{name}.items.{item}.state"] = self._one_state(
                df, f"{name}.item.{item}", criteria.ITEM_STATES)
        entry_col = None
        if meta.get("entry"):
            entry_col = f"criteria.{name}.entry.state"
            cols[entry_col] = self._one_state(df, f"{name}.entry", criteria.ITEM_STATES)
        excl = list(meta.get("exclusions", {}))
        for x in excl:
            cols[f"criteria.{name}.exclusions.{x}"] = self._one_state(
                df, f"{name}.exclusion.{x}", criteria.EXCLUSION_STATES)
        assoc_col = None
        if "associated_disease" in meta:
            assoc_col = f"criteria.{name}.associated_disease"
            cols[assoc_col] = self._one_state(df, meta["associated_disease"]["fact"],
                                              criteria.EXCLUSION_STATES)
        t = pl.DataFrame({k: v.alias(k) for k, v in cols.items()})
        keys = list(cols)
        n_items = len(items)

        def verdict(*row: str) -> tuple[str, int, int]:
            states = dict(zip(items, row[:n_items], strict=True))
            k = n_items
            entry = None
            if entry_col is not None:
                entry, k = row[k], k + 1
            exclusions = dict(zip(excl, row[k:k + len(excl)], strict=True))
            k += len(excl)
            secondary = assoc_col is not None and row[k] == "present"
            v, smin, smax, _ = criteria.verdict_of(meta, states, entry, exclusions, secondary)
            return v, smin, smax

        got = map_unique(t, keys, lambda *r: dict(zip(("v", "lo", "hi"), verdict(*r),
                                                       strict=True)),
                         pl.Struct({"v": pl.Utf8, "lo": pl.Int64, "hi": pl.Int64}))
        return pl.DataFrame([
            got.struct.field("v").alias(f"criteria.{name}.verdict"),
            got.struct.field("lo").alias(f"criteria.{name}.score_min"),
            got.struct.field("hi").alias(f"criteria.{name}.score_max"),
        ]).hstack(t)

    # --- changes between a patient's visits --------------------------------------------------

    def _star_inputs(self, df: pl.DataFrame) -> pl.DataFrame:
        """Per STAR input: its exact value when reported, uncensored and present (else null),
        and where it was recorded (``:from``; null: at this visit)."""
        import polars as pl

        assert self.star is not None
        from sicca.scores import response

        cols: list[pl.Expr] = []
        own = pl.concat_str([pl.col("patient"), pl.col("timepoint")], separator="\x1f")
        for n in response.inputs_read(self.sicca):
            if n not in self.program.specs or self.program.specs[n].kind != "number":
                continue
            ok = (state_of(n) == "reported") & pl.col(n).is_not_null() & \
                (censor_of(n, "number") == "")
            cols += [pl.when(ok).then(pl.col(n)).alias(f"_v.{n}"),
                     pl.coalesce(pl.col(n + FROM), own).alias(f"_k.{n}")]
        return df.select(cols)

    def _masks(self, res: pl.DataFrame) -> pl.DataFrame:
        """Per instrument, from the domain states of ``res`` (a row scored per visit
        included): bits of the not-assessable and partly-assessable domains, and whether any
        domain is undetermined (the changes compare them, as instrument_delta does)."""
        import polars as pl

        exprs: list[pl.Expr] = []
        for inst, clin in (("essdai", False), ("clinessdai", True)):
            na: list[pl.Expr] = []
            pa: list[pl.Expr] = []
            und: list[pl.Expr] = []
            for i, d in enumerate(self.domains):
                if (d.clin_weight if clin else d.weight) is None:
                    continue
                st = pl.col(f"essdai.domains.{d.name}.state")
                bit = pl.lit(1 << i, dtype=pl.Int64)
                na.append(pl.when(st == "not_assessable").then(bit).otherwise(0))
                pa.append(pl.when(st == "partly_assessable").then(bit).otherwise(0))
                und.append(st == "undetermined")
            zero = pl.lit(0, dtype=pl.Int64)
            exprs += [(pl.sum_horizontal(na) if na else zero).alias(f"_{inst}.na2"),
                      (pl.sum_horizontal(pa) if pa else zero).alias(f"_{inst}.pa2"),
                      _any(und).alias(f"_{inst}.und2")]
        return res.select(exprs)

    def _changes(self, res: pl.DataFrame, df: pl.DataFrame) -> pl.DataFrame:
        import polars as pl

        from sicca.scores import esspri, response

        if not (self.domains or self.esspri):
            return res.drop([c for c in res.columns if c.startswith("_")])
        # rows of a patient are contiguous: the first row of each run is its baseline
        first = pl.col("patient") != pl.col("patient").shift(1)
        row = pl.int_range(pl.len(), dtype=pl.Int64)
        work = res.with_columns(
            pl.when(first.fill_null(True)).then(row).otherwise(None).forward_fill()
            .alias("_base")).with_columns((pl.int_range(pl.len(), dtype=pl.Int64) -
                                           pl.col("_base")).alias("_nth"))
        if self.domains:
            work = work.hstack(self._masks(res))
        if self.star is not None:
            work = work.hstack(self._star_inputs(df))
        later = work["_nth"] >= 1
        drop = float(response.MCII_DROP)
        out = res
        for frm in ("baseline", "previous"):
            def a(c: str, frm: str = frm) -> pl.Expr:
                if frm == "baseline":
                    return pl.col(c).gather(pl.col("_base"))
                return pl.col(c).shift(1)

            pre = f"change.{frm}"
            exprs: list[pl.Expr] = [a("timepoint").alias(f"{pre}.from")]
            for inst in ("essdai", "clinessdai") if self.domains else ():
                lo = pl.col(f"{inst}.min") - a(f"{inst}.max")
                hi = pl.col(f"{inst}.max") - a(f"{inst}.min")
                determined = (hi <= -drop) | (lo > -drop)
                na_b, pa_b, und_b = (pl.col(f"_{inst}.na2"), pl.col(f"_{inst}.pa2"),
                                     pl.col(f"_{inst}.und2"))
                same = (na_b == a(f"_{inst}.na2")) & (pa_b == a(f"_{inst}.pa2")) & \
                    ~und_b & ~a(f"_{inst}.und2")
                delta = pl.when(same).then(
                    (pl.col(f"{inst}.documented") - a(f"{inst}.documented")).round(6))
                met = pl.when(determined).then(hi <= -drop).otherwise(
                    pl.when(delta.is_null()).then(pl.lit(None, pl.Boolean))
                    .otherwise(delta <= -drop))
                exprs += [delta.alias(f"{pre}.{inst}_delta"),
                          lo.round(6).alias(f"{pre}.{inst}_delta_min"),
                          hi.round(6).alias(f"{pre}.{inst}_delta_max"),
                          met.alias(f"{pre}.{inst}_mcii"),
                          determined.alias(f"{pre}.{inst}_mcii_determined"),
                          (same & ((na_b != 0) | (pa_b != 0))).alias(
                              f"{pre}.{inst}_assumes_unassessable_unchanged")]
                if inst == "clinessdai" and self.star is not None:
                    sd = float(self.star.clinessdai_drop)
                    exprs.append(pl.when(hi <= -sd).then(pl.lit("met"))
                                 .when(lo > -sd).then(pl.lit("not_met"))
                                 .otherwise(pl.lit("unknown")).alias("_systemic"))
            if self.esspri:
                exprs += [a("_esspri_sum").alias("_a_sum"), a("_esspri_b").alias("_a_b")]
            if self.star is not None:
                exprs += [a(c).alias("_a" + c) for c in work.columns if c.startswith(("_v.",
                                                                                       "_k."))]
            got = work.select(exprs)
            if self.esspri:
                pair = pl.DataFrame({"a": got["_a_sum"], "b": work["_esspri_sum"],
                                     "ra": got["_a_b"], "rb": work["_esspri_b"]})
                n = len(esspri.INPUTS_READ)

                def exact(s: float | None, n: int = n) -> Fraction | None:
                    return None if s is None else _mean(s, n)

                def rng(s: float | None, r: str | None) -> esspri.Bounds | None:
                    if r is not None:
                        lo, lo_in, hi, hi_in = r.split("|")
                        return Fraction(lo), lo_in == "1", Fraction(hi), hi_in == "1"
                    x = exact(s)
                    return None if x is None else (x, True, x, True)

                def dlt(sa: float | None, sb: float | None, ra: str | None,
                        rb: str | None) -> float | None:
                    xa, xb = exact(sa), exact(sb)
                    return None if xa is None or xb is None else float(esspri.shown(xb - xa))

                def mc(sa: float | None, sb: float | None, ra: str | None,
                       rb: str | None) -> bool | None:
                    # exact means, or the corners of a censored rating's range (esspri.change)
                    return esspri.mcii_ends(rng(sa, ra), rng(sb, rb))

                keys = ["a", "b", "ra", "rb"]
                got = got.with_columns(
                    map_unique(pair, keys, dlt, pl.Float64).alias(f"{pre}.esspri_delta"),
                    map_unique(pair, keys, mc, pl.Boolean).alias(f"{pre}.esspri_mcii"),
                    # STAR's patient-reported item: the same MCII, ranges included
                    map_unique(pair, keys, mc, pl.Boolean).alias("_pro"))
            if self.star is not None and self.domains:
                got = got.hstack(self._star(work, got, pre))
            keep = [c for c in got.columns if c.startswith(pre)]
            got = got.select([pl.when(later).then(pl.col(c)).alias(c) for c in keep])
            out = out.hstack(got)
        return out.drop([c for c in out.columns if c.startswith("_")])

    def _star(self, work: pl.DataFrame, got: pl.DataFrame, pre: str) -> pl.DataFrame:
        import polars as pl

        from sicca.scores import response

        t = self.star
        assert t is not None

        def pair_cols(n: str) -> list[pl.Series]:
            return [got[f"_a_v.{n}"], work[f"_v.{n}"], got[f"_a_k.{n}"] == work[f"_k.{n}"]]

        def pair(va: float | None, vb: float | None, same: bool | None) -> Any:
            if va is None or vb is None or same:
                return None
            return _q(va), _q(vb)

        def frame(names: list[str]) -> pl.DataFrame:
            cols: dict[str, pl.Series] = {}
            for n in names:
                for i, s in enumerate(pair_cols(n)):
                    cols[f"{n}.{i}"] = s
            return pl.DataFrame(cols)

        lac = frame(["schirmer.mean", "ocular_staining_score.mean"])
        sal = frame(["unstimulated_saliva_flow"])
        bio_names = ["lab.igg", *t.rf_facts]
        bio = frame(bio_names)

        def lacrimal(*r: Any) -> str:
            return response.lacrimal(pair(*r[0:3]), pair(*r[3:6]), t)

        def salivary(*r: Any) -> str:
            return response.salivary(pair(*r[0:3]), t)

        def biological(*r: Any) -> str:
            parts = [response.relative_drop(pair(*r[3 * i:3 * i + 3]),
                                            t.igg_drop if i == 0 else t.rf_drop)
                     for i in range(len(bio_names))]
            return response._either(*parts)

        pro = got["_pro"] if "_pro" in got.columns else \
            pl.Series([None] * got.height, dtype=pl.Boolean)
        items = pl.DataFrame({
            "systemic": got["_systemic"],
            "patient_reported": pl.DataFrame({"m": pro}).select(
                pl.when(pl.col("m").is_null()).then(pl.lit("unknown"))
                .when(pl.col("m")).then(pl.lit("met")).otherwise(pl.lit("not_met"))
                .alias("s"))["s"],
            "lacrimal": map_unique(lac, lac.columns, lacrimal, pl.Utf8),
            "salivary": map_unique(sal, sal.columns, salivary, pl.Utf8),
            "biological": map_unique(bio, bio.columns, biological, pl.Utf8),
        })

        def verdict(*states: str) -> dict[str, Any]:
            v = response._verdict(dict(zip(response.STAR_ITEMS, states, strict=True)), t)
            return {"v": v["verdict"], "lo": v["points_min"], "hi": v["points_max"]}

        v = map_unique(items, list(response.STAR_ITEMS), verdict,
                       pl.Struct({"v": pl.Utf8, "lo": pl.Int64, "hi": pl.Int64}))
        return pl.DataFrame(
            [v.struct.field("v").alias(f"{pre}.star.verdict"),
             v.struct.field("lo").alias(f"{pre}.star.points_min"),
             v.struct.field("hi").alias(f"{pre}.star.points_max")] +
            [items[k].alias(f"{pre}.star.items.{k}.state") for k in response.STAR_ITEMS])
