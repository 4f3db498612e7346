"""Every error code means one thing: each belongs to one kind of input, as the README's table
of code families says, and no code is raised by modules of two families."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r'code="([EW]\d{3})"')

#: module -> family, as in the README's table (E1xx case, E3xx rules, E5xx labs, ...)
FAMILY = {
    "labs": "labs", "importer": "labs", "units": "labs", "cli_labs": "labs",
    "loader": "rules", "compiler": "rules", "lint": "rules", "cli_rules": "rules",
    "rule_schema": "rules", "bibliography": "rules", "essdai": "rules", "response": "rules",
    "esspri": "rules", "instrument": "rules", "meta": "rules",
    "models": "case", "facts": "case", "evaluate": "case", "cli_common": "case",
    "cli_whatif": "case", "cli_score": "case", "cli": "case", "session": "case",
    "batch": "cohort", "cli_batch": "cohort", "synth": "cohort",
    "pdf": "report", "cli_report": "report",
    "table": "cohort", "frames": "cohort", "cli_cohort": "cohort",
    # the columnar path raises only the criteria instruments' E401, for the same rules
    "columnar": "criteria",
}
#: codes of any file, whatever reads it: not found / unreadable, malformed, duplicate key
ANY_FILE = {"E000", "E001", "E002", "E003", "E004", "E005", "E006"}
#: the code ranges of each family (inclusive)
RANGES = {"labs": [(501, 539)], "rules": [(300, 364)]}


def _codes() -> dict[str, set[str]]:
    """code -> the families of the modules that raise it"""
    out: dict[str, set[str]] = {}
    # engine/ has layer subpackages: walk them all (a flat glob saw only __init__/__main__)
    for path in [*(ROOT / "engine").rglob("*.py"), *(ROOT / "scores").rglob("*.py")]:
        module = f"cli_{path.stem}" if path.parent.name == "cli" else path.stem
        family = FAMILY.get(module, module)
        for code in CODE.findall(path.read_text(encoding="utf-8")):
            out.setdefault(code, set()).add(family)
    return out


def test_the_scan_sees_the_engine_subpackages() -> None:
    # regression: after engine/ was split into subpackages a flat glob found no code at all
    codes = _codes()
    assert {"E311", "E313", "E314"} <= set(codes) and codes["E311"] == {"rules"}


def test_no_code_is_raised_by_two_kinds_of_input() -> None:
    shared = {c: f for c, f in _codes().items() if len(f) > 1 and c not in ANY_FILE}
    assert shared == {}, shared


def test_lab_and_rule_codes_stay_in_their_ranges() -> None:
    for code, families in _codes().items():
        n = int(code[1:])
        for fam in families & set(RANGES):
            assert any(lo <= n <= hi for lo, hi in RANGES[fam]), (code, fam)


def test_the_readme_lists_every_family_range() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for row in ("E501–E503", "E510–E512", "E520–E526", "E530–E539", "E300–E364", "E100–E128"):
        assert f"| {row}" in readme, row


def test_the_rule_language_reference_lists_exactly_the_rule_codes_raised() -> None:
    """docs/rule-language.md's error table names every E3xx code the code raises, and no
    other (E335, an internal check no input could reach, was removed from both)."""
    doc = (ROOT / "docs" / "rule-language.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| (E3\d\d)\b", doc, re.M))
    raised = {c for c in _codes() if c.startswith("E3")}
    assert listed == raised, (sorted(listed - raised), sorted(raised - listed))


def test_every_rule_error_points_at_a_section_of_the_reference() -> None:
    """Each E3xx code raised (and E401) has an anchor in sicca.language.docs, and each anchor is
    a heading of docs/rule-language.md (GitHub's slug: lower case, spaces as hyphens)."""
    from sicca.language.docs import ANCHORS

    raised = {c for c in _codes() if c.startswith("E3") or c == "E401"}
    assert raised - set(ANCHORS) == set()
    doc = (ROOT / "docs" / "rule-language.md").read_text(encoding="utf-8")
    slugs = {re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-")
             for h in re.findall(r"^#{2,3} (.+)$", doc, re.M)}
    assert set(ANCHORS.values()) - slugs == set()


def test_a_rule_error_names_its_section(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.support.cli import run

    code, out, _ = run(["rules", "check",
                        str(ROOT / "tests" / "data" / "invalid" / "rules" / "unknown_citation")],
                       capsys)
    assert code == 1 and "see: docs/rule-language.md#sources" in out
