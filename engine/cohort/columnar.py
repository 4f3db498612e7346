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

A row with censored values is split as ``Sicca.evaluate_visit`` splits the visit: each
censored input into its *cells* at the thresholds the program compares it with
(``Program.cells``); the cells are extra rows evaluated definitely, then merged per row and
the instruments' hull taken (``Scorer._hull``). Past MAX_CELLS combinations the row
keeps the three-valued pass (a definite and a possible column per concluded id), as native
does, and its ``approximate`` column says so.

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

import itertools
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from sicca.base.errors import EvaluationError, Problem
from sicca.cohort.table import CENSOR, FROM, ID_COLUMNS, STATE, Layout

if TYPE_CHECKING:
    import polars as pl

    from sicca.running.evaluate import Sicca

#: Column-name prefixes of the working columns: a concluded fact id's *possible* column (the
#: definite one is the id itself), and a numeric input as the backends receive it (a count's
#: censored bound made whole, the censor mark as a small code).
POSSIBLE, ENGINE_VALUE, ENGINE_CENSOR = "~p:", "~v:", "~c:"
#: ... and a fact's state (null filled from the value) and word (null as ""), made once per
#: frame; an input literal's truth (TRUE) and truth-or-unknown, made once per distinct literal
STATE_COL, CODE_COL, LIT_TRUE, LIT_MAYBE = "~s:", "~k:", "~t:", "~m:"
#: ... and whether an input holds a value nobody knows (``Sicca.is_open``: the backends' OPEN)
OPEN_COL = "~o:"
#: ... and a censored input's value in one cell (while the cells are made)
CELL = "~x:"
#: the working columns ``prepare`` adds (what a cell row copies from its row)
WORK = (ENGINE_VALUE, ENGINE_CENSOR, STATE_COL, CODE_COL, OPEN_COL)
#: cells made, concluded and merged at once (bounded memory: ~500 working columns a cell)
CELL_ROWS = 32_768
C_EXACT, C_LT, C_LE, C_GT, C_GE = 0, 1, 2, 3, 4
INF = float("inf")
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
        self.strata: list[tuple[list[dict[str, list[tuple[pl.Expr, pl.Expr]]]], bool]] = []
        self.numeric = sorted({lit["fact"] for r in program["rules"] for br in r["branches"]
                               for lit in br for t in lit["tests"]
                               if lit["fact"] in self.specs and t["field"] == "value"
                               and not isinstance(t["value"], list)})
        from sicca.running.facts import visit_plan

        self.numeric_set = set(self.numeric)
        #: per-eye tests the program reads, with the side that is worse (min | max)
        self.per_eye: dict[str, str] = dict(sicca.per_eye)
        self.integers = visit_plan(sicca.catalogue.vocabulary, sicca.compiled.catalog).integers
        # distinct input literals (a literal recurs in many branches): computed once a frame
        self.literals: dict[str, tuple[pl.Expr, pl.Expr | None]] = {}
        self._lit_ids: dict[str, str] = {}
        #: the input fact each distinct literal tests (its columns read that fact's only)
        self.lit_fact: dict[str, str] = {}
        self.state_facts = sorted({lit["fact"] for r in program["rules"] for br in r["branches"]
                                   for lit in br for t in lit["tests"]
                                   if lit["fact"] in self.specs and t["field"] == "state"})
        self.code_facts = sorted({lit["fact"] for r in program["rules"] for br in r["branches"]
                                  for lit in br for t in lit["tests"]
                                  if lit["fact"] in self.specs and t["field"] == "code"
                                  and self.specs[lit["fact"]].kind != "number"})
        # censored inputs are split into cells as Sicca._evaluate_cells does: every numeric
        # input (one not compared still has no cell when its bound leaves the item's range)
        self.cell_facts = [n for n in self.inputs if n in self.specs
                           and self.specs[n].kind == "number" and not n.startswith("option.")]
        # inputs whose value may be OPEN and is read (a value, code or state test): split into
        # cells too (a word: one per code of ``Sicca.open_codes``), their state reported there
        self.open_facts = sorted((self.numeric_set | set(self.code_facts)
                                  | set(self.state_facts)) - {n for n in self.inputs
                                                              if n.startswith("option.")})
        self.opened = set(self.open_facts)
        self.no_value = sicca.no_value_when_not_done
        self.needed = self._needed()
        by_stratum: list[list[dict[str, Any]]] = [[] for _ in range(program["strata"])]
        for r in program["rules"]:
            by_stratum[r["stratum"]].append(r)
        for rules in by_stratum:
            levels, cyclic = self._levels(rules)
            planned: list[dict[str, list[tuple[pl.Expr, pl.Expr]]]] = []
            for level in levels:
                out: dict[str, list[tuple[pl.Expr, pl.Expr]]] = {}
                for r in level:
                    for br in r["branches"]:
                        out.setdefault(r["then"], []).append(self._branch(br, const, _pred))
                planned.append(out)
            self.strata.append((planned, cyclic))

    def _needed(self) -> list[str]:
        """The input columns the scorer reads (table order): ids, options, and every column
        of a fact the program tests, splits into cells or the instruments read (ESSPRI's
        ratings, STAR's inputs). ``prepare`` keeps these only, so a slice holds no column
        nobody reads (the wide table's ~770 columns are mostly 16-byte string views a row);
        an expression naming another column fails loudly instead of reading a null."""
        from sicca.scores import esspri, response

        facts = self.numeric_set | set(self.state_facts) | set(self.code_facts) | \
            self.opened | set(self.cell_facts)
        facts |= {f"{n}.{side}" for n in self.cell_facts if n in self.per_eye
                  for side in ("right", "left")}
        facts |= set(esspri.INPUTS_READ) | set(response.inputs_read(self.sicca))
        return [c for c in self.layout.schema() if c in ID_COLUMNS or c.startswith("option.")
                or c.split(":")[0] in facts]

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
                pred: Callable[[dict[str, Any]], Any]) -> tuple[pl.Expr, pl.Expr]:
        """One branch as (definite, possible) expressions: the definite one needs every
        literal TRUE and no negated conclusion even possible; the possible one every literal
        TRUE or UNKNOWN and no negated conclusion definite (native ``_pass``)."""
        import polars as pl

        sure: list[pl.Expr] = []
        maybe: list[pl.Expr] = []
        for lit in br:
            name = lit["fact"]
            if name in self.by_name and name not in self.specs:
                passing = [did for did in self.by_name[name]
                           if all(pred(t)(const[did]) for t in lit["tests"])]
                got_d = _any([pl.col(did) for did in passing])
                got_p = _any([pl.col(POSSIBLE + did) for did in passing])
                if lit["negated"]:
                    sure.append(~got_p)
                    maybe.append(~got_d)
                else:
                    sure.append(got_d)
                    maybe.append(got_p)
                continue
            if lit["negated"]:  # native: a negated input literal has no blocker
                continue
            t, m = self._input_literal(name, lit["tests"])
            sure.append(t)
            maybe.append(m)
        return _all(sure), _all(maybe)

    def _input_literal(self, name: str, tests: list[dict[str, Any]]) -> tuple[pl.Expr, pl.Expr]:
        """Columns holding this literal's (TRUE, TRUE or UNKNOWN), planned once per distinct
        literal."""
        import json

        import polars as pl

        key = json.dumps([name, tests], sort_keys=True)
        lid = self._lit_ids.get(key)
        if lid is None:
            lid = self._lit_ids[key] = str(len(self._lit_ids))
            self.lit_fact[lid] = name
            t, m = self._literal(name, tests)
            self.literals[lid] = (t, None if m is t else m)
        t_col = pl.col(LIT_TRUE + lid)
        return t_col, t_col if self.literals[lid][1] is None else pl.col(LIT_MAYBE + lid)

    def _literal(self, name: str, tests: list[dict[str, Any]]) -> tuple[pl.Expr, pl.Expr]:
        """One input literal's tests judged together (native ``_literal``): (TRUE, TRUE or
        UNKNOWN) as two boolean expressions. Words and states are decided; a missing number
        fails every test and passes every negated one; an exact number is decided; a censored
        one is TRUE when its whole interval lies in the tests' set, UNKNOWN when it meets it
        (``intervals.truth``); an OPEN one as native reads it."""
        import polars as pl

        from sicca.language.compiler import state_holds
        from sicca.language.intervals import satisfying

        numeric = [(t["op"], float(t["value"]), bool(t["neg"])) for t in tests
                   if t["field"] == "value" and not isinstance(t["value"], list)]
        others = _all([self._test(name, t) for t in tests
                       if not (t["field"] == "value" and not isinstance(t["value"], list))])
        t_m = self._recorded(name, numeric, others)
        if name not in self.opened:
            return t_m
        # an OPEN value is read as recorded and as any completion (state reported, any value):
        # decided only where both readings agree (native ``_literal``)
        values = [t for t in tests if t["field"] != "state"]
        on_reported = all(state_holds(t, "reported") for t in tests if t["field"] == "state")
        c_true = on_reported and not values
        c_may = on_reported and (len(values) > len(numeric) or not numeric
                                 or bool(satisfying(numeric)))
        op = pl.col(OPEN_COL + name)
        t, m = t_m
        return (t if c_true else t & ~op), (m | op) if c_may else m

    def _recorded(self, name: str, numeric: list[tuple[str, float, bool]], others: pl.Expr
                  ) -> tuple[pl.Expr, pl.Expr]:
        """A literal on the fact as recorded (``_literal``): (TRUE, TRUE or UNKNOWN)."""
        import polars as pl

        from sicca.language.intervals import satisfying

        if not numeric:
            return others, others
        all_neg = all(neg for _, _, neg in numeric)
        sat = satisfying(numeric)
        v, cen = pl.col(ENGINE_VALUE + name), pl.col(ENGINE_CENSOR + name)
        exact = _any([_in(v, s) for s in sat])
        # "<" / "<=" rows: (-inf, v) or (-inf, v]; ">" / ">=" rows: (v, inf) or [v, inf)
        sub_lt = _any([_upto(v, s, cen == C_LE) for s in sat if s[0] == -INF])
        sub_gt = _any([_from(v, s, cen == C_GE) for s in sat if s[2] == INF])
        meet_lt = _any([(v > s[0]) | ((v == s[0]) & pl.lit(s[1]) & (cen == C_LE)) for s in sat])
        meet_gt = _any([(v < s[2]) | ((v == s[2]) & pl.lit(s[3]) & (cen == C_GE)) for s in sat])
        low = cen.is_in([C_LT, C_LE])

        def pick(lt: pl.Expr, gt: pl.Expr) -> pl.Expr:
            return others & (pl.when(v.is_null()).then(pl.lit(all_neg))
                             .when(cen == C_EXACT).then(exact)
                             .when(low).then(lt).otherwise(gt))

        return pick(sub_lt, sub_gt), pick(meet_lt, meet_gt)

    def _test(self, name: str, t: dict[str, Any]) -> pl.Expr:
        """A word or state test (native ``_pred``), always decided."""
        import polars as pl

        fld, op, v, neg = t["field"], t["op"], t["value"], t["neg"]
        if fld == "state":
            x = pl.col(STATE_COL + name)
        elif self.specs[name].kind == "number":
            x = pl.lit("")
        else:
            x = pl.col(CODE_COL + name)
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
        # one chunk per column (a Parquet read gives one per row group): the split rows'
        # merged columns are one chunk, and a query over columns chunked unlike each other
        # rechunks all of them, each time
        df = df.select([c for c in self.needed if c in have]).rechunk()
        add: list[pl.Expr] = []
        for c in self.needed:
            typ = schema[c]
            if c.startswith("option."):
                if c not in have:
                    add.append(pl.lit(options[c[7:]], dtype=pl.Utf8).alias(c))
                continue
            if c not in have:
                add.append(pl.lit(None, dtype=typ).alias(c))
            elif have[c] != typ:
                add.append(pl.col(c).cast(typ))
        if add:
            df = df.with_columns(add)
        return df.with_columns([e for n in self.numeric for e in self._engine_number(n)] +
                               [state_of(n).alias(STATE_COL + n) for n in self.state_facts] +
                               [pl.col(n).fill_null("").alias(CODE_COL + n)
                                for n in self.code_facts] +
                               [self._open(n).alias(OPEN_COL + n) for n in self.open_facts])

    def _open(self, name: str) -> pl.Expr:
        """Whether the input holds a value nobody knows (``Sicca.is_open``): no value or code,
        and a state the program completes."""
        import polars as pl

        st = state_of(name)
        done = pl.lit(name not in self.no_value)
        return pl.col(name).is_null() & ((st == "unknown") | ((st == "not_done") & done))

    def _engine_number(self, name: str) -> list[pl.Expr]:
        """A number as the backends receive it (``Fact.engine``): a censored count's bound
        made whole (``facts.whole_bound``: ">5" is ">=6", "<5" is "<=4"), the censor mark as
        a code (exact 0, < 1, <= 2, > 3, >= 4)."""
        import polars as pl

        v, c = pl.col(name), pl.col(name + CENSOR)
        if name in self.integers:
            value = (pl.when(c == ">").then(v.floor() + 1).when(c == ">=").then(v.ceil())
                     .when(c == "<").then(v.ceil() - 1).when(c == "<=").then(v.floor())
                     .otherwise(v))
            code = (pl.when(c.is_in([">", ">="])).then(pl.lit(C_GE, pl.Int8))
                    .when(c.is_in(["<", "<="])).then(pl.lit(C_LE, pl.Int8)))
        else:
            value = v
            code = (pl.when(c == "<").then(pl.lit(C_LT, pl.Int8))
                    .when(c == "<=").then(pl.lit(C_LE, pl.Int8))
                    .when(c == ">").then(pl.lit(C_GT, pl.Int8))
                    .when(c == ">=").then(pl.lit(C_GE, pl.Int8)))
        return [value.alias(ENGINE_VALUE + name),
                code.fill_null(C_EXACT).cast(pl.Int8).alias(ENGINE_CENSOR + name)]

    def cells(self, df: pl.DataFrame) -> tuple[list[pl.DataFrame] | None, pl.Series]:
        """The cells of the rows of ``df`` (prepared) that hold a censored value, as
        ``Sicca._evaluate_cells`` makes them: each censored input split at the thresholds the
        program compares it with (``intervals.cell_points``, within the item's range, whole
        numbers for a count; a per-eye test with both eyes measured split per eye, its worse
        eye per cell), one row per combination. Returns (the cells to make, in pieces for
        ``cell_rows``: per row of ``df`` split (``_row``), each split input's list of cell
        values; None when no row has cells) and, per row of ``df``, whether it is
        *approximate*: past MAX_CELLS
        combinations, left to the three-valued pass (as is a row with a bound that allows no
        value of the item's range, not marked)."""
        import numpy as np
        import polars as pl

        from sicca.running.evaluate import MAX_CELLS

        opened = set(self.open_facts)
        cen = {n: pl.col(n + CENSOR).is_not_null() & pl.col(n).is_not_null()
               for n in self.cell_facts}
        for n in self.cell_facts:
            if n in opened:
                cen[n] = cen[n] | pl.col(OPEN_COL + n)
        words = [n for n in self.open_facts if self.specs[n].kind != "number"]
        no = pl.Series("approximate", [False] * df.height, dtype=pl.Boolean)
        if not (cen or words) or not df.height:
            return None, no
        need: list[str] = [OPEN_COL + n for n in words]
        for n in cen:
            need += [n, n + CENSOR] + ([OPEN_COL + n] if n in opened else [])
            if n in self.per_eye:
                need += [f"{n}.{side}{x}" for side in ("right", "left")
                         for x in ("", CENSOR, STATE)]
        need = list(dict.fromkeys(need))
        sub = df.select(need).with_columns(pl.int_range(pl.len(), dtype=pl.Int64)
                                           .alias("_row")).filter(
            _any(list(cen.values()) + [pl.col(OPEN_COL + n) for n in words]))
        if not sub.height:
            return None, no
        lists: dict[str, pl.Series] = {}
        for n, on in cen.items():
            o = pl.col(OPEN_COL + n) if n in opened else pl.lit(False)
            keys = [pl.when(on).then(pl.col(n)).alias("v"),
                    pl.when(on).then(pl.col(n + CENSOR)).alias("c"),
                    pl.when(on).then(o).alias("o")]
            eye = self.per_eye.get(n)
            if eye is not None:
                for side in ("right", "left"):
                    m = f"{n}.{side}"
                    keys += [pl.when(on).then(pl.col(m)).alias(f"{side}.v"),
                             pl.when(on).then(pl.col(m + CENSOR)).alias(f"{side}.c"),
                             pl.when(on).then(state_of(m)).alias(f"{side}.s")]
            k = sub.select(keys)
            lists[n] = map_unique(k, k.columns, self._cell_fn(n), pl.List(pl.Float64))
        codes = self.sicca.open_codes
        for n in words:
            k = sub.select(pl.col(OPEN_COL + n).alias("o"))
            lists[n] = map_unique(k, ["o"], lambda o, n=n: list(codes[n]) if o else None,
                                  pl.List(pl.Utf8))
        n_of = pl.DataFrame([s.list.len().alias(n) for n, s in lists.items()])
        sizes = n_of.select(
            pl.any_horizontal([pl.col(n) == 0 for n in lists]).alias("empty"),
            pl.reduce(lambda a, b: a * b,
                      [pl.col(n).fill_null(1).clip(1).cast(pl.Float64) for n in lists])
            .alias("total"))
        approx_sub = sizes["total"] > MAX_CELLS
        keep = ~(approx_sub | sizes["empty"].fill_null(False))
        approx = no.clone().scatter(sub["_row"], approx_sub)
        if not keep.any():
            return None, approx
        # only inputs some test reads move a conclusion: the others' one cell is their bound
        # itself (an OPEN one only changes its state, which no test of them reads either)
        split = [n for n in lists if n in self.numeric_set or n in opened]
        narrow = pl.DataFrame([sub["_row"]] + [lists[n].alias(n) for n in split]).filter(keep)
        split = [n for n in split if narrow[n].null_count() < narrow.height]
        narrow = narrow.select(["_row"] + split)
        # pieces of about CELL_ROWS cells (a row's cells in one piece): each is made,
        # concluded and merged on its own, so a slice's cells (3-4 a censored row) are
        # never all held at once
        total = _cell_counts(narrow, split).prod(axis=1) if split else \
            np.ones(narrow.height, dtype=np.int64)
        piece = (np.cumsum(total) - total) // CELL_ROWS
        cuts = [0, *(np.flatnonzero(np.diff(piece)) + 1).tolist(), narrow.height]
        return [narrow.slice(a, b - a) for a, b in itertools.pairwise(cuts)], approx

    def cell_rows(self, df: pl.DataFrame, piece: pl.DataFrame) -> pl.DataFrame:
        """The cell rows of one piece of ``cells``, for ``conclude``, with ``_row`` = the row
        of ``df`` (concluded) they split: the working columns of the inputs split, exact, and
        the columns of every literal on another input, as concluded for the row (a literal
        reads its own input's columns only, which a cell leaves as they are): booleans are
        far cheaper to copy than the ~250 word and state columns."""
        import polars as pl

        split = [c for c in piece.columns if c != "_row"]
        opened = self.opened
        narrow = _product(piece, split)
        moved = set(split)
        have = set(df.columns)
        work = [w + n for n in split for w in WORK if w + n in have]
        lits = [c for lid, n in self.lit_fact.items() if n not in moved
                for c in (LIT_TRUE + lid, LIT_MAYBE + lid) if c in have]
        cells = df.select(["patient", "timepoint", *work, *lits])[narrow["_row"]].hstack(
            narrow.rename({n: CELL + n for n in split}))
        have = set(cells.columns)
        exprs: list[pl.Expr] = []
        for n in split:
            got = pl.col(CELL + n).is_not_null()
            if n in self.numeric_set:
                exprs += [pl.coalesce(pl.col(CELL + n), pl.col(ENGINE_VALUE + n))
                          .alias(ENGINE_VALUE + n),
                          pl.when(got).then(pl.lit(C_EXACT, pl.Int8))
                          .otherwise(pl.col(ENGINE_CENSOR + n)).alias(ENGINE_CENSOR + n)]
            if CODE_COL + n in have:
                exprs.append(pl.coalesce(pl.col(CELL + n), pl.col(CODE_COL + n))
                             .alias(CODE_COL + n))
            if n in opened:  # a completion: the value reported
                if STATE_COL + n in have:
                    exprs.append(pl.when(got & pl.col(OPEN_COL + n)).then(pl.lit("reported"))
                                 .otherwise(pl.col(STATE_COL + n)).alias(STATE_COL + n))
                exprs.append((pl.col(OPEN_COL + n) & ~got).alias(OPEN_COL + n))
        return cells.with_columns(exprs).drop([CELL + n for n in split])

    def _cell_fn(self, name: str) -> Callable[..., list[float] | None]:
        """Per distinct (value, censor[, right eye, left eye]) of one input: one number per
        cell, None when the value is not censored (``Sicca._evaluate_cells``)."""
        from sicca.language.intervals import OPEN, OPS, cell_points
        from sicca.running.facts import whole_bound

        sicca = self.sicca
        tests: list[tuple[str, float]] = sicca.tests_by_fact.get(name, [])
        bounds = sicca.value_ranges.get(name, (None, None))
        integer = name in self.integers
        worse = self.per_eye.get(name)

        def one(v: float | None, c: str | None, o: bool | None = False
                ) -> list[float] | None:
            if o:  # a value nobody knows: every region of the item's range
                return cell_points(tests, 0.0, OPEN, bounds, integer)
            if v is None or not c:
                return None
            val, cen = Decimal(repr(v)), c
            if integer:
                val, cen = whole_bound(val, cen)
            return cell_points(tests, float(val), cen, bounds, integer)

        if worse is None:
            return one
        eye_tests = sorted(set(tests) | {t for side in ("right", "left")
                                         for t in sicca.tests_by_fact.get(f"{name}.{side}", [])})
        pick = min if worse == "min" else max

        def eyes(v: float | None, c: str | None, o: bool | None, rv: float | None,
                 rc: str | None, rs: str | None, lv: float | None, lc: str | None,
                 ls: str | None) -> list[float] | None:
            if o:
                return one(v, c, o)
            if v is None or not c:
                return None
            if rs != "reported" or ls != "reported" or rv is None or lv is None:
                return one(v, c)  # an eye missing: the recorded bound is the whole truth
            pts = [cell_points(eye_tests, float(Decimal(repr(x))), xc or "", bounds, False)
                   for x, xc in ((rv, rc), (lv, lc))]
            out: dict[tuple[tuple[bool, ...], ...], float] = {}
            for r, left in itertools.product(*pts):
                w = pick(r, left)
                sig = tuple(tuple(OPS[op](x, k) for op, k in eye_tests) for x in (w, r, left))
                out.setdefault(sig, w)
            return list(out.values())

        return eyes

    def _missing_literals(self, df: pl.DataFrame) -> list[pl.Expr]:
        """The literal columns ``df`` lacks (a cell row brings those its split leaves
        alone), as expressions."""
        have = set(df.columns)
        return [t.alias(LIT_TRUE + lid) for lid, (t, _) in self.literals.items()
                if LIT_TRUE + lid not in have] + \
            [m.alias(LIT_MAYBE + lid) for lid, (_, m) in self.literals.items()
             if m is not None and LIT_MAYBE + lid not in have]

    def literal_columns(self) -> list[str]:
        """The names of every literal's columns (true, and maybe where it has one)."""
        return [LIT_TRUE + lid for lid in self.literals] + \
            [LIT_MAYBE + lid for lid, (_, m) in self.literals.items() if m is not None]

    def distinct_cells(self, cells: pl.DataFrame) -> pl.DataFrame:
        """The cell rows of ``cell_rows`` reduced to one row per distinct set of literal
        values (what ``conclude`` reads: a cell's conclusions follow from its literals alone),
        with ``_row`` the list of the split rows having it and the first such cell's patient
        and timepoint (an E401 names the same cell as without the reduction: the first one
        in order). A cohort's cells repeat: ~33,000 cells a slice hold ~5,000 distinct."""
        import polars as pl

        cells = cells.with_columns(self._missing_literals(cells))
        lits = self.literal_columns()
        return cells.group_by(lits, maintain_order=True).agg(
            pl.col("_row"), pl.col("patient").first(), pl.col("timepoint").first())

    def conclude(self, df: pl.DataFrame) -> pl.DataFrame:
        """``df`` (prepared) with two boolean columns per concluded fact id: the id
        (definitely concluded) and ``POSSIBLE + id`` (possibly concluded, the definite ones
        included; equal to the definite column on a row with no censored value)."""
        import polars as pl

        df = df.with_columns(self._missing_literals(df) +
                             [_lit_false().alias(did) for did in self.derived] +
                             [_lit_false().alias(POSSIBLE + did) for did in self.derived])

        def step(df: pl.DataFrame, level: dict[str, list[tuple[pl.Expr, pl.Expr]]]
                 ) -> pl.DataFrame:
            return df.with_columns(
                [(pl.col(did) | _any([d for d, _ in brs])).alias(did)
                 for did, brs in level.items()] +
                [(pl.col(POSSIBLE + did) | _any([p for _, p in brs])).alias(POSSIBLE + did)
                 for did, brs in level.items()])

        for levels, cyclic in self.strata:
            for level in levels:
                df = step(df, level)
            while cyclic:
                cols = [c for lv in levels for did in lv for c in (did, POSSIBLE + did)]
                before = df.select([pl.col(c).sum() for c in cols]).row(0)
                for level in levels:
                    df = step(df, level)
                after = df.select([pl.col(c).sum() for c in cols]).row(0)
                if after == before:
                    break
        return df

    def has(self, name: str, value: Any = None) -> pl.Expr:
        """Whether some concluded fact ``name`` (with ``value``) holds, per row."""
        import polars as pl

        ids = [did for did in self.by_name.get(name, [])
               if value is None or _same(self.derived[did], value)]
        return _any([pl.col(did) for did in ids])

    def may(self, name: str, value: Any = None) -> pl.Expr:
        """Whether some fact ``name`` (with ``value``) is possibly but not definitely
        concluded, per row (``Evaluation.may``)."""
        import polars as pl

        ids = [did for did in self.by_name.get(name, [])
               if value is None or _same(self.derived[did], value)]
        return _any([pl.col(POSSIBLE + did) & ~pl.col(did) for did in ids])


