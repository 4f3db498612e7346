"""sicca.records.importer and the `sicca import labs` / `sicca labs` commands (incl. bad input)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sicca.base.errors import InputError
from sicca.base.yamlsrc import parse_text
from sicca.records.importer import (
    merge_into,
    parse_timepoint_columns,
    read_lab_table,
    render_fragment,
)
from sicca.records.labs import AnalyteTable
from tests.support.cli import run

ROOT = Path(__file__).resolve().parents[2]
# Table 1 of the seed paper, copied in from the case folder (tests never read outside the repo).
TABLE1 = Path(__file__).resolve().parents[1] / "data" / "seed" / "table1.csv"
INVALID = ROOT / "tests" / "data" / "invalid" / "labs"
COLS = ["before_rfib=baseline", "after_4_infusions=after_4_infusions",
        "after_12_infusions=after_12_infusions"]

CASE = """\
sicca_case: 1
patient: {id: t-001}
timepoints:
  - id: baseline
    date: 2023-10
    label: before
    # last comment of baseline

  - id: later
    date: 2023-11
note: keep me  # and this comment
"""

CSV = """\
panel,analyte,unit,reference,t0,t1,paper_change,reading_note
immunoglobulin,IgG,g/L,8.6-17.4,25.3,24.4,unchanged,read from the table
inflammation,CRP,mg/L,0-2.87,1.01,<0.91,normal,
complement,C3,g/L,0.9-1.8,1.13,,normal,not measured later
"""


@pytest.fixture(scope="module")
def table() -> AnalyteTable:
    return AnalyteTable.default()


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    case, csv = tmp_path / "case.yaml", tmp_path / "labs.csv"
    case.write_text(CASE)
    csv.write_text(CSV)
    return case, csv


def test_parse_timepoint_columns() -> None:
    assert parse_timepoint_columns(["a=b", " c = d "]) == {"a": "b", "c": "d"}
    for bad in (["a"], ["=b"], ["a=b c"]):
        with pytest.raises(InputError):
            parse_timepoint_columns(bad)
    with pytest.raises(InputError, match="mapped twice"):
        parse_timepoint_columns(["a=b", "a=c"])


def test_read_table(files: tuple[Path, Path], table: AnalyteTable) -> None:
    _, csv = files
    imp = read_lab_table(csv, {"t0": "baseline", "t1": "later"}, table)
    assert [x.value for x in imp.timepoints["baseline"]] == ["25.3", "1.01", "1.13"]
    later = imp.timepoints["later"]
    assert [x.value for x in later] == ["24.4", "<0.91", None]  # C3 empty -> not reported
    assert later[2].comment is not None and "not reported" in later[2].comment
    assert imp.not_imported == ["column 'paper_change'",
                                "column 'reading_note': kept as YAML comments only"]
    assert imp.timepoints["baseline"][0].comment == "row note: read from the table"


def test_fragment_parses_and_keeps_text(files: tuple[Path, Path], table: AnalyteTable) -> None:
    _, csv = files
    text = render_fragment(read_lab_table(csv, {"t0": "baseline", "t1": "later"}, table))
    doc = parse_text(text, "frag.yaml").data
    assert doc["timepoints"][1]["labs"][1] == {"analyte": "CRP", "value": "<0.91",
                                               "unit": "mg/L", "reference": "0-2.87"}
    assert "value: 25.3," in text and "# C3: not reported" in text


def test_merge_keeps_the_rest(files: tuple[Path, Path], table: AnalyteTable) -> None:
    case, csv = files
    imp = read_lab_table(csv, {"t0": "baseline", "t1": "later"}, table)
    text = merge_into(imp, case, table)
    for line in CASE.splitlines():  # every original line is still there
        assert line in text.splitlines()
    doc = parse_text(text, "case.yaml").data
    assert [x["analyte"] for x in doc["timepoints"][0]["labs"]] == ["IgG", "CRP", "C3"]
    assert [x["analyte"] for x in doc["timepoints"][1]["labs"]] == ["IgG", "CRP"]
    assert doc["note"] == "keep me"
    # labs go inside the timepoint, before its trailing comment
    assert text.index("labs:") < text.index("# last comment of baseline")


def test_merge_refuses_existing_labs_unless_replace(files: tuple[Path, Path],
                                                   table: AnalyteTable) -> None:
    case, csv = files
    imp = read_lab_table(csv, {"t0": "baseline", "t1": "later"}, table)
    case.write_text(merge_into(imp, case, table))
    with pytest.raises(InputError, match="already has labs"):
        merge_into(imp, case, table)
    again = merge_into(imp, case, table, replace=True)
    assert again == case.read_text()  # replacing with the same labs changes nothing


def test_merge_unknown_timepoint(files: tuple[Path, Path], table: AnalyteTable) -> None:
    case, csv = files
    imp = read_lab_table(csv, {"t0": "baseline", "t1": "nope"}, table)
    with pytest.raises(InputError, match="no timepoint 'nope'"):
        merge_into(imp, case, table)


def test_cli_import_reports_not_imported(files: tuple[Path, Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    case, csv = files
    code, out, err = run(["import", "labs", str(csv), "-t", "t0=baseline", "-t", "t1=later",
                          "--into", str(case)], capsys)
    assert code == 0, err
    assert "not imported: column 'paper_change'" in err
    assert "not imported: column 'reading_note'" in err
    assert "labs:" in case.read_text()


def test_cli_import_fragment_to_stdout(files: tuple[Path, Path],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    _, csv = files
    code, out, err = run(["import", "labs", str(csv), "-t", "t0=baseline"], capsys)
    assert code == 0 and out.startswith("# Labs imported")


def test_cli_import_missing_column(files: tuple[Path, Path],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    _, csv = files
    code, _, err = run(["import", "labs", str(csv), "-t", "t9=baseline"], capsys)
    assert code == 2 and "no column 't9'" in err and "Traceback" not in err


def test_cli_import_bad_cell_is_located(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["import", "labs", str(INVALID / "bad_table.csv"),
                        "-t", "before_rfib=baseline", "-t", "after_4_infusions=a4"], capsys)
    assert code == 2 and "Traceback" not in err
    # line 3, column 31 is the cell "thirty"
    assert f"{INVALID / 'bad_table.csv'}:3:31" in err
    assert "rows[1].after_4_infusions" in err and "not a number" in err


def test_cli_import_stray_carriage_return_is_located(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    # Found by the fuzzer: a "\r" inside an unquoted cell made csv raise a traceback.
    path = tmp_path / "cr.csv"
    path.write_bytes(b"panel,analyte,unit,reference,before_rfib\r\n"
                     b"immunoglobulin,IgA,g/L,1.0-4.2,2.37\r\n"
                     b"immunoglobulin,IgG,g/L,7-16,12.1\r\t\n")
    code, _, err = run(["import", "labs", str(path), "-t", "before_rfib=baseline"], capsys)
    assert code == 2 and "Traceback" not in err
    assert f"{path}:3:1" in err and "E534" in err and "quote a cell" in err


def test_cli_import_stray_carriage_return_in_the_header_is_located(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Found by the 10,000-input fuzzing campaign: the same "\r" in the header line escaped
    # as a traceback, since the header is read before the rows
    path = tmp_path / "cr.csv"
    path.write_bytes(b"panel,analyte,unit,reference,before_rfib\r\t\n"
                     b"immunoglobulin,IgA,g/L,1.0-4.2,2.37\r\n")
    code, _, err = run(["import", "labs", str(path), "-t", "before_rfib=baseline"], capsys)
    assert code == 2 and "Traceback" not in err
    assert f"{path}:1:1" in err and "E534" in err and "quote a cell" in err


def test_table1_round_trip(tmp_path: Path, table: AnalyteTable) -> None:
    imp = read_lab_table(TABLE1, parse_timepoint_columns(COLS), table)
    assert [len(v) for v in imp.timepoints.values()] == [30, 30, 30]
    last = imp.timepoints["after_12_infusions"]
    assert sum(1 for x in last if x.value is None) == 2  # C3 and C4 not reported


# ----------------------------------------------------------------- sicca labs on the seed case

SEED = ROOT / "examples" / "rfib-case.yaml"


def test_labs_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["labs", str(SEED), "--format", "json", "--engine", "native"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    tps = {t["id"]: t for t in doc["timepoints"]}
    assert len(tps["baseline"]["labs"]) == 30 and len(tps["after_12_infusions"]["labs"]) == 28
    igg = next(x for x in tps["baseline"]["labs"] if x["analyte"] == "IgG")
    assert {"analyte", "value", "unit", "censored", "reference", "flag", "x_uln"} <= set(igg)
    assert (igg["value"], igg["unit"], igg["flag"], igg["reference"]) == \
        (25.3, "g/L", "high", "8.6-17.4")
    crp = next(x for x in tps["after_4_infusions"]["labs"] if x["analyte"] == "CRP")
    assert (crp["value"], crp["censored"], crp["flag"]) == (0.91, "<", "normal")
    pairs = [(c["from"], c["to"]) for c in doc["changes"]]
    assert ("baseline", "after_12_infusions") in pairs
    change = doc["changes"][pairs.index(("baseline", "after_12_infusions"))]
    c3 = next(x for x in change["labs"] if x["analyte"] == "C3")
    assert {"analyte", "direction", "transition"} <= set(c3)
    assert c3["to_measured"] == "after_4_infusions"


def test_labs_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["labs", str(SEED)], capsys)
    assert code == 0, err
    assert "IL-17A" in out and "Change baseline → after_12_infusions" in out


# ----------------------------------------------------------------- bad input through the CLI

@pytest.mark.parametrize(("name", "line", "field", "words"), [
    ("malformed_yaml.yaml", 8, None, "malformed YAML"),
    ("unknown_analyte.yaml", 8, "timepoints[0].labs[1].analyte", "did you mean 'IL-1beta'?"),
    ("unit_does_not_fit.yaml", 7, "timepoints[0].labs[0].unit", "does not fit analyte 'IgG'"),
    ("arbitrary_unit.yaml", 7, "timepoints[0].labs[0].unit",
     "arbitrary units are assay-specific; no conversion exists"),
    ("value_not_a_number.yaml", 8, "timepoints[0].labs[1].value", "is not a number"),
    ("bad_reference.yaml", 7, "timepoints[0].labs[0].reference", "cannot read reference range"),
    ("unknown_key.yaml", 9, "timepoints[0].labs[0].units", "unknown key 'units'"),
])
def test_invalid_case_files(name: str, line: int, field: str | None, words: str,
                            capsys: pytest.CaptureFixture[str]) -> None:
    path = INVALID / name
    code, out, err = run(["labs", str(path), "--format", "json"], capsys)
    assert code == 2
    assert "Traceback" not in err and out == ""
    assert f"{path}:{line}:" in err  # file and line (and column)
    if field is not None:
        assert f"at {field}\n" in err
    assert words in err


def test_invalid_files_exist() -> None:
    # the fixtures are also usable by hand: sicca labs tests/data/invalid/labs/<file>
    assert len(list(INVALID.glob("*.yaml"))) == 7


def test_fixture_copy_is_independent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the same bad file elsewhere reports its own path
    dst = tmp_path / "x.yaml"
    shutil.copy(INVALID / "unknown_analyte.yaml", dst)
    code, _, err = run(["labs", str(dst)], capsys)
    assert code == 2 and f"{dst}:8:19" in err
