"""A one-item criteria set written as a user would (tests of rule packs and instruments)."""

#: anti-SSB positive or negative gives the item's state; no rule for anything else
TOY_CRITERIA = """kind: rules
ruleset: toy_criteria
version: 0.1.0
source: {citation: sicca_clinical_spec, note: unit test, tag: CONVENTION}
meta:
  set: toy_criteria
  verdict: {kind: count, threshold: 1}
  items: {anti_ssb: {label: "anti-SSB"}}
rules:
  - id: toy_criteria.anti_ssb.positive
    when: {fact: anti_ssb, eq: positive}
    then: {fact: toy_criteria.item.anti_ssb, value: positive}
  - id: toy_criteria.anti_ssb.negative
    when: {fact: anti_ssb, eq: negative}
    then: {fact: toy_criteria.item.anti_ssb, value: negative}
"""

#: the rule that makes the set total: anti-SSB neither positive nor negative is unknown
TOY_UNKNOWN_RULE = """  - id: toy_criteria.anti_ssb.unknown
    when: {all: [{not: {fact: anti_ssb, eq: positive}}, {not: {fact: anti_ssb, eq: negative}}]}
    then: {fact: toy_criteria.item.anti_ssb, value: unknown}
"""
