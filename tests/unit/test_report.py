"""The visit report (`sicca report`): the seed case's numbers, plots drawn from data, every user
string escaped, nothing fetched. HTML only (fast); the browser and PDF tests are in
test_report_browser.py."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

import sicca
from sicca.api import Session
from sicca.report.html import category, delta, mcii, num, rng
from sicca.report.plots import _axis_top, _scale_top, timeline_plots
from sicca.report.svg import Svg
from sicca.report.visit import VisitReport, date_number
from sicca.scores.results import TotalPoint, TotalSeries
from tests.support.cli import run

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "rfib-case.yaml"


@pytest.fixture(scope="module")
def session() -> Session:
    return sicca.load(engine="native")


@pytest.fixture(scope="module")
def visit(session: Session) -> VisitReport:
    return session.visit_report(SEED)


@pytest.fixture(scope="module")
def page(session: Session) -> str:
    return session.report_html(SEED)


class _Rows(HTMLParser):
    """The text of every table row inside the element with id ``section``."""

    def __init__(self, section: str) -> None:
        super().__init__()
        self.section, self.depth = section, 0
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.depth += tag == "section"
        elif tag == "section" and ("id", self.section) in attrs:
            self.depth = 1
        if self.depth and tag == "tr":
            self.rows.append([])
        if self.depth and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        if self.depth and tag == "section":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def rows(page: str, section: str) -> list[list[str]]:
    p = _Rows(section)
    p.feed(page)
    return p.rows


# --- the seed case's numbers --------------------------------------------------------------------

def test_the_summary_shows_the_seed_cases_scores(page: str) -> None:
    # From `sicca score examples/rfib-case.yaml --format json`: ESSDAI documented (min-max);
    # haematological is never assessable (weight 2 x level 0..3 adds 0..6), and at one_year
    # nothing but cutaneous... is reported, so the range is 0..114.
    got = {r[0]: r[1:] for r in rows(page, "summary")[1:]}
    assert got["baseline"][:2] == ["2023-10", "11 (11–17)"]
    assert got["after_4_infusions"][1] == "11 (11–17)"
    assert got["after_12_infusions"][1] == "2 (2–8)"
    assert got["one_year"][1] == "0 (0–114)"
    # ClinESSDAI: baseline 9 (biological excluded: 11 - 2), range 9 + 6 = 15
    assert [got[t][3] for t in ("baseline", "after_12_infusions", "one_year")] == \
        ["9 (9–15)", "0 (0–6)", "0 (0–126)"]
    assert all(got[t][4] == "not computable" for t in got)  # no ESSPRI ratings recorded
    # criteria (2016, AECG, 2012): undetermined 3-9, met 4-6, met 2-3 at every timepoint
    assert all(got[t][5:] == ["undetermined (3–9)", "met (4–6)", "met (2–3)"] for t in got)


def test_the_summary_agrees_with_the_score_report_at_every_timepoint(session: Session,
                                                                      page: str) -> None:
    report = session.score(SEED).dump_json()
    got = {r[0]: r for r in rows(page, "summary")[1:]}
    for tp in report["timepoints"]:
        e = tp["essdai"]
        assert got[tp["id"]][2] == f"{e['documented']} ({e['min']}–{e['max']})"


def test_the_changes_show_delta_essdai_with_bounds_mcii_and_star(page: str) -> None:
    got: dict[str, list[str]] = {}
    for r in rows(page, "changes")[1:]:  # the changes table (the STAR items table follows)
        if "→" in r[0]:
            got.setdefault(r[0], r[1:])
    # baseline 11 (11-17) -> after 12 infusions 2 (2-8): -9, bounds 2-17 = -15 .. 8-11 = -3;
    # MCII (a fall of at least 3) reached even at the upper bound
    assert got["baseline → after_12_infusions"][:2] == ["-9 (-15 to -3)", "yes"]
    # 11 -> 11 with the same domain open: 0, bounds -6..6, MCII not determined
    assert got["baseline → after_4_infusions"][:2] == [
        "0 (-6 to 6)", "undetermined (documented: no)"]
    # one_year leaves 11 domains open: no documented delta
    assert got["baseline → one_year"][0] == "undetermined (-17 to 103)"
    assert got["baseline → after_12_infusions"][-1] == "undetermined (4–9 points)"  # STAR


def test_the_header_names_rule_sets_options_engine_and_the_notice(session: Session,
                                                                 page: str) -> None:
    report = session.score(SEED)
    header = page.split('<section id="summary">')[0]
    assert "Decision support, not a medical device" in header
    assert 'patient <span class="id">rfib-001</span>' in header
    assert ">native<" not in header and "native (sicca" in header
    for rs in report.rulesets:
        assert f"{rs.name}</td><td>{rs.version}</td><td class=\"id\">{rs.hash}" in header
    for k, v in report.options.items():
        assert f"{k}={v}" in header
    for t in report.timepoints:
        assert t.id in header


def test_a_not_assessable_domain_says_what_would_decide_it(page: str) -> None:
    baseline = rows(page, "tp-1")
    haem = next(r for r in baseline if r and r[0] == "haematological")
    assert haem[1] == "not assessable" and haem[2] == "– (0–3)" and haem[4] == "– (0–6)"
    assert "Would be decided by: lab.neutrophils, lab.haemoglobin" in haem[6]


def test_each_criteria_set_lists_its_missing_items_and_what_they_would_change(page: str
                                                                              ) -> None:
    baseline = rows(page, "tp-1")
    anti_ssa = next(r for r in baseline if r and r[0] == "anti ssa")
    # 2016: 3 points now (focus score), 4 needed; anti-SSA (3 points) positive -> met
    assert anti_ssa == ["anti ssa", "3", "met", "undetermined", "positive would give met"]


def test_the_appendix_traces_every_conclusion_and_cites_in_full(visit: VisitReport,
                                                                page: str) -> None:
    appendix = page.split('id="appendix"')[1]
    for d in visit.details:
        for c in d.conclusions:
            assert f"<code>{c.fact}</code>" in appendix
    assert "Seror R" in appendix  # the full ESSDAI reference, not only its id
    for ref in visit.references:
        assert f'id="ref-{ref.id}"' in appendix
    cited = set(re.findall(r'href="#ref-([a-z0-9_]+)"', page))
    assert cited and cited <= {r.id for r in visit.references}


# --- plots --------------------------------------------------------------------------------------

def test_the_plots_are_drawn_from_the_series(visit: VisitReport) -> None:
    plots = {p.id: p for p in timeline_plots(visit)}
    assert list(plots)[:3] == ["essdai", "clinessdai", "esspri"]
    assert {"labs-cytokine", "labs-lymphocyte"} <= set(plots)
    essdai = plots["essdai"].svg
    # one dot per timepoint, its tooltip the documented total and range
    assert "baseline 2023-10: ESSDAI 11 (range 11–17)" in essdai
    assert "one_year 2024-11: ESSDAI 0 (range 0–114)" in essdai
    assert "<polygon" in essdai  # the min-max band
    # one_year's range (0-114) would squash the others into the bottom tenth: the axis stops
    # at 25 (1.5 x the 'high from 14' line = 21, to the next round step) and that range runs
    # off the top with an arrow and its end written
    assert ">25</text>" in essdai and ">120</text>" not in essdai
    assert essdai.count('class="clipped"') == 1 and ">to 114</text>" in essdai
    assert "one_year: up to 114" in essdai
    assert "A range running off the top (arrow)" in plots["essdai"].caption
    assert "cutaneous" in essdai and "biological" in essdai  # stacked by domain
    assert "PASS: below 5" in plots["esspri"].svg
    assert "ESSPRI not computable at any timepoint" in plots["esspri"].svg
    # cytokines: multiple of the upper limit on a log scale; IL-10 16.33 / 8.051 = 2.03
    assert "IL-10 baseline 2023-10: 16.33 pg/mL = 2.03x ULN (high)" in plots["labs-cytokine"].svg
    # lymphocytes: against bands; CD3+ 56.5-85.5
    assert "reference 56.5–85.5" in plots["labs-lymphocyte"].svg
    # a marker per treatment course: rFib on the axis, UCMSC (before it) named at the edge
    assert 'class="treatment"' in essdai
    assert "◂ allogeneic umbilical-cord mesenchymal stem cell… (2021-05–2022-11)" in essdai
    assert "autologous regenerative fibroblasts (rFib)" in essdai


def test_a_censored_lab_value_is_drawn_hollow(visit: VisitReport) -> None:
    # CRP after 4 infusions is "<0.91": a bound, drawn as a hollow marker
    svg = {p.id: p.svg for p in timeline_plots(visit)}["labs-inflammation"]
    crp = re.search(r'<circle [^>]*fill="#fff"[^>]*><title>CRP after_4_infusions', svg)
    assert crp is not None


def test_the_page_is_self_contained(page: str) -> None:
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert "url(" not in page and " src=" not in page
    # every link is an anchor in the page itself
    assert set(re.findall(r'href="([^"#][^"]*)"', page)) == set()
    assert page.count("<svg") == len(re.findall(r'<figure id="plot-', page)) >= 8


# --- escaping -----------------------------------------------------------------------------------

def test_markup_in_a_case_file_is_shown_as_text(session: Session, tmp_path: Path) -> None:
    data: dict[str, Any] = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    data["patient"]["id"] = '<script>alert("id")</script>'
    data["timepoints"][0]["label"] = "<img src=x onerror=alert(1)>"
    data["treatments"][1]["what"] = '<script>alert("t")</script> & "co"'
    case = tmp_path / "<b>case<i>.yaml"
    case.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    page = session.report_html(case)
    assert "<script" not in page and "<img" not in page and "<b>case" not in page
    assert "&lt;script&gt;alert(&#34;id&#34;)&lt;/script&gt;" in page  # the page's text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    # inside the SVG too (the treatment's name on the time axis)
    essdai = page.split('id="plot-essdai"')[1].split("</svg>")[0]
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; &amp; &#34;co&#34;" in essdai


def test_the_svg_writer_escapes_text_and_attributes() -> None:
    svg = Svg(10, 10, 'a "label" <x>')
    svg.text(1, 2, "<script>&")
    svg.rect(0, 0, 1, 1, fill="red", title="</title><script>")
    out = svg.render()
    assert "<script>" not in out and "&lt;script&gt;&amp;" in out
    assert 'aria-label="a &#34;label&#34; &lt;x&gt;"' in out


# --- small pieces -------------------------------------------------------------------------------

def test_the_axis_top_is_the_next_round_step() -> None:
    assert _scale_top(114) == (120, 20)   # 6 steps of 20
    assert _scale_top(120) == (120, 20)   # exactly on a step: not one more
    assert _scale_top(121) == (125, 25.0)
    assert _scale_top(17) == (20, 5)
    assert _scale_top(5) == (5, 1)


def _totals(*ranges: tuple[int, int, int]) -> TotalSeries:
    """A total series of (documented total, min, max) per visit, 'high' from 14."""
    return TotalSeries(instrument="essdai", maximum=Decimal(123), moderate_from=Decimal(5),
                       high_from=Decimal(14), points=[
                           TotalPoint(timepoint=f"t{i}", date=f"2024-0{i + 1}",
                                      total=Decimal(t), min=Decimal(lo), max=Decimal(hi),
                                      category=None, domains={})
                           for i, (t, lo, hi) in enumerate(ranges)])


def test_the_total_axis_stops_where_recorded_totals_can_be_read() -> None:
    # readable: the highest total, lower bound or 'high' limit (14, or 20 below)
    assert _axis_top(_totals((11, 11, 17), (0, 0, 28))) == 28     # 28 = 2 x 14: all shown
    assert _axis_top(_totals((11, 11, 17), (0, 0, 29))) == 21     # 29 > 28: 1.5 x 14
    assert _axis_top(_totals((20, 20, 40), (0, 0, 40))) == 40     # 40 = 2 x 20
    assert _axis_top(_totals((20, 20, 41), (0, 0, 114))) == 30    # 1.5 x 20
    assert _axis_top(_totals((3, 0, 10))) == 14                   # the 'high' line shows


def test_numbers_ranges_and_deltas_read_as_written() -> None:
    assert num(Decimal("4.50")) == "4.5" and num(Decimal("11")) == "11" and num(None) == "–"
    assert num(Decimal("1E+2")) == "100"
    assert rng(Decimal(9), Decimal(9), Decimal(9)) == "9"
    assert rng(None, Decimal(0), Decimal(6)) == "– (0–6)"
    assert delta(Decimal(-9), Decimal(-15), Decimal(-3)) == "-9 (-15 to -3)"
    assert delta(None, Decimal(-17), Decimal(103)) == "undetermined (-17 to 103)"
    assert mcii(True, True) == "yes" and mcii(False, True) == "no"
    assert mcii(False, False) == "undetermined (documented: no)" and mcii(None, False) \
        == "undetermined"


def test_an_undetermined_category_shows_its_range(visit: VisitReport) -> None:
    e = visit.report.timepoints[0].essdai
    assert e is not None and category(e) == "moderate (range moderate–high)"


def test_dates_sit_at_the_start_of_their_month() -> None:
    assert date_number("2024-01") == 2024.0
    assert date_number("2023-10") == pytest.approx(2023.75)
    assert date_number("2023-10-16") == pytest.approx(2023.75 + 15 / 365.25)
    assert date_number(None) is None and date_number("soon") is None


# --- the command --------------------------------------------------------------------------------

def test_the_command_writes_the_html_page(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.html"
    code, stdout, _ = run(["report", str(SEED), "-o", str(out), "--engine", "native"], capsys)
    assert code == 0 and "wrote" in stdout
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_an_unknown_report_suffix_is_a_located_error(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    code, _, err = run(["report", str(SEED), "-o", str(tmp_path / "r.txt")], capsys)
    assert code == 2 and "E602" in err and "Traceback" not in err
    assert not (tmp_path / "r.txt").exists()


def test_a_pdf_without_chromium_is_a_clear_error(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SICCA_CHROMIUM", str(tmp_path / "no-chromium-here"))
    code, _, err = run(["report", str(SEED), "-o", str(tmp_path / "r.pdf")], capsys)
    assert code == 2 and "E600" in err and "Chromium was not found" in err
    assert "Traceback" not in err and not (tmp_path / "r.pdf").exists()
