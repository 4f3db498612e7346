Feature: Classification of the rFib case (clinical-spec §9.5)
  Every classification test of the case dates from 2021 (history); classification at each
  timepoint uses the cumulative record, so the verdicts are the same at every timepoint.
  The focus score is interpreted (">=1" from "more than 50 cells/4 mm2") and the dryness
  answers are inferred from the narrative; no exclusion is documented.

  Background:
    Given the case file "examples/rfib-case.yaml"

  Scenario: AECG 2002 is met by rule (a) with items I, II, IV and VI: primary SS, conditional
    When the criteria are applied at baseline
    # I + II + IV + VI = 4 of 6 with IV and VI positive; III and V unknown
    Then the aecg_2002 verdict is met by rule a as primary SS
    And the aecg_2002 items are ocular_symptoms=positive, oral_symptoms=positive, ocular_signs=unknown, histopathology=positive, salivary_involvement=unknown, autoantibodies=positive
    And the aecg_2002 item autoantibodies rests on aecg_2002.autoantibodies.anti_la
    And the aecg_2002 item histopathology rests on aecg_2002.histopathology.positive_interpreted
    And the aecg_2002 score is 4 to 6
    And the aecg_2002 verdict is conditional on exclusions_not_documented, associated_disease_not_documented, inferred_from_narrative, interpreted_focus_score
    And the aecg_2002 output lists inferred items ocular_symptoms, oral_symptoms
    And the aecg_2002 output lists interpreted items histopathology
    And the aecg_2002 exclusion anticholinergic is not_documented
    And the verdicts are the same at every timepoint

  Scenario: ACR 2012 is met through anti-SSB and the biopsy, conditional
    When the criteria are applied at baseline
    # serology (anti-SSB) 1 + biopsy 1 = 2 of 3; OSS unknown
    Then the acr_2012 verdict is met
    And the acr_2012 score is 2 to 3
    And the acr_2012 items are serology=positive, focus_score=positive, ocular_staining=unknown
    And the acr_2012 item serology rests on acr_2012.serology.anti_la
    And the acr_2012 verdict is conditional on exclusions_not_documented, interpreted_focus_score
    And the verdicts are the same at every timepoint

  Scenario: ACR/EULAR 2016 is undetermined at 3 to 9; anti-SSB scores nothing
    When the criteria are applied at baseline
    # 3 (focus score) + 0 (anti-SSA unknown: 0 or 3) + 0 (OSS unknown: 0 or 1)
    # + 0 (Schirmer unknown: 0 or 1) + 0 (saliva unknown: 0 or 1) = 3 min, 3+3+1+1+1 = 9 max
    Then the acr_eular_2016 verdict is undetermined
    And the acr_eular_2016 score is 3 to 9
    And the acr_eular_2016 entry is positive
    And the acr_eular_2016 entry rests on acr_eular_2016.entry.symptoms
    And the acr_eular_2016 item focus_score is positive with 3 points
    And the acr_eular_2016 item anti_ssa is unknown with 0 points
    And the acr_eular_2016 verdict names as missing anti_ssa, ocular_staining, schirmer, saliva_flow
    And for acr_eular_2016 a positive anti_ssa alone would give met
    And for acr_eular_2016 a positive schirmer alone would give met
    # a negative anti-SSA still leaves 3 + 1 + 1 + 1 = 6 possible
    And for acr_eular_2016 a negative anti_ssa alone would give undetermined
    And the acr_eular_2016 flags anti_ssb_not_scored
    And the acr_eular_2016 verdict is conditional on exclusions_not_documented
    And the verdicts are the same at every timepoint

  Scenario: A positive anti-SSA alone would classify her by 2016 (what-if)
    When the what-if "anti_ssa=positive" is run
    # 3 (focus score) + 3 (anti-SSA, hypothetical) = 6 min >= 4
    Then the what-if turns acr_eular_2016 from undetermined 3-9 to met 6-9
    And the what-if leaves aecg_2002 met
    And the what-if leaves acr_2012 met
    And the what-if marks anti_ssa as hypothetical at every timepoint

  Scenario: Sensitivity analysis: the biopsy treated as unknown
    Given the criteria option focus_score_reading is unknown
    When the criteria are applied at baseline
    # AECG: I + II + VI = 3 known; rule (a) needs 4 with IV or VI, rule (b) 3 objective
    Then the aecg_2002 verdict is undetermined
    And the aecg_2002 verdict names as missing ocular_signs, histopathology, salivary_involvement
    And the aecg_2002 item histopathology rests on aecg_2002.histopathology.unknown_interpreted
    # ACR 2012: serology 1 known of 2 needed
    And the acr_2012 verdict is undetermined
    And the acr_2012 score is 1 to 3
    And the acr_2012 verdict names as missing focus_score, ocular_staining
    # 2016: 0 min, 3+3+1+1+1 = 9 max
    And the acr_eular_2016 verdict is undetermined
    And the acr_eular_2016 score is 0 to 9
    And the verdicts are the same at every timepoint

  Scenario: Inferred dryness answers treated as unknown
    Given the criteria option inferred_symptoms is unknown
    When the criteria are applied at baseline
    # AECG: IV + VI = 2 known, I and II unknown: neither rule holds without them
    Then the aecg_2002 verdict is undetermined
    And the aecg_2002 item ocular_symptoms is unknown
    And the aecg_2002 item ocular_symptoms rests on aecg_2002.ocular_symptoms.unknown
    # 2016 entry still met: SS suspected from ESSDAI (cutaneous and biological activity)
    And the acr_eular_2016 entry is positive
    And the acr_eular_2016 entry rests on acr_eular_2016.entry.essdai
