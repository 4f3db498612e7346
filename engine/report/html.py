"""The visit report as one self-contained HTML page (Jinja2, autoescape on).

``render_html(visit)`` lays out a ``VisitReport`` (sicca.report.visit) with the template
``templates/report.html.j2``: styles inline (``report.css``, system fonts), plots inline SVG
(sicca.report.plots), no script and nothing fetched when the page is opened. Every string from
the case file is escaped by Jinja2's autoescape; only the plots' SVG is marked safe, and the SVG
writer escapes every text it draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from sicca.report.plots import timeline_plots
from sicca.report.visit import Conclusion, VisitReport
from sicca.scores.results import TotalResult

__all__ = ["render_html"]


def num(v: Decimal | int | float | None) -> str:
    """An exact number as written (``11``, ``4.5``, ``-9``); ``–`` for none."""
    if v is None:
        return "–"
    if isinstance(v, Decimal):
        if v == v.to_integral_value():
            return str(v.quantize(Decimal(1)))
        return format(v.normalize(), "f")
    return str(v)


def words(v: object) -> str:
    """A code as words: ``not_assessable`` → ``not assessable``."""
    return str(v).replace("_", " ")


def yesno(v: bool | None) -> str:
    return "undetermined" if v is None else ("yes" if v else "no")


def rng(v: Decimal | int | None, lo: Decimal | int, hi: Decimal | int) -> str:
    """A value with its bounds: ``9``; ``– (0–6)`` when undetermined; ``2 (2–3)``."""
    if v is not None and lo == hi == v:
        return num(v)
    return f"{num(v)} ({num(lo)}–{num(hi)})"


def delta(v: Decimal | None, lo: Decimal | None, hi: Decimal | None) -> str:
    """``-9 (-15 to -3)``; ``undetermined (-17 to 103)``."""
    shown = "undetermined" if v is None else num(v)
    if lo is None or hi is None or lo == hi == v:
        return shown
    return f"{shown} ({num(lo)} to {num(hi)})"


def mcii(v: bool | None, determined: bool | None) -> str:
    """MCII reached: yes / no; ``undetermined (documented: no)`` when the bounds leave it open."""
    if v is None:
        return "undetermined"
    return ("yes" if v else "no") if determined else \
        f"undetermined (documented: {'yes' if v else 'no'})"


def category(t: TotalResult) -> str:
    if t.category_determined or t.category_min == t.category_max:
        return str(t.category)
    return f"{t.category} (range {t.category_min}–{t.category_max})"


@cache
def _env() -> Environment:
    env = Environment(loader=PackageLoader("sicca.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False)
    env.filters.update(num=num, words=words, yesno=yesno)
    env.globals.update(rng=rng, delta=delta, mcii=mcii, category=category)
    return env


def render_html(visit: VisitReport) -> str:
    """The visit report page (a complete HTML document)."""
    from sicca import __version__

    names: list[str] = []
    for t in visit.report.timepoints:
        for n in t.criteria or {}:
            if n not in names:
                names.append(n)
    return _env().get_template("report.html.j2").render(
        visit=visit, plots=timeline_plots(visit), criteria_names=names, version=__version__,
        appendix=appendix(visit), title=lambda ident: visit.titles.get(ident, ident))


@dataclass(frozen=True)
class AppendixPart:
    """One timepoint's traces: the conclusions shown in full, and those identical (fact, value,
    rules, matched inputs and sources) to the previous timepoint's, named only."""

    id: str
    shown: list[Conclusion]
    same_as: str | None
    unchanged: list[str]


def appendix(visit: VisitReport) -> list[AppendixPart]:
    out: list[AppendixPart] = []
    prev: set[str] = set()
    prev_id: str | None = None
    for d in visit.details:
        keys = [c.model_dump_json() for c in d.conclusions]
        shown = [c for c, k in zip(d.conclusions, keys, strict=True) if k not in prev]
        same = list(dict.fromkeys(c.fact for c, k in zip(d.conclusions, keys, strict=True)
                                  if k in prev))
        out.append(AppendixPart(d.id, shown, prev_id, same))
        prev, prev_id = set(keys), d.id
    return out