class _Ratings:
    """The ESSPRI ratings of one row, as ``esspri.bounds`` reads an evaluation."""

    def __init__(self, items: list[str], vc: tuple[Any, ...]) -> None:
        from types import SimpleNamespace

        n = len(items)
        self._facts = {i: SimpleNamespace(value=None if v is None else Decimal(repr(v)),
                                          censor=c or None)
                       for i, v, c in zip(items, vc[:n], vc[n:], strict=True)}

    def has(self, name: str, value: Any = None) -> bool:
        return True  # only rows the rules found computable are asked

    def fact(self, name: str) -> Any:
        return self._facts.get(name)


def _cell_counts(df: pl.DataFrame, lists: list[str]) -> Any:
    """Per row (numpy, rows x lists): each list's length, a null or empty list counted 1
    (the one null element Series.explode gives it), in one query."""
    import numpy as np
    import polars as pl

    got = df.select([pl.col(n).list.len().fill_null(1).clip(1).cast(pl.Int64).alias(str(i))
                     for i, n in enumerate(lists)])
    return got.to_numpy().astype(np.int64, copy=False).reshape(df.height, len(lists))


def _product(df: pl.DataFrame, lists: list[str]) -> pl.DataFrame:
    """Each row of ``df`` repeated once per combination of the elements of its ``lists``
    columns (a null list: one null element), those columns holding the combination's
    elements: what ``explode`` on each list column in turn gives (the first one outermost),
    made in one gather per column instead of re-copying the growing frame once per column
    (~110 explodes a slice cost ~8 s)."""
    import numpy as np
    import polars as pl

    h = df.height
    if not lists or not h:
        return df.explode(lists) if lists else df
    # a null list (and an empty one, which ``cells`` filters out first): one null element,
    # as Series.explode gives it
    lens = list(_cell_counts(df, lists).T)
    total = np.ones(h, dtype=np.int64)
    for ln in lens:
        total *= ln
    out_n = int(total.sum())
    at = np.repeat(np.arange(h, dtype=np.int64), total)
    k = np.arange(out_n, dtype=np.int64) - np.repeat(np.cumsum(total) - total, total)
    cols: dict[str, pl.Series] = {}
    stride = np.ones(out_n, dtype=np.int64)
    for n, ln in reversed(list(zip(lists, lens, strict=True))):  # the last one innermost
        ln_at = ln[at]
        flat = df[n].explode(empty_as_null=True, keep_nulls=True)
        start = np.cumsum(ln) - ln
        cols[n] = flat.gather(pl.Series(start[at] + (k // stride) % ln_at))
        stride = stride * ln_at
    others = [c for c in df.columns if c not in cols]
    base = df.select(others)[pl.Series(at)]
    return base.hstack([cols[n].alias(n) for n in lists]).select(df.columns)


def _put(base: pl.DataFrame, rows: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
    """``base`` with the rows ``rows["_row"]`` (positions in ``base``) of ``cols`` set to
    ``rows``' values."""
    import polars as pl

    cols = [c for c in cols if c in rows.columns]
    # a join, not Series.scatter: polars ran later queries on scattered columns 10x slower
    put = rows.select(["_row"] + cols).rename({c: CELL + c for c in cols}) \
        .with_columns(pl.lit(True).alias("~has"))
    at = base.select(pl.int_range(pl.len(), dtype=pl.Int64).alias("_row")) \
        .join(put, on="_row", how="left", maintain_order="left")
    schema = base.schema
    has = pl.col("~has").fill_null(False)

    def one(c: str) -> pl.Expr:
        if schema[c] == pl.Boolean and not rows[c].null_count() and not base[c].null_count():
            # two-valued (a conclusion): bit operations, a when/then is several times slower
            return (pl.col(c) & ~has) | pl.col(CELL + c).fill_null(False)
        return pl.when(has).then(pl.col(CELL + c)).otherwise(pl.col(c)).cast(schema[c])

    # on the columns put only: a query over base itself would rechunk every column of it
    # when base's chunks (a multi-row-group Parquet read) differ from the join's
    new = base.select(cols).hstack(at.drop("_row")).select([one(c).alias(c) for c in cols])
    return base.with_columns(new.get_columns())


def _in(v: pl.Expr, s: tuple[float, bool, float, bool]) -> pl.Expr:
    """Whether the exact number ``v`` lies in the interval ``s``."""

    lo, lc, hi, hc = s
    parts: list[pl.Expr] = []
    if lo != -INF:
        parts.append((v >= lo) if lc else (v > lo))
    if hi != INF:
        parts.append((v <= hi) if hc else (v < hi))
    return _all(parts) if parts else v.is_not_null()


def _upto(v: pl.Expr, s: tuple[float, bool, float, bool], closed: pl.Expr) -> pl.Expr:
    """Whether (-inf, v) (``closed``: (-inf, v]) lies inside ``s`` (whose low end is -inf)."""
    import polars as pl

    hi, hc = s[2], s[3]
    if hi == INF:
        return pl.lit(True)
    return (v < hi) | ((v == hi) & (pl.lit(True) if hc else ~closed))


def _from(v: pl.Expr, s: tuple[float, bool, float, bool], closed: pl.Expr) -> pl.Expr:
    """Whether (v, inf) (``closed``: [v, inf)) lies inside ``s`` (whose high end is inf)."""
    import polars as pl

    lo, lc = s[0], s[1]
    if lo == -INF:
        return pl.lit(True)
    return (v > lo) | ((v == lo) & (pl.lit(True) if lc else ~closed))


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
        facts = {"esspri.state", "esspri.missing"}
        for s in self.sets:
            m = self.set_meta[s]
            facts |= {f"{s}.item.{i}" for i in m["items"]}
            facts |= {f"{s}.entry"} | {f"{s}.exclusion.{x}" for x in m.get("exclusions", {})}
            if "associated_disease" in m:
                facts.add(m["associated_disease"]["fact"])
        #: the conclusions a split row's cells are merged into (``_hull``)
        self.merged_ids = [did for f in sorted(facts) for did in self.program.by_name.get(f, [])]
        self.rulesets = sicca.rulesets()
        #: per criteria set, its verdict per combination of states met so far (emptied past
        #: 100,000: a cohort meets a few thousand)
        self._verdicts: dict[str, dict[tuple[str, ...], dict[str, Any]]] = {}

    # the output's columns, derived from the program (the same whatever the data)
    def score(self, df: pl.DataFrame) -> pl.DataFrame:
        """One output row per input row, in input order. Rows of one patient must be
        contiguous and in visit order (the changes compare each visit with the patient's first
        and previous rows)."""
        import polars as pl

        p = self.program
        df = p.prepare(df, self.options)  # the columns read, one chunk each
        pieces, approximate = p.cells(df)
        df = p.conclude(df)  # rows with cells: the three-valued pass, replaced just below
        hull = None
        if pieces is not None:  # each split row's conclusions: merged over its cells
            hull = pl.concat([self._hull(p.conclude(p.distinct_cells(p.cell_rows(df, piece))))
                              for piece in pieces]).sort("_row")
            ids = self.merged_ids + [POSSIBLE + d for d in self.merged_ids]
            df = _put(df, hull, ids)
            hull = hull.drop(ids)
        out: list[pl.Expr] = [pl.col("patient").cast(pl.Utf8), pl.col("timepoint").cast(pl.Utf8),
                              pl.col("date").cast(pl.Utf8)]
        res = df.select(out)
        if self.domains:
            res = res.hstack(self._essdai(df, hull))
        if self.esspri:
            res = res.hstack(self._esspri(df))
        for s in self.sets:
            res = res.hstack(self._criteria(df, s, hull))
        res = res.hstack(df.select([pl.col(f"option.{k}").alias(f"options.{k}")
                                    for k in self.options]))
        res = self._changes(res, df)
        res = res.with_columns(
            [pl.lit(r["version"], dtype=pl.Utf8).alias(f"rulesets.{r['name']}.version")
             for r in self.rulesets] +
            [pl.lit(r["hash"], dtype=pl.Utf8).alias(f"rulesets.{r['name']}.hash")
             for r in self.rulesets] +
            [pl.lit("columnar", dtype=pl.Utf8).alias("engine"), approximate])
        return res

    # --- censored values: the hull over their cells -------------------------------------------

    def _hull(self, cells: pl.DataFrame) -> pl.DataFrame:
        """Per split row (``_row``) of ``cells`` (distinct, concluded; ``_row`` a list of the
        rows having each): its conclusions merged over its
        cells (definite: in every cell; possible: in some, as ``Sicca._evaluate_cells``
        merges them; ``score`` puts them in the row), and what the instruments take over
        the cells (``essdai._hull_state`` / ``_hull_total``, ``criteria._hull_verdict``).
        Only the conclusions read after the hull are merged (``merged_ids``: ESSPRI's
        state and missing items, the criteria's states; the ESSDAI domains of a split row
        come from the hull alone): replacing all ~460 would double the path's time."""
        import polars as pl

        ids = self.merged_ids
        parts = [cells.select("_row")]
        if self.domains:
            parts.append(self._essdai(cells))
        for s in self.sets:
            parts.append(self._criteria(cells, s).select(
                [f"criteria.{s}.{k}" for k in ("verdict", "score_min", "score_max")]))
        per = pl.concat(parts, how="horizontal").hstack(cells.select(ids)).explode("_row")
        aggs: list[pl.Expr] = [pl.col(d).all() for d in ids] + \
            [pl.col(d).any().alias(POSSIBLE + d) for d in ids]

        def one(c: str) -> pl.Expr:  # every cell alike (a null is a value)
            return pl.col(c).cast(pl.Utf8).fill_null("\x00").n_unique() == 1

        for d in self.domains:
            key = f"essdai.domains.{d.name}"
            k4 = [f"{key}.{x}" for x in ("state", "level", "level_min", "level_max")]
            alike = one(k4[0]) & one(k4[1]) & one(k4[2]) & one(k4[3])
            aggs += [pl.when(alike).then(pl.col(k4[0]).first())
                     .otherwise(pl.lit("undetermined")).alias(k4[0]),
                     pl.when(alike).then(pl.col(k4[1]).first())
                     .otherwise(pl.lit(None, pl.Int64)).alias(k4[1]),
                     pl.col(k4[2]).min(), pl.col(k4[3]).max()]
        if self.domains:
            for inst in ("essdai", "clinessdai"):
                aggs += [pl.col(f"{inst}.min").min(), pl.col(f"{inst}.max").max()]
            aggs.append(pl.when(one("essdai.severe")).then(pl.col("essdai.severe").first())
                        .otherwise(pl.lit(None, pl.Boolean)).alias("essdai.severe"))
        for s in self.sets:
            v = f"criteria.{s}.verdict"
            # an exclusion present in some cells only is not documented: the other cells'
            # verdict (criteria._hull_verdict)
            kept = pl.col(v).filter(pl.col(v) != "excluded")
            aggs += [pl.when((pl.col(v) != "excluded").sum() == 0).then(pl.lit("excluded"))
                     .when(kept.n_unique() == 1).then(kept.first())
                     .otherwise(pl.lit("undetermined")).alias(v),
                     pl.col(f"criteria.{s}.score_min").min(),
                     pl.col(f"criteria.{s}.score_max").max()]
        return per.group_by("_row", maintain_order=True).agg(aggs)

    def columns(self) -> list[str]:
        """The output columns (what ``score`` returns for any input)."""
        import polars as pl

        empty = pl.DataFrame({"patient": [], "timepoint": [], "date": []},
                             schema={"patient": pl.Utf8, "timepoint": pl.Utf8,
                                     "date": pl.Utf8})
        return self.score(empty).columns

    # --- ESSDAI / ClinESSDAI ---------------------------------------------------------------

    def _essdai(self, df: pl.DataFrame, hull: pl.DataFrame | None = None) -> pl.DataFrame:
        import polars as pl

        from sicca.scores import essdai

        p = self.program
        cols: list[pl.Expr] = []
        final: list[pl.Expr] = []
        zero: list[pl.Expr] = []
        third: list[pl.Expr] = []
        order: list[str] = []

        def und(i: int) -> pl.Expr:  # the bounds moved: undetermined
            key = f"essdai.domains.{self.domains[i].name}"
            return (pl.col(f"{key}.level_min") != pl.col(f"~lo{i}")) | \
                (pl.col(f"{key}.level_max") != pl.col(f"~hi{i}"))

        for i, d in enumerate(self.domains):
            name = f"{essdai.RULESET}.{d.name}"
            lv: list[pl.Expr] = [
                pl.when(pl.col(did)).then(pl.lit(int(Decimal(p.derived[did]["value"]))))
                for did in p.by_name.get(f"{name}.level", [])
                if p.derived[did]["value"] is not None]
            lvl = pl.max_horizontal(lv) if lv else pl.lit(None, dtype=pl.Int64)
            pv = [pl.when(pl.col(did)).then(pl.lit(int(Decimal(p.derived[did]["value"]))))
                  for did in p.by_name.get(f"{name}.level_possible", [])
                  if p.derived[did]["value"] is not None]
            poss = pl.max_horizontal(pv) if pv else pl.lit(None, dtype=pl.Int64)
            zero += [lvl.alias(f"~l{i}"), poss.alias(f"~ps{i}"),
                     p.has(f"{name}.assessment", "not_assessable").alias(f"~na{i}"),
                     p.has(f"{name}.assessment", "assumed_absent").alias(f"~aa{i}")]
            lvl, poss, na, aa = (pl.col(f"~l{i}"), pl.col(f"~ps{i}"), pl.col(f"~na{i}"),
                                 pl.col(f"~aa{i}"))
            met = lvl.fill_null(0)
            # a higher level left open by missing data: the level met, bounds met .. possible
            partly = poss.is_not_null() & (poss > met)
            rated = lvl.is_not_null()
            key = f"essdai.domains.{d.name}"
            state = (pl.when(partly).then(pl.lit("partly_assessable"))
                     .when(rated).then(pl.lit("rated")).when(na).then(pl.lit("not_assessable"))
                     .when(aa).then(pl.lit("assumed_absent")).otherwise(pl.lit("rated")))
            level = (pl.when(partly).then(met).when(rated).then(lvl)
                     .when(na).then(pl.lit(None, dtype=pl.Int64)).otherwise(0).cast(pl.Int64))
            lmin = pl.when(partly).then(met).when(rated).then(lvl).otherwise(0).cast(pl.Int64)
            lmax = (pl.when(partly).then(poss).when(rated).then(lvl)
                    .when(na).then(d.max_level).otherwise(0).cast(pl.Int64))
            # conclusions a censored or unknown value leaves open widen the bounds: a level or
            # a level left open by missing data (essdai.domain_state)
            mv: list[pl.Expr] = [pl.when(pl.col(POSSIBLE + did) & ~pl.col(did))
                  .then(pl.lit(int(Decimal(p.derived[did]["value"]))))
                  for n in (f"{name}.level", f"{name}.level_possible")
                  for did in p.by_name.get(n, [])
                  if p.derived[did]["value"] is not None]
            zero += [(pl.max_horizontal(mv) if mv else pl.lit(None, pl.Int64)).alias(f"~mv{i}"),
                     p.may(f"{name}.assessment", "not_assessable").alias(f"~mna{i}"),
                     p.may(f"{name}.assessment", "assumed_absent").alias(f"~maa{i}")]
            cols += [state.alias(f"~st{i}"), level.alias(f"~lv{i}"), lmin.alias(f"~lo{i}"),
                     lmax.alias(f"~hi{i}")]
            st, lv_c, lmin, lmax = (pl.col(f"~st{i}"), pl.col(f"~lv{i}"), pl.col(f"~lo{i}"),
                                    pl.col(f"~hi{i}"))
            hi = pl.when(pl.col(f"~mna{i}")).then(pl.lit(d.max_level, pl.Int64)) \
                .otherwise(pl.max_horizontal(lmax, pl.col(f"~mv{i}")))
            lo = pl.when(pl.col(f"~maa{i}") | (st == "not_assessable")) \
                .then(pl.lit(0, pl.Int64)).otherwise(lmin)
            final += [lo.cast(pl.Int64).alias(f"{key}.level_min"),
                      hi.cast(pl.Int64).alias(f"{key}.level_max")]
            third += [
                pl.when(und(i)).then(pl.lit("undetermined")).otherwise(st)
                .alias(f"{key}.state"),
                pl.when(und(i)).then(pl.lit(None, pl.Int64)).otherwise(lv_c)
                .alias(f"{key}.level")]
            order += [f"{key}.state", f"{key}.level", f"{key}.level_min", f"{key}.level_max"]
        res = df.select(zero).with_columns(cols).with_columns(final)
        res = res.with_columns(third).select(order)
        if hull is not None:  # a split row's domains: their hull over its cells
            res = _put(res, hull, order)
        for clin in (False, True):
            res = res.hstack(self._totals(res, clin, hull))
        return res

    def _totals(self, st: pl.DataFrame, clin: bool,
                hull: pl.DataFrame | None = None) -> pl.DataFrame:
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
        ud: list[pl.Expr] = []  # bit i: a censored value leaves the i-th domain undetermined
        names: list[str] = []
        pts: list[pl.Expr] = []
        for d in self.domains:
            w = d.clin_weight if clin else d.weight
            if w is None:
                continue
            wf = float(w)
            key = f"essdai.domains.{d.name}"
            # an undetermined domain is documented at its lowest level, for certain
            doc.append(pl.when(pl.col(f"{key}.state") == "undetermined")
                       .then(pl.col(f"{key}.level_min") * wf)
                       .otherwise((pl.col(f"{key}.level") * wf).fill_null(0.0)))
            lo.append(pl.col(f"{key}.level_min") * wf)
            hi.append(pl.col(f"{key}.level_max") * wf)
            if essdai.HIGH_LEVEL in d.levels:
                high_now.append(pl.col(f"{key}.level_min") == essdai.HIGH_LEVEL)
                high_possible.append(pl.col(f"{key}.level_max") == essdai.HIGH_LEVEL)
            na.append(pl.when(pl.col(f"{key}.state") == "not_assessable")
                      .then(pl.lit(1 << len(na), dtype=pl.Int64)).otherwise(0))
            pa.append(pl.when(pl.col(f"{key}.state") == "partly_assessable")
                      .then(pl.lit(1 << len(pa), dtype=pl.Int64)).otherwise(0))
            ud.append(pl.when(pl.col(f"{key}.state") == "undetermined")
                      .then(pl.lit(1 << len(ud), dtype=pl.Int64)).otherwise(0))
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
            .alias(f"_{inst}.pa_mask"),
            (pl.sum_horizontal(ud) if ud else pl.lit(0, dtype=pl.Int64))
            .alias(f"_{inst}.ud_mask")])
        if hull is not None:  # a split row's range: lowest to highest cell (_hull_total)
            t = _put(t, hull, [f"{inst}.min", f"{inst}.max"])

        def na_list(mask: int) -> list[str]:  # a cohort has few distinct masks
            return [n for i, n in enumerate(names) if mask >> i & 1]

        t = t.with_columns(map_unique(t, [f"_{inst}.na_mask"], na_list, pl.List(pl.Utf8))
                           .alias(f"{inst}.not_assessable"),
                           map_unique(t, [f"_{inst}.pa_mask"], na_list, pl.List(pl.Utf8))
                           .alias(f"{inst}.partly_assessable"),
                           # the report has this key only when some domain is undetermined
                           map_unique(t, [f"_{inst}.ud_mask"],
                                      lambda m: na_list(m) if m else None, pl.List(pl.Utf8))
                           .alias(f"{inst}.undetermined"))

        def label(na_mask: int, pa_mask: int, ud_mask: int) -> str | None:
            parts = ([essdai.DOCUMENTED_LABEL] if na_mask else []) + \
                ([essdai.PARTLY_LABEL] if pa_mask else []) + \
                ([essdai.UNDETERMINED_LABEL] if ud_mask else [])
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
            map_unique(t, [f"_{inst}.na_mask", f"_{inst}.pa_mask", f"_{inst}.ud_mask"], label,
                       pl.Utf8)
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
            if hull is not None:  # a split row: severe when every cell says the same
                t = _put(t, hull, ["essdai.severe"]).with_columns(
                    pl.col("essdai.severe").is_not_null().alias("essdai.severe_determined"))
        return t.drop("_high_now", "_high_possible")

    # --- ESSPRI -----------------------------------------------------------------------------

    def _esspri(self, df: pl.DataFrame) -> pl.DataFrame:
        import polars as pl

        from sicca.scores import esspri

        p = self.program
        items = list(esspri.INPUTS_READ)
        ok = p.has("esspri.state", "computable") & _all([pl.col(i).is_not_null()
                                                          for i in items])
        cen = _any([pl.col(i + CENSOR).is_not_null() for i in items])
        t = df.select(
            pl.when(ok & ~cen).then(pl.sum_horizontal([pl.col(i) for i in items]).round(9))
            .otherwise(pl.lit(None, pl.Float64)).alias("_esspri_sum"),
            (ok & cen).alias("_cen"),
            *[pl.when(ok & cen).then(pl.col(i)).alias(f"_v{k}") for k, i in enumerate(items)],
            *[pl.when(ok & cen).then(pl.col(i + CENSOR)).alias(f"_c{k}")
              for k, i in enumerate(items)])
        n = len(items)
        sicca = self.sicca

        def score(s: float | None) -> float | None:
            return None if s is None else float(esspri.shown(_mean(s, n)))

        def passes(s: float | None) -> bool | None:
            return None if s is None else bool(_mean(s, n) < esspri.PASS_BELOW)

        def ranged(on: bool, *vc: Any) -> dict[str, Any]:
            """A censored rating: the mean's range (esspri.bounds), else not computable."""
            if not on:
                return {"b": None, "p": None, "ok": False}
            b = esspri.bounds(_Ratings(items, vc), sicca)  # type: ignore[arg-type]
            if b is None:
                return {"b": None, "p": None, "ok": False}
            return {"b": f"{b[0]}|{int(b[1])}|{b[2]}|{int(b[3])}", "p": esspri._pass(b),
                    "ok": True}

        keys = ["_cen"] + [f"_v{k}" for k in range(n)] + [f"_c{k}" for k in range(n)]
        rng = map_unique(t, keys, ranged, pl.Struct({"b": pl.Utf8, "p": pl.Boolean,
                                                     "ok": pl.Boolean}))
        t = t.select("_esspri_sum", rng.struct.field("b").alias("_esspri_b"),
                     rng.struct.field("p").alias("_p"), rng.struct.field("ok").alias("_ok"))
        miss = [did for did in p.by_name.get("esspri.missing", [])]
        ranged_ok = pl.col("_ok").fill_null(False)
        out = t.with_columns(
            map_unique(t, ["_esspri_sum"], score, pl.Float64).alias("esspri.score"),
            pl.when(ranged_ok).then(pl.col("_p"))
            .otherwise(map_unique(t, ["_esspri_sum"], passes, pl.Boolean)).alias("esspri.pass"),
            pl.when(pl.col("_esspri_sum").is_not_null()).then(pl.lit("computable"))
            .when(ranged_ok).then(pl.lit("censored"))
            .otherwise(pl.lit("not_computable")).alias("esspri.state"),
        )

        def names(*on: bool) -> list[str]:  # per distinct combination, not per row
            return sorted({str(p.derived[d]["code"]) for d, x in zip(miss, on, strict=True)
                           if x})

        m = df.select(miss)
        out = out.drop("_p", "_ok").with_columns(
            (map_unique(m, miss, names, pl.List(pl.Utf8)) if miss
             else pl.Series([[]] * df.height, dtype=pl.List(pl.Utf8))).alias("_m"))
        return out.with_columns(pl.when(pl.col("esspri.state") == "not_computable")
                                .then(pl.col("_m")).alias("esspri.missing")).drop("_m")

    # --- criteria -----------------------------------------------------------------------------

    def _one_state(self, fact: str, allowed: tuple[str, ...]
                   ) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
        """The one state concluded for ``fact`` per row, as expressions: (state, whether a
        censored value leaves it open, how many states were concluded)."""
        import polars as pl

        p = self.program
        ids = [did for did in p.by_name.get(fact, []) if p.derived[did]["code"] in allowed]
        others = [did for did in p.by_name.get(fact, []) if did not in ids]
        count = pl.sum_horizontal([pl.col(d).cast(pl.Int32) for d in ids + others]) \
            if ids + others else pl.lit(0)
        # criteria._one_state: with conclusions a censored value leaves open, one value
        # possible (the definite one included) is that value, several the set's unknown state
        maybe = _any([pl.col(POSSIBLE + d) & ~pl.col(d) for d in ids + others])
        stray = _any([pl.col(POSSIBLE + d) for d in others])
        codes = sorted({str(p.derived[d]["code"]) for d in ids})
        can = [_any([pl.col(POSSIBLE + d) for d in ids if p.derived[d]["code"] == c])
               for c in codes]
        n_can = pl.sum_horizontal([x.cast(pl.Int32) for x in can]) if can else pl.lit(0)
        firsts: list[pl.Expr] = [pl.when(x).then(pl.lit(c))
                                 for x, c in zip(can, codes, strict=True)]
        one = pl.coalesce(firsts or [pl.lit(None, pl.Utf8)])
        open_ = maybe & (count <= 1) & ~stray
        sure: list[pl.Expr] = [pl.when(pl.col(d)).then(pl.lit(p.derived[d]["code"]))
                               for d in ids]
        definite = pl.coalesce(sure or [pl.lit(None, pl.Utf8)])
        state = pl.when(open_).then(pl.when(n_can == 1).then(one)
                                    .otherwise(pl.lit(allowed[-1]))).otherwise(definite)
        return state, open_, count

    def _states(self, df: pl.DataFrame, wanted: list[tuple[str, str, tuple[str, ...]]]
                ) -> dict[str, pl.Series]:
        """Per ``(column, fact, allowed states)``: the fact's one state per row, all in one
        query (one per fact made ~75 queries per criteria pass). An EvaluationError (E401,
        as the per-visit path raises) names the first fact, in ``wanted`` order, and its first
        row where not exactly one state was concluded."""
        import polars as pl

        exprs: list[pl.Expr] = []
        for k, (_, fact, allowed) in enumerate(wanted):
            state, open_, count = self._one_state(fact, allowed)
            exprs += [state.alias(f"s{k}"), open_.alias(f"o{k}"), count.alias(f"n{k}")]
        got = df.select(exprs)
        bad = got.select([(~pl.col(f"o{k}") & ((pl.col(f"n{k}") != 1) |
                                               pl.col(f"s{k}").is_null())).alias(f"b{k}")
                          for k in range(len(wanted))])
        for k, (_, fact, allowed) in enumerate(wanted):
            rows = bad[f"b{k}"].arg_true()
            if len(rows):
                i = int(rows[0])
                n = got[f"n{k}"][i]
                patient, tp = df["patient"][i], df["timepoint"][i]
                raise EvaluationError(Problem(
                    f"'{fact}' concluded {n} states at patient '{patient}' timepoint '{tp}'",
                    code="E401", timepoint=str(tp),
                    expected=f"exactly one of {' | '.join(allowed)}",
                    hint="the rules for this fact must cover every input state exactly once"))
        return {col: got[f"s{k}"].alias(col) for k, (col, _, _) in enumerate(wanted)}

    def _criteria(self, df: pl.DataFrame, name: str,
                  hull: pl.DataFrame | None = None) -> pl.DataFrame:
        import polars as pl

        from sicca.scores import criteria

        meta = self.set_meta[name]
        items = list(meta["items"])
        wanted: list[tuple[str, str, tuple[str, ...]]] = [
            (f"criteria.{name}.items.{item}.state", f"{name}.item.{item}", criteria.ITEM_STATES)
            for item in items]
        entry_col = None
        if meta.get("entry"):
            entry_col = f"criteria.{name}.entry.state"
            wanted.append((entry_col, f"{name}.entry", criteria.ITEM_STATES))
        excl = list(meta.get("exclusions", {}))
        wanted += [(f"criteria.{name}.exclusions.{x}", f"{name}.exclusion.{x}",
                    criteria.EXCLUSION_STATES) for x in excl]
        assoc_col = None
        if "associated_disease" in meta:
            assoc_col = f"criteria.{name}.associated_disease"
            wanted.append((assoc_col, meta["associated_disease"]["fact"],
                           criteria.EXCLUSION_STATES))
        cols = self._states(df, wanted)
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

        memo = self._verdicts.setdefault(name, {})  # a pure function of the states
        if len(memo) > 100_000:  # bounded whatever the cohort
            memo.clear()

        def remembered(*r: str) -> dict[str, Any]:
            got = memo.get(r)
            if got is None:
                got = memo[r] = dict(zip(("v", "lo", "hi"), verdict(*r), strict=True))
            return got

        got = map_unique(t, keys, remembered,
                         pl.Struct({"v": pl.Utf8, "lo": pl.Int64, "hi": pl.Int64}))
        out = pl.DataFrame([
            got.struct.field("v").alias(f"criteria.{name}.verdict"),
            got.struct.field("lo").alias(f"criteria.{name}.score_min"),
            got.struct.field("hi").alias(f"criteria.{name}.score_max"),
        ])
        if hull is not None:  # a split row: the verdict and range over its cells
            out = _put(out, hull, out.columns)
        return out.hstack(t)

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
