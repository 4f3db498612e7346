"""The JSON Schema (draft 2020-12) of rule files, built as data from the loader's constants.

Editors use it for completion and early errors; `sicca rules check` remains the authority
(facts, units, codes and bands need the vocabulary, which a schema cannot know).
"""

from __future__ import annotations

from typing import Any

from sicca.language.bibliography import ID_PATTERN
from sicca.language.compiler import INPUT_STATES
from sicca.language.loader import CMP_OPS, ENDS, STATUSES, TAGS

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _list_of(ref: str) -> dict[str, Any]:
    return {"type": "array", "minItems": 1, "items": {"$ref": ref}}


def rule_file_schema() -> dict[str, Any]:
    """The schema of a ``kind: rules`` file; conditions nest through ``$defs/condition``."""
    number = {"type": "number"}
    constant = {"type": ["string", "number", "boolean"]}
    states = list(INPUT_STATES) + ["derived"]
    leaf_props: dict[str, Any] = {
        "fact": {"type": "string", "minLength": 1, "description": "a vocabulary item, "
                 "lab.<key>, option.<name>, or a fact some rule concludes"},
        "field": {"enum": ["value", "code", "state"]},
        "unit": {"type": "string", "description": "UCUM unit of the constant(s)"},
        "between": {"type": "array", "prefixItems": [number, number], "minItems": 2,
                    "maxItems": 2, "items": False, "description": "[low, high]; state `ends`"},
        "ends": {"enum": list(ENDS), "description": "which ends of between are included"},
        "in": {"type": "array", "minItems": 1, "items": {"type": ["string", "boolean"]}},
        "state": {"oneOf": [{"enum": states},
                            {"type": "array", "minItems": 1, "items": {"enum": states}}]},
        "note": {"type": "string"},
    }
    for op in CMP_OPS:
        leaf_props[op] = constant if op in ("eq", "ne") else number
    cite: dict[str, Any] = {
        "citation": {"type": "string", "pattern": ID_PATTERN,
                     "description": "the id of a bibliography entry (rules/bibliography.yaml)"},
        "locator": {"type": "string", "description": "where in the source: Table 3, §1.6, ..."},
        "note": {"type": "string"},
    }
    return {
        "$schema": DIALECT,
        "$id": "https://sicca.invalid/schema/rules.json",
        "title": "Sicca rule file",
        "type": "object",
        "required": ["ruleset", "version", "rules"],
        "additionalProperties": False,
        "properties": {
            "kind": {"const": "rules"},
            "ruleset": {"type": "string", "minLength": 1,
                        "description": "every rule id and conclusion starts with '<ruleset>.'"},
            "version": {"type": "string", "description": "quoted if it looks like a number"},
            "status": {"$ref": "#/$defs/status"},
            "source": {"$ref": "#/$defs/source"},
            "description": {"type": "string"},
            "meta": {"type": "object", "description": "free data for scores/"},
            "outputs": {"type": "array", "items": {"type": "string"},
                        "description": "conclusions read outside the rules (fnmatch globs)"},
            "rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}},
        },
        "$defs": {
            "status": {"enum": list(STATUSES)},
            "source": {
                "type": "object", "required": ["citation", "tag"], "additionalProperties": False,
                "properties": {**cite, "tag": {"enum": list(TAGS)},
                               "also": {"type": "array", "items": {"$ref": "#/$defs/cite"},
                                        "description": "further sources"}},
            },
            "cite": {"type": "object", "required": ["citation"], "additionalProperties": False,
                     "properties": cite},
            "rule": {
                "type": "object", "required": ["id", "when", "then"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "description": {"type": "string"},
                    "source": {"$ref": "#/$defs/source"},
                    "status": {"$ref": "#/$defs/status"},
                    "note": {"type": "string"},
                    "when": {"$ref": "#/$defs/condition"},
                    "then": {
                        "type": "object", "required": ["fact", "value"],
                        "additionalProperties": False,
                        "properties": {"fact": {"type": "string", "minLength": 1},
                                       "value": {"type": ["string", "number"]}},
                    },
                },
            },
            "condition": {"oneOf": [{"$ref": "#/$defs/all"}, {"$ref": "#/$defs/any"},
                                    {"$ref": "#/$defs/not"}, {"$ref": "#/$defs/leaf"}]},
            "all": {"type": "object", "required": ["all"], "additionalProperties": False,
                    "properties": {"all": _list_of("#/$defs/condition")}},
            "any": {"type": "object", "required": ["any"], "additionalProperties": False,
                    "properties": {"any": _list_of("#/$defs/condition")}},
            "not": {"type": "object", "required": ["not"], "additionalProperties": False,
                    "properties": {"not": {"$ref": "#/$defs/condition"}}},
            "leaf": {"type": "object", "required": ["fact"], "additionalProperties": False,
                     "properties": leaf_props, "dependentRequired": {"between": ["ends"]}},
        },
    }
