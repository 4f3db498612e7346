Feature: ESSDAI haematological domain (rules/essdai/haematological.yaml)
  Weight 2 (ClinESSDAI 2); levels 0-3. Absolute counts only; a non-autoimmune cytopenia
  (vitamin or iron deficiency, drug) is excluded, and only its own cell line (spec §8). Without
  any blood count the domain is not assessable (0 to 6 points), never a silent 0; with part of
  the count, the missing cell lines keep their highest level possible. "The other blood counts
  are normal" means neutrophils 2000/mm3, Hb 13 g/dL, platelets 200000/mm3, lymphocytes 1500/mm3.

  Scenario Outline: <case>
    Given a visit stating no involvement outside the haematological domain
    And the lab <analyte> is <value> <unit>, reference -
    And the other blood counts are normal
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

  Scenario: An iron-deficiency anaemia is not rated
    Given a visit stating no involvement outside the haematological domain
    And the visit records findings: haematological: {anaemia: {state: present, cause: iron_deficiency}}
    And the lab Haemoglobin is 7.5 g/dL, reference -
    And the other blood counts are normal
    When the visit is scored
    Then the haematological domain is rated, level 0, 0 points

  Scenario: An autoimmune anaemia is rated
    Given a visit stating no involvement outside the haematological domain
    And the visit records findings: haematological: {anaemia: {state: present, cause: autoimmune}}
    And the lab Haemoglobin is 7.5 g/dL, reference -
    And the other blood counts are normal
    When the visit is scored
    # Hb 7.5 < 8: high, 2 x 3 = 6
    Then the haematological domain is rated, level 3, 6 points
    And the haematological domain level rests on essdai.haematological.high.haemoglobin

  Scenario: One non-autoimmune cytopenia excludes only itself (spec §8)
    Given a visit stating no involvement outside the haematological domain
    And the visit records findings: haematological: {anaemia: {state: present, cause: iron_deficiency}}
    And the lab Haemoglobin is 7.5 g/dL, reference -
    And the lab Platelets is 80000 /mm3, reference -
    And the other blood counts are normal
    When the visit is scored
    # the anaemia is excluded; platelets 80,000 (50,000-100,000) still count: moderate, 2 x 2 = 4
    Then the haematological domain is rated, level 2, 4 points
    And the haematological domain level rests on essdai.haematological.moderate.platelets

  Scenario Outline: A non-autoimmune cytopenia of unstated cell line leaves 0 to the level: <case>
    Given a visit stating no involvement outside the haematological domain
    And the visit records findings: haematological: {non_autoimmune_cytopenia: {state: present, cause: drug}}
    And the lab <analyte> is <value> <unit>, reference -
    And the other blood counts are normal
    When the visit is scored
    Then the haematological domain is <state>, level 0, 0 points
    And the haematological domain level is between 0 and <hi>
    And the haematological domain level rests on <rule>

    Examples:
      | case                         | analyte     | value | unit | state             | hi | rule |
      | Hb 11 g/dL: 0 to low         | Haemoglobin | 11    | g/dL | partly_assessable | 1  | essdai.haematological.possible.low_cause_unstated |
      | platelets 80000: 0 to moderate | Platelets | 80000 | /mm3 | partly_assessable | 2  | essdai.haematological.possible.moderate_cause_unstated |
      | neutrophils 400: 0 to high   | Neutrophils | 400   | /mm3 | partly_assessable | 3  | essdai.haematological.possible.high_cause_unstated |
      | all counts normal: 0         | Lymphocytes | 1500  | /mm3 | rated             | 0  | no rule |

  Scenario Outline: Part of the blood count is not a definite rating: <case>
    Given a visit stating no involvement outside the haematological domain
    And the lab <analyte> is <value> <unit>, reference -
    When the visit is scored
    Then the haematological domain is partly_assessable, level <level>, <points> points
    And the haematological domain level is between <level> and 3
    And the haematological domain level rests on essdai.haematological.possible.neutrophils_not_measured

    # points documented = 2 x the level met; up to 2 x 3 = 6 (the missing lines may be high)
    Examples:
      | case                              | analyte     | value | unit | level | points |
      | only Hb 13 g/dL (normal): 0 to 3  | Haemoglobin | 13    | g/dL | 0     | 0      |
      | only Hb 11 g/dL (low): 1 to 3     | Haemoglobin | 11    | g/dL | 1     | 2      |

  Scenario Outline: Each missing cell line keeps its own highest level open: <case>
    Given a visit stating no involvement outside the haematological domain
    And the lab Haemoglobin is 13 g/dL, reference -
    And the lab <a> is <av> /mm3, reference -
    And the lab <b> is <bv> /mm3, reference -
    When the visit is scored
    Then the haematological domain level is between 0 and <hi>
    And the haematological domain level rests on <rule>

    # lymphocytes have no high level, so only they missing leaves 0 to moderate
    Examples:
      | case                        | a           | av     | b           | bv     | hi | rule |
      | platelets not measured      | Neutrophils | 2000   | Lymphocytes | 1500   | 3  | essdai.haematological.possible.platelets_not_measured |
      | lymphocytes not measured    | Neutrophils | 2000   | Platelets   | 200000 | 2  | essdai.haematological.possible.lymphocytes_not_measured |
      | neutrophils not measured    | Platelets   | 200000 | Lymphocytes | 1500   | 3  | essdai.haematological.possible.neutrophils_not_measured |

  Scenario: Haemoglobin not measured, the other counts normal: 0 to high
    Given a visit stating no involvement outside the haematological domain
    And the lab Neutrophils is 2000 /mm3, reference -
    And the lab Platelets is 200000 /mm3, reference -
    And the lab Lymphocytes is 1500 /mm3, reference -
    When the visit is scored
    Then the haematological domain level is between 0 and 3
    And the haematological domain level rests on essdai.haematological.possible.haemoglobin_not_measured

  Scenario: A partial blood count does not give a definite MCII
    Given a visit stating no involvement outside the haematological domain
    And the lab Haemoglobin is 9 g/dL, reference -
    And the other blood counts are normal
    And a later visit stating no involvement outside the haematological domain
    And the lab Haemoglobin is 13 g/dL, reference -
    When the visits are scored
    # first: Hb 9 (moderate) 2 x 2 = 4; later: only Hb 13 measured, so 0 to 6.
    # change: 0 - 4 = -4 documented, bounds 0 - 4 = -4 to 6 - 4 = +2: the MCII (<= -3) is open
    Then from v1 to v2 the ESSDAI change is - (bounds -4 to 2), MCII -

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
