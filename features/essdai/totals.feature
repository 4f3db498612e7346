Feature: ESSDAI and ClinESSDAI totals, categories and the EULAR 2020 severe flag (scores/essdai.py)
  Total = Σ weight × level, exact. Activity: < 5 low, 5-13 moderate, >= 14 high (S4).
  EULAR 2020 "severe" (S17) is separate: ESSDAI > 14, or any domain at its high level.
  ClinESSDAI has its own weights (S6, pending a primary-source check) and no biological domain.

  Scenario Outline: <case>
    Given a visit stating no involvement of any domain
    And the visit records findings: <findings>
    And the lab IgG is <igg> g/L, reference 8.6-17.4
    And the visit records tests: cryoglobulins: negative
    When the visit is scored
    Then the ESSDAI is <essdai>, range <essdai> to <essdai>, category <category>, determined yes
    And the ClinESSDAI is <clin>, range <clin> to <clin>, category <clin_category>, determined yes
    And the EULAR 2020 severe flag is <severe>
    And the ClinESSDAI says its weights are pending primary-source check

    Examples:
      | case | findings | igg | essdai | category | clin | clin_category | severe |
      # 2 × 2 (articular moderate) = 4; ClinESSDAI 3 × 2 = 6
      | total 4 is low | articular: {synovitis_count: 3} | 12 | 4 | low | 6 | moderate | no |
      # 3 × 1 (constitutional) + 2 × 1 (glandular) = 5; ClinESSDAI 4 × 1 + 2 × 1 = 6
      | total 5 is moderate | constitutional: {fever: 38.0}, glandular: {parotid_swelling: 2} | 12 | 5 | moderate | 6 | moderate | no |
      # 5 × 2 (pulmonary moderate) + 1 × 1 (IgG 18) + 2 × 1 (glandular) = 13; ClinESSDAI 6 × 2 + 2 × 1 = 14
      | total 13 is moderate | pulmonary: {dlco: 50}, glandular: {parotid_swelling: 2} | 18 | 13 | moderate | 14 | high | no |
      # 5 × 2 (pulmonary) + 2 × 2 (articular) = 14, no domain high: high activity, not severe; ClinESSDAI 6 × 2 + 3 × 2 = 18
      | total 14 is high but not severe | pulmonary: {dlco: 50}, articular: {synovitis_count: 2} | 12 | 14 | high | 18 | high | no |
      # 5 × 2 (pulmonary) + 5 × 1 (PNS) = 15 > 14: severe; ClinESSDAI 6 × 2 + 5 × 1 = 17
      | total 15 is severe | pulmonary: {dlco: 50}, pns: {trigeminal_neuralgia: present} | 12 | 15 | high | 17 | high | yes |
      # 3 × 3 (cutaneous high) = 9: a domain at high level is severe whatever the total; ClinESSDAI 3 × 3 = 9
      | a high domain is severe at 9 | cutaneous: {vasculitic_ulcers: present} | 12 | 9 | moderate | 9 | moderate | yes |
      # nothing active: 0
      | nothing active is 0 | cutaneous: {purpura: absent} | 12 | 0 | low | 0 | low | no |

  Scenario: The maximum is 123 (ESSDAI) and 135 (ClinESSDAI)
    Given a visit stating no involvement of any domain
    # every domain at its highest level: 6+12+4+6+9+15+15+18+15+15+6+2 = 123; ClinESSDAI 8+12+4+9+9+18+18+21+15+15+6 = 135
    And the visit records findings: constitutional: {fever: 39}, lymphadenopathy: {lymphoma: present}, glandular: {parotid_swelling: 4}, articular: {synovitis_count: 10}, cutaneous: {vasculitic_ulcers: present}, pulmonary: {fvc: 50}, renal: {biopsy_histology: {state: present, histology: proliferative_gn}}, pns: {vasculitic_neuropathy: present}, cns: {seizures: present}
    And the visit records findings: muscular: {myositis: {state: present, proven_by: biopsy, motor_strength: 2}}
    And the lab Neutrophils is 300 /mm3, reference -
    And the lab IgG is 30 g/L, reference 8.6-17.4
    When the visit is scored
    Then the ESSDAI is 123, range 123 to 123, category high, determined yes
    And the ClinESSDAI is 135, range 135 to 135, category high, determined yes

  Scenario: A not-assessable domain widens the range and can leave the category undetermined
    Given a visit stating no involvement outside the haematological domain
    And the visit records findings: pulmonary: {dlco: 50}
    When the visit is scored
    # documented 5 × 2 = 10 (haematological counted 0, labelled); max 10 + 2 × 3 = 16
    Then the ESSDAI is 10, range 10 to 16, category moderate, determined no
    And the haematological domain is not_assessable, level -, - points
    And the EULAR 2020 severe flag is undetermined

  Scenario Outline: ESSDAI warns outside primary SS: <case>
    Given a visit stating no involvement of any domain
    And the visit records conditions: <conditions>
    When the visit is scored
    Then the ESSDAI warning is <warning>

    Examples:
      | case | conditions | warning |
      | associated connective-tissue disease | associated_ctd: {state: present, disease: sle} | not_validated_associated_ctd |
      | HCV infection | hcv: present | not_validated_exclusion_condition |
      | sarcoidosis | sarcoidosis: present | not_validated_exclusion_condition |
      | primary SS | hcv: absent | none |
