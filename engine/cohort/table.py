"""The wide visit table: one row per visit, one column group per input fact.

Columns (every name is the fact's dotted name, as the vocabulary and the case file spell it:
``cutaneous.purpura``, ``cutaneous.purpura.extent``, ``schirmer.right``, ``lab.igg``):

- ``patient``, ``timepoint``, ``date`` (text): who, which visit, when (YYYY-MM[-DD]);
- ``N`` (number, Float64, or text): the value in the item's unit, or the word (code);
- ``N:state`` (text): reported / not_reported / not_done / unknown / invalid; null means
  ``reported`` when ``N`` holds something, else ``not_reported``;
- ``N:censor`` (text, numbers only): ``<``, ``<=``, ``>``, ``>=`` (the value is a bound);
  null = exact;
- ``N:from`` (text, the inputs STAR compares): where the value was recorded
  (``record:date:path``); a value carried forward from an earlier record has the same
  ``from`` at both visits, so it shows no change. Null = measured at this visit;
- ``option.N`` (text, optional): a judgement call per row (else the run's options).

So an unknown state or a censored value is never lost: ``N`` keeps the number, ``N:censor``
says it is a bound, ``N:state`` says why a value is missing. A column the table leaves out is
``not_reported`` at every row. ``sicca cohort to-table`` writes every column of the catalog
(stable whatever the data); hand-made tables may carry only the columns they need.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sicca.base.errors import InputError, Problem
from sicca.base.suggest import did_you_mean

if TYPE_CHECKING:
    import polars as pl

    from sicca.running.evaluate import Sicca
    from sicca.running.facts import Visit

ID_COLUMNS = ("patient", "timepoint", "date")
STATE, CENSOR, FROM = ":state", ":censor", ":from"
STATES = ("reported", "not_reported", "not_done", "unknown", "invalid")
CENSORS = ("<", "<=", ">", ">=")
TABLE_FORMATS = ("parquet", "arrow", "csv")


def table_format(path: Path) -> str:
    """The table format a file name says (.parquet / .arrow, .ipc, .feather / .csv); a
    directory is partitioned Parquet."""
    suffix = path.suffix.lower()
    if path.is_dir() or suffix in (".parquet", ".pq", ""):
        return "parquet"
    if suffix in (".arrow", ".ipc", ".feather"):
        return "arrow"
    if suffix == ".csv":
        return "csv"
    raise InputError(Problem(f"unknown table format '{suffix}'", file=str(path), code="E140",
                             expected=".parquet | .arrow | .ipc | .feather | .csv"))


class Layout:
    """The columns of the wide table for one loaded rule set (catalog order)."""

    def __init__(self, sicca: Sicca) -> None:
        from sicca.scores import response

        facts = sicca.compiled.catalog.facts
        self.facts = {n: s for n, s in facts.items() if not n.startswith("option.")}
        self.options = [n for n in facts if n.startswith("option.")]
        self.provenance = [n for n in response.inputs_read(sicca) if n in self.facts]

    def schema(self) -> dict[str, Any]:
        """Every column the table may hold, with its polars type, in a fixed order."""
        import polars as pl

        out: dict[str, Any] = {c: pl.Utf8 for c in ID_COLUMNS}
        for n, spec in self.facts.items():
            out[n] = pl.Float64 if spec.kind == "number" else pl.Utf8
            out[n + STATE] = pl.Utf8
            if spec.kind == "number":
                out[n + CENSOR] = pl.Utf8
            if n in self.provenance:
                out[n + FROM] = pl.Utf8
        for n in self.options:
            out[n] = pl.Utf8
        return out

    def known(self) -> set[str]:
        return set(self.schema())

    def row(self, patient: str, visit: Visit, date: str) -> dict[str, Any]:
        """One visit's facts as a table row (no option columns: options are the run's)."""
        row: dict[str, Any] = {"patient": patient, "timepoint": visit.timepoint, "date": date}
        vf = visit.facts
        for n in visit.recorded:
            spec = self.facts.get(n)
            if spec is None:
                continue
            f = vf[n]
            if spec.kind == "number":
                row[n] = float(f.value) if f.value is not None else None
                if f.code:
                    raise AssertionError(f"number fact {n} with a code")  # catalog invariant
            else:
                row[n] = f.code
                if f.value is not None:
                    raise AssertionError(f"word fact {n} with a value")
            has = row[n] is not None
            if (f.state != "reported") if has else (f.state != "not_reported"):
                row[n + STATE] = f.state
            if f.censor:
                row[n + CENSOR] = f.censor
            if n in self.provenance and f.state == "reported" and f.value is not None:
                row[n + FROM] = f"{f.record}:{f.date}:{f.path}"
        return row

    def frame(self, rows: list[dict[str, Any]]) -> pl.DataFrame:
        import polars as pl

        schema = self.schema()
        cols = {c: [r.get(c) for r in rows] for c in schema if not c.startswith("option.")}
        return pl.DataFrame(cols, schema={c: schema[c] for c in cols})

    def check(self, df: pl.DataFrame, where: str, first_row: int = 0) -> None:
        """Column names and types, states and censor marks; every problem at once (E141).
        ``first_row``: where ``df`` starts in the table (a row is named by its place there)."""
        sch = df.schema  # once: a wide frame's schema is rebuilt on every access
        self.check_columns(sch, where)
        self.check_values(df, where, first_row, sch)

    def check_columns(self, sch: Mapping[str, Any], where: str) -> None:
        """Column names and types (a table's schema: E141), every problem at once."""
        import polars as pl

        schema = self.schema()
        problems: list[Problem] = []
        missing = [c for c in ("patient", "timepoint") if c not in sch]
        for c in missing:
            problems.append(Problem(f"no column '{c}'", file=where, code="E141",
                                    expected="patient, timepoint and date columns"))
        for c in sch:
            if c not in schema:
                problems.append(Problem(f"unknown column '{c}'", file=where, field=c,
                                        code="E141", expected="a fact name (vocabulary item, "
                                        "lab.<key>, option.<name>) with :state / :censor / "
                                        ":from, or patient / timepoint / date",
                                        hint=did_you_mean(c, schema)))
                continue
            want, got = schema[c], sch[c]
            if got == pl.Null:
                continue
            if want == pl.Float64 and not got.is_numeric():
                problems.append(Problem(f"column '{c}' holds {got}", file=where, field=c,
                                        code="E141", expected="numbers"))
            if want == pl.Utf8 and got != pl.Utf8 and c not in ID_COLUMNS:
                problems.append(Problem(f"column '{c}' holds {got}", file=where, field=c,
                                        code="E141", expected="words (text)"))
        if problems:
            raise InputError(problems)

    def check_values(self, df: pl.DataFrame, where: str, first_row: int = 0,
                     sch: Mapping[str, Any] | None = None) -> None:
        """States, censor marks and words of the columns of ``df`` (E142), every problem at
        once; ``df`` may hold some of a table's columns (checked by ``check_columns``)."""
        import polars as pl

        sch = sch if sch is not None else df.schema
        problems: list[Problem] = []
        allowed_of: dict[str, tuple[str, ...]] = {}
        for c in df.columns:
            if sch[c] != pl.Utf8:
                continue
            if c.endswith(STATE):
                allowed_of[c] = STATES
            elif c.endswith(CENSOR):
                allowed_of[c] = CENSORS
            elif c in self.facts and self.facts[c].choices:
                allowed_of[c] = tuple(self.facts[c].choices or ())
        if not allowed_of or df.height == 0:
            return
        # one query for every column: each column's distinct words, judged here (~5x less
        # CPU than testing every row with is_in, measured on 65,536 synthetic rows); rows are
        # looked up only where something is wrong
        words = df.select([pl.col(c).drop_nulls().unique().implode().alias(c)
                           for c in allowed_of]).row(0, named=True)
        for c, seen in words.items():
            allowed = allowed_of[c]
            if set(seen) <= set(allowed):
                continue
            bad = df.select(pl.col(c)).with_row_index("row").filter(
                pl.col(c).is_not_null() & ~pl.col(c).is_in(list(allowed))).head(1)
            row, val = bad.row(0)
            problems.append(Problem(f"'{val}' is not a value of column '{c}'", file=where,
                                    field=f"{c} (row {first_row + row + 1})", code="E142",
                                    expected=" | ".join(allowed),
                                    hint=did_you_mean(str(val), allowed)))
        if problems:
            raise InputError(problems)


# --- reading and writing tables ---------------------------------------------------------------

def read_table(path: Path) -> pl.DataFrame:
    """A whole table (Parquet file or directory, Arrow IPC, CSV)."""
    import polars as pl

    if not path.exists():
        raise InputError(Problem("table not found", file=str(path), code="E000"))
    fmt = table_format(path)
    try:
        if fmt == "parquet":
            src = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
            return pl.read_parquet(src)
        if fmt == "arrow":
            return pl.read_ipc(path)
        return pl.read_csv(path, infer_schema_length=None)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(Problem(f"cannot read the table: {exc}", file=str(path),
                                 code="E143")) from None


def read_slices(path: Path, rows: int, keep: Sequence[str], layout: Layout | None = None,
                group: int = 64) -> Iterator[pl.DataFrame]:
    """The table in slices of about ``rows`` rows holding only the columns ``keep`` names,
    each ending with a patient's last visit (a patient's visits are contiguous; the changes
    need them together): a slice ends before the first visit of its last patient and the
    next slice is read from there (a patient longer than a slice: the slice grows). No slice
    is held while the next is read, so memory is one slice's, whatever the table's length.

    Parquet and Arrow are read a group of ``group`` columns at a time (a 65,536-row slice of
    the ~770-column table is ~750 MB, as 16-byte string views): each group is checked
    (``layout.check_values``; names and types once a file) and freed but for its kept
    columns, so every column is checked and a slice costs the columns the scorer reads."""
    import polars as pl

    if not path.exists():
        raise InputError(Problem("table not found", file=str(path), code="E000"))
    fmt = table_format(path)
    files = (sorted(path.rglob("*.parquet")) if path.is_dir() else [path]) \
        if fmt == "parquet" else [path]
    wanted = set(keep) | {"patient"}
    held: pl.DataFrame | None = None  # a patient continued in the next file (a copy)
    for k, f in enumerate(files):
        try:
            if fmt == "parquet":
                lf = pl.scan_parquet(f)
            elif fmt == "arrow":
                lf = pl.scan_ipc(f)
            else:
                lf = pl.scan_csv(f, infer_schema_length=None)
            schema = lf.collect_schema()
            if layout is not None:
                layout.check_columns(schema, str(f))
            names = schema.names()
            kept = [c for c in names if c in wanted]
            # CSV: one read a slice (each group would parse the text again)
            groups = [names] if fmt == "csv" else \
                [names[i:i + group] for i in range(0, len(names), group)]
            n = lf.select(pl.len()).collect().item()
            start = 0
            while start < n:
                size = rows
                while True:
                    out = _read_slice(lf.slice(start, size), groups, kept, layout,
                                      str(f), start)
                    last = start + out.height >= n
                    cut = out.height if last else _last_patient_start(out)
                    if cut:
                        break
                    size *= 2  # one patient fills the slice
                start += cut
                if held is not None:  # the previous file's last patient first
                    cut += held.height
                    out, held = pl.concat([held, out], how="diagonal_relaxed"), None
                if last and k + 1 < len(files):  # its last patient may go on in the next file
                    cut = _last_patient_start(out)
                    held = pl.DataFrame(out.slice(cut).to_dict(as_series=False),
                                        schema=out.schema)
                out = out.slice(0, cut)
                if out.height:
                    yield out
                del out  # not held while the next slice is read
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise InputError(Problem(f"cannot read the table: {exc}", file=str(f),
                                     code="E143")) from None
    if held is not None and held.height:
        yield held


def _last_patient_start(df: pl.DataFrame) -> int:
    """The first row of the last patient's run of rows in ``df``."""
    import polars as pl

    if not df.height:
        return 0
    same = df.select(pl.col("patient").eq_missing(pl.col("patient").last()).alias("s"))["s"]
    before = (~same).arg_true()
    return int(before[-1]) + 1 if len(before) else 0


def _read_slice(piece: pl.LazyFrame, groups: list[list[str]], kept: list[str],
                layout: Layout | None, where: str, first_row: int) -> pl.DataFrame:
    """One slice, a group of columns at a time: each checked, only ``kept`` kept."""
    import polars as pl

    wanted = set(kept)
    parts: list[pl.DataFrame] = []
    for cols in groups:
        part = piece.select(cols).collect()
        if layout is not None:
            layout.check_values(part, where, first_row)
        got = [c for c in cols if c in wanted]
        if got:  # one chunk (a slice across row groups reads as two): copied a group at a
            parts.append(part.select(got).rechunk())  # time, not by the scorer all at once
        del part
    return pl.concat(parts, how="horizontal").select(kept)


def count_rows(path: Path) -> int:
    import polars as pl

    fmt = table_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
        return sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    lf = pl.scan_ipc(path) if fmt == "arrow" else pl.scan_csv(path, infer_schema_length=None)
    return int(lf.select(pl.len()).collect().item())


def for_csv(df: pl.DataFrame) -> pl.DataFrame:
    """Lists become JSON text (CSV has no lists)."""
    import polars as pl

    lists = [c for c, t in df.schema.items() if isinstance(t, pl.List)]
    if not lists:
        return df
    return df.with_columns([
        pl.col(c).map_elements(lambda v: _json_list(v), return_dtype=pl.Utf8) for c in lists])


def _json_list(v: Any) -> str:
    import json

    return json.dumps(list(v) if v is not None else [], ensure_ascii=False)


def write_table(df: pl.DataFrame, path: Path, metadata: dict[str, str] | None = None) -> None:
    """Write one frame to ``path`` (format from its suffix), atomically (beside, then renamed)."""
    fmt = table_format(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            table = df.to_arrow()
            if metadata:
                table = table.replace_schema_metadata(
                    {**(table.schema.metadata or {}), **metadata})
            pq.write_table(table, tmp, row_group_size=65536)
        elif fmt == "arrow":
            df.write_ipc(tmp)
        else:
            for_csv(df).write_csv(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


class TableWriter:
    """Writes frames one after another to one table (Parquet: one row group per frame), so a
    large cohort is never held whole. Atomic: written beside ``path``, renamed on ``close``."""

    def __init__(self, path: Path, metadata: dict[str, str] | None = None) -> None:
        self.path = path
        self.fmt = table_format(path)
        self.tmp = path.with_name(f".{path.name}.tmp")
        self.metadata = metadata or {}
        self._writer: Any = None
        self._csv_header = False
        self.rows = 0

    def write(self, df: pl.DataFrame) -> None:
        self.rows += df.height
        if self.fmt == "csv":
            with self.tmp.open("a" if self._csv_header else "w", encoding="utf-8",
                               newline="") as fh:
                for_csv(df).write_csv(fh, include_header=not self._csv_header)
            self._csv_header = True
            return
        table = df.to_arrow()
        if self._writer is None:
            import pyarrow as pa

            schema = table.schema.with_metadata({**(table.schema.metadata or {}),
                                                 **self.metadata})
            if self.fmt == "parquet":
                import pyarrow.parquet as pq

                self._writer = pq.ParquetWriter(self.tmp, schema)
            else:
                self._writer = pa.ipc.new_file(str(self.tmp), schema)
            self._schema = schema
        self._writer.write_table(table.cast(self._schema))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self.tmp.exists():
            self.tmp.replace(self.path)

    def discard(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self.tmp.unlink(missing_ok=True)


# --- case files -> table ----------------------------------------------------------------------

def case_rows(sicca: Sicca, case: Any, layout: Layout) -> list[dict[str, Any]]:
    """The rows of one parsed case (cumulative records resolved, per-eye values split, labs
    converted and flagged: the facts the per-visit path would see)."""
    out = []
    for tp in case.timepoints:
        visit = sicca.visit(case, tp)
        out.append(layout.row(case.patient.id, visit, tp.date.text))
    return out


def cases_to_rows(sicca: Sicca, sources: Iterable[Path], layout: Layout,
                  errors: list[str]) -> Iterator[dict[str, Any]]:
    """Every visit of every case file or JSON Lines record of ``sources``; a record that does
    not parse is reported in ``errors`` (the batch's reason text) and left out."""
    from sicca.cohort.batch import _reason, parse_record, read_input

    for src in sources:
        for rec in read_input(src):
            if rec.text is None:
                errors.append(f"{rec.position}: {rec.error}")
                continue
            if not rec.text.strip():
                continue
            try:
                case, _ = parse_record(rec, sicca.catalogue)
                yield from case_rows(sicca, case, layout)
            except InputError as exc:
                errors.append(f"{rec.position}: {_reason(exc)}")
