"""engine/ holds no clinical names: the instruments and domains of the bundled rule pack are
named in rules/ (YAML) and scores/, never in the engine's code or templates.

The names are read from the compiled bundled pack, not listed here: every instrument the pack
manifest declares, its display title (meta ``title``) and the words it declares for its outputs
(meta ``terms``: PASS, MCII, "EULAR 2020 severe"), and every ESSDAI-style
``meta.domain``. A name counts anywhere in code, string literals and template text
(case-insensitive, also inside a CamelCase or snake_case identifier), but not in comments or
docstrings.

Two exceptions, both explicit:

- the report's JSON keys (field names of sicca.report.model, a public contract that is only
  added to): a word that *is* such a key (``essdai``, ``essdai_delta``, ``star``) is how the
  renderers read the report, so it is allowed wherever it stands;
- ``ALLOWED``: whole files not yet made generic, each with the reason. An entry whose file no
  longer holds a name fails, so the list only shrinks.
"""

from __future__ import annotations

import ast
import copy
import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from sicca.report.model import Change, Report, Timepoint
from sicca.running.evaluate import Sicca
from sicca.testing.steps.common import sicca_for

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "engine"
SEED = ROOT / "examples" / "rfib-case.yaml"

#: engine files that still name instruments, with why they are left for now.
ALLOWED: dict[str, str] = {
    "engine/report/model.py":
        "the typed Report (public JSON contract): its field types are the instruments' result "
        "classes (EssdaiResult, ...), whose names are the `sicca schema report` $defs",
    # user-facing examples of case-file items and fact names: the example item (e.g.
    # `cutaneous.purpura`) is a bundled vocabulary item whose group is named like a domain
    "engine/api/whatif.py": "E124's `expected` gives example item names",
    "engine/cli/whatif.py": "`--set` help gives example item names",
    "engine/cli/score.py": "`explain --only` help gives an example fact prefix",
    "engine/language/catalogue.py":
        "error hints show a case-file example (`findings: {cutaneous: {purpura: ...}}`)",
    "engine/records/case_schema.py": "the case schema's description shows a nesting example",
    "engine/cohort/columnar.py":
        "the instruments' column-wise forms (ESSDAI hull, ESSPRI, STAR over a frame) live in the "
        "columnar scorer; moving them behind a columnar method of the instrument interface in "
        "scores/ is a follow-up",
    "engine/cohort/frames.py": "the cohort summary names the ESSDAI category count: as above",
    "engine/testing/steps/activity.py":
        "the step library of the bundled features: its Gherkin phrases are those features' "
        "words (\"the ESSPRI is {score}\"); moving the steps beside the features is a "
        "follow-up",
    "engine/testing/steps/criteria.py": "the step library of the bundled features: as above",
}

SUFFIXES = {".py", ".html", ".j2", ".js", ".css"}


@dataclass(frozen=True)
class Hit:
    file: str
    line: int
    name: str
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: '{self.name}' in {self.text.strip()[:90]!r}"


# --- what counts as a clinical name -----------------------------------------------------------

@cache
def _sicca() -> Sicca:
    return sicca_for("native")


@cache
def clinical_names() -> frozenset[str]:
    """The bundled pack's instrument ids, their titles and terms, and its domains (lower
    case)."""
    from sicca.scores.instrument import titles

    s = _sicca()
    names = set(s.declared)
    names |= {t for t in titles(s).values() if re.fullmatch(r"\w+", t) and not _acronym(t)}
    names |= {str(f["meta"]["domain"]) for f in s.program["files"]
              if isinstance(f.get("meta"), dict) and f["meta"].get("domain")}
    return frozenset(n.lower() for n in names)


def _acronym(word: str) -> bool:
    """An all-capitals term (PASS, MCII): matched with its case, since ``pass`` is Python."""
    return word.isupper()


@cache
def clinical_terms() -> frozenset[str]:
    """The words the pack declares for its outputs (meta ``terms``: PASS, MCII, "EULAR 2020
    severe", "validated for primary SS") and its acronym titles, matched case-sensitively."""
    from sicca.scores.instrument import titles

    every = titles(_sicca())
    terms = {v for k, v in every.items() if "." in k}
    acronyms = {t for t in every.values() if _acronym(t)}
    # an acronym that is also an id (STAR, ESSDAI) is already found case-insensitively
    return frozenset(t for t in terms | acronyms if t.lower() not in clinical_names())


@cache
def contract_keys() -> frozenset[str]:
    """The report's JSON keys (field names and aliases of the typed report)."""
    keys: set[str] = set()
    for model in (Report, Timepoint, Change):
        for name, field in model.model_fields.items():
            keys |= {name, field.alias or name}
    return frozenset(keys)


def _pattern(names: frozenset[str]) -> re.Pattern[str]:
    alts = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?i:{alts})")


