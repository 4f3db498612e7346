Feature: 2016 ACR/EULAR classification criteria (rules/criteria/acr_eular_2016/)
  Entry: a positive dryness answer (Q1-Q5) or SS suspected from ESSDAI. Weighted items: focus
  score >= 1 (3), anti-SSA/Ro (3), OSS >= 5 or vBS >= 4 in at least one eye (1), Schirmer <= 5 mm
  in at least one eye (1), unstimulated saliva <= 0.1 mL/min (1). Classified at a total >= 4.

  Scenario Outline: <case>
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: yes}
    And the record has tests: <tests>
    When the criteria are applied
    Then the acr_eular_2016 item <item> is <state> with <points> points
    And the acr_eular_2016 item <item> rests on <rule>

    Examples:
      | case                                   | tests                                                                       | item            | state    | points | rule                                              |
      | focus score 0.9 is negative            | {focus_score: 0.9}                                                          | focus_score     | negative | 0      | acr_eular_2016.focus_score.negative               |
      | focus score 1.0 is positive (3)        | {focus_score: 1.0}                                                          | focus_score     | positive | 3      | acr_eular_2016.focus_score.positive               |
      | interpreted focus score >= 1 is accepted | {focus_score: {value: ">=1", interpreted: true}}                          | focus_score     | positive | 3      | acr_eular_2016.focus_score.positive_interpreted   |
      | no focal lymphocytic sialadenitis      | {focus_score: {value: 2, focal_lymphocytic_sialadenitis: false}}            | focus_score     | negative | 0      | acr_eular_2016.focus_score.negative_no_fls        |
      | censored focus score <2 is undecided   | {focus_score: "<2"}                                                         | focus_score     | unknown  | 0      | acr_eular_2016.focus_score.positive               |
      | biopsy not done                        | {focus_score: not_done}                                                     | focus_score     | unknown  | 0      | acr_eular_2016.focus_score.unknown                |
      | anti-SSA positive (3)                  | {anti_ssa: positive}                                                        | anti_ssa        | positive | 3      | acr_eular_2016.anti_ssa.positive                  |
      | anti-Ro60 positive (3)                 | {anti_ro60: positive}                                                       | anti_ssa        | positive | 3      | acr_eular_2016.anti_ssa.positive                  |
      | anti-SSA negative                      | {anti_ssa: negative}                                                        | anti_ssa        | negative | 0      | acr_eular_2016.anti_ssa.negative                  |
      | isolated anti-Ro52 is left unknown     | {anti_ro52: positive, anti_ro60: negative}                                  | anti_ssa        | unknown  | 0      | acr_eular_2016.anti_ssa.unknown_isolated_ro52     |
      | anti-SSB alone scores nothing          | {anti_ssb: positive}                                                        | anti_ssa        | unknown  | 0      | acr_eular_2016.anti_ssa.unknown                   |
      | OSS 4 in the worse eye is negative     | {ocular_staining_score: {right: 4, left: 2}}                                | ocular_staining | negative | 0      | acr_eular_2016.ocular_staining.negative           |
      | OSS 5 in one eye is positive (1)       | {ocular_staining_score: {right: 1, left: 5}}                                | ocular_staining | positive | 1      | acr_eular_2016.ocular_staining.positive           |
      | vBS 3 is negative                      | {van_bijsterveld: {right: 3, left: 3}}                                      | ocular_staining | negative | 0      | acr_eular_2016.ocular_staining.negative           |
      | vBS 4 in one eye is positive (1)       | {van_bijsterveld: {right: 4, left: 0}}                                      | ocular_staining | positive | 1      | acr_eular_2016.ocular_staining.positive           |
      | OSS and vBS both positive score 1 once | {ocular_staining_score: {right: 7, left: 7}, van_bijsterveld: {right: 6, left: 6}} | ocular_staining | positive | 1 | acr_eular_2016.ocular_staining.positive        |
      | OSS 3 negative, vBS not done           | {ocular_staining_score: {right: 3, left: 3}, van_bijsterveld: not_done}     | ocular_staining | negative | 0      | acr_eular_2016.ocular_staining.negative           |
      | neither staining test done             | {ocular_staining_score: not_done, van_bijsterveld: not_done}                | ocular_staining | unknown  | 0      | acr_eular_2016.ocular_staining.unknown            |
      | Schirmer 5 mm in one eye is positive   | {schirmer: {right: 5, left: 12}}                                            | schirmer        | positive | 1      | acr_eular_2016.schirmer.positive                  |
      | Schirmer 6 mm is negative              | {schirmer: {right: 6, left: 12}}                                            | schirmer        | negative | 0      | acr_eular_2016.schirmer.negative                  |
      | Schirmer not done                      | {schirmer: not_done}                                                        | schirmer        | unknown  | 0      | acr_eular_2016.schirmer.unknown                   |
      | Schirmer ">5" in both eyes is negative | {schirmer: {right: ">5", left: ">5"}}                                       | schirmer        | negative | 0      | acr_eular_2016.schirmer.negative                  |
      | Schirmer "<=5" in one eye is positive  | {schirmer: {right: "<=5", left: ">5"}}                                      | schirmer        | positive | 1      | acr_eular_2016.schirmer.positive                  |
      | Schirmer ">5" in one eye, other not measured | {schirmer: {right: ">5"}}                                             | schirmer        | unknown  | 0      | acr_eular_2016.schirmer.unknown                   |
      | Schirmer ">4" in both eyes is undecided | {schirmer: {right: ">4", left: ">4"}}                                      | schirmer        | unknown  | 0      | acr_eular_2016.schirmer.positive                  |
      # one eye a bound, the other exact: the worse eye (spec §4.4 [V-P: S9]: minimum Schirmer, maximum OSS) is a two-sided range, decided when both ends are on one side
      | Schirmer ">5" and 8 mm: worse eye in (5, 8], negative | {schirmer: {right: ">5", left: 8}}                  | schirmer        | negative | 0      | acr_eular_2016.schirmer.negative                  |
      | Schirmer ">5" and 5 mm: worse eye 5, positive | {schirmer: {right: ">5", left: 5}}                          | schirmer        | positive | 1      | acr_eular_2016.schirmer.positive                  |
      | Schirmer ">4" and 8 mm: worse eye in (4, 8], undecided | {schirmer: {right: ">4", left: 8}}                 | schirmer        | unknown  | 0      | acr_eular_2016.schirmer.positive                  |
      | Schirmer "<=5" and 8 mm: positive       | {schirmer: {right: "<=5", left: 8}}                                         | schirmer        | positive | 1      | acr_eular_2016.schirmer.positive                  |
      | OSS "<5" and 4: worse eye in [4, 5), negative | {ocular_staining_score: {right: "<5", left: 4}}             | ocular_staining | negative | 0      | acr_eular_2016.ocular_staining.negative           |
      | OSS "<6" and 4: worse eye in [4, 6), undecided | {ocular_staining_score: {right: "<6", left: 4}}            | ocular_staining | unknown  | 0      | acr_eular_2016.ocular_staining.positive           |
      | saliva 0.10 mL/min is positive         | {unstimulated_saliva_flow: 0.10}                                            | saliva_flow     | positive | 1      | acr_eular_2016.saliva_flow.positive               |
      | saliva 0.11 mL/min is negative         | {unstimulated_saliva_flow: 0.11}                                            | saliva_flow     | negative | 0      | acr_eular_2016.saliva_flow.negative               |
      | saliva not done                        | {unstimulated_saliva_flow: not_done}                                        | saliva_flow     | unknown  | 0      | acr_eular_2016.saliva_flow.unknown                |

  Scenario Outline: A dryness test under an anticholinergic drug is unknown, never negative: <case>
    Given a classification record
    And the record has symptoms: {dry_mouth_3_months: yes}
    And the record has tests: <tests>
    And the record has drugs: <drugs>
    When the criteria are applied
    Then the acr_eular_2016 item <item> is <state> with <points> points
    And the acr_eular_2016 item <item> rests on <rule>

    Examples:
      | case                                  | tests                                                                 | drugs                        | item            | state    | points | rule                                              |
      | Schirmer marked under the drug        | {schirmer: {right: 3, left: 3, under_anticholinergic: true}}           | {anticholinergic: absent}    | schirmer        | unknown  | 0      | acr_eular_2016.schirmer.unknown_anticholinergic   |
      | Schirmer while the drug is current    | {schirmer: {right: 9, left: 9}}                                        | {anticholinergic: present}   | schirmer        | unknown  | 0      | acr_eular_2016.schirmer.unknown_anticholinergic   |
      | Schirmer stated drug-free             | {schirmer: {right: 3, left: 3, under_anticholinergic: false}}          | {anticholinergic: present}   | schirmer        | positive | 1      | acr_eular_2016.schirmer.positive                  |
      | saliva under the drug                 | {unstimulated_saliva_flow: {value: 0.05, under_anticholinergic: true}} | {anticholinergic: absent}    | saliva_flow     | unknown  | 0      | acr_eular_2016.saliva_flow.unknown_anticholinergic |
      | OSS under the drug                    | {ocular_staining_score: {right: 8, left: 8, under_anticholinergic: true}} | {anticholinergic: absent} | ocular_staining | unknown  | 0      | acr_eular_2016.ocular_staining.unknown_anticholinergic |
      | vBS under the drug                    | {van_bijsterveld: {right: 2, left: 2, under_anticholinergic: true}}    | {anticholinergic: absent}    | ocular_staining | unknown  | 0      | acr_eular_2016.ocular_staining.unknown_anticholinergic |
      | OSS under the drug, vBS valid and low | {ocular_staining_score: {right: 8, left: 8, under_anticholinergic: true}, van_bijsterveld: {right: 1, left: 1}} | {anticholinergic: absent} | ocular_staining | negative | 0 | acr_eular_2016.ocular_staining.negative |

  Scenario Outline: An anticholinergic drug or a staining result that is unknown is not read as absent: <case>
    Given a classification record
    And the record has symptoms: {dry_mouth_3_months: yes}
    And the record has tests: <tests>
    And the record has drugs: <drugs>
    When the criteria are applied
    Then the acr_eular_2016 item <item> is <state> with <points> points
    And the acr_eular_2016 item <item> rests on <rule>

    # a drug of unknown status may be current: the test may be invalid (spec §4.3), so unknown
    # (0 or 1), not positive; a staining result unknown may be >= the threshold (it may conclude
    # positive), a staining test not done leaves the item to the test done (as AECG's default
    # mode, §5.3) [CONVENTION]
    Examples:
      | case                                   | tests                                                              | drugs                      | item            | state    | points | rule                                               |
      | OSS 8, drug status unknown             | {ocular_staining_score: {right: 8, left: 8}}                       | {anticholinergic: unknown} | ocular_staining | unknown  | 0      | acr_eular_2016.ocular_staining.unknown_anticholinergic |
      | OSS 8, drug absent                     | {ocular_staining_score: {right: 8, left: 8}}                       | {anticholinergic: absent}  | ocular_staining | positive | 1      | acr_eular_2016.ocular_staining.positive            |
      | Schirmer 3 mm, drug status unknown     | {schirmer: {right: 3, left: 3}}                                    | {anticholinergic: unknown} | schirmer        | unknown  | 0      | acr_eular_2016.schirmer.unknown_anticholinergic    |
      | saliva 0.5 mL/min, drug status unknown | {unstimulated_saliva_flow: 0.5}                                    | {anticholinergic: unknown} | saliva_flow     | unknown  | 0      | acr_eular_2016.saliva_flow.unknown_anticholinergic |
      | OSS 2, vBS result unknown              | {ocular_staining_score: {right: 2, left: 2}, van_bijsterveld: unknown}  | {anticholinergic: absent} | ocular_staining | unknown | 0 | acr_eular_2016.ocular_staining.positive |
      | OSS 2, vBS not done                    | {ocular_staining_score: {right: 2, left: 2}, van_bijsterveld: not_done} | {anticholinergic: absent} | ocular_staining | negative | 0 | acr_eular_2016.ocular_staining.negative |

  Scenario Outline: The score range with an anticholinergic drug of unknown status: <case>
    Given a classification record
    And the record has symptoms: {dry_mouth_3_months: yes}
    And the record has tests: {focus_score: 0.5, anti_ssa: negative, ocular_staining_score: {right: 2, left: 2}, schirmer: {right: 10, left: 10}, unstimulated_saliva_flow: 0.5}
    And the record has drugs: <drugs>
    When the criteria are applied
    Then the acr_eular_2016 score is <min> to <max>
    And the acr_eular_2016 verdict is <verdict>

    # focus 0.5 and anti-SSA negative: 0; the three dryness tests are all negative (0) when the
    # drug is absent; when it may be current each may be invalid: 0 + (0 or 1) × 3 = 0 to 3 < 4
    Examples:
      | case                      | drugs                      | min | max | verdict |
      | drug absent: 0            | {anticholinergic: absent}  | 0   | 0   | not_met |
      | drug status unknown: 0-3  | {anticholinergic: unknown} | 0   | 3   | not_met |

  Scenario Outline: Totals on both sides of 4: <case>
    Given a classification record
    And the record has symptoms: {drinks_to_swallow: yes}
    And the record has tests: <tests>
    When the criteria are applied
    Then the acr_eular_2016 score is <min> to <max>
    And the acr_eular_2016 verdict is <verdict>

    Examples:
      | case                                           | tests                                                                                                                                             | min | max | verdict      |
      | 3 (focus) + 0 + 0 + 0 + 0 = 3: not met         | {focus_score: 1.2, anti_ssa: negative, ocular_staining_score: {right: 2, left: 2}, schirmer: {right: 10, left: 10}, unstimulated_saliva_flow: 0.5} | 3   | 3   | not_met      |
      | 3 (focus) + 1 (Schirmer) = 4: met              | {focus_score: 1.2, anti_ssa: negative, ocular_staining_score: {right: 2, left: 2}, schirmer: {right: 5, left: 10}, unstimulated_saliva_flow: 0.5}  | 4   | 4   | met          |
      | 3 (anti-SSA) + 1 (OSS) = 4: met                | {focus_score: 0.5, anti_ssa: positive, ocular_staining_score: {right: 5, left: 2}, schirmer: {right: 10, left: 10}, unstimulated_saliva_flow: 0.5} | 4   | 4   | met          |
      | 1 + 1 + 1 = 3 without biopsy or serology       | {focus_score: 0.5, anti_ssa: negative, ocular_staining_score: {right: 5, left: 5}, schirmer: {right: 5, left: 5}, unstimulated_saliva_flow: 0.1}   | 3   | 3   | not_met      |
      | 3 + 3 + 1 + 1 + 1 = 9                          | {focus_score: 2, anti_ssa: positive, ocular_staining_score: {right: 5, left: 5}, schirmer: {right: 5, left: 5}, unstimulated_saliva_flow: 0.1}     | 9   | 9   | met          |
      | 3 known + saliva unknown (0 or 1) = 3 to 4     | {focus_score: 1.2, anti_ssa: negative, ocular_staining_score: {right: 2, left: 2}, schirmer: {right: 10, left: 10}}                                | 3   | 4   | undetermined |
      | 0 known + 1 + 1 unknown = 0 to 2: not met      | {focus_score: 0.5, anti_ssa: negative, ocular_staining_score: {right: 2, left: 2}}                                                                 | 0   | 2   | not_met      |

  Scenario: An undetermined verdict names the item that would settle it
    Given a classification record
    And the record has symptoms: {sand_gravel_eyes: yes}
    And the record has tests: {focus_score: 1.2, anti_ssa: negative, ocular_staining_score: {right: 2, left: 2}, schirmer: {right: 10, left: 10}}
    When the criteria are applied
    # 3 + 0 + 0 + 0 + saliva (0 or 1) = 3 to 4
    Then the acr_eular_2016 verdict is undetermined
    And the acr_eular_2016 verdict names as missing saliva_flow
    And for acr_eular_2016 a positive saliva_flow alone would give met
    And for acr_eular_2016 a negative saliva_flow alone would give not_met

  Scenario Outline: Entry through one dryness question: <question>
    Given a classification record
    And the record has symptoms: {<question>: yes}
    And the record has tests: {focus_score: 2, anti_ssa: positive}
    When the criteria are applied
    Then the acr_eular_2016 entry is positive
    And the acr_eular_2016 entry rests on acr_eular_2016.entry.symptoms
    # 3 + 3 = 6 >= 4
    And the acr_eular_2016 verdict is met

    Examples:
      | question                 |
      | dry_eyes_3_months        |
      | sand_gravel_eyes         |
      | tear_substitutes_3_daily |
      | dry_mouth_3_months       |
      | drinks_to_swallow        |

  Scenario: Five 'no' answers and no ESSDAI activity: not applicable
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: no, sand_gravel_eyes: no, tear_substitutes_3_daily: no, dry_mouth_3_months: no, drinks_to_swallow: no}
    And the record states no involvement of any ESSDAI domain
    And the record has tests: {focus_score: 2, anti_ssa: positive}
    When the criteria are applied
    Then the acr_eular_2016 entry is negative
    And the acr_eular_2016 entry rests on acr_eular_2016.entry.negative
    # 6 points, but the criteria do not apply
    And the acr_eular_2016 verdict is not_applicable

  Scenario: Five 'no' answers but the ESSDAI domains not assessable: entry unknown (spec §4.4)
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: no, sand_gravel_eyes: no, tear_substitutes_3_daily: no, dry_mouth_3_months: no, drinks_to_swallow: no}
    And the record has tests: {focus_score: 2, anti_ssa: positive}
    When the criteria are applied
    # no domain is recorded, so an ESSDAI suspicion can be neither found nor ruled out
    Then the acr_eular_2016 entry is unknown
    And the acr_eular_2016 entry rests on acr_eular_2016.entry.unknown
    And the acr_eular_2016 verdict is undetermined

  Scenario: Five 'no' answers, every domain stated inactive but only haemoglobin measured: entry unknown
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: no, sand_gravel_eyes: no, tear_substitutes_3_daily: no, dry_mouth_3_months: no, drinks_to_swallow: no}
    And the record states no involvement of any ESSDAI domain but haematological
    And the record has the lab Haemoglobin at 13 g/dL, reference -
    And the record has tests: {focus_score: 2, anti_ssa: positive}
    When the criteria are applied
    # Hb 13 is normal, but neutrophils and platelets not measured may still be low
    Then the acr_eular_2016 entry is unknown
    And the acr_eular_2016 verdict is undetermined

  Scenario: Dryness questions not asked: entry unknown, verdict undetermined
    Given a classification record
    And the record has symptoms: {swollen_salivary_glands: yes, dry_eyes_3_months: no}
    And the record has tests: {focus_score: 2, anti_ssa: positive}
    When the criteria are applied
    # swollen salivary glands is an AECG question, not a 2016 entry question
    Then the acr_eular_2016 entry is unknown
    And the acr_eular_2016 entry rests on acr_eular_2016.entry.unknown
    And the acr_eular_2016 verdict is undetermined
    # 3 + 3 + OSS, Schirmer, saliva unknown (0 or 1 each) = 6 to 9
    And the acr_eular_2016 score is 6 to 9
    And the acr_eular_2016 verdict names as missing ocular_staining, schirmer, saliva_flow, entry
    And for acr_eular_2016 a positive entry alone would give met

  Scenario: An inferred answer counts unless the option treats it as unknown
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: {answer: yes, inferred: true}}
    And the record has tests: {focus_score: 2, anti_ssa: negative}
    And the criteria option inferred_symptoms is unknown
    When the criteria are applied
    Then the acr_eular_2016 entry is unknown

  Scenario: An inferred answer carries the verdict: conditional on the narrative
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: {answer: yes, inferred: true}}
    And the record has tests: {focus_score: 2, anti_ssa: positive}
    When the criteria are applied
    Then the acr_eular_2016 verdict is met
    And the acr_eular_2016 output lists inferred items entry
    And the acr_eular_2016 verdict is conditional on exclusions_not_documented, inferred_from_narrative

  Scenario Outline: Entry through ESSDAI suspicion (<domain> activity), no dryness answer
    Given a classification record
    And the record has findings: <findings>
    And the record has the lab <analyte> at <value> <unit>, reference <ref>
    And the record has tests: {focus_score: 2, anti_ssa: positive}
    When the criteria are applied
    Then the acr_eular_2016 entry is positive
    And the acr_eular_2016 entry rests on acr_eular_2016.entry.essdai
    And the acr_eular_2016 verdict is met

    Examples:
      | domain          | findings                                                   | analyte     | value | unit  | ref     |
      | constitutional  | {constitutional: {fever: 37.5}}                            | IgG         | 10    | g/L   | 8.6-17.4 |
      | lymphadenopathy | {lymphadenopathy: {lymph_node: 1.0}}                       | IgG         | 10    | g/L   | 8.6-17.4 |
      | glandular       | {glandular: {parotid_swelling: 3.0}}                       | IgG         | 10    | g/L   | 8.6-17.4 |
      | articular       | {articular: {synovitis_count: 1}}                          | IgG         | 10    | g/L   | 8.6-17.4 |
      | cutaneous       | {cutaneous: {erythema_multiforme: present}}                | IgG         | 10    | g/L   | 8.6-17.4 |
      | pulmonary       | {pulmonary: {bronchial_cough: present}}                    | IgG         | 10    | g/L   | 8.6-17.4 |
      | renal           | {renal: {tubular_acidosis: present}}                       | GFR         | 60    | mL/min | -      |
      | muscular        | {muscular: {myositis: {state: present, proven_by: emg}}}   | CK          | 400   | U/L   | 0-200   |
      | pns             | {pns: {trigeminal_neuralgia: present}}                     | IgG         | 10    | g/L   | 8.6-17.4 |
      | cns             | {cns: {optic_neuritis: present}}                           | IgG         | 10    | g/L   | 8.6-17.4 |
      | haematological  | {}                                                         | Neutrophils | 1499  | /mm3  | -       |
      | biological      | {}                                                         | IgG         | 25.3  | g/L   | 8.6-17.4 |

  Scenario Outline: Exclusion <exclusion> (prior diagnosis)
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: yes}
    And the record has tests: {focus_score: 2, anti_ssa: positive}
    And the record has conditions: <conditions>
    When the criteria are applied
    Then the acr_eular_2016 exclusion <exclusion> is <state>
    And the acr_eular_2016 verdict is <verdict>

    Examples:
      | exclusion            | conditions                                              | state          | verdict  |
      | head_neck_radiation  | {head_neck_radiation: present}                          | present        | excluded |
      | head_neck_radiation  | {head_neck_radiation: absent}                           | absent         | met      |
      | hcv                  | {hcv: {state: present, active_pcr: true}}               | present        | excluded |
      | hcv                  | {hcv: {state: present, active_pcr: false}}              | absent         | met      |
      | hcv                  | {hcv: present}                                          | not_documented | met      |
      | hcv                  | {hcv: absent}                                           | absent         | met      |
      | aids                 | {aids: present}                                         | present        | excluded |
      | aids                 | {aids: absent}                                          | absent         | met      |
      | sarcoidosis          | {sarcoidosis: present}                                  | present        | excluded |
      | sarcoidosis          | {sarcoidosis: absent}                                   | absent         | met      |
      | amyloidosis          | {amyloidosis: present}                                  | present        | excluded |
      | amyloidosis          | {amyloidosis: absent}                                   | absent         | met      |
      | gvhd                 | {gvhd: present}                                         | present        | excluded |
      | gvhd                 | {gvhd: absent}                                          | absent         | met      |
      | igg4_related_disease | {igg4_related_disease: present}                         | present        | excluded |
      | igg4_related_disease | {igg4_related_disease: absent}                          | absent         | met      |

  Scenario: Every exclusion documented absent: the verdict is not conditional
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: yes}
    And the record has tests: {focus_score: 2, anti_ssa: positive}
    And the record has conditions: {head_neck_radiation: absent, hcv: absent, aids: absent, sarcoidosis: absent, amyloidosis: absent, gvhd: absent, igg4_related_disease: absent}
    When the criteria are applied
    Then the acr_eular_2016 verdict is met
    And the acr_eular_2016 verdict is conditional on nothing

  Scenario: An exclusion outranks the entry criterion
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: no, sand_gravel_eyes: no, tear_substitutes_3_daily: no, dry_mouth_3_months: no, drinks_to_swallow: no}
    And the record has conditions: {sarcoidosis: present}
    When the criteria are applied
    Then the acr_eular_2016 verdict is excluded

  Scenario: Isolated anti-Ro52 is flagged
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: yes}
    And the record has tests: {anti_ro52: positive, focus_score: 2}
    When the criteria are applied
    # 3 (focus) + anti-SSA unknown (0 or 3) + OSS, Schirmer, saliva unknown (0 or 1 each) = 3 to 9
    Then the acr_eular_2016 flags isolated_ro52
    And the acr_eular_2016 score is 3 to 9
    And the acr_eular_2016 verdict is undetermined

  Scenario: Anti-SSB is flagged as scoring nothing
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: yes}
    And the record has tests: {anti_ssb: positive, anti_ssa: negative, focus_score: 0.5}
    When the criteria are applied
    Then the acr_eular_2016 flags anti_ssb_not_scored
    And the acr_eular_2016 item anti_ssa is negative with 0 points

  Scenario: Tests recorded earlier hold later (cumulative record)
    Given a classification record
    And the record's history at 2021-03 has tests: {focus_score: 2, anti_ssa: positive}
    And the record's history at 2021-03 has symptoms: {dry_mouth_3_months: yes}
    When the criteria are applied
    Then the acr_eular_2016 verdict is met
    And the acr_eular_2016 score is 6 to 9

  Scenario Outline: An isolated anti-Ro52 is read by the option anti_ro52_isolated (<reading>)
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: yes}
    And the record has tests: {anti_ro52: positive, anti_ro60: <ro60>}
    And the criteria option anti_ro52_isolated is <reading>
    When the criteria are applied
    Then the acr_eular_2016 item anti_ssa is <state> with <points> points
    And the acr_eular_2016 item anti_ssa rests on <rule>

    # unknown is the spec's reading (§4.3: unverified, flagged), and the default
    Examples:
      | reading  | ro60     | state    | points | rule                                            |
      | unknown  | negative | unknown  | 0      | acr_eular_2016.anti_ssa.unknown_isolated_ro52   |
      | positive | negative | positive | 3      | acr_eular_2016.anti_ssa.positive_isolated_ro52  |
      | negative | negative | negative | 0      | acr_eular_2016.anti_ssa.negative                |
      | negative | not_done | unknown  | 0      | acr_eular_2016.anti_ssa.unknown                 |

  Scenario Outline: An associated connective tissue disease makes the 2016 verdict conditional: <case>
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: yes}
    And the record has tests: {focus_score: 2, anti_ssa: positive}
    And the record has conditions: <conditions>
    When the criteria are applied
    # 3 + 3 = 6 >= 4
    Then the acr_eular_2016 verdict is met
    And the acr_eular_2016 flags <flags>
    And the acr_eular_2016 verdict is conditional on <conditional>

    Examples:
      | case             | conditions                                               | flags          | conditional                                                   |
      | lupus recorded   | {associated_ctd: {state: present, disease: sle}}          | associated_ctd | exclusions_not_documented, conditional_on_associated_ctd      |
      | none recorded    | {associated_ctd: absent}                                   | none           | exclusions_not_documented                                     |
