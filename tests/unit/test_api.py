"""sicca.api: the notebook API, its pinned public names, the README example, the disk cache."""

from __future__ import annotations

import json
import marshal
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sicca
import sicca.api
from sicca.base.diskcache import SourceCache, cache_dir
from sicca.base.paths import EXAMPLES_DIR, RULES_DIR
from sicca.base.yamlsrc import load as load_yaml
from tests.support.cli import run

ROOT = Path(__file__).resolve().parents[2]
CASE = EXAMPLES_DIR / "rfib-case.yaml"
PUBLIC = ["Explanation", "Hypothetical", "LabsReport", "OptionInfo", "RuleListing", "Session",
          "WhatIf", "load"]


def test_public_names_are_pinned() -> None:
    # the package root adds the columnar path's score_frame (sicca.cohort, above sicca.api)
    assert sicca.__all__ == PUBLIC + ["score_frame"]
    assert sicca.api.__all__ == PUBLIC
    assert sicca.load is sicca.api.load and sicca.Session is sicca.api.Session
    with pytest.raises(AttributeError):
        sicca.nothing_here  # noqa: B018


def test_import_sicca_stays_cheap() -> None:
    # the API is imported on first use: `import sicca` loads neither it nor pydantic nor yaml
    code = ("import sys, sicca; print(sorted(m for m in sys.modules if m.startswith("
            "('sicca', 'pydantic', 'yaml', 'typer', 'rich'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "['sicca']"


def test_readme_example_runs_as_written(tmp_path: Path) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Python API"):]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    script = tmp_path / "example.py"
    script.write_text(code.group(1), encoding="utf-8")
    got = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         cwd=tmp_path, check=True).stdout.splitlines()
    # the numbers the README shows in its comments, line by line
    shown = re.findall(r"print\(.*?\)\s*#\s*(.+)", code.group(1))
    assert got == [s.strip() for s in shown]
    assert got[0] == "11 17"  # ESSDAI at baseline: 11 documented, 17 if haematological were high


@pytest.fixture(scope="module")
def session() -> sicca.Session:
    return sicca.load(engine="native")


def test_score_from_path_and_dict_agree(session: sicca.Session) -> None:
    import yaml

    a = session.score(CASE).dump_json()
    b = session.score(yaml.safe_load(CASE.read_text(encoding="utf-8"))).dump_json()
    assert a["case"] == str(CASE) and b["case"] == "<dict>"
    assert a["timepoints"] == b["timepoints"] and a["changes"] == b["changes"]
    # 2016 ACR/EULAR at baseline: focus score 3 points; anti-SSA (3), ocular staining (1),
    # Schirmer (1), saliva flow (1) unknown -> 3..9 against threshold 4 -> undetermined
    c16 = a["timepoints"][0]["criteria"]["acr_eular_2016"]
    assert (c16["score_min"], c16["score_max"], c16["verdict"]) == (3, 9, "undetermined")