def _bounded(text: str, start: int, end: int) -> bool:
    """A whole word, or a whole part of a CamelCase / snake_case identifier: ``EssdaiSeries``
    and ``_esspri`` hold a name, ``start`` and ``STARTED`` do not."""
    word = text[start:end]
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    left = not _alnum(before) or (before.islower() and word[0].isupper())
    right = not _alnum(after) or (after.isupper() and not word.isupper())
    return left and right


def _alnum(c: str) -> bool:
    return c.isascii() and c.isalnum()  # "ΔESSDAI" is the name after a delta sign


def _word(text: str, start: int, end: int) -> str:
    """The identifier-like word around ``text[start:end]``."""
    while start and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return text[start:end]


def hits_in(text: str, file: str, first_line: int = 1) -> Iterator[Hit]:
    """Every clinical name in ``text`` (already stripped of comments) that is not a report
    key."""
    pat, keys = _pattern(clinical_names()), contract_keys()
    exact = re.compile("|".join(re.escape(t) for t in sorted(clinical_terms(), key=len,
                                                               reverse=True)))
    for i, line in enumerate(text.splitlines()):
        for m in [*pat.finditer(line), *exact.finditer(line)]:
            if not _bounded(line, m.start(), m.end()):
                continue
            if _word(line, m.start(), m.end()) in keys:
                continue
            yield Hit(file, first_line + i, m.group(), line)


# --- what is code (comments and docstrings removed) -------------------------------------------

def python_code(source: str) -> str:
    """``source`` with comments and docstrings blanked (line numbers kept)."""
    docs: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            docs |= set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    lines = source.splitlines()
    out = [""] * len(lines)
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                        tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        if tok.type == tokenize.STRING and tok.start[0] in docs:
            continue
        for n, part in enumerate(tok.string.splitlines() or [""]):
            row = tok.start[0] - 1 + n
            out[row] += " " + part
    return "\n".join(out)


def _blank(m: re.Match[str]) -> str:
    return "\n" * m.group().count("\n")


def template_code(source: str, suffix: str) -> str:
    """A template or static file with its comments blanked (line numbers kept)."""
    if suffix in (".html", ".j2"):
        source = re.sub(r"\{#.*?#\}", _blank, source, flags=re.S)
        source = re.sub(r"<!--.*?-->", _blank, source, flags=re.S)
    if suffix in (".js", ".css"):
        source = re.sub(r"/\*.*?\*/", _blank, source, flags=re.S)
    if suffix == ".js":
        source = re.sub(r"(?m)(^|\s)//.*$", "", source)
    return source


def engine_files() -> list[Path]:
    return sorted(p for p in ENGINE.rglob("*") if p.suffix in SUFFIXES and p.is_file())


def hits_of(path: Path) -> list[Hit]:
    rel = path.relative_to(ROOT).as_posix()
    source = path.read_text(encoding="utf-8")
    code = python_code(source) if path.suffix == ".py" else template_code(source, path.suffix)
    return list(hits_in(code, rel))


# --- the checks -------------------------------------------------------------------------------

def test_the_names_come_from_the_bundled_pack() -> None:
    names = clinical_names()
    s = _sicca()
    # every declared instrument, e.g. essdai and the three criteria sets, and the domains
    assert set(s.declared) <= names and len(s.declared) >= 2
    assert len(names) > len(s.declared), "no domain names found in the rule meta"


def test_engine_code_and_templates_name_no_instrument_or_domain() -> None:
    found = [h for p in engine_files() if p.relative_to(ROOT).as_posix() not in ALLOWED
             for h in hits_of(p)]
    assert not found, (
        "clinical names in engine/ (declare them in the rule pack's meta and read them, "
        "e.g. Instrument.title):\n" + "\n".join(map(str, found)))


@pytest.mark.parametrize("rel", sorted(ALLOWED))
def test_every_allowed_file_still_needs_its_entry(rel: str) -> None:
    path = ROOT / rel
    assert path.is_file(), f"{rel} is allowed but does not exist: remove the entry"
    assert hits_of(path), f"{rel} names no instrument any more: remove it from ALLOWED"


# --- the scanner itself can fail --------------------------------------------------------------

def _names(code: str) -> list[str]:
    return [h.name for h in hits_in(python_code(code), "x.py")]


def test_a_display_name_in_a_string_is_found() -> None:
    assert _names('label = "ESSDAI total"\n') == ["ESSDAI"]


def test_a_domain_name_is_found_in_an_f_string_and_a_snake_case_identifier() -> None:
    assert _names('x = f"{n} cutaneous"\nrenal_weight = 5\n') == ["cutaneous", "renal"]


def test_a_name_inside_a_camel_case_identifier_is_found() -> None:
    assert _names("from m import EsspriSeries, ClinEssdaiResult\n") == ["Esspri", "ClinEssdai"]


def test_comments_and_docstrings_are_not_code() -> None:
    code = '"""ESSDAI module."""\ndef f() -> None:\n    """The ESSPRI."""\n    return  # STAR\n'
    assert _names(code) == []


