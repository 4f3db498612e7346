"""A small SVG writer: shapes and text into one ``<svg>`` string, every text escaped.

No script, no external reference: the drawing is inline markup that a browser, a PDF printer
and a Jinja2 page (as ``Markup``) take as it is. Numbers are written with one decimal.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import escape

__all__ = ["Svg", "fmt"]


def fmt(x: float) -> str:
    """A coordinate with at most one decimal (``12``, ``12.5``)."""
    s = f"{x:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _attrs(**kw: str | float | None) -> str:
    out = []
    for k, v in kw.items():
        if v is None:
            continue
        name = k.rstrip("_").replace("_", "-")
        val = fmt(v) if isinstance(v, (int, float)) else str(escape(v))
        out.append(f'{name}="{val}"')
    return " ".join(out)


class Svg:
    """One drawing ``width`` x ``height`` (user units = CSS pixels); ``label`` is its
    accessible name."""

    def __init__(self, width: float, height: float, label: str) -> None:
        self.width, self.height = width, height
        self.label = label
        self.parts: list[str] = []

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str,
             cls: str | None = None, title: str | None = None, opacity: float | None = None,
             stroke: str | None = None) -> None:
        self._shape("rect", title, x=x, y=y, width=max(w, 0.0), height=max(h, 0.0), fill=fill,
                    class_=cls, fill_opacity=opacity, stroke=stroke)

    def line(self, x1: float, y1: float, x2: float, y2: float, *, stroke: str,
             width: float = 1.0, dash: str | None = None, cls: str | None = None) -> None:
        self._shape("line", None, x1=x1, y1=y1, x2=x2, y2=y2, stroke=stroke,
                    stroke_width=width, stroke_dasharray=dash, class_=cls)

    def polyline(self, pts: Sequence[tuple[float, float]], *, stroke: str,
                 width: float = 1.5, dash: str | None = None) -> None:
        if len(pts) < 2:
            return
        self._shape("polyline", None, points=" ".join(f"{fmt(x)},{fmt(y)}" for x, y in pts),
                    fill="none", stroke=stroke, stroke_width=width, stroke_dasharray=dash)

    def polygon(self, pts: Sequence[tuple[float, float]], *, fill: str, opacity: float,
                title: str | None = None) -> None:
        if len(pts) < 3:
            return
        self._shape("polygon", title,
                    points=" ".join(f"{fmt(x)},{fmt(y)}" for x, y in pts), fill=fill,
                    fill_opacity=opacity, stroke="none")

    def circle(self, x: float, y: float, r: float, *, fill: str, stroke: str | None = None,
               title: str | None = None, cls: str | None = None) -> None:
        self._shape("circle", title, cx=x, cy=y, r=r, fill=fill, stroke=stroke,
                    stroke_width=1.5 if stroke else None, class_=cls)

    def text(self, x: float, y: float, s: str, *, size: float = 11, anchor: str = "start",
             fill: str = "#222", weight: str | None = None, cls: str | None = None,
             rotate: float | None = None) -> None:
        tr = f"rotate({fmt(rotate)} {fmt(x)} {fmt(y)})" if rotate is not None else None
        a = _attrs(x=x, y=y, font_size=size, text_anchor=anchor, fill=fill,
                   font_weight=weight, class_=cls, transform=tr)
        self.parts.append(f"<text {a}>{escape(s)}</text>")

    def _shape(self, tag: str, title: str | None, **kw: str | float | None) -> None:
        a = _attrs(**kw)
        if title:
            self.parts.append(f"<{tag} {a}><title>{escape(title)}</title></{tag}>")
        else:
            self.parts.append(f"<{tag} {a}/>")

    def render(self) -> str:
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {fmt(self.width)} '
                f'{fmt(self.height)}" width="{fmt(self.width)}" height="{fmt(self.height)}" '
                f'role="img" aria-label="{escape(self.label)}" class="plot">')
        return head + f"<title>{escape(self.label)}</title>" + "".join(self.parts) + "</svg>"