def test_score_matches_the_command(session: sicca.Session,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    from sicca.cli.common import dumps

    code, out, _ = run(["score", str(CASE), "-f", "json", "--engine", "native"], capsys)
    assert code == 0 and json.loads(out) == json.loads(dumps(session.score(CASE).dump_json()))


def test_labs_matches_the_command(session: sicca.Session,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["labs", str(CASE), "-f", "json"], capsys)
    assert code == 0 and json.loads(out) == session.labs(CASE).as_dict()


def test_what_if_anti_ssa_decides_2016(session: sicca.Session) -> None:
    w = session.what_if(CASE, set={"anti_ssa": "positive"}, timepoints=["baseline"])
    r = w.timepoints[0]["criteria"]["acr_eular_2016"]
    # 3..9 + anti-SSA 3 points -> at least 6 >= 4: met (before: undetermined)
    assert (r["before"]["verdict"], r["after"]["verdict"]) == ("undetermined", "met")
    assert r["items_changed"]["anti_ssa"][1] == "positive"
    assert w.as_dict()["hypothetical"] == [{"set": "anti_ssa=positive", "item": "anti_ssa",
                                           "value": "positive", "hypothetical": True,
                                           "kind": "item"}]
    # a Python number is read as the command line's text: schirmer=4 (mm/5 min, <= 5 positive)
    n = session.what_if(CASE, set={"schirmer": 4}, timepoints=["baseline"])
    assert n.hypothetical[0].value == "4"


def test_explain_filters_by_prefix(session: sicca.Session) -> None:
    ex = session.explain(CASE, "baseline", only="essdai.biological")
    assert ex.conclusions and all(c["fact"].startswith("essdai.biological")
                                  for c in ex.conclusions)
    assert list(ex.as_dict()) == ["case", "timepoint", "engine", "rulesets", "options",
                                  "conclusions"]


def test_unknown_engine_is_a_located_error() -> None:
    with pytest.raises(sicca.api.session.InputError) as exc:
        sicca.load(engine="drools")
    assert "E121" in str(exc.value) and "--engine" in str(exc.value)


# --- the disk cache ---------------------------------------------------------------------------

def _pack(tmp_path: Path) -> Path:
    """A temporary copy of the bundled ESSDAI rules, used as a rule pack (its files replace the
    bundled files of the same path; the vocabulary stays the bundled one)."""
    pack = tmp_path / "rules"
    shutil.copytree(RULES_DIR / "essdai", pack / "essdai")
    return pack


RULE = "essdai.constitutional.low.fever"


def _description(s: sicca.Session) -> str:
    return next(r["description"] for r in s.sicca.program["rules"] if r["id"] == RULE)


def test_cache_hits_when_unchanged_and_misses_after_an_edit(tmp_path: Path) -> None:
    pack, where = _pack(tmp_path), tmp_path / "cache"
    assert not where.exists()  # nothing on disk yet: the first session parses every file
    first = sicca.api.Session([pack], "native", cache_dir=where)
    assert _description(first).startswith("Mild or intermittent fever")
    # (a file read twice in one session, for its kind and then its content, is a hit in memory)
    assert first._cache is not None and first._cache.misses > 0
    again = sicca.api.Session([pack], "native", cache_dir=where)
    _description(again)
    assert again._cache is not None and again._cache.misses == 0 and again._cache.hits > 0
    f = pack / "essdai" / "constitutional.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace(
        '"Mild or intermittent fever', '"EDITED fever'), encoding="utf-8")
    edited = sicca.api.Session([pack], "native", cache_dir=where)
    assert edited.cache_path != first.cache_path
    assert _description(edited).startswith("EDITED fever")  # the new rule is in effect
    assert edited._cache is not None and edited._cache.misses > 0


@pytest.mark.parametrize("damage", ["not json {", "[]", "cut short", "entry", "bad entry",
                                    "code"])
