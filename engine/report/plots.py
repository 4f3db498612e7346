"""The visit report's plots, drawn as inline SVG from data (sicca.report.visit.VisitReport).

``timeline_plots(visit)`` returns one ``Plot`` (id, title, caption, svg) per figure, for the
HTML report and the web app alike:

- each total-score series (``TotalSeries``): the documented total per timepoint stacked by
  domain, the min–max band where domains are not assessable, the category lines;
- each patient-reported series (``PatientReportedSeries``): the score with its acceptable-state
  line (named by the pack's ``terms``);
- each laboratory panel: one small chart per analyte. A panel whose reference ranges all have
  two ends, one of them above 0, is drawn against its reference band (value on a linear
  scale); any other panel as a multiple of the upper limit on a log scale with the line at 1.

Every chart shares one time axis (the timepoints' dates) with a marker per treatment course;
a course outside the axis is named at its edge. Nothing is hand-placed: every mark comes from
the series. Which chart a series gets follows its type, never its name; an instrument is
named by the title its rule set declares (``VisitReport.titles``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from sicca.report.svg import Svg
from sicca.report.visit import LabSeries, TreatmentCourse, VisitReport, date_number
from sicca.scores.results import PatientReportedSeries, TotalSeries

__all__ = ["Plot", "timeline_plots"]

PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac", "#2f4b7c", "#a05195"]
INK, GRID, MUTED = "#222", "#ddd", "#777"
TREAT = "#8e6c8a"
WIDTH = 720.0


class Plot(BaseModel):
    """One figure: a stable ``id`` (for anchors and tests), a title, a caption saying how to
    read it, and the SVG markup (safe to embed as is: every text in it is escaped)."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    caption: str
    svg: str


def timeline_plots(visit: VisitReport) -> list[Plot]:
    """Every figure of the visit report, in reading order."""
    dates = [t.date for t in visit.report.timepoints]
    plots: list[Plot] = []
    for s in visit.series:
        if isinstance(s, TotalSeries):
            plots.append(_total_plot(s, _title(visit, s.instrument), dates, visit.treatments))
    for s in visit.series:
        if isinstance(s, PatientReportedSeries):
            plots.append(_pro_plot(s, _title(visit, s.instrument),
                                   _title(visit, f"{s.instrument}.pass"), dates,
                                   visit.treatments))
    panels: dict[str, list[LabSeries]] = {}
    for lab in visit.labs:
        if any(p.value is not None for p in lab.points):
            panels.setdefault(lab.panel, []).append(lab)
    for panel, labs in panels.items():
        plots.append(_lab_plot(panel, labs, dates, visit.treatments))
    return plots


def _title(visit: VisitReport, instrument: str) -> str:
    return visit.titles.get(instrument, instrument)


# --- axes -------------------------------------------------------------------------------------

@dataclass
class TimeAxis:
    """Dates (year fractions) ``t0..t1`` onto pixels ``x0..x1``."""

    t0: float
    t1: float
    x0: float
    x1: float

    @classmethod
    def of(cls, dates: Sequence[str], x0: float, x1: float) -> TimeAxis:
        ts = [t for t in (date_number(d) for d in dates) if t is not None] or [0.0]
        lo, hi = min(ts), max(ts)
        pad = max((hi - lo) * 0.06, 1.5 / 12)
        return cls(lo - pad, hi + pad, x0, x1)

    def x(self, t: float) -> float:
        return self.x0 + (t - self.t0) / (self.t1 - self.t0) * (self.x1 - self.x0)

    def at(self, date: str) -> float | None:
        t = date_number(date)
        return None if t is None else self.x(t)


@dataclass
class Linear:
    v0: float
    v1: float
    y0: float  # pixel of v0 (bottom)
    y1: float  # pixel of v1 (top)

    def y(self, v: float) -> float:
        return self.y0 + (v - self.v0) / (self.v1 - self.v0 or 1) * (self.y1 - self.y0)


@dataclass
class Log:
    v0: float
    v1: float
    y0: float
    y1: float

    def y(self, v: float) -> float:
        v = max(v, self.v0)
        a, b = math.log10(self.v0), math.log10(self.v1)
        return self.y0 + (math.log10(v) - a) / (b - a) * (self.y1 - self.y0)


