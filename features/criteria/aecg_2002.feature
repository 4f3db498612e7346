Feature: 2002 AECG classification criteria (rules/criteria/aecg_2002/)
  Items I-VI; primary SS by (a) any 4 of 6 with IV or VI positive, or (b) any 3 of the 4
  objective items (III-VI); secondary SS (an associated disease) by I or II plus any 2 of III,
  IV, V. Multi-test items III and V: default mode (one negative test settles it when nothing
  else was done) or strict mode (every modality needed). Evaluated pessimistically and
  optimistically (spec §5.3).

  Scenario Outline: Item <item>: <case>
    Given a classification record
    And the record has symptoms: <symptoms>
    And the record has tests: <tests>
    And the criteria option aecg_mode is <mode>
    And the criteria option focus_score_reading is <reading>
    When the criteria are applied
    Then the aecg_2002 item <item> is <state>
    And the aecg_2002 item <item> rests on <rule>

    Examples:
      | case                                   | symptoms                                            | tests                                                          | mode    | reading            | item                 | state    | rule                                          |
      | dry eyes > 3 months                    | {dry_eyes_3_months: yes}                            | {}                                                             | default | accept_interpreted | ocular_symptoms      | positive | aecg_2002.ocular_symptoms.positive            |
      | sand or gravel                         | {sand_gravel_eyes: yes}                             | {}                                                             | default | accept_interpreted | ocular_symptoms      | positive | aecg_2002.ocular_symptoms.positive            |
      | tear substitutes                       | {tear_substitutes_3_daily: yes}                     | {}                                                             | default | accept_interpreted | ocular_symptoms      | positive | aecg_2002.ocular_symptoms.positive            |
      | three 'no'                             | {dry_eyes_3_months: no, sand_gravel_eyes: no, tear_substitutes_3_daily: no} | {}                                     | default | accept_interpreted | ocular_symptoms      | negative | aecg_2002.ocular_symptoms.negative            |
      | one 'no', two not asked                | {dry_eyes_3_months: no}                             | {}                                                             | default | accept_interpreted | ocular_symptoms      | unknown  | aecg_2002.ocular_symptoms.unknown             |
      | dry mouth > 3 months                   | {dry_mouth_3_months: yes}                           | {}                                                             | default | accept_interpreted | oral_symptoms        | positive | aecg_2002.oral_symptoms.positive              |
      | swollen salivary glands (AECG only)    | {swollen_salivary_glands: yes}                      | {}                                                             | default | accept_interpreted | oral_symptoms        | positive | aecg_2002.oral_symptoms.positive              |
      | drinks to swallow                      | {drinks_to_swallow: yes}                            | {}                                                             | default | accept_interpreted | oral_symptoms        | positive | aecg_2002.oral_symptoms.positive              |
      | three 'no' (oral)                      | {dry_mouth_3_months: no, swollen_salivary_glands: no, drinks_to_swallow: no} | {}                                    | default | accept_interpreted | oral_symptoms        | negative | aecg_2002.oral_symptoms.negative              |
      | oral not asked                         | {}                                                  | {}                                                             | default | accept_interpreted | oral_symptoms        | unknown  | aecg_2002.oral_symptoms.unknown               |
      | Schirmer 5 mm in one eye               | {}                                                  | {schirmer: {right: 5, left: 15}}                               | default | accept_interpreted | ocular_signs         | positive | aecg_2002.ocular_signs.positive               |
      | Schirmer 6 mm, vBS not done (default)  | {}                                                  | {schirmer: {right: 6, left: 15}, van_bijsterveld: not_done}    | default | accept_interpreted | ocular_signs         | negative | aecg_2002.ocular_signs.negative               |
      | Schirmer ">5" both eyes, vBS not done  | {}                                                  | {schirmer: {right: ">5", left: ">5"}, van_bijsterveld: not_done} | default | accept_interpreted | ocular_signs       | negative | aecg_2002.ocular_signs.negative               |
      | Schirmer ">5" in one eye only          | {}                                                  | {schirmer: {right: ">5"}, van_bijsterveld: not_done}           | default | accept_interpreted | ocular_signs         | unknown  | aecg_2002.ocular_signs.unknown                |
      | vBS 4 in one eye                       | {}                                                  | {van_bijsterveld: {right: 4, left: 1}}                         | default | accept_interpreted | ocular_signs         | positive | aecg_2002.ocular_signs.positive               |
      | vBS 3, Schirmer not done (default)     | {}                                                  | {van_bijsterveld: {right: 3, left: 3}}                         | default | accept_interpreted | ocular_signs         | negative | aecg_2002.ocular_signs.negative               |
      | OSS is not an AECG test                | {}                                                  | {ocular_staining_score: {right: 9, left: 9}}                   | default | accept_interpreted | ocular_signs         | unknown  | aecg_2002.ocular_signs.unknown                |
      | Schirmer done, result unknown; vBS 2   | {}                                                  | {schirmer: unknown, van_bijsterveld: {right: 2, left: 2}}      | default | accept_interpreted | ocular_signs         | unknown  | aecg_2002.ocular_signs.positive               |
      | strict: Schirmer 6, vBS not done       | {}                                                  | {schirmer: {right: 6, left: 6}, van_bijsterveld: not_done}     | strict  | accept_interpreted | ocular_signs         | unknown  | aecg_2002.ocular_signs.unknown_strict         |
      | strict: Schirmer 6 and vBS 3           | {}                                                  | {schirmer: {right: 6, left: 6}, van_bijsterveld: {right: 3, left: 3}} | strict | accept_interpreted | ocular_signs  | negative | aecg_2002.ocular_signs.negative_strict        |
      | strict: Schirmer 5                     | {}                                                  | {schirmer: {right: 5, left: 6}}                                | strict  | accept_interpreted | ocular_signs         | positive | aecg_2002.ocular_signs.positive               |
      | focus score 0.9                        | {}                                                  | {focus_score: 0.9}                                             | default | accept_interpreted | histopathology       | negative | aecg_2002.histopathology.negative             |
      | focus score 1.0                        | {}                                                  | {focus_score: 1.0}                                             | default | accept_interpreted | histopathology       | positive | aecg_2002.histopathology.positive             |
      | interpreted >= 1, accepted             | {}                                                  | {focus_score: {value: ">=1", interpreted: true}}               | default | accept_interpreted | histopathology       | positive | aecg_2002.histopathology.positive_interpreted |
      | interpreted >= 1, treated as unknown   | {}                                                  | {focus_score: {value: ">=1", interpreted: true}}               | default | unknown            | histopathology       | unknown  | aecg_2002.histopathology.unknown_interpreted  |
      | no focal lymphocytic sialadenitis      | {}                                                  | {focus_score: {value: 1.5, focal_lymphocytic_sialadenitis: false}} | default | accept_interpreted | histopathology   | negative | aecg_2002.histopathology.negative_no_fls      |
      | biopsy not done                        | {}                                                  | {focus_score: not_done}                                        | default | accept_interpreted | histopathology       | unknown  | aecg_2002.histopathology.unknown              |
      | UWS 0.10 mL/min (1.5 mL/15 min)        | {}                                                  | {unstimulated_saliva_flow: 0.10}                               | default | accept_interpreted | salivary_involvement | positive | aecg_2002.salivary_involvement.positive       |
      | UWS 0.11 mL/min, nothing else (default) | {}                                                 | {unstimulated_saliva_flow: 0.11}                               | default | accept_interpreted | salivary_involvement | negative | aecg_2002.salivary_involvement.negative       |
      | sialectasias on sialography            | {}                                                  | {sialography: positive}                                        | default | accept_interpreted | salivary_involvement | positive | aecg_2002.salivary_involvement.positive       |
      | abnormal scintigraphy                  | {}                                                  | {scintigraphy: positive, unstimulated_saliva_flow: 0.3}        | default | accept_interpreted | salivary_involvement | positive | aecg_2002.salivary_involvement.positive       |
      | sialography negative (default)         | {}                                                  | {sialography: negative}                                        | default | accept_interpreted | salivary_involvement | negative | aecg_2002.salivary_involvement.negative       |
      | nothing done                           | {}                                                  | {unstimulated_saliva_flow: not_done, sialography: not_done, scintigraphy: not_done} | default | accept_interpreted | salivary_involvement | unknown | aecg_2002.salivary_involvement.unknown |
      | UWS 0.11, scintigraphy result unknown  | {}                                                  | {unstimulated_saliva_flow: 0.11, scintigraphy: unknown}        | default | accept_interpreted | salivary_involvement | unknown  | aecg_2002.salivary_involvement.positive       |
      | strict: UWS 0.11 without scintigraphy  | {}                                                  | {unstimulated_saliva_flow: 0.11, sialography: negative}        | strict  | accept_interpreted | salivary_involvement | unknown  | aecg_2002.salivary_involvement.unknown_strict |
      | strict: all three negative             | {}                                                  | {unstimulated_saliva_flow: 0.11, sialography: negative, scintigraphy: negative} | strict | accept_interpreted | salivary_involvement | negative | aecg_2002.salivary_involvement.negative_strict |
      | anti-SSA positive                      | {}                                                  | {anti_ssa: positive}                                           | default | accept_interpreted | autoantibodies       | positive | aecg_2002.autoantibodies.anti_ro              |
      | anti-Ro60 positive                     | {}                                                  | {anti_ro60: positive, anti_ssb: negative}                      | default | accept_interpreted | autoantibodies       | positive | aecg_2002.autoantibodies.anti_ro              |
      | anti-SSB positive alone                | {}                                                  | {anti_ssb: positive, anti_ssa: negative}                       | default | accept_interpreted | autoantibodies       | positive | aecg_2002.autoantibodies.anti_la              |
      | both negative                          | {}                                                  | {anti_ssa: negative, anti_ssb: negative}                       | default | accept_interpreted | autoantibodies       | negative | aecg_2002.autoantibodies.negative             |
      | anti-SSA negative, anti-SSB not done   | {}                                                  | {anti_ssa: negative, anti_ssb: not_done}                       | default | accept_interpreted | autoantibodies       | unknown  | aecg_2002.autoantibodies.unknown              |
      | isolated anti-Ro52                     | {}                                                  | {anti_ro52: positive, anti_ssb: negative}                      | default | accept_interpreted | autoantibodies       | unknown  | aecg_2002.autoantibodies.unknown              |

  Scenario Outline: Primary SS: <case>
    Given a classification record
    And the record has symptoms: <symptoms>
    And the record has tests: <tests>
    And the record has conditions: {associated_ctd: absent}
    When the criteria are applied
    Then the aecg_2002 verdict is <verdict>
    And the aecg_2002 score is <min> to <max>
    And the aecg_2002 classification is primary SS

    # items: I dry eyes, II dry mouth, III Schirmer, IV focus score, V UWS, VI anti-SSA/SSB
    Examples:
      | case                                             | symptoms                                                                                         | tests                                                                                                                             | verdict      | min | max |
      | (a) I + II + IV + VI = 4 with IV, VI             | {dry_eyes_3_months: yes, dry_mouth_3_months: yes}                                                | {schirmer: {right: 10, left: 10}, focus_score: 1, unstimulated_saliva_flow: 0.5, anti_ssa: positive}                              | met          | 4   | 4   |
      | (a) fails: I + II + III + V = 4 without IV or VI | {dry_eyes_3_months: yes, dry_mouth_3_months: yes}                                                | {schirmer: {right: 3, left: 3}, focus_score: 0.5, unstimulated_saliva_flow: 0.05, anti_ssa: negative, anti_ssb: negative}         | not_met      | 4   | 4   |
      | (b) III + IV + V = 3 objective                   | {dry_eyes_3_months: no, sand_gravel_eyes: no, tear_substitutes_3_daily: no, dry_mouth_3_months: no, swollen_salivary_glands: no, drinks_to_swallow: no} | {schirmer: {right: 3, left: 3}, focus_score: 2, unstimulated_saliva_flow: 0.05, anti_ssa: negative, anti_ssb: negative} | met | 3 | 3 |
      | I + II + VI = 3: neither rule                    | {dry_eyes_3_months: yes, dry_mouth_3_months: yes}                                                | {schirmer: {right: 10, left: 10}, focus_score: 0.5, unstimulated_saliva_flow: 0.5, anti_ssb: positive}                            | not_met      | 3   | 3   |
      | I + II + VI known, III IV V unknown              | {dry_eyes_3_months: yes, dry_mouth_3_months: yes}                                                | {anti_ssb: positive}                                                                                                              | undetermined | 3   | 6   |

  Scenario: Rules (a) and (b) both hold
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: yes, dry_mouth_3_months: yes}
    And the record has tests: {schirmer: {right: 3, left: 3}, focus_score: 2, unstimulated_saliva_flow: 0.05, anti_ssa: positive}
    When the criteria are applied
    # 6 of 6 with IV and VI (a); 4 objective (b)
    Then the aecg_2002 verdict is met by rule a, b as primary SS

  Scenario: An undetermined verdict names each item that would settle it
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: yes, dry_mouth_3_months: yes}
    And the record has tests: {anti_ssb: positive}
    When the criteria are applied
    # I + II + VI = 3; any one of III, IV, V positive gives 4 with VI: rule (a)
    Then the aecg_2002 verdict names as missing ocular_signs, histopathology, salivary_involvement
    And for aecg_2002 a positive histopathology alone would give met
    And for aecg_2002 a negative histopathology alone would give undetermined

  Scenario Outline: Secondary SS (an associated disease): <case>
    Given a classification record
    And the record has symptoms: <symptoms>
    And the record has tests: <tests>
    And the record has conditions: {associated_ctd: {state: present, disease: rheumatoid_arthritis}}
    When the criteria are applied
    Then the aecg_2002 verdict is <verdict>
    And the aecg_2002 classification is secondary SS

    Examples:
      | case                                       | symptoms                                                                        | tests                                                                                       | verdict      |
      | I + III + IV                               | {dry_eyes_3_months: yes}                                                        | {schirmer: {right: 3, left: 3}, focus_score: 2}                                             | met          |
      | II + IV + V                                | {dry_mouth_3_months: yes}                                                       | {focus_score: 2, unstimulated_saliva_flow: 0.05}                                            | met          |
      | I + III only                               | {dry_eyes_3_months: yes}                                                        | {schirmer: {right: 3, left: 3}, focus_score: 0.5, unstimulated_saliva_flow: 0.5}            | not_met      |
      | serology is not part of it: I + VI         | {dry_eyes_3_months: yes}                                                        | {schirmer: {right: 10, left: 10}, focus_score: 0.5, unstimulated_saliva_flow: 0.5, anti_ssa: positive} | not_met |
      | no symptom item, III + IV + V              | {dry_eyes_3_months: no, sand_gravel_eyes: no, tear_substitutes_3_daily: no, dry_mouth_3_months: no, swollen_salivary_glands: no, drinks_to_swallow: no} | {schirmer: {right: 3, left: 3}, focus_score: 2, unstimulated_saliva_flow: 0.05} | not_met |
      | II + IV, III and V unknown                 | {dry_mouth_3_months: yes}                                                       | {focus_score: 2}                                                                            | undetermined |

  Scenario Outline: Exclusion <exclusion>
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: yes, dry_mouth_3_months: yes}
    And the record has tests: {focus_score: 2, anti_ssa: positive}
    And the record has conditions: <conditions>
    And the record has drugs: <drugs>
    When the criteria are applied
    Then the aecg_2002 exclusion <exclusion> is <state>
    And the aecg_2002 verdict is <verdict>

    Examples:
      | exclusion           | conditions                                       | drugs                      | state          | verdict  |
      | head_neck_radiation | {head_neck_radiation: present}                   | {}                         | present        | excluded |
      | head_neck_radiation | {head_neck_radiation: absent}                    | {}                         | absent         | met      |
      | hcv                 | {hcv: present}                                   | {}                         | present        | excluded |
      | hcv                 | {hcv: {state: present, active_pcr: false}}       | {}                         | present        | excluded |
      | hcv                 | {hcv: absent}                                    | {}                         | absent         | met      |
      | aids                | {aids: present}                                  | {}                         | present        | excluded |
      | aids                | {aids: absent}                                   | {}                         | absent         | met      |
      | lymphoma            | {lymphoma: {state: present, pre_existing: true}} | {}                         | present        | excluded |
      | lymphoma            | {lymphoma: {state: present, pre_existing: false}} | {}                        | absent         | met      |
      | lymphoma            | {lymphoma: present}                              | {}                         | not_documented | met      |
      | lymphoma            | {lymphoma: absent}                               | {}                         | absent         | met      |
      | sarcoidosis         | {sarcoidosis: present}                           | {}                         | present        | excluded |
      | sarcoidosis         | {sarcoidosis: absent}                            | {}                         | absent         | met      |
      | gvhd                | {gvhd: present}                                  | {}                         | present        | excluded |
      | gvhd                | {gvhd: absent}                                   | {}                         | absent         | met      |
      | anticholinergic     | {}                                               | {anticholinergic: present} | present        | excluded |
      | anticholinergic     | {}                                               | {anticholinergic: absent}  | absent         | met      |
      | anticholinergic     | {}                                               | {}                         | not_documented | met      |

  Scenario: A test done under an anticholinergic drug excludes (AECG), though no drug is current
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: yes, dry_mouth_3_months: yes}
    And the record has tests: {focus_score: 2, anti_ssa: positive, schirmer: {right: 2, left: 2, under_anticholinergic: true}}
    And the record has drugs: {anticholinergic: absent}
    When the criteria are applied
    Then the aecg_2002 exclusion anticholinergic is present
    And the aecg_2002 verdict is excluded

  Scenario: Every exclusion and the associated disease documented: not conditional
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: yes, dry_mouth_3_months: yes}
    And the record has tests: {focus_score: 2, anti_ssa: positive}
    And the record has conditions: {head_neck_radiation: absent, hcv: absent, aids: absent, lymphoma: absent, sarcoidosis: absent, gvhd: absent, associated_ctd: absent}
    And the record has drugs: {anticholinergic: absent}
    When the criteria are applied
    Then the aecg_2002 verdict is met by rule a as primary SS
    And the aecg_2002 verdict is conditional on nothing
