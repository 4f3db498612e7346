"""What kind of file a path is: YAML, JSON, JSON Lines or CSV by its suffix (any case), the YAML
files under a folder. (What a Sicca data file *is*, its ``kind:`` key, is sicca.base.kinds.)"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

FileKind = Literal["yaml", "json", "jsonl", "csv"]
YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
CASE_SUFFIXES = YAML_SUFFIXES + JSON_SUFFIXES  # one case per file
_KINDS: dict[str, FileKind] = {
    **dict.fromkeys(YAML_SUFFIXES, "yaml"), **dict.fromkeys(JSON_SUFFIXES, "json"),
    **dict.fromkeys(JSONL_SUFFIXES, "jsonl"), ".csv": "csv"}


def kind_of(name: str | Path) -> FileKind | None:
    """The kind of a file by its suffix (``case.YAML`` is yaml); None for any other suffix.

    A position such as ``cohort.jsonl:12`` (a line of a file) has no suffix of its own: None.
    """
    text = str(name)
    dot = text.rfind(".")
    if dot < 0 or "/" in text[dot:] or "\\" in text[dot:]:
        return None
    return _KINDS.get(text[dot:].lower())


def is_yaml(name: str | Path) -> bool:
    return kind_of(name) == "yaml"


def is_json(name: str | Path) -> bool:
    return kind_of(name) == "json"


def is_jsonl(name: str | Path) -> bool:
    return kind_of(name) == "jsonl"


def is_case_file(name: str | Path) -> bool:
    """A file that holds one case (YAML or JSON)."""
    return kind_of(name) in ("yaml", "json")


def yaml_files(path: Path) -> list[Path]:
    """``path`` itself if it is a file, else every YAML file below it, sorted by path.

    A broken link or a device named ``*.yaml`` is listed too, so its reader reports it
    instead of it being skipped unseen."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if is_yaml(p) and not p.is_dir())
