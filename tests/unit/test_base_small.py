"""The small shared ideas of sicca.base: JSON numbers, did-you-mean, file kinds."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from sicca.base import filekind, jsonenc, suggest

# --- jsonenc ---------------------------------------------------------------------------------


def test_a_whole_decimal_is_an_int_and_any_other_the_nearest_float() -> None:
    assert jsonenc.number(Decimal("3")) == 3 and isinstance(jsonenc.number(Decimal("3")), int)
    assert isinstance(jsonenc.number(Decimal("3.0")), int)  # 3.0 is whole: printed 3
    assert jsonenc.number(Decimal("1E+2")) == 100
    assert jsonenc.number(Decimal("25.3")) == 25.3  # not 25.299999...
    assert json.dumps(jsonenc.number(Decimal("0.1"))) == "0.1"


def test_int_below_keeps_huge_whole_values_as_floats() -> None:
    # 10**15 is not below 10**15: float; 10**15 - 1 is: int
    assert isinstance(jsonenc.number(Decimal(10**15), 10**15), float)
    assert isinstance(jsonenc.number(Decimal(10**15 - 1), 10**15), int)
    assert isinstance(jsonenc.number(Decimal(-(10**15)), 10**15), float)


def test_default_hook_and_plain_walk() -> None:
    data = {"a": Decimal("2.50"), "b": {"z", "y"}, "c": Path("x/y"), "d": frozenset({2, 1})}
    assert json.loads(jsonenc.dumps(data)) == {"a": 2.5, "b": ["y", "z"], "c": "x/y",
                                               "d": [1, 2]}
    assert jsonenc.dumps({"t": "°C"}) == '{"t": "°C"}'  # not escaped
    assert jsonenc.plain({"x": [Decimal("1.0"), {"y": Decimal("0.5")}], "s": "k"}) == \
        {"x": [1, {"y": 0.5}], "s": "k"}


# --- suggest ---------------------------------------------------------------------------------


def test_closest_needs_a_ratio_of_at_least_0_6() -> None:
    pool = ["purpura", "involvement", "extent"]
    assert suggest.closest("purpra", pool) == "purpura"  # ratio 2*6/13 = 0.92
    assert suggest.closest("zzz", pool) is None
    # 'ab' vs 'abcd': 2*2/6 = 0.667 passes; 'ab' vs 'abcdef': 2*2/8 = 0.5 fails
    assert suggest.closest("ab", ["abcd"]) == "abcd"
    assert suggest.closest("ab", ["abcdef"]) is None


def test_did_you_mean_is_worded_once() -> None:
    assert suggest.did_you_mean("stat", {"state", "value"}) == "did you mean 'state'?"
    assert suggest.did_you_mean("qqq", ["state"]) is None
    assert suggest.phrase("x") == "did you mean 'x'?" and suggest.phrase(None) is None


def test_ties_do_not_depend_on_pool_order() -> None:
    a = suggest.closest("cat", ["bat", "hat"])
    b = suggest.closest("cat", ["hat", "bat"])
    assert a == b


# --- filekind --------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind"), [
    ("case.yaml", "yaml"), ("case.YML", "yaml"), ("c.json", "json"), ("cohort.jsonl", "jsonl"),
    ("cohort.NDJSON", "jsonl"), ("out.csv", "csv"), ("notes.txt", None), ("README", None),
    ("cohort.jsonl:12", None), ("dir.yaml/file", None), ("<scenario>.yaml", "yaml"),
])
def test_kind_by_suffix(name: str, kind: str | None) -> None:
    assert filekind.kind_of(name) == kind


def test_case_files_are_yaml_or_json() -> None:
    assert filekind.is_case_file("a.json") and filekind.is_case_file(Path("a.yml"))
    assert not filekind.is_case_file("a.jsonl")


def test_yaml_files_sorted_below_a_folder_or_the_file_itself(tmp_path: Path) -> None:
    for name in ("b.yaml", "a/c.yml", "a/d.json", "e.YAML"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x: 1\n")
    found = [p.relative_to(tmp_path).as_posix() for p in filekind.yaml_files(tmp_path)]
    assert found == ["a/c.yml", "b.yaml", "e.YAML"]
    assert filekind.yaml_files(tmp_path / "b.yaml") == [tmp_path / "b.yaml"]
    assert filekind.yaml_files(tmp_path / "missing") == []


