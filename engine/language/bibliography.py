"""The bibliography: the sources rules cite, one entry per source, and how a reference reads.

``rules/bibliography.yaml`` (``kind: bibliography``) lists every source; a rule's
``source.citation`` is an entry's ``id`` and ``locator`` says where in it (``Table 3``,
``§1.6``). A rule pack may bring its own ``bibliography.yaml`` at its top: its entries are
merged with the bundled ones, and an id defined twice is an error naming both places.

Codes (rule-file family): E313 an id defined twice; E314 a malformed entry. An unknown
citation in a rule file (E311) is reported by the loader, which knows the rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from sicca.base.errors import InputError, Problems
from sicca.base.yamlsrc import KEY, Reader, Sourced, load

__all__ = ["BIB_FILES", "ID_PATTERN", "Bibliography", "Entry", "cite_label", "format_reference",
           "load_bibliography", "source_lines"]

#: file names a rules directory (bundled or pack) may hold its bibliography in
BIB_FILES = ("bibliography.yaml", "bibliography.yml")
#: an entry id: short, stable, lower case (``seror2010_essdai``)
ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Tag = Literal["V-P", "V-S", "UNVERIFIED", "CONVENTION"]


class Entry(BaseModel):
    """One source. Only what the source itself gives: a field it does not give is left out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    tag: Tag
    spec_id: str | None = None  # its id in the clinical spec's table §0.2 (S1 … S19)
    authors: list[str] = []
    et_al: bool = False  # more authors than listed
    title: str | None = None
    description: str | None = None  # what the source is, when no title was read
    journal: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    url: list[str] = []  # where it was read
    read: str | None = None  # which parts were read (abstract, Table 3, ...)
    note: str | None = None

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not re.match(ID_PATTERN, v):
            raise ValueError(f"an id is lower-case letters, digits and '_' ({ID_PATTERN})")
        return v

    @field_validator("url", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("volume", "issue", "pages", mode="before")
    @classmethod
    def _as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v

    def as_dict(self) -> dict[str, Any]:
        """Every field (None when the source does not give it) and ``text``, the reference."""
        return {**self.model_dump(), "text": format_reference(self)}


def _stop(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def format_reference(e: Entry) -> str:
    """A Vancouver-style reference: ``Seror R, et al. Title. Ann Rheum Dis 2010;69(6):1103–9.
    doi:10.1136/ard.2009.110619``; a source without a DOI ends with the URL it was read at."""
    parts: list[str] = []
    if e.authors:
        parts.append(", ".join(e.authors) + (", et al." if e.et_al else "."))
    if e.title or e.description:
        parts.append(_stop(str(e.title or e.description)))
    if e.journal:
        where = e.journal + (f" {e.year}" if e.year is not None else "")
        if e.volume:
            where += f";{e.volume}" + (f"({e.issue})" if e.issue else "")
        if e.pages:
            where += f":{e.pages}" if e.volume else f";{e.pages}"
        parts.append(_stop(where))
    elif e.year is not None:
        parts.append(f"{e.year}.")
    if e.doi:
        parts.append(f"doi:{e.doi}")
    elif e.url:
        parts.append(e.url[0])
    return " ".join(parts)


def cite_label(cite: Mapping[str, Any]) -> str:
    """``seror2010_essdai, Table 3``: a citation (a rule's ``source`` dict, or one of its
    ``also`` items) by id and locator."""
    loc = cite.get("locator")
    return f"{cite['citation']}, {loc}" if loc else str(cite["citation"])


def source_lines(source: Mapping[str, Any]) -> list[str]:
    """One line per cited source of a rule's ``source`` dict (as in traces and the compiled
    program): the full reference, then the locator and the note:
    ``Seror R, et al. … doi:10.1136/ard.2009.110619 — Table 3``."""
    out = []
    for cite in [source, *source.get("also", [])]:
        ref = cite.get("reference")
        text = ref["text"] if ref else f"{cite['citation']} (not in the bibliography)"
        extra = "; ".join(str(cite[k]) for k in ("locator", "note") if cite.get(k))
        out.append(text + (f" — {extra}" if extra else ""))
    return out


@dataclass
class Placed:
    entry: Entry
    file: str
    line: int | None


@dataclass
class Bibliography:
    """Entries by id, each with the place it was defined."""

    entries: dict[str, Placed] = field(default_factory=dict)

    def get(self, cid: str) -> Entry | None:
        p = self.entries.get(cid)
        return p.entry if p else None

    def ids(self) -> list[str]:
        return sorted(self.entries)


def load_bibliography(dirs: list[Path], problems: Problems, read: Reader = load
                      ) -> Bibliography:
    """The merged bibliography of ``dirs`` (each dir's top-level bibliography.yaml, if any);
    ``read`` parses each file (a session passes its disk cache)."""
    bib = Bibliography()
    for d in dirs:
        if not d.is_dir():
            continue
        for name in BIB_FILES:
            if (d / name).is_file():
                _read(d / name, bib, problems, read)
    return bib


def _read(path: Path, bib: Bibliography, problems: Problems, read: Reader) -> None:
    try:
        src = read(path)
    except InputError as exc:
        for p in exc.problems:
            problems.add(p)
        return
    d = src.data
    if not isinstance(d, dict) or d.get("kind") != "bibliography" or \
            not isinstance(d.get("entries"), list) or set(d) - {"kind", "entries", "description"}:
        problems.add(src.problem((), "a bibliography is a mapping with 'kind: bibliography' "
                                 "and a list 'entries'", code="E314",
                                 expected="{kind: bibliography, entries: [{id, tag, ...}]}"))
        return
    for i, raw in enumerate(d["entries"]):
        _entry(src, i, raw, bib, problems)


def _entry(src: Sourced, i: int, raw: Any, bib: Bibliography, problems: Problems) -> None:
    path = ("entries", i)
    try:
        e = Entry.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = path + (loc + (KEY,) if err["type"] == "extra_forbidden" else loc)
            problems.add(src.problem(where, f"bibliography entry: {err['msg']}", code="E314",
                                     expected="id, tag (V-P|V-S|UNVERIFIED|CONVENTION) and "
                                     "known fields (authors, title, journal, year, volume, "
                                     "issue, pages, doi, url, read, note, ...)",
                                     found=repr(err.get("input"))[:80]))
        return
    line, _ = src.mark(path + ("id",))
    first = bib.entries.get(e.id)
    if first is not None:
        problems.add(src.problem(path + ("id",), f"bibliography id '{e.id}' is defined twice",
                                 code="E313",
                                 hint=f"first defined at {first.file}:{first.line}; "
                                 "rename one of them"))
        return
    bib.entries[e.id] = Placed(e, src.file, line)
