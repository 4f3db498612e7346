"""numpy vs polars for the rule evaluation of the columnar path (issue 15: measure both).

    python bench/cohort_numpy.py [PARQUET] [--rows 65536]

On one slice of a wide table (default: a synthetic one of 65,536 visits): the input literals
(TRUE, TRUE-or-UNKNOWN per distinct literal) are computed once by polars in both variants;
then the branches and concluded facts (definite and possible, strata and levels in order) are
evaluated (a) as polars expressions (`Program.conclude`, what sicca ships) and (b) as numpy
boolean arrays over the same literal columns. Both results are compared cell by cell.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def numpy_conclude(prog: Any, lits: dict[str, Any], n: int) -> dict[str, Any]:
    """The strata of ``prog`` over numpy literal columns: {id: bool array, ~p:id: ...}."""
    import numpy as np

    from sicca.cohort.columnar import LIT_MAYBE, LIT_TRUE, POSSIBLE
    from sicca.running.native import _derived_fact, _pred

    const = {did: _derived_fact(d) for did, d in prog.derived.items()}
    col: dict[str, Any] = {did: np.zeros(n, bool) for did in prog.derived}
    col.update({POSSIBLE + did: np.zeros(n, bool) for did in prog.derived})
    program = prog.sicca.program
    by_stratum: list[list[dict[str, Any]]] = [[] for _ in range(program["strata"])]
    for r in program["rules"]:
        by_stratum[r["stratum"]].append(r)
    for rules in by_stratum:
        levels, _ = prog._levels(rules)
        for level in levels:
            for r in level:
                for br in r["branches"]:
                    d = np.ones(n, bool)
                    p = np.ones(n, bool)
                    for lit in br:
                        name = lit["fact"]
                        if name in prog.by_name and name not in prog.specs:
                            ids = [x for x in prog.by_name[name]
                                   if all(_pred(t)(const[x]) for t in lit["tests"])]
                            gd = np.logical_or.reduce([col[x] for x in ids]) if ids \
                                else np.zeros(n, bool)
                            gp = np.logical_or.reduce([col[POSSIBLE + x] for x in ids]) if ids \
                                else np.zeros(n, bool)
                            if lit["negated"]:
                                d &= ~gp
                                p &= ~gd
                            else:
                                d &= gd
                                p &= gp
                            continue
                        if lit["negated"]:
                            continue
                        lid = prog._lit_ids[json.dumps([name, lit["tests"]], sort_keys=True)]
                        d &= lits[LIT_TRUE + lid]
                        p &= lits.get(LIT_MAYBE + lid, lits[LIT_TRUE + lid])
                    col[r["then"]] |= d
                    col[POSSIBLE + r["then"]] |= p
    return col


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("table", nargs="?")
    ap.add_argument("--rows", type=int, default=65_536)
    args = ap.parse_args()
    import polars as pl

    from sicca.cohort.columnar import LIT_MAYBE, LIT_TRUE, POSSIBLE, Program
    from sicca.cohort.frames import synth_table
    from sicca.running.evaluate import Sicca

    sicca = Sicca.load(engine="native")
    df = pl.read_parquet(args.table).head(args.rows) if args.table else \
        synth_table(sicca, args.rows, 2026)
    prog = Program(sicca)
    prep = prog.prepare(df, sicca.check_options({}))
    t = time.perf_counter()
    lit_df = prep.select([e.alias(LIT_TRUE + k) for k, (e, _) in prog.literals.items()] +
                         [m.alias(LIT_MAYBE + k) for k, (_, m) in prog.literals.items()
                          if m is not None])
    t_lit = time.perf_counter() - t
    t = time.perf_counter()
    got = prog.conclude(prep)
    t_pl = time.perf_counter() - t
    t = time.perf_counter()
    lits = {c: lit_df[c].to_numpy() for c in lit_df.columns}
    t_conv = time.perf_counter() - t
    t = time.perf_counter()
    col = numpy_conclude(prog, lits, df.height)
    t_np = time.perf_counter() - t
    ids = list(prog.derived)
    same = all((got[c].to_numpy() == col[c]).all() for c in ids + [POSSIBLE + d for d in ids])
    n = df.height
    print(f"{n:,} visits, {len(prog.literals)} distinct literals, {len(ids)} concluded ids")
    print(f"literals (polars, shared by both):        {t_lit:6.3f} s")
    print(f"polars conclude (literals + branches):    {t_pl:6.3f} s  {n / t_pl:>12,.0f} visits/s")
    print(f"numpy branches (+ {t_conv:.3f} s to numpy):     {t_np:6.3f} s  "
          f"{n / (t_lit + t_conv + t_np):>12,.0f} visits/s with the literals")
    print(f"identical: {same}")


if __name__ == "__main__":
    main()
