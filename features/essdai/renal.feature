Feature: ESSDAI renal domain (rules/essdai/renal.yaml)
  Weight 5 (ClinESSDAI 6); levels 0-3. Stable damage is rated 0. A recorded biopsy histology
  takes precedence over the clinical items. Proteinuria (g/day): 0.5-1.0 low, 1.0 < p <= 1.5
  moderate, > 1.5 high (1.0 and 1.5 in the lower band, spec §1.3). GFR < 60 mL/min is renal failure.

  Scenario Outline: <case>
    Given a visit stating no involvement outside the renal domain
    And the visit records findings: <findings>
    And the lab <analyte> is <value> <unit>, reference -
    When the visit is scored
    Then the renal domain is <state>, level <level>, <points> points
    And the renal domain has ClinESSDAI points <clin>
    And the renal domain level rests on <rule>

    # points = 5 × level; ClinESSDAI = 6 × level
    Examples:
      | case | findings | analyte | value | unit | state | level | points | clin | rule |
      | tubular acidosis, GFR 60 is low | renal: {tubular_acidosis: present} | GFR | 60 | mL/min | rated | 1 | 5 | 6 | essdai.renal.low.tubular_acidosis |
      | tubular acidosis, GFR 59 is moderate | renal: {tubular_acidosis: present} | GFR | 59 | mL/min | rated | 2 | 10 | 12 | essdai.renal.moderate.tubular_acidosis_renal_failure |
      | stable tubular acidosis is damage | renal: {tubular_acidosis: {state: present, damage: true}} | GFR | 59 | mL/min | rated | 0 | 0 | 0 | no rule |
      | proteinuria 0.49 g/day is not rated | renal: {glomerular_involvement: present} | Proteinuria | 0.49 | g/d | rated | 0 | 0 | 0 | no rule |
      | proteinuria 0.5 g/day is low | renal: {glomerular_involvement: present} | Proteinuria | 0.5 | g/d | rated | 1 | 5 | 6 | essdai.renal.low.proteinuria |
      | proteinuria 1.0 g/day is low | renal: {glomerular_involvement: present} | Proteinuria | 1.0 | g/d | rated | 1 | 5 | 6 | essdai.renal.low.proteinuria |
      | proteinuria 1.01 g/day is moderate | renal: {glomerular_involvement: present} | Proteinuria | 1.01 | g/d | rated | 2 | 10 | 12 | essdai.renal.moderate.proteinuria |
      | proteinuria 1.5 g/day is moderate | renal: {glomerular_involvement: present} | Proteinuria | 1.5 | g/d | rated | 2 | 10 | 12 | essdai.renal.moderate.proteinuria |
      | proteinuria 1.51 g/day is high | renal: {glomerular_involvement: present} | Proteinuria | 1.51 | g/d | rated | 3 | 15 | 18 | essdai.renal.high.proteinuria |
      | stable proteinuria is damage | renal: {glomerular_involvement: {state: present, damage: true}} | Proteinuria | 2 | g/d | rated | 0 | 0 | 0 | no rule |
      | glomerular involvement with haematuria is high | renal: {glomerular_involvement: present, haematuria: present} | Proteinuria | 0.7 | g/d | rated | 3 | 15 | 18 | essdai.renal.high.haematuria |
      | glomerular involvement with GFR 59 is high | renal: {glomerular_involvement: present} | GFR | 59 | mL/min | rated | 3 | 15 | 18 | essdai.renal.high.renal_failure |
      | extramembranous GN on biopsy is moderate | renal: {biopsy_histology: {state: present, histology: extramembranous_gn}} | - | - | - | rated | 2 | 10 | 12 | essdai.renal.moderate.histology |
      | interstitial infiltrate on biopsy is moderate | renal: {biopsy_histology: {state: present, histology: interstitial_infiltrate}} | - | - | - | rated | 2 | 10 | 12 | essdai.renal.moderate.histology |
      | proliferative GN on biopsy is high | renal: {biopsy_histology: {state: present, histology: proliferative_gn}} | - | - | - | rated | 3 | 15 | 18 | essdai.renal.high.histology |
      | cryoglobulinaemic kidney disease is high | renal: {biopsy_histology: {state: present, histology: cryoglobulinaemic}} | - | - | - | rated | 3 | 15 | 18 | essdai.renal.high.histology |
      | histology takes precedence over proteinuria | renal: {glomerular_involvement: present, biopsy_histology: {state: present, histology: extramembranous_gn}} | Proteinuria | 2 | g/d | rated | 2 | 10 | 12 | essdai.renal.moderate.histology |

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
