"""Instruments: turn concluded facts into scores, categories and verdicts.

Every instrument implements one interface (``sicca.scores.instrument.Instrument``: id, meta
model, ``score``, ``change``, ``series``) and returns typed results (sicca.scores.results).
Which instruments run is declared by the rule pack's manifest (``rules/pack.yaml``) and
resolved through ``sicca.scores.instrument.REGISTRY``. No rule logic here: thresholds on
inputs live in rules/; weights and verdict arithmetic live here or in the rule files' ``meta``.
Instruments do not render (sicca.cli draws the tables).
"""
