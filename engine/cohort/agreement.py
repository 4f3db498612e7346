"""Agreement between the columnar path and the per-visit report (the native backend).

``disagreements(sicca, cases, options)`` scores the same cases both ways and lists every cell
where they differ: each columnar output column is compared with the report key of the same
dotted name (a column the report does not have is itself a disagreement, so a renamed key
cannot hide), and each change column with the report's change between the same timepoints.
``row_disagreements(sicca, frame)`` does the same for the rows of a wide table (random
visits, say): each row read back into the Visit the per-visit reader would build
(``visit_of_row``), evaluated by ``Sicca.evaluate_visit`` (cells and all) and scored by the
instruments, and its ``approximate`` mark compared with the evaluation's.
Used by the agreement tests and by bench/cohort.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sicca.cohort.columnar import Scorer
from sicca.cohort.table import CENSOR, FROM, STATE, Layout, case_rows

if TYPE_CHECKING:
    import polars as pl

    from sicca.running.evaluate import Sicca
    from sicca.running.facts import Visit

#: Columns that describe the run, not the visit (compared apart, or not at all).
RUN_COLUMNS = ("engine", "approximate")
RUN_PREFIXES = ("rulesets.", "change.", "options.")


def _same(a: Any, b: Any) -> bool:
    if isinstance(b, Decimal):
        b = float(b)
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
            return a is None and b is None
        return abs(float(a) - float(b)) < 1e-9
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return list(a or []) == list(b or [])
    return bool(a == b)


def _compare_row(where: str, row: dict[str, Any], native: dict[str, Any],
                 out: list[str]) -> int:
    """Each visit column of a columnar ``row`` against the report key of the same dotted
    name in ``native`` (a flattened timepoint); differences appended to ``out``; returns how
    many cells were compared. A column the report does not have must be null."""
    compared = 0
    for col, val in row.items():
        if col in ("patient", "timepoint", "date") or col in RUN_COLUMNS or \
                col.startswith(RUN_PREFIXES):
            continue
        compared += 1
        if col not in native:
            if val is not None:  # a key the report leaves out is a null column
                out.append(f"{where}: column {col} has no report key")
        elif not _same(val, native[col]):
            out.append(f"{where}: {col} columnar={val!r} native={native[col]!r}")
    return compared


def disagreements(sicca: Any, cases: Sequence[Any], options: dict[str, str] | None = None,
                  limit: int = 20) -> tuple[int, list[str]]:
    """(cells compared, the first ``limit`` disagreements as text) over every visit of
    ``cases`` (parsed Case objects), the report built on ``sicca`` (a native Sicca)."""
    from sicca.cohort.batch import flatten
    from sicca.report.build import build

    opts = sicca.check_options(dict(options or {}))
    layout = Layout(sicca)
    rows: list[dict[str, Any]] = []
    reports = []
    for case in cases:
        rows += case_rows(sicca, case, layout)
        reports.append(build(sicca, case, opts))
    got = Scorer(sicca, opts).score(layout.frame(rows)).to_dicts()
    out: list[str] = []
    compared = 0
    i = 0
    for rep in reports:
        tps = rep["timepoints"]
        changes = {(c["from"], c["to"]): c for c in rep["changes"]}
        for j, tp in enumerate(tps):
            row = got[i]
            i += 1
            native = flatten({k: v for k, v in tp.items() if k not in ("id", "date", "label")})
            where = f"{rep['patient']}/{tp['id']}"
            compared += _compare_row(where, row, native, out)
            for k, v in opts.items():
                compared += 1
                if row[f"options.{k}"] != v:
                    out.append(f"{where}: options.{k} columnar={row[f'options.{k}']!r}")
            if j == 0:
                continue
            for frm, a in (("baseline", tps[0]["id"]), ("previous", tps[j - 1]["id"])):
                ch = changes[(a, tp["id"])]
                flat = {k: v for k, v in ch.items() if k != "star"}
                if "star" in ch:
                    st = ch["star"]
                    flat.update({"star.verdict": st["verdict"],
                                 "star.points_min": st["points_min"],
                                 "star.points_max": st["points_max"]})
                    flat.update({f"star.items.{k}.state": x["state"]
                                 for k, x in st["items"].items()})
                flat["from"] = a
                for col, val in row.items():
                    pre = f"change.{frm}."
                    if not col.startswith(pre):
                        continue
                    key = col[len(pre):]
                    compared += 1
                    if key not in flat:
                        out.append(f"{where}: column {col} has no report key")
                    elif not _same(val, flat[key]):
                        out.append(f"{where}: {col} columnar={val!r} native={flat[key]!r}")
    return compared, out[:limit]


def visit_of_row(sicca: Sicca, row: dict[str, Any], options: dict[str, str]) -> Visit:
    """One table row back to the Visit the per-visit reader built (``Layout.row`` inverted;
    options: the row's ``option.N`` words, else ``options``)."""
    from sicca.running.facts import Fact, Visit, visit_plan

    specs = sicca.compiled.catalog.facts
    plan = visit_plan(sicca.catalogue.vocabulary, sicca.compiled.catalog)
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


def row_disagreements(sicca: Sicca, frame: pl.DataFrame, options: dict[str, str] | None = None,
                      limit: int = 20) -> tuple[int, int, list[str]]:
    """(cells compared, rows marked approximate, the first ``limit`` disagreements) between
    the columnar scores of ``frame`` (a wide table, one visit a row) and each row's
    per-visit report keys (``Sicca.evaluate_visit`` on ``visit_of_row``, then every declared
    instrument); the changes between rows are not compared (``disagreements`` does)."""
    from sicca.cohort.batch import flatten
    from sicca.report.build import score_evaluation, timepoint_report
    from sicca.scores.instrument import declared

    opts = sicca.check_options(dict(options or {}))
    got = Scorer(sicca, opts).score(frame).to_dicts()
    insts = declared(sicca)
    out: list[str] = []
    compared = approximate = 0
    for i, (row, res) in enumerate(zip(frame.to_dicts(), got, strict=True)):
        word = {k: str(row.get(f"option.{k}") or v) for k, v in opts.items()}
        ev = sicca.evaluate_visit(visit_of_row(sicca, row, word), word)
        s = score_evaluation(sicca, ev, insts, str(row["timepoint"]), "")
        tp = timepoint_report(s, insts, sicca).out()
        native = flatten({k: v for k, v in tp.items() if k not in ("id", "date", "label")})
        where = f"row {i}"
        compared += 1
        approximate += ev.approximate
        if res["approximate"] != ev.approximate:
            out.append(f"{where}: approximate columnar={res['approximate']!r} "
                       f"native={ev.approximate!r}")
        compared += _compare_row(where, res, native, out)
    return compared, approximate, out[:limit]
