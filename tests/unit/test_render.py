"""The text renderer (sicca.cli.render) seen through every command: user strings are never rich
markup, emoji codes stay text, nothing is cropped at 80 columns, and a pipe gets plain text."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text

from sicca.cli import render
from tests.support.cli import run

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "rfib-case.yaml"
PACK = ROOT / "tests" / "data" / "packs" / "engine_demo"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
BOX = set("│┃━─┏┓┗┛┡┩└┘├┤┼╇╋")
NATIVE = ["--engine", "native"]


@pytest.fixture
def piped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Standard output is captured (not a tty) and nothing forces a terminal."""
    for var in ("TTY_COMPATIBLE", "FORCE_COLOR", "TTY_INTERACTIVE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("COLUMNS", "80")


@pytest.fixture
def terminal80(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal 80 columns wide (rich reads TTY_COMPATIBLE and COLUMNS)."""
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("COLUMNS", "80")


def _ok(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = run(argv, capsys)
    assert code == 0, err
    assert "Traceback" not in out + err
    return out


def _json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    return dict(json.loads(_ok(argv + ["--format", "json"], capsys)))


# --- user strings are not markup ------------------------------------------------------------

def _bracketed_case(tmp_path: Path) -> Path:
    # a label and a file name that rich would read as markup: `[/]` closes nothing
    path = tmp_path / "case [red]1[dim].yaml"
    text = SEED.read_text(encoding="utf-8")
    assert "    label: before rFib\n" in text
    path.write_text(text.replace("    label: before rFib\n",
                                 "    label: \"before [/] rFib [bold]x\"\n"), encoding="utf-8")
    return path


@pytest.mark.parametrize("layout", ["piped", "terminal80"])
def test_a_label_with_markup_brackets_is_printed_as_written(
        layout: str, tmp_path: Path, request: pytest.FixtureRequest,
        capsys: pytest.CaptureFixture[str]) -> None:
    # regression: `[/]` in a timepoint label crashed `sicca score` with rich's MarkupError
    request.getfixturevalue(layout)
    case = _bracketed_case(tmp_path)

    def flat(s: str) -> str:  # the terminal layout may wrap a long path at its spaces
        return "".join(ANSI.sub("", s).split())

    name = flat("case [red]1[dim].yaml")
    for detail in ([], ["--detail"]):
        out = flat(_ok(["score", str(case), "-t", "baseline", *NATIVE, *detail], capsys))
        assert flat("before [/] rFib [bold]x") in out and name in out
    for argv in (["explain", str(case), "-t", "baseline", "--only", "essdai.cut", *NATIVE],
                 ["what-if", str(case), "--set", "schirmer=4", "-t", "baseline", *NATIVE],
                 ["labs", str(case)]):
        assert name in flat(_ok(argv, capsys)), argv[0]


def test_render_text_keeps_brackets_and_styles_only_the_styled_parts() -> None:
    t = render.text("a [red]b[/]", ("c", "bold"))
    assert t.plain == "a [red]b[/]c"
    r = t.rich()  # what a terminal is given
    assert r.plain == t.plain
    assert [(s.start, s.end, str(s.style)) for s in r.spans] == [(11, 12, "bold")]


def test_a_plain_line_drops_the_control_codes_rich_drops() -> None:
    # plain output is built without rich: it must read as the rich Text would
    from rich.control import STRIP_CONTROL_CODES
    from rich.text import Text

    assert sorted(render._CONTROL_STRIP) == sorted(STRIP_CONTROL_CODES)  # noqa: SLF001
    raw = "a\x07b\x08c\x0bd\x0ce\rf\tg\x1bh"
    want = Text()
    want.append(raw, style="bold")
    assert render.text((raw, "bold")).plain == want.plain == "abcdef\tg\x1bh"


# --- emoji codes -----------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["piped", "terminal80"])
def test_a_location_at_line_100_is_not_an_emoji(
        layout: str, tmp_path: Path, request: pytest.FixtureRequest,
        capsys: pytest.CaptureFixture[str]) -> None:
    # regression: explain printed `exclusions.yaml:100:5` as `exclusions.yaml💯5`
    request.getfixturevalue(layout)
    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    f = pack / "demo" / "demo.yaml"
    lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if "- id: demo.igg_over_20" in line)
    # 99 - first comment lines before it: the rule's `- id` moves to line 100, column 5
    f.write_text("".join(["# padding\n"] * (99 - first) + lines), encoding="utf-8")
    data = _json(["explain", str(SEED), "-t", "baseline", "--rules", str(pack), "--only",
                  "demo.igg", *NATIVE], capsys)
    assert data["conclusions"][0]["rules"][0]["loc"].endswith("demo.yaml:100:5")
    out = ANSI.sub("", _ok(["explain", str(SEED), "-t", "baseline", "--rules", str(pack),
                            "--only", "demo.igg", *NATIVE], capsys))
    assert "demo.yaml:100:5" in out and "💯" not in out


def test_the_consoles_have_emoji_codes_off() -> None:
    o = render.Out(io.StringIO())
    assert o.console._emoji is False and render.err()._emoji is False  # noqa: SLF001


# --- 80 columns: nothing cropped ---------------------------------------------------------------

COMMANDS = {
    "score --detail": ["score", str(SEED), *NATIVE, "--detail"],
    "score": ["score", str(SEED), *NATIVE],
    "explain": ["explain", str(SEED), "-t", "baseline", *NATIVE],
    "labs": ["labs", str(SEED)],
    "rules list": ["rules", "list"],
    "what-if": ["what-if", str(SEED), "--set", "anti_ssa=positive", *NATIVE],
    "options": ["options"],
}


def _ids_in_explain(node: dict) -> set[str]:  # type: ignore[type-arg]
    out = set()
    for r in node["rules"]:
        out.add(r["rule"])
        out |= {m["fact"] for m in r["matched"] if "concluded" not in m}
        for m in r["matched"]:
            if "concluded" in m:
                out |= _ids_in_explain(m["concluded"])
    return out


def _expected_words(name: str, capsys: pytest.CaptureFixture[str]) -> set[str]:
    """Ids and numbers that must appear whole, read from the command's JSON output."""
    argv = COMMANDS[name]
    if name.startswith("score"):
        rep = _json(argv[:2] + NATIVE, capsys)
        words = {"(-17..103)", "(-15..117)"}  # the changes' ranges, cropped before
        for tp in rep["timepoints"]:
            for d in tp["essdai"]["domains"].values():
                words |= set(d["rules"]) if name == "score --detail" else set()
            for c in tp["criteria"].values():
                for it in c["items"].values():
                    words |= set(it["rules"]) if name == "score --detail" else set()
        return words
    if name == "explain":
        return set().union(*(_ids_in_explain(c) for c in _json(argv, capsys)["conclusions"]))
    if name == "labs":
        rep = _json(argv, capsys)
        return {str(lab["value_text"]) for tp in rep["timepoints"] for lab in tp["labs"]
                if lab["value_text"]}
    if name == "rules list":
        return {r["id"] for r in json.loads(_ok(argv + ["--format", "json"], capsys))}
    if name == "what-if":
        return {"6–9", "3–9"}
    return {o["name"] for o in json.loads(_ok(argv + ["--format", "json"], capsys))}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_nothing_is_cropped_at_80_columns(name: str, terminal80: None,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    words = _expected_words(name, capsys)
    assert words
    out = ANSI.sub("", _ok(COMMANDS[name], capsys))
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    tokens = set(re.split(r"[\s,·]+", out))
    missing = sorted(w for w in words if w not in tokens and w not in out)
    assert not missing, f"cropped or broken: {missing[:10]}"


# --- pipes: plain text -----------------------------------------------------------------------

@pytest.mark.parametrize("name", list(COMMANDS))
def test_piped_output_is_plain_text(name: str, piped: None,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = _ok(COMMANDS[name], capsys)
    assert "\x1b" not in out
    assert not BOX & set(out), sorted(BOX & set(out))
    assert "…" not in out
    assert all(line == line.rstrip() for line in out.splitlines())


def test_piped_rows_are_one_line_each_and_unwrapped(piped: None,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = _ok(["score", str(SEED), *NATIVE], capsys)
    lines = out.splitlines()
    # COLUMNS=80 does not wrap a pipe: the rule sets line holds all six sets
    rs = next(line for line in lines if line.startswith("rule sets: "))
    assert rs.count("sha256:") == 6 and len(rs) > 80
    # the changes table: one row per pair, whole ranges, greppable
    row = next(line for line in lines if line.startswith("baseline → one_year "))
    # ESSDAI 0..114 at one_year against 11..17 at baseline: -17..103
    assert row.split()[3:6] == ["?", "(-17..103)", "undetermined"], row


def test_plain_table_aligns_columns_and_keeps_every_character() -> None:
    buf = io.StringIO()
    o = render.Out(buf)
    assert not o.terminal
    o.table("t [x]", ["a", "n"], [["long id.with.dots", "1"], [("s", "red"), Text("22")]],
            right=("n",))
    assert buf.getvalue().splitlines() == [
        "t [x]",
        "a                   n",
        "long id.with.dots   1",
        "s                  22",
    ]


def test_terminal_table_too_wide_is_stacked_not_cropped() -> None:
    buf = io.StringIO()
    o = render.Out(buf)
    o.console = Console(file=buf, width=44, force_terminal=True, emoji=False,
                               markup=False, color_system=None)
    o.terminal = True
    rid = "essdai.haematological.not_assessable"  # 36 characters: two cannot fit 44
    o.table(None, ["domain", "rule", "other"], [["haematological", rid, rid + ".x"]])
    out = buf.getvalue()
    assert rid in out and rid + ".x" in out and "…" not in out
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 44


# --- the short view of `sicca score` ----------------------------------------------------------

def test_score_short_view_per_timepoint(tmp_path: Path, piped: None,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "rated.yaml"
    case.write_text(SEED.read_text(encoding="utf-8").replace(
        "    label: before rFib\n",
        "    label: before rFib\n    ratings:\n      esspri: {dryness: 5, fatigue: 6, pain: 3}\n",
        1), encoding="utf-8")
    out = _ok(["score", str(case), "-t", "baseline", *NATIVE], capsys)
    lines = out.splitlines()
    assert "== baseline · 2023-10 · before rFib ==" in lines
    # cutaneous high 3 × 3 + biological moderate 2 × 1 = 11; haematological not assessable
    # adds up to 3 × 2 = 6: 11..17, moderate (5-13) or high (>= 14)
    assert "ESSDAI 11 (range 11–17) · category moderate, not determined (moderate to high)" \
        in lines
    # ClinESSDAI has no biological domain: 9..15
    assert "ClinESSDAI 9 (range 9–15) · category moderate, not determined (moderate to high)" \
        in lines
    # (5 + 6 + 3) / 3 = 14/3 = 4.67 < 5: PASS
    assert "ESSPRI 4.67 (14/3), PASS yes (< 5)" in lines
    # the domain table holds the domains not rated 0, and only them
    head = lines.index("ESSDAI domains not rated 0")
    rows = [line.split()[0] for line in lines[head + 2:head + 5]]
    assert rows == ["cutaneous", "haematological", "biological"]
    assert lines[head + 2].split()[1:5] == ["rated", "3", "9", "9"]
    assert not any(line.startswith(("constitutional", "renal")) for line in lines)
    assert "aecg_2002 met by rule a · primary SS · score 4–6 · conditional on 4 assumptions" \
        in lines
    detail = _ok(["score", str(case), "-t", "baseline", *NATIVE, "--detail"], capsys)
    assert any(line.split()[:3] == ["constitutional", "assumed_absent", "0"]
               for line in detail.splitlines())


def test_score_json_is_the_same_with_or_without_detail_and_terminal(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["score", str(SEED), "-t", "baseline", *NATIVE, "--format", "json"]
    piped = _ok(argv, capsys)
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("COLUMNS", "80")
    assert _ok(argv, capsys) == piped and _ok(argv + ["--detail"], capsys) == piped
    assert "\x1b" not in piped


def test_an_undetermined_domain_shows_its_exact_point_range() -> None:
    from sicca.cli.views import _points

    # fever ">=37.5": constitutional level 1..2, weight 3 -> 3..6 points (not 0..6)
    assert _points({"points": None, "points_min": 3, "points_max": 6}) == "3..6"
    # not assessable: 0..max
    assert _points({"points": None, "points_min": 0, "points_max": 12}) == "0..12"