def test_words_that_only_contain_a_name_are_not_names() -> None:
    # "star" is an instrument id: "start", "restart", "STARTED" are not it
    assert _names('s = "start restart STARTED"\n') == []


def test_a_report_key_is_allowed_but_not_its_display_name() -> None:
    code = 'x = tp.get("essdai")\ny = c["essdai_delta"]\nz = "ΔESSDAI"\n'
    assert _names(code) == ["ESSDAI"]


def test_template_comments_are_not_code() -> None:
    src = '{# ESSDAI #}<!-- ESSPRI -->\n<th>{{ title("essdai") }}</th><th>STAR</th>\n'
    assert [h.name for h in hits_in(template_code(src, ".j2"), "x.j2")] == ["STAR"]


# --- the titles are the pack's ----------------------------------------------------------------

@pytest.fixture(scope="module")
def renamed() -> Sicca:
    """The bundled rules with ESSDAI's and ESSPRI's titles declared differently."""
    base = _sicca()
    program = copy.deepcopy(base.program)
    for f in program["files"]:
        meta = f.get("meta") or {}
        if meta.get("title") == "ESSDAI":
            meta["title"], meta["clinessdai_title"] = "Systemic index", "Clinical index"
        if meta.get("title") == "ESSPRI":
            meta["title"] = "Patient index"
    return Sicca.from_program(program, base.catalogue, engine="native")


def test_instrument_titles_are_read_from_the_rule_meta(renamed: Sicca) -> None:
    from sicca.scores.instrument import titles

    got = titles(renamed)
    assert (got["essdai"], got["clinessdai"], got["esspri"]) == \
        ("Systemic index", "Clinical index", "Patient index")
    assert titles(_sicca())["star"] == "STAR"


def test_the_report_page_and_text_view_print_the_declared_titles(renamed: Sicca) -> None:
    from sicca.cli.render import Out
    from sicca.cli.views import Names, score_report
    from sicca.report.build import build
    from sicca.report.html import render_html
    from sicca.report.visit import build_visit

    case = renamed.load_case(SEED)
    page = render_html(build_visit(renamed, case))
    assert "<h3>Systemic index per timepoint</h3>" in page
    assert "<th>Clinical index (range)</th>" in page and "<h3>Patient index</h3>" in page
    assert "ESSDAI (range)" not in page and "<h3>ESSPRI</h3>" not in page

    buf = io.StringIO()
    score_report(Out(buf), build(renamed, case), False, Names.of(renamed))
    text = buf.getvalue()
    assert "Systemic index 11 (range 11–17)" in text and "Patient index " in text
    assert "ESSDAI 11" not in text


def _pack(root: Path, rel: str, text: str) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return root


def test_a_pack_that_renames_esspri_is_printed_by_sicca_score(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sicca.base.paths import RULES_DIR
    from tests.support.cli import run

    text = (RULES_DIR / "esspri" / "esspri.yaml").read_text(encoding="utf-8")
    assert "\n  title: ESSPRI\n" in text
    pack = _pack(tmp_path, "esspri/esspri.yaml",
                 text.replace("\n  title: ESSPRI\n", "\n  title: PRO index\n"))
    code, out, _ = run(["score", str(SEED), "--rules", str(pack), "--engine", "native"], capsys)
    assert code == 0
    # the seed case records no ratings: each timepoint's line, and the changes' column
    assert out.count("PRO index not computable (missing: dryness, fatigue, pain)") == 4
    assert "ΔPRO index" in out and "ESSPRI" not in out


def test_the_words_for_outputs_come_from_the_pack_terms(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sicca.base.paths import RULES_DIR
    from tests.support.cli import run

    text = (RULES_DIR / "essdai" / "validity.yaml").read_text(encoding="utf-8")
    assert "    severe: EULAR 2020 severe " in text and "    mcii: MCII " in text
    pack = _pack(tmp_path, "essdai/validity.yaml",
                 text.replace("    severe: EULAR 2020 severe ", "    severe: Severe disease ")
                 .replace("    mcii: MCII ", "    mcii: Improved "))
    code, out, _ = run(["score", str(SEED), "--rules", str(pack), "--engine", "native"], capsys)
    assert code == 0
    # four timepoints, one severe line each; the changes table's ESSDAI column header
    assert out.count("Severe disease: ") == 4 and "EULAR 2020" not in out
    assert "Improved" in out


def test_a_title_declared_in_two_files_of_the_set_is_e360(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sicca.base.paths import RULES_DIR
    from tests.support.cli import run

    text = (RULES_DIR / "essdai" / "cns.yaml").read_text(encoding="utf-8")
    assert "\nmeta:\n  domain: cns\n" in text
    twice = text.replace("\nmeta:\n  domain: cns\n", "\nmeta:\n  title: Other\n  domain: cns\n")
    pack = _pack(tmp_path, "essdai/cns.yaml", twice)
    code, out, _ = run(["rules", "check", str(pack)], capsys)
    assert code == 1
    assert "error E360: meta.title is declared twice in rule set 'essdai'" in out
