Feature: 2012 ACR (SICCA) classification criteria (rules/criteria/acr_2012/)
  At least 2 of 3 objective items: serology (anti-SSA/Ro and/or anti-SSB/La, or RF positive
  with ANA >= 1:320), labial gland focus score >= 1, OSS >= 3 (worse eye) without daily glaucoma
  drops or corneal / eyelid surgery in the last 5 years. No symptom entry criterion.

  Scenario Outline: Item <item>: <case>
    Given a classification record
    And the record has tests: <tests>
    And the record has conditions: <conditions>
    And the record has the lab <analyte> at <value> <unit>, reference <ref>
    When the criteria are applied
    Then the acr_2012 item <item> is <state>
    And the acr_2012 item <item> rests on <rule>

    Examples:
      | case                                   | tests                                                        | conditions                 | analyte | value | unit | ref  | item            | state    | rule                                    |
      | anti-SSA positive                      | {anti_ssa: positive}                                         | {}                         | IgG     | 10    | g/L  | -    | serology        | positive | acr_2012.serology.anti_ro               |
      | anti-SSB positive (counts in 2012)     | {anti_ssb: positive}                                         | {}                         | IgG     | 10    | g/L  | -    | serology        | positive | acr_2012.serology.anti_la               |
      | RF positive with ANA 1:320             | {rf: positive, ana: {result: positive, titre: 320}}          | {}                         | IgG     | 10    | g/L  | -    | serology        | positive | acr_2012.serology.rf_ana                |
      | IgM-RF above range with ANA 1:640      | {ana: {result: positive, titre: 640}}                        | {}                         | RF IgM  | 331.5 | U/mL | 0-25 | serology        | positive | acr_2012.serology.rf_ana                |
      | RF positive with ANA 1:160 only        | {rf: positive, ana: {result: positive, titre: 160}, anti_ssa: negative, anti_ssb: negative} | {} | IgG | 10 | g/L | - | serology        | negative | acr_2012.serology.negative              |
      | all negative (RF within range)         | {anti_ssa: negative, anti_ssb: negative}                     | {}                         | RF IgM  | 10    | U/mL | 0-25 | serology        | negative | acr_2012.serology.negative              |
      | RF negative, ANA not done              | {rf: negative, anti_ro60: negative, anti_ssb: negative}      | {}                         | IgG     | 10    | g/L  | -    | serology        | negative | acr_2012.serology.negative              |
      | ANA negative                           | {ana: negative, anti_ssa: negative, anti_ssb: negative}      | {}                         | IgG     | 10    | g/L  | -    | serology        | negative | acr_2012.serology.negative              |
      | anti-SSA negative, anti-SSB not done   | {anti_ssa: negative, rf: negative}                           | {}                         | IgG     | 10    | g/L  | -    | serology        | unknown  | acr_2012.serology.unknown               |
      | isolated anti-Ro52                     | {anti_ro52: positive, anti_ssb: negative, rf: negative}      | {}                         | IgG     | 10    | g/L  | -    | serology        | unknown  | acr_2012.serology.unknown               |
      | focus score 0.9                        | {focus_score: 0.9}                                           | {}                         | IgG     | 10    | g/L  | -    | focus_score     | negative | acr_2012.focus_score.negative           |
      | focus score 1.0                        | {focus_score: 1.0}                                           | {}                         | IgG     | 10    | g/L  | -    | focus_score     | positive | acr_2012.focus_score.positive           |
      | interpreted focus score >= 1           | {focus_score: {value: ">=1", interpreted: true}}             | {}                         | IgG     | 10    | g/L  | -    | focus_score     | positive | acr_2012.focus_score.positive_interpreted |
      | no focal lymphocytic sialadenitis      | {focus_score: {value: 3, focal_lymphocytic_sialadenitis: false}} | {}                     | IgG     | 10    | g/L  | -    | focus_score     | negative | acr_2012.focus_score.negative_no_fls    |
      | biopsy not done                        | {focus_score: not_done}                                      | {}                         | IgG     | 10    | g/L  | -    | focus_score     | unknown  | acr_2012.focus_score.unknown            |
      | OSS 2 in the worse eye                 | {ocular_staining_score: {right: 2, left: 1}}                 | {}                         | IgG     | 10    | g/L  | -    | ocular_staining | negative | acr_2012.ocular_staining.negative       |
      | OSS 3 in one eye (2016 needs 5)        | {ocular_staining_score: {right: 0, left: 3}}                 | {}                         | IgG     | 10    | g/L  | -    | ocular_staining | positive | acr_2012.ocular_staining.positive       |
      | vBS is not a 2012 test                 | {van_bijsterveld: {right: 6, left: 6}}                       | {}                         | IgG     | 10    | g/L  | -    | ocular_staining | unknown  | acr_2012.ocular_staining.unknown        |
      | OSS 6 with daily glaucoma drops        | {ocular_staining_score: {right: 6, left: 6}}                 | {glaucoma_drops: present}  | IgG     | 10    | g/L  | -    | ocular_staining | unknown  | acr_2012.ocular_staining.unknown_glaucoma_drops |
      | OSS 1 after recent eye surgery         | {ocular_staining_score: {right: 1, left: 1}}                 | {eye_surgery_5_years: present} | IgG | 10    | g/L  | -    | ocular_staining | unknown  | acr_2012.ocular_staining.unknown_eye_surgery |
      | OSS 4, no glaucoma drops, no surgery   | {ocular_staining_score: {right: 4, left: 4}}                 | {glaucoma_drops: absent, eye_surgery_5_years: absent} | IgG | 10 | g/L | - | ocular_staining | positive | acr_2012.ocular_staining.positive  |

  Scenario Outline: Two of three: <case>
    Given a classification record
    And the record has tests: <tests>
    When the criteria are applied
    Then the acr_2012 verdict is <verdict>
    And the acr_2012 score is <min> to <max>

    Examples:
      | case                                    | tests                                                                                                   | verdict      | min | max |
      | serology + biopsy = 2                   | {anti_ssb: positive, focus_score: 1.5, ocular_staining_score: {right: 1, left: 1}}                      | met          | 2   | 2   |
      | biopsy + OSS = 2                        | {anti_ssa: negative, anti_ssb: negative, rf: negative, focus_score: 1.0, ocular_staining_score: {right: 3, left: 0}} | met | 2 | 2 |
      | OSS only = 1                            | {anti_ssa: negative, anti_ssb: negative, rf: negative, focus_score: 0.9, ocular_staining_score: {right: 3, left: 0}} | not_met | 1 | 1 |
      | serology + 2 unknown = 1 to 3           | {anti_ssa: positive}                                                                                    | undetermined | 1   | 3   |
      | 0 known + OSS unknown = 0 to 1          | {anti_ssa: negative, anti_ssb: negative, rf: negative, focus_score: 0.5}                                | not_met      | 0   | 1   |

  Scenario: Symptoms are not required in 2012
    Given a classification record
    And the record has symptoms: {dry_eyes_3_months: no, sand_gravel_eyes: no, tear_substitutes_3_daily: no, dry_mouth_3_months: no, drinks_to_swallow: no}
    And the record states no involvement of any ESSDAI domain
    And the record has tests: {anti_ssa: positive, focus_score: 2}
    When the criteria are applied
    Then the acr_2012 verdict is met
    And the acr_eular_2016 verdict is not_applicable

  Scenario Outline: Exclusion <exclusion>
    Given a classification record
    And the record has tests: {anti_ssa: positive, focus_score: 2}
    And the record has conditions: <conditions>
    When the criteria are applied
    Then the acr_2012 exclusion <exclusion> is <state>
    And the acr_2012 verdict is <verdict>

    Examples:
      | exclusion            | conditions                                  | state   | verdict  |
      | head_neck_radiation  | {head_neck_radiation: present}              | present | excluded |
      | head_neck_radiation  | {head_neck_radiation: absent}               | absent  | met      |
      | hcv                  | {hcv: {state: present, active_pcr: false}}  | present | excluded |
      | hcv                  | {hcv: absent}                               | absent  | met      |
      | aids                 | {aids: present}                             | present | excluded |
      | aids                 | {aids: absent}                              | absent  | met      |
      | sarcoidosis          | {sarcoidosis: present}                      | present | excluded |
      | sarcoidosis          | {sarcoidosis: absent}                       | absent  | met      |
      | amyloidosis          | {amyloidosis: present}                      | present | excluded |
      | amyloidosis          | {amyloidosis: absent}                       | absent  | met      |
      | gvhd                 | {gvhd: present}                             | present | excluded |
      | gvhd                 | {gvhd: absent}                              | absent  | met      |
      | igg4_related_disease | {igg4_related_disease: present}             | present | excluded |
      | igg4_related_disease | {igg4_related_disease: absent}              | absent  | met      |

  Scenario: No anticholinergic caveat in 2012
    Given a classification record
    And the record has tests: {anti_ssa: positive, ocular_staining_score: {right: 4, left: 4, under_anticholinergic: true}}
    And the record has drugs: {anticholinergic: present}
    When the criteria are applied
    Then the acr_2012 item ocular_staining is positive
    And the acr_2012 verdict is met
    # the source names no caveat, so the OSS counts; but the verdict is flagged as resting on it
    And the acr_2012 flags anticholinergic_ocular_tests
    And the acr_2012 verdict is conditional on exclusions_not_documented, conditional_on_anticholinergic_ocular_tests

  Scenario Outline: An ocular staining score under an anticholinergic drug is flagged: <case>
    Given a classification record
    And the record has tests: {anti_ssa: positive, ocular_staining_score: <oss>}
    And the record has drugs: <drugs>
    When the criteria are applied
    Then the acr_2012 item ocular_staining is positive
    And the acr_2012 flags <flags>

    Examples:
      | case                               | oss                                                  | drugs                      | flags                        |
      | drug current, test not marked      | {right: 4, left: 4}                                  | {anticholinergic: present} | anticholinergic_ocular_tests |
      | drug current, test stated drug-free | {right: 4, left: 4, under_anticholinergic: false}   | {anticholinergic: present} | none                         |
      | no drug recorded                   | {right: 4, left: 4}                                  | {anticholinergic: absent}  | none                         |
