Feature: ESSDAI haematological domain (rules/essdai/haematological.yaml)
  Weight 2 (ClinESSDAI 2); levels 0-3. Absolute counts only; a non-autoimmune cytopenia
  (vitamin or iron deficiency, drug) is excluded. Without any blood count the domain is not
  assessable (0 to 6 points), never a silent 0.

  Scenario Outline: <case>
    Given a visit stating no involvement outside the haematological domain
    And the lab <analyte> is <value> <unit>, reference -
    When the visit is scored
    Then the haematological domain is <state>, level <level>, <points> points
    And the haematological domain has ClinESSDAI points <points>
    And the haematological domain level rests on <rule>

    # points = 2 × level (ClinESSDAI also 2 × level)
    Examples:
      | case | analyte | value | unit | state | level | points | rule |
      | neutrophils 1500 are normal | Neutrophils | 1500 | /mm3 | rated | 0 | 0 | no rule |
      | neutrophils 1499 are low | Neutrophils | 1499 | /mm3 | rated | 1 | 2 | essdai.haematological.low.neutrophils |
      | neutrophils 1001 are low | Neutrophils | 1001 | /mm3 | rated | 1 | 2 | essdai.haematological.low.neutrophils |
      | neutrophils 1000 are moderate | Neutrophils | 1000 | /mm3 | rated | 2 | 4 | essdai.haematological.moderate.neutrophils |
      | neutrophils 500 are moderate | Neutrophils | 500 | /mm3 | rated | 2 | 4 | essdai.haematological.moderate.neutrophils |
      | neutrophils 499 are high | Neutrophils | 499 | /mm3 | rated | 3 | 6 | essdai.haematological.high.neutrophils |
      | Hb 12 g/dL is normal | Haemoglobin | 12 | g/dL | rated | 0 | 0 | no rule |
      | Hb 11.9 g/dL is low | Haemoglobin | 11.9 | g/dL | rated | 1 | 2 | essdai.haematological.low.haemoglobin |
      | Hb 10.1 g/dL is low | Haemoglobin | 10.1 | g/dL | rated | 1 | 2 | essdai.haematological.low.haemoglobin |
      | Hb 10 g/dL is moderate | Haemoglobin | 10 | g/dL | rated | 2 | 4 | essdai.haematological.moderate.haemoglobin |
      | Hb 8 g/dL is moderate | Haemoglobin | 8 | g/dL | rated | 2 | 4 | essdai.haematological.moderate.haemoglobin |
      | Hb 7.9 g/dL is high | Haemoglobin | 7.9 | g/dL | rated | 3 | 6 | essdai.haematological.high.haemoglobin |
      | Hb 100 g/L is moderate (unit converted) | Haemoglobin | 100 | g/L | rated | 2 | 4 | essdai.haematological.moderate.haemoglobin |
      | platelets 150000 are normal | Platelets | 150000 | /mm3 | rated | 0 | 0 | no rule |
      | platelets 149999 are low | Platelets | 149999 | /mm3 | rated | 1 | 2 | essdai.haematological.low.platelets |
      | platelets 100000 are moderate | Platelets | 100000 | /mm3 | rated | 2 | 4 | essdai.haematological.moderate.platelets |
      | platelets 50000 are moderate | Platelets | 50000 | /mm3 | rated | 2 | 4 | essdai.haematological.moderate.platelets |
      | platelets 49999 are high | Platelets | 49999 | /mm3 | rated | 3 | 6 | essdai.haematological.high.platelets |
      | lymphocytes 1000 are normal | Lymphocytes | 1000 | /mm3 | rated | 0 | 0 | no rule |
      | lymphocytes 999 are low | Lymphocytes | 999 | /mm3 | rated | 1 | 2 | essdai.haematological.low.lymphocytes |
      | lymphocytes 501 are low | Lymphocytes | 501 | /mm3 | rated | 1 | 2 | essdai.haematological.low.lymphocytes |
      | lymphocytes 500 are moderate | Lymphocytes | 500 | /mm3 | rated | 2 | 4 | essdai.haematological.moderate.lymphocytes |
      | lymphocytes 100 stay moderate (no high lymphocyte level) | Lymphocytes | 100 | /mm3 | rated | 2 | 4 | essdai.haematological.moderate.lymphocytes |

  Scenario: A non-autoimmune cytopenia is not rated
    Given a visit stating no involvement outside the haematological domain
    And the visit records findings: haematological: {non_autoimmune_cytopenia: {state: present, cause: iron_deficiency}}
    And the lab Haemoglobin is 7.5 g/dL, reference -
    When the visit is scored
    Then the haematological domain is rated, level 0, 0 points

  Scenario: No blood count and no statement of absence: not assessable, 0 to 6 points
    Given a visit stating no involvement outside the haematological domain
    When the visit is scored
    Then the haematological domain is not_assessable, level -, - points
    And the haematological domain level rests on essdai.haematological.not_assessable
    # every other domain is assumed absent: 0 documented, up to 2 × 3 = 6
    And the ESSDAI is 0, range 0 to 6, category low, determined no

  Scenario: No blood count, the record states no cytopenia: assumed absent
    Given a visit stating no involvement of any domain
    When the visit is scored
    Then the haematological domain is assumed_absent, level 0, 0 points
    And the haematological domain level rests on essdai.haematological.assumed_absent
