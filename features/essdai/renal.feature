Feature: ESSDAI renal domain (rules/essdai/renal.yaml)
  Weight 5 (ClinESSDAI 6); levels 0-3. Stable damage is rated 0. A recorded biopsy histology
  takes precedence over the clinical items. Proteinuria (g/day): 0.5-1.0 low, 1.0 < p <= 1.5
  moderate, > 1.5 high (1.0 and 1.5 in the lower band, spec §1.3). GFR < 60 mL/min is renal failure.
  A GFR, haematuria or proteinuria that is not recorded is never read as normal: the domain is
  partly assessable, documented at the level met, with the higher level left possible.

  Scenario Outline: <case>
    Given a visit stating no involvement outside the renal domain
    And the visit records findings: <findings>
    And the lab <analyte> is <value> <unit>, reference -
    And the lab GFR is <gfr> mL/min, reference -
    When the visit is scored
    Then the renal domain is <state>, level <level>, <points> points
    And the renal domain has ClinESSDAI points <clin>
    And the renal domain level rests on <rule>

    # points = 5 × level; ClinESSDAI = 6 × level
    Examples:
      | case | findings | analyte | value | unit | gfr | state | level | points | clin | rule |
      | tubular acidosis, GFR 60 is low | renal: {tubular_acidosis: present} | GFR | 60 | mL/min | - | rated | 1 | 5 | 6 | essdai.renal.low.tubular_acidosis |
      | tubular acidosis, eGFR 59 mL/min/1.73 m2 is moderate | renal: {tubular_acidosis: present} | eGFR | 59 | mL/min/1.73m2 | - | rated | 2 | 10 | 12 | essdai.renal.moderate.tubular_acidosis_renal_failure |
      | tubular acidosis, eGFR 60 mL/min/1.73 m2 is low | renal: {tubular_acidosis: present} | eGFR | 60 | mL/min/1.73m2 | - | rated | 1 | 5 | 6 | essdai.renal.low.tubular_acidosis |
      | tubular acidosis, GFR 59 is moderate | renal: {tubular_acidosis: present} | GFR | 59 | mL/min | - | rated | 2 | 10 | 12 | essdai.renal.moderate.tubular_acidosis_renal_failure |
      | stable tubular acidosis is damage | renal: {tubular_acidosis: {state: present, damage: true}} | GFR | 59 | mL/min | - | rated | 0 | 0 | 0 | no rule |
      | proteinuria 0.49 g/day is not rated | renal: {glomerular_involvement: present, haematuria: absent} | Proteinuria | 0.49 | g/d | 90 | rated | 0 | 0 | 0 | no rule |
      | proteinuria 0.5 g/day is low | renal: {glomerular_involvement: present, haematuria: absent} | Proteinuria | 0.5 | g/d | 90 | rated | 1 | 5 | 6 | essdai.renal.low.proteinuria |
      | proteinuria 1.0 g/day is low | renal: {glomerular_involvement: present, haematuria: absent} | Proteinuria | 1.0 | g/d | 90 | rated | 1 | 5 | 6 | essdai.renal.low.proteinuria |
      | proteinuria 1.01 g/day is moderate | renal: {glomerular_involvement: present, haematuria: absent} | Proteinuria | 1.01 | g/d | 90 | rated | 2 | 10 | 12 | essdai.renal.moderate.proteinuria |
      | proteinuria 1.5 g/day is moderate | renal: {glomerular_involvement: present, haematuria: absent} | Proteinuria | 1.5 | g/d | 90 | rated | 2 | 10 | 12 | essdai.renal.moderate.proteinuria |
      | proteinuria 1.51 g/day is high | renal: {glomerular_involvement: present, haematuria: absent} | Proteinuria | 1.51 | g/d | 90 | rated | 3 | 15 | 18 | essdai.renal.high.proteinuria |
      | stable proteinuria is damage | renal: {glomerular_involvement: {state: present, damage: true}} | Proteinuria | 2 | g/d | - | rated | 0 | 0 | 0 | no rule |
      | glomerular involvement with haematuria is high | renal: {glomerular_involvement: present, haematuria: present} | Proteinuria | 0.7 | g/d | - | rated | 3 | 15 | 18 | essdai.renal.high.haematuria |
      | glomerular involvement with GFR 59 is high | renal: {glomerular_involvement: present} | GFR | 59 | mL/min | - | rated | 3 | 15 | 18 | essdai.renal.high.renal_failure |
      | extramembranous GN on biopsy is moderate | renal: {biopsy_histology: {state: present, histology: extramembranous_gn}} | - | - | - | - | rated | 2 | 10 | 12 | essdai.renal.moderate.histology |
      | interstitial infiltrate on biopsy is moderate | renal: {biopsy_histology: {state: present, histology: interstitial_infiltrate}} | - | - | - | - | rated | 2 | 10 | 12 | essdai.renal.moderate.histology |
      | proliferative GN on biopsy is high | renal: {biopsy_histology: {state: present, histology: proliferative_gn}} | - | - | - | - | rated | 3 | 15 | 18 | essdai.renal.high.histology |
      | cryoglobulinaemic kidney disease is high | renal: {biopsy_histology: {state: present, histology: cryoglobulinaemic}} | - | - | - | - | rated | 3 | 15 | 18 | essdai.renal.high.histology |
      | tubular acidosis, no GFR: low, moderate possible | renal: {tubular_acidosis: present} | - | - | - | - | partly_assessable | 1 | 5 | 6 | essdai.renal.possible.tubular_acidosis_renal_failure |
      | tubular acidosis, GFR >60 is low | renal: {tubular_acidosis: present} | - | - | - | >60 | rated | 1 | 5 | 6 | essdai.renal.low.tubular_acidosis |
      | proteinuria 0.7, haematuria not recorded: low, high possible | renal: {glomerular_involvement: present} | Proteinuria | 0.7 | g/d | 90 | partly_assessable | 1 | 5 | 6 | essdai.renal.possible.glomerular_high |
      | proteinuria 0.7, no GFR: low, high possible | renal: {glomerular_involvement: present, haematuria: absent} | Proteinuria | 0.7 | g/d | - | partly_assessable | 1 | 5 | 6 | essdai.renal.possible.glomerular_high |
      | glomerular involvement, no proteinuria: 0 to high | renal: {glomerular_involvement: present, haematuria: absent} | - | - | - | 90 | partly_assessable | 0 | 0 | 0 | essdai.renal.possible.glomerular_high |
      | histology takes precedence over proteinuria | renal: {glomerular_involvement: present, haematuria: absent, biopsy_histology: {state: present, histology: extramembranous_gn}} | Proteinuria | 2 | g/d | 90 | rated | 2 | 10 | 12 | essdai.renal.moderate.histology |

  Scenario: Nothing recorded and no statement of absence: not assessable
    Given a visit
    When the visit is scored
    Then the renal domain is not_assessable, level -, - points
    And the renal domain level rests on essdai.renal.not_assessable

  Scenario: Nothing recorded, the record states no involvement: assumed absent
    Given a visit stating no involvement of any domain
    When the visit is scored
    Then the renal domain is assumed_absent, level 0, 0 points
    And the renal domain level rests on essdai.renal.assumed_absent

  Scenario Outline: A missing GFR or urinalysis leaves a range: <case>
    Given a visit stating no involvement outside the renal domain
    And the visit records findings: <findings>
    When the visit is scored
    Then the renal domain level is between <lo> and <hi>

    Examples:
      | case                                              | findings                                                    | lo | hi |
      | tubular acidosis, no GFR, no urinalysis: 1 to 2  | renal: {tubular_acidosis: present}                          | 1  | 2  |
      | glomerular involvement, nothing measured: 0 to 3 | renal: {glomerular_involvement: present}                    | 0  | 3  |
      | glomerular involvement with haematuria: 3        | renal: {glomerular_involvement: present, haematuria: present} | 3 | 3  |

  Scenario Outline: A renal finding that is unknown is never read as absent: <case>
    Given a visit stating no involvement outside the renal domain
    And the visit records findings: <findings>
    And the lab GFR is <gfr> mL/min, reference -
    When the visit is scored
    Then the renal domain is <state>, level <level>, <points> points
    And the renal domain level is between <lo> and <hi>

    # GFR 50 < 60 is renal failure: with glomerular involvement high (5 × 3 = 15); with tubular
    # acidosis moderate. A GFR alone grades neither: it does not assess the domain [CONVENTION,
    # spec §1.6]; a finding not done beside one recorded absent keeps its level open.
    Examples:
      | case | findings | gfr | state | level | points | lo | hi |
      | GFR 50 and no renal finding recorded: not assessable, 0 to 3 | constitutional: {involvement: absent} | 50 | not_assessable | - | - | 0 | 3 |
      | GFR 50, no tubular acidosis or glomerular involvement: 0 | renal: {tubular_acidosis: absent, glomerular_involvement: absent} | 50 | rated | 0 | 0 | 0 | 0 |
      | GFR 50, glomerular involvement not done: 0 to 3 | renal: {tubular_acidosis: absent, glomerular_involvement: not_done} | 50 | undetermined | - | - | 0 | 3 |
      | GFR 50, glomerular involvement present: 3 | renal: {tubular_acidosis: absent, glomerular_involvement: present} | 50 | rated | 3 | 15 | 3 | 3 |
      | GFR 50, tubular acidosis unknown: 0 to 2 | renal: {tubular_acidosis: unknown, glomerular_involvement: absent} | 50 | undetermined | - | - | 0 | 2 |

  Scenario: A GFR with the record stating no kidney involvement: assumed absent
    Given a visit stating no involvement of any domain
    And the lab GFR is 50 mL/min, reference -
    When the visit is scored
    Then the renal domain is assumed_absent, level 0, 0 points