def _scale_top(v: float) -> tuple[float, float]:
    """A round top for a 0-based axis at or above ``v`` and its tick step (at most 6 steps):
    114 -> (120, 20), 17 -> (20, 5)."""
    mag = 1.0
    while True:
        for m in (1, 2, 2.5, 5):
            step = m * mag
            if math.ceil(v / step) <= 6:
                return max(math.ceil(v / step), 1) * step, step
        mag *= 10


def _num(d: Decimal | float | int | None) -> str:
    if d is None:
        return "–"
    if isinstance(d, Decimal) and d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    if isinstance(d, Decimal):
        return format(d.normalize(), "f")
    return f"{float(d):.3g}"


def _x_axis(svg: Svg, ax: TimeAxis, dates: Sequence[str], y: float, labels: bool = True,
            size: float = 10) -> None:
    svg.line(ax.x0, y, ax.x1, y, stroke=INK)
    seen: list[float] = []
    for d in dates:
        x = ax.at(d)
        if x is None:
            continue
        svg.line(x, y, x, y + 4, stroke=INK)
        if labels and all(abs(x - s) > size * 4 for s in seen):
            svg.text(x, y + 6 + size, d, size=size, anchor="middle")
            seen.append(x)


def _treatments(svg: Svg, ax: TimeAxis, courses: Sequence[TreatmentCourse], top: float,
                bottom: float, label_y: float | None) -> None:
    """A shaded span and a start tick per treatment course; a course outside the axis is named
    at its edge (``label_y`` None: spans only, for the small charts)."""
    row = 0
    for c in courses:
        s, e = date_number(c.start), date_number(c.end)
        if s is None and e is None:
            continue
        s = e if s is None else s
        e = s if e is None else e
        assert s is not None and e is not None
        name = _short(c.what)
        span = f"{c.start or '?'}–{c.end or '?'}"
        tip = f"{c.what}: {span}" + (f", {c.count} administrations" if c.count else "")
        if e < ax.t0 or s > ax.t1:
            if label_y is not None:
                left = e < ax.t0
                x = ax.x0 + 2 if left else ax.x1 - 2
                svg.text(x, label_y + 12 * row, ("◂ " if left else "") + f"{name} ({span})"
                         + ("" if left else " ▸"), size=9, anchor="start" if left else "end",
                         fill=TREAT, cls="treatment")
                row += 1
            continue
        xs, xe = ax.x(max(s, ax.t0)), ax.x(min(e, ax.t1))
        svg.rect(xs, top, max(xe - xs, 2.0), bottom - top, fill=TREAT, opacity=0.10,
                 cls="treatment", title=tip)
        if s >= ax.t0:
            svg.line(xs, top, xs, bottom, stroke=TREAT, width=1.5, cls="treatment")
        if label_y is not None:
            svg.text(xs + 3, label_y + 12 * row, f"▸ {name} ({span})", size=9, fill=TREAT,
                     cls="treatment")
            row += 1


def _short(text: str, n: int = 48) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _label_rows(courses: Sequence[TreatmentCourse]) -> int:
    return sum(1 for c in courses if c.start or c.end)


# --- total scores -----------------------------------------------------------------------------

