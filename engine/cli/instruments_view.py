"""Tables for `sicca score` (table format): drawn from the report, never by the instruments.

Moved here from scores/*.py (instruments do not render). Each function reads the report dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def render_essdai(console: Any, tp: dict[str, Any]) -> None:
    from rich.table import Table

    ess, clin = tp.get("essdai"), tp.get("clinessdai")
    if not ess:
        return
    t = Table(title="ESSDAI domains", show_lines=False)
    for col in ("domain", "state", "level", "ESSDAI pts", "ClinESSDAI pts", "rules / flags"):
        t.add_column(col)
    for name, d in ess["domains"].items():
        c = (clin or {}).get("domains", {}).get(name)
        lvl = "?" if d["level"] is None else str(d["level"])
        pts = (f"0..{d['points_max']}" if d["points"] is None else str(d["points"]))
        cp = "—" if c is None else (f"0..{c['points_max']}" if c["points"] is None
                                     else str(c["points"]))
        why = ", ".join(d["rules"] + [f"[yellow]{f}[/]" for f in d["flags"]])
        t.add_row(name, d["state"], lvl, pts, cp, why)
    console.print(t)
    console.print(_essdai_line("ESSDAI", ess))
    if clin:
        console.print(_essdai_line("ClinESSDAI", clin) + f" [dim]({clin['weights_status']})[/]")
    sev = {True: "yes", False: "no", None: "undetermined"}[ess["severe"]]
    console.print(f"EULAR 2020 severe: {sev}")
    for w in ess.get("warnings", []):
        console.print(f"[red]warning[/]: {w} (ESSDAI is validated for primary SS)")


def _essdai_line(label: str, s: dict[str, Any]) -> str:
    det = "" if s["category_determined"] else \
        f" — category not determined ({s['category_min']} to {s['category_max']})"
    lab = f" [dim]({s['documented_label']}: {', '.join(s['not_assessable'])})[/]" \
        if s["not_assessable"] else ""
    return (f"[bold]{label}[/] documented {s['documented']}{lab}, range {s['min']}–{s['max']}, "
            f"category {s['category']}{det}")


def render_esspri(console: Any, tp: dict[str, Any]) -> None:
    e = tp.get("esspri")
    if not e:
        return
    if e["score"] is None:
        console.print(f"[bold]ESSPRI[/] not computable (missing: {', '.join(e['missing'])})")
    else:
        console.print(f"[bold]ESSPRI[/] {e['score']} ({e['exact']}), PASS "
                      f"{'yes' if e['pass'] else 'no'} (< 5)")


_STYLE = {"positive": "green", "negative": "red", "unknown": "yellow", "met": "bold green",
          "not_met": "bold red", "undetermined": "bold yellow", "excluded": "bold magenta",
          "not_applicable": "bold blue"}


def render_criteria(console: Any, tp_out: Mapping[str, Any]) -> None:
    """A checklist per criteria set: item, state, points, rules; verdict, range, missing."""
    from rich.table import Table

    for name, res in tp_out.get("criteria", {}).items():
        table = Table(title=f"{name} · {res['label']}", title_justify="left", expand=False)
        for col in ("item", "state", "points", "rules"):
            table.add_column(col)
        if "entry" in res:
            e = res["entry"]
            table.add_row("entry", _styled(e["state"], e), "", ", ".join(e["rules"]))
        for item, it in res["items"].items():
            label = f"{it.get('roman', '')} {item}".strip()
            table.add_row(label, _styled(it["state"], it), str(it["points"]),
                          ", ".join(it["rules"]))
        console.print(table)
        extra = f" · {res['classification']}" if "classification" in res else ""
        rule = f" by rule {', '.join(res['rules_met'])}" if res.get("rules_met") else ""
        v = res["verdict"]
        console.print(f"  verdict [{_STYLE.get(v, 'bold')}]{v}[/]{rule}{extra} · score "
                      f"{res['score_min']}–{res['score_max']}")
        for m in res["missing"]:
            console.print(f"  missing {m['item']}: {m['decides']}")
        if res["conditional"]:
            console.print("  conditional on: " + ", ".join(res["conditional"]))
        for f in res["flags"]:
            console.print(f"  [yellow]flag {f['flag']}[/]: {f['message']}")


def _styled(state: str, it: Mapping[str, Any]) -> str:
    marks = " ".join(k for k in ("inferred", "interpreted", "hypothetical") if it.get(k))
    s = f"[{_STYLE.get(state, '')}]{state}[/]"
    return f"{s} [dim]({marks})[/]" if marks else s


def _rng(c: dict[str, Any], k: str) -> str:
    d = c[f"{k}_delta"]
    star_ = "*" if c[f"{k}_assumes_unassessable_unchanged"] else ""
    return f"{'?' if d is None else d}{star_} ({c[f'{k}_delta_min']}..{c[f'{k}_delta_max']})"


def render_changes(console: Any, changes: list[dict[str, Any]]) -> None:
    from rich.table import Table

    t = Table(title="changes")
    for col in ("from → to", "ΔESSDAI", "MCII", "ΔClinESSDAI", "ΔESSPRI", "MCII", "STAR"):
        t.add_column(col)
    for c in changes:
        if "essdai_delta" not in c:
            continue

        mcii = {True: "met", False: "not met", None: "undetermined"}
        st = c.get("star") or {}
        t.add_row(f"{c['from']} → {c['to']}", _rng(c, "essdai"),
                  mcii[c["essdai_mcii"]] + ("" if c["essdai_mcii_determined"] or
                                            c["essdai_mcii"] is None else "*"),
                  _rng(c, "clinessdai"),
                  "—" if c.get("esspri_delta") is None else str(c["esspri_delta"]),
                  mcii[c.get("esspri_mcii")],
                  f"{st.get('points_min')}–{st.get('points_max')} {st.get('verdict')}")
    console.print(t)
    console.print("[dim]* documented totals, assuming not-assessable domains unchanged; "
                  "(min..max) assumes nothing[/]")


def render_timepoint(console: Any, tp: dict[str, Any]) -> None:
    """Every instrument's table for one timepoint of the report."""
    render_essdai(console, tp)
    render_esspri(console, tp)
    render_criteria(console, tp)