def test_a_damaged_cache_is_ignored_and_rebuilt(tmp_path: Path, damage: str) -> None:
    pack, where = _pack(tmp_path), tmp_path / "cache"
    good = sicca.api.Session([pack], "native", cache_dir=where)
    want = good.score(CASE).dump_json()
    path = good.cache_path
    assert path is not None and path.exists() and path.suffix == ".marshal"
    whole = path.read_bytes()
    doc = marshal.loads(whole)
    first = next(iter(doc["files"]))
    if damage == "cut short":
        path.write_bytes(whole[:len(whole) // 2])
    elif damage in ("entry", "bad entry"):  # right shape, one entry broken
        doc["files"][first]["data"] = "junk" if damage == "entry" else b"\xff junk"
        path.write_bytes(marshal.dumps(doc))
    elif damage == "code":  # marshal can hold a code object: it is inert data, never run
        boom = compile("raise SystemExit('ran code from the cache')", "<cache>", "exec")
        doc["files"][first]["data"] = boom
        doc["program"] = boom
        path.write_bytes(marshal.dumps(doc))
    else:
        path.write_text(damage, encoding="utf-8")
    again = sicca.api.Session([pack], "native", cache_dir=where)
    assert again.score(CASE).dump_json()["timepoints"] == want["timepoints"]
    assert again._cache is not None and again._cache.misses > 0
    assert isinstance(marshal.loads(path.read_bytes())["program"], dict)  # rewritten whole


def test_damaged_cached_marks_are_read_again_from_the_file(tmp_path: Path) -> None:
    # lines and marks are decoded on first use (they only place errors): a damaged part is
    # then parsed again from the file, never an error and never a wrong place
    session = sicca.api.Session([], "native", cache_dir=tmp_path)
    session.catalogue  # noqa: B018 - fills the cache
    assert session._cache is not None
    path = session._cache.side_path  # the lines and full marks live in the side file
    doc = json.loads(path.read_text(encoding="utf-8"))
    file = next(iter(doc["files"]))
    doc["files"][file]["marks"] = "junk"
    doc["files"][file]["lines"] = "[1"
    path.write_text(json.dumps(doc), encoding="utf-8")
    cache = SourceCache([RULES_DIR], tmp_path)
    src = cache.read(file)
    fresh = load_yaml(file)
    assert (src.marks, src.lines) == (fresh.marks, fresh.lines)
    assert cache.misses == 1


@pytest.mark.parametrize("shallow", [b"\xff junk", marshal.dumps([1, 2]),
                                     marshal.dumps({("rules", 0): ["1", 2], ("rules",): 7})])
def test_damaged_shallow_marks_are_taken_from_the_full_marks(tmp_path: Path,
                                                             shallow: bytes) -> None:
    # a rule's place comes from the marks one or two deep (marshal bytes in the main file);
    # damaged ones give way to the full marks of the side file, never to a wrong place
    session = sicca.api.Session([], "native", cache_dir=tmp_path)
    session.sicca  # noqa: B018 - fills the cache
    path = session.cache_path
    assert path is not None
    doc = marshal.loads(path.read_bytes())
    file = str(RULES_DIR / "essdai" / "cutaneous.yaml")
    doc["files"][file]["shallow"] = shallow
    path.write_bytes(marshal.dumps(doc))
    src, fresh = SourceCache([RULES_DIR], tmp_path).read(file), load_yaml(file)
    for place in [("rules", 0), ("rules",), ("rules", 1, "id")]:
        assert src.mark(place) == fresh.mark(place) != (None, None)


def test_scoring_never_reads_the_side_file_of_lines_and_marks(tmp_path: Path) -> None:
    # a warm start reads the data and the shallow marks only; the lines and full marks (the
    # larger half of the cache) are read when an error needs a place: if the side file is gone,
    # a case still scores the same, and a place asked for is parsed again from the file
    cold = sicca.api.Session([], "durable", cache_dir=tmp_path)
    want = cold.score(CASE).dump_json()
    assert cold._cache is not None and cold._cache.side_path.exists()
    cold._cache.side_path.unlink()
    warm = sicca.api.Session([], "durable", cache_dir=tmp_path)
    assert warm.score(CASE).dump_json() == want
    assert warm._cache is not None and warm._cache._side is None  # never opened
    assert warm._cache.misses == 0
    file = str(RULES_DIR / "essdai" / "cutaneous.yaml")
    src, fresh = warm._cache.read(file), load_yaml(file)
    deep = ("rules", 0, "when", "any", 0)
    assert src.mark(deep) == fresh.mark(deep) and src.lines == fresh.lines
    assert warm._cache.misses == 1


def test_cache_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SICCA_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    c = SourceCache([RULES_DIR])
    assert c.path.parent == tmp_path / "c"
    monkeypatch.delenv("SICCA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert cache_dir() == tmp_path / "xdg" / "sicca"
    assert Path(sicca.__file__).parent not in cache_dir().parents


def test_an_unwritable_cache_dir_runs_uncached(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    s = sicca.api.Session([], "native", cache_dir=blocker / "sub")  # cannot mkdir under a file
    assert s.score(CASE).timepoints[0].essdai.min == 11  # type: ignore[union-attr]


def test_cached_program_is_the_compiled_one(tmp_path: Path) -> None:
    where = tmp_path / "cache"
    sicca.api.Session([], "native", cache_dir=where).sicca  # noqa: B018 - fills the cache
    warm = sicca.api.Session([], "native", cache_dir=where)
    assert warm._cache is not None and warm._cache.program is not None  # a hit
    fresh = sicca.load(engine="native", cache=False)
    assert warm.sicca.program == fresh.sicca.program
    assert warm.score(CASE) == fresh.score(CASE)


def test_the_durable_plan_is_cached_beside_the_program(tmp_path: Path) -> None:
    # the durable backend's plan (ruleset texts, action specs) is a pure function of the
    # program: a warm session takes it from the cache, and a damaged one is built again
    from sicca.running.durable import PLAN_KEY, durable_plan

    where = tmp_path / "cache"
    cold = sicca.api.Session([], "durable", cache_dir=where)
    want = cold.score(CASE).dump_json()
    path = cold.cache_path
    assert path is not None
    doc = marshal.loads(path.read_bytes())
    assert doc["memo"][PLAN_KEY] == durable_plan(cold.sicca.program)
    warm = sicca.api.Session([], "durable", cache_dir=where)
    assert warm.score(CASE).dump_json() == want
    doc["memo"][PLAN_KEY]["definite"][0][1][0][1] = "junk"  # a rule index that is not an int
    path.write_bytes(marshal.dumps(doc))
    damaged = sicca.api.Session([], "durable", cache_dir=where)
    assert damaged.score(CASE).dump_json() == want


# --- layering and lazy imports ----------------------------------------------------------------

def test_no_core_module_imports_the_cli() -> None:
    bad = []
    for folder in ("engine", "scores"):
        for py in (ROOT / folder).rglob("*.py"):
            rel = py.relative_to(ROOT).as_posix()
            if rel.startswith("engine/cli/") or rel == "engine/__main__.py":
                continue
            if rel == "engine/testing/steps/criteria.py":
                continue  # the pytest plugin (beside the CLI, rank 8): a step runs `sicca what-if`
            text = py.read_text(encoding="utf-8")
            if re.search(r"^\s*(from|import)\s+sicca\.cli\b", text, re.M):
                bad.append(rel)
    assert bad == []


def test_registering_the_commands_imports_no_heavy_module() -> None:
    # every command family is registered, yet none of the rule machinery, the cohort runner,
    # durable_rules or rich's tables is imported until a command runs
    code = ("import sys; import sicca.cli.app as a; a._register(); print(sorted(m for m in "
            "sys.modules if m.startswith(('sicca.records', 'sicca.language', 'sicca.running', "
            "'sicca.cohort', 'sicca.api', 'durable_rules', 'rich.table', 'rich.progress', "
            "'rich.tree'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_rule_list_matches_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    listing = sicca.load(cache=False).rule_list()
    code, out, _ = run(["rules", "list", "-f", "json"], capsys)
    assert code == 0 and json.loads(out) == listing.rows and listing.problems == 0
    assert any(r["id"] == RULE for r in listing.rows)


def test_old_cache_files_are_pruned(tmp_path: Path) -> None:
    import os

    from sicca.base.diskcache import KEEP

    where = tmp_path / "cache"
    where.mkdir()
    for i in range(KEEP + 3):  # stale files of earlier rule versions, oldest first
        # (the oldest three in the JSON main files of cache formats 1-5)
        f = where / f"sources-old{i:02d}{'.json' if i < 3 else '.marshal'}"
        f.write_text("{}", encoding="utf-8")
        os.utime(f, ns=(i * 10**9, i * 10**9))
        (where / f"sources-old{i:02d}.marks.json").write_text("{}", encoding="utf-8")
    s = sicca.api.Session([], "native", cache_dir=where)
    s.catalogue  # noqa: B018 - writes this rule set's files (main and side)
    left = sorted(p.stem for p in where.glob("sources-*")
                  if not p.name.endswith(".marks.json"))
    assert len(left) == KEEP and s.cache_path is not None and s.cache_path.stem in left
    assert "sources-old00" not in left and "sources-old03" not in left  # the oldest went first
    sides = sorted(p.name[:-len(".marks.json")] for p in where.glob("sources-*.marks.json"))
    assert sides == left  # a side file goes with its main file


def test_cached_shallow_marks_answer_as_the_full_marks(tmp_path: Path) -> None:
    # a rule's place is read from the marks of paths one or two deep, kept apart in the cache
    # so that a start does not decode every mark; each answer equals the full marks' answer
    session = sicca.api.Session([], "native", cache_dir=tmp_path)
    session.sicca  # noqa: B018 - fills the cache, rule files included
    cache = SourceCache([RULES_DIR], tmp_path)
    file = str(RULES_DIR / "essdai" / "cutaneous.yaml")
    fresh = load_yaml(file)
    paths = [(), ("rules",), ("rules", 0), ("rules", 99), ("nowhere",), ("meta", "weight"),
             ("rules", 1, "when"), ("rules", 0, "when", "any", 0)]
    for path in paths:
        src = cache.read(file)
        assert src.mark(path) == fresh.mark(path), path
    src = cache.read(file)
    for path in paths:  # shallow first, then deep, on one object
        assert src.mark(path) == fresh.mark(path), path
    assert cache.misses == 0


def test_commands_of_one_process_share_a_session_until_a_rule_file_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a test suite or a notebook running many commands loads unchanged rules once; the key is
    # the rule files' content, so an edit (or another engine) is a new session
    from sicca.cli import plain

    monkeypatch.setattr(plain, "_SESSIONS", type(plain._SESSIONS)())
    pack = _pack(tmp_path)
    first = plain.get_session("native", [pack])  # the process's first: keyed by its own cache
    assert plain.get_session("native", [pack]) is first
    assert plain.get_session("durable", [pack]) is not first
    f = pack / "essdai" / "constitutional.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace(
        '"Mild or intermittent fever', '"EDITED fever'), encoding="utf-8")
    edited = plain.get_session("native", [pack])
    assert edited is not first and _description(edited).startswith("EDITED fever")
    for k in range(plain._KEEP + 1):  # a few sessions are kept, not every one ever made
        plain.get_session("native", [_pack(tmp_path / str(k))])
    assert len(plain._SESSIONS) == plain._KEEP