def _total_plot(s: TotalSeries, name: str, dates: Sequence[str],
                courses: Sequence[TreatmentCourse]) -> Plot:
    domains = [d for d in _domain_order(s) if any((p.domains.get(d) or 0) > 0 for p in s.points)]
    rows = _label_rows(courses)
    top = 16 + 12 * rows
    legend = [(PALETTE[i % len(PALETTE)], d.replace("_", " "), 1.0)
              for i, d in enumerate(domains)] + [("#9aa7b8", "min–max range", 0.4)]
    per_row = 5
    legend_h = 16 * math.ceil(len(legend) / per_row) + 6
    h = top + 230 + legend_h
    svg = Svg(WIDTH, h, f"{name} total per timepoint")
    ax = TimeAxis.of(dates, 52, WIDTH - 100)
    ytop, ystep = _scale_top(_axis_top(s))
    y = Linear(0, ytop, h - 34 - legend_h, top + 6)
    clipped = False
    for v in [i * ystep for i in range(round(ytop / ystep) + 1)]:
        svg.line(ax.x0, y.y(v), ax.x1, y.y(v), stroke=GRID)
        svg.text(ax.x0 - 6, y.y(v) + 4, _num(Decimal(str(v))), size=10, anchor="end")
    svg.text(14, (y.y0 + y.y1) / 2, f"{name} points", size=10, anchor="middle", rotate=-90)
    _treatments(svg, ax, courses, y.y1, y.y0, 12)
    for limit, lab in ((s.moderate_from, "moderate"), (s.high_from, "high")):
        svg.line(ax.x0, y.y(float(limit)), ax.x1, y.y(float(limit)), stroke=MUTED, dash="4 3")
        svg.text(ax.x1 + 4, y.y(float(limit)) + 3, f"{lab} from {_num(limit)}", size=9,
                 fill=MUTED)
    pts = [(ax.at(p.date), p) for p in s.points]
    upper = [(x, y.y(min(float(p.max), ytop))) for x, p in pts
             if x is not None and p.max is not None]
    lower = [(x, y.y(float(p.min))) for x, p in pts if x is not None and p.min is not None]
    svg.polygon(upper + lower[::-1], fill="#9aa7b8", opacity=0.25,
                title="range: lowest to highest total the missing data allow")
    for x, p in pts:
        if x is None or p.total is None:
            continue
        base = 0.0
        for i, d in enumerate(domains):
            v = float(p.domains.get(d) or 0)
            if v <= 0:
                continue
            svg.rect(x - 9, y.y(base + v), 18, y.y(base) - y.y(base + v),
                     fill=PALETTE[i % len(PALETTE)], title=f"{p.timepoint}: {d} {_num(v)}",
                     cls="bar")
            base += v
        if p.min is not None and p.max is not None and p.max != p.min:
            hi = min(float(p.max), ytop)
            svg.line(x + 13, y.y(float(p.min)), x + 13, y.y(hi), stroke=INK, width=1.2)
            svg.line(x + 10, y.y(float(p.min)), x + 16, y.y(float(p.min)), stroke=INK)
            if float(p.max) > ytop:  # runs off the top: an arrow, and the end written
                clipped = True
                svg.polygon([(x + 9, y.y1 + 7), (x + 13, y.y1), (x + 17, y.y1 + 7)],
                            fill=INK, opacity=1.0, title=f"{p.timepoint}: up to {_num(p.max)}")
                svg.text(x + 13, y.y1 - 3, f"to {_num(p.max)}", size=9, anchor="middle",
                         cls="clipped")
            else:
                svg.line(x + 10, y.y(hi), x + 16, y.y(hi), stroke=INK)
        rng = "" if p.min == p.max else f" (range {_num(p.min)}–{_num(p.max)})"
        svg.circle(x, y.y(float(p.total)), 3.5, fill=INK,
                   title=f"{p.timepoint} {p.date}: {name} {_num(p.total)}{rng}")
        svg.text(x, y.y(max(float(p.total), base)) - 7, _num(p.total), size=11,
                 anchor="middle", weight="bold", cls="total")
    _x_axis(svg, ax, dates, y.y0)
    ly = y.y0 + 34  # the legend under the axis: points by domain, then the band
    for i, (colour, text, opacity) in enumerate(legend):
        lx = ax.x0 + (i % per_row) * 122
        yy = ly + 16 * (i // per_row)
        svg.rect(lx, yy - 9, 10, 10, fill=colour, opacity=opacity)
        svg.text(lx + 14, yy, text, size=10)
    cap = (f"Documented {name} total (dot, with the range when domains are not assessable) "
           f"stacked by domain points; the shaded band runs from the lowest to the highest "
           f"total the missing data allow. Dashed lines: category limits. "
           f"Purple: treatment courses."
           + (" A range running off the top (arrow) ends at the value written above it: "
              "the axis stops where the recorded totals can be read." if clipped else ""))
    return Plot(id=s.instrument, title=f"{name} per timepoint", caption=cap, svg=svg.render())


def _axis_top(s: TotalSeries) -> float:
    """The highest value the total plot's axis must show. A visit with almost nothing recorded
    can reach ~120 points; scaled to that, the totals clinicians read (0-30) are a few pixels
    tall. So the axis stops at 1.5x the highest documented total, lowest bound or "high" limit
    when a range's top is more than twice that, and such a range is drawn to the top with an
    arrow and its end written (never left out)."""
    readable = max([float(v) for p in s.points for v in (p.total, p.min) if v is not None]
                   + [float(s.high_from)])
    highest = max([float(p.max) for p in s.points if p.max is not None] + [readable])
    return readable * 1.5 if highest > 2 * readable else highest


def _domain_order(s: TotalSeries) -> list[str]:
    out: list[str] = []
    for p in s.points:
        for d in p.domains:
            if d not in out:
                out.append(d)
    return out


def _pro_plot(s: PatientReportedSeries, name: str, pass_name: str, dates: Sequence[str],
              courses: Sequence[TreatmentCourse]) -> Plot:
    rows = _label_rows(courses)
    top = 16 + 12 * rows
    h = top + 190
    svg = Svg(WIDTH, h, f"{name} per timepoint")
    ax = TimeAxis.of(dates, 52, WIDTH - 100)
    y = Linear(0, 10, h - 34, top + 6)
    for v in range(0, 11, 2):
        svg.line(ax.x0, y.y(v), ax.x1, y.y(v), stroke=GRID)
        svg.text(ax.x0 - 6, y.y(v) + 4, str(v), size=10, anchor="end")
    svg.text(14, (y.y0 + y.y1) / 2, name, size=10, anchor="middle", rotate=-90)
    _treatments(svg, ax, courses, y.y1, y.y0, 12)
    pb = float(s.pass_below)
    svg.line(ax.x0, y.y(pb), ax.x1, y.y(pb), stroke="#3a7d44", dash="5 3", width=1.5)
    svg.text(ax.x1 + 4, y.y(pb) + 3, f"{pass_name}: below {_num(s.pass_below)}", size=10,
             fill="#3a7d44")
    line: list[tuple[float, float]] = []
    for p in s.points:
        x = ax.at(p.date)
        if x is None:
            continue
        if p.score is None:
            svg.text(x, y.y0 - 6, "n/c", size=9, anchor="middle", fill=MUTED, cls="missing")
            continue
        line.append((x, y.y(float(p.score))))
        svg.circle(x, y.y(float(p.score)), 4, fill=INK,
                   title=f"{p.timepoint} {p.date}: {name} {_num(p.score)}")
        svg.text(x, y.y(float(p.score)) - 8, _num(p.score), size=10, anchor="middle")
    svg.polyline(line, stroke=INK)
    if not any(p.score is not None for p in s.points):
        svg.text((ax.x0 + ax.x1) / 2, y.y(8),
                 f"{name} not computable at any timepoint (ratings not recorded)",
                 size=12, anchor="middle", fill=MUTED)
    _x_axis(svg, ax, dates, y.y0)
    cap = (f"{name} per timepoint; the dashed line is the {pass_name} limit (patient acceptable "
           f"symptom state below it). n/c: not computable (a rating is missing).")
    return Plot(id=s.instrument, title=f"{name} per timepoint", caption=cap, svg=svg.render())


# --- laboratory -------------------------------------------------------------------------------

def _banded(labs: Sequence[LabSeries]) -> bool:
    """Drawn against reference bands: every result has both limits, some low limit above 0."""
    pts = [p for lab in labs for p in lab.points if p.value is not None]
    return bool(pts) and all(p.low is not None and p.high is not None for p in pts) \
        and any(p.low is not None and p.low > 0 for p in pts)


def _lab_plot(panel: str, labs: Sequence[LabSeries], dates: Sequence[str],
              courses: Sequence[TreatmentCourse]) -> Plot:
    banded = _banded(labs)
    title = panel.replace("_", " ").capitalize() + (
        ": against reference ranges" if banded else ": multiple of the upper limit (log scale)")
    cols = 4
    cw, ch = WIDTH / cols, 132.0
    nrows = math.ceil(len(labs) / cols)
    svg = Svg(WIDTH, ch * nrows + 8, title)
    log: Log | None = None
    if not banded:
        xs = [float(p.x_uln) for lab in labs for p in lab.points if p.x_uln is not None
              and p.x_uln > 0]
        lo = min([0.5] + [v / 1.4 for v in xs])
        hi = max([2.0] + [v * 1.4 for v in xs])
        log = Log(10 ** math.floor(math.log10(lo)), 10 ** math.ceil(math.log10(hi)), 0, 0)
    for i, lab in enumerate(labs):
        cx, cy = (i % cols) * cw, (i // cols) * ch
        _lab_cell(svg, lab, dates, courses, cx + 36, cx + cw - 10, cy + 22, cy + ch - 26, log)
    if banded:
        cap = ("Each analyte's value per timepoint (in its unit) against the laboratory's "
               "reference range (green band). Hollow markers: censored values (a bound, not "
               "an exact value). Purple: treatment courses.")
    else:
        cap = ("Each analyte as a multiple of its upper reference limit on a log scale; the red "
               "line is the upper limit (1x). Hollow markers: censored values (a bound, not an "
               "exact value). Purple: treatment courses.")
    return Plot(id=f"labs-{panel}", title=title, caption=cap, svg=svg.render())


def _lab_cell(svg: Svg, lab: LabSeries, dates: Sequence[str],
              courses: Sequence[TreatmentCourse], x0: float, x1: float, top: float,
              bottom: float, log: Log | None) -> None:
    ax = TimeAxis.of(dates, x0, x1)
    unit = "" if lab.unit in ("1", "{ratio}") else f" ({lab.unit})"
    svg.text(x0 - 30, top - 8, _short(lab.name, 26) + unit, size=10, weight="bold")
    pts = [p for p in lab.points if p.value is not None]
    if log is not None:
        scale: Log | Linear = Log(log.v0, log.v1, bottom, top)
        dec = log.v0
        while dec <= log.v1 * 1.0001:
            yy = scale.y(dec)
            svg.line(x0, yy, x1, yy, stroke=GRID)
            svg.text(x0 - 3, yy + 3, f"{dec:g}", size=8, anchor="end", fill=MUTED)
            dec *= 10
        _treatments(svg, ax, courses, top, bottom, None)
        svg.line(x0, scale.y(1), x1, scale.y(1), stroke="#c0392b", dash="4 2", width=1.2)
        values = [(p, float(p.x_uln)) for p in pts if p.x_uln is not None and p.x_uln > 0]
    else:
        vals = [float(v) for p in pts for v in (p.value, p.low, p.high) if v is not None]
        lo, hi = min(vals), max(vals)
        pad = (hi - lo) * 0.12 or 1.0
        scale = Linear(max(lo - pad, 0.0) if lo >= 0 else lo - pad, hi + pad, bottom, top)
        for v in (scale.v0, scale.v1):
            svg.text(x0 - 3, scale.y(v) + 3, f"{v:.3g}", size=8, anchor="end", fill=MUTED)
        _treatments(svg, ax, courses, top, bottom, None)
        # the band of each result, from midway after the previous one to midway before the
        # next (a laboratory may change its range between visits)
        xs = [ax.at(p.date) or x0 for p in pts]
        for i, p in enumerate(pts):
            assert p.low is not None and p.high is not None
            left = x0 if i == 0 else (xs[i - 1] + xs[i]) / 2
            right = x1 if i == len(pts) - 1 else (xs[i] + xs[i + 1]) / 2
            svg.rect(left, scale.y(float(p.high)), right - left,
                     scale.y(float(p.low)) - scale.y(float(p.high)), fill="#59a14f",
                     opacity=0.18, title=f"reference {_num(p.low)}–{_num(p.high)}")
        values = [(p, float(p.value)) for p in pts if p.value is not None]
    svg.line(x0, bottom, x1, bottom, stroke=INK)
    svg.line(x0, top, x0, bottom, stroke=MUTED)
    line = []
    for p, v in values:
        x = ax.at(p.date)
        if x is None:
            continue
        yy = scale.y(v)
        line.append((x, yy))
    svg.polyline(line, stroke=INK, width=1.2)
    for p, v in values:
        x = ax.at(p.date)
        if x is None:
            continue
        out = p.flag in ("high", "low")
        color = "#c0392b" if out else "#2c6e49"
        tip = f"{lab.name} {p.timepoint} {p.date}: {p.printed or _num(p.value)}" + (
            f" = {float(p.x_uln):.2f}x ULN" if p.x_uln is not None else "") + (
            f" ({p.flag})" if p.flag else "")
        if p.censored:
            svg.circle(x, scale.y(v), 3.5, fill="#fff", stroke=color, title=tip, cls="point")
        else:
            svg.circle(x, scale.y(v), 3.5, fill=color, title=tip, cls="point")
    for d in dates:
        x = ax.at(d)
        if x is not None:
            svg.line(x, bottom, x, bottom + 3, stroke=INK)
    first, last = dates[0], dates[-1]
    svg.text(x0, bottom + 12, first, size=8, fill=MUTED)
    svg.text(x1, bottom + 12, last, size=8, anchor="end", fill=MUTED)
