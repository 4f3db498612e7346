"""Where docs/rule-language.md explains each rule-file error: its section anchor.

Rule errors (E3xx, E401) name the section of the rule language reference that says how to fix
them (``see: docs/rule-language.md#conditions``). tests/unit/test_error_codes.py checks that
every rule code the engine raises has an anchor here and that every anchor is a heading there.
"""

from __future__ import annotations

from collections.abc import Iterable

from sicca.base.errors import Problem

REFERENCE = "docs/rule-language.md"

#: error code -> section anchor of the reference
ANCHORS: dict[str, str] = {
    "E300": "rule-packs", "E301": "top-level-keys", "E302": "file-kinds",
    "E303": "sources", "E304": "sources", "E305": "top-level-keys", "E306": "sources",
    "E307": "rules", "E308": "rules", "E309": "conclusions", "E310": "rule-packs",
    "E311": "sources", "E312": "rule-packs", "E313": "sources", "E314": "sources",
    "E315": "rule-packs",
    "E320": "comparisons", "E321": "conditions", "E322": "facts", "E323": "field",
    "E324": "state-tests", "E325": "in", "E326": "between", "E327": "between",
    "E328": "comparisons", "E329": "comparisons", "E330": "units", "E331": "combining",
    "E332": "limits", "E333": "conclusions", "E334": "strata", "E336": "limits",
    "E337": "limits", "E340": "conclusions", "E341": "bands", "E342": "bands",
    "E343": "bands", "E360": "meta", "E361": "meta", "E362": "meta", "E363": "meta",
    "E364": "meta", "E401": "meta",
}


def point_to_reference(problems: Iterable[Problem]) -> None:
    """Give every rule-file problem a ``see`` link to its section (others are left alone)."""
    for p in problems:
        anchor = ANCHORS.get(p.code)
        if anchor is not None and p.see is None:
            p.see = f"{REFERENCE}#{anchor}"
