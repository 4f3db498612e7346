Feature: Disease activity of the rFib case (clinical-spec §9.3, §9.4, §9.6)
  The seed case (examples/rfib-case.yaml) scored on both engines. Cutaneous (purpura) and
  biological (IgG > 20 g/L) carry the activity; no blood count was reported, so the
  haematological domain is not assessable (0 to +6 ESSDAI points) at every timepoint.

  Scenario: ESSDAI and ClinESSDAI per timepoint, primary purpura reading (C-PUR-1)
    When the case "examples/rfib-case.yaml" is scored
    # 3 × 3 (cutaneous, lower-limb purpura read as diffuse) + 1 × 2 (biological, IgG 25.3) = 11;
    # haematological unknown adds 0 to 2 × 3 = 6 -> 11-17: moderate or high, not determined
    Then at baseline the ESSDAI is 11, range 11 to 17, category moderate, determined no
    # 3 × 3 + 1 × 2 (IgG 24.4) = 11
    And at after_4_infusions the ESSDAI is 11, range 11 to 17, category moderate, determined no
    # purpura faded (residual, not rated): 1 × 2 (IgG 25.2) = 2; with haematology 2-8
    And at after_12_infusions the ESSDAI is 2, range 2 to 8, category low, determined no
    # ClinESSDAI: 3 × 3 = 9 (+0 to 6), then 9, then 0
    And at baseline the ClinESSDAI is 9, range 9 to 15, category moderate, determined no
    And at after_4_infusions the ClinESSDAI is 9, range 9 to 15, category moderate, determined no
    And at after_12_infusions the ClinESSDAI is 0, range 0 to 6, category low, determined no
    And the options echoed include purpura_extent = complement

  Scenario: ESSDAI per timepoint, alternative purpura reading (diffuse = generalised)
    When the case "examples/rfib-case.yaml" is scored with the option purpura_extent = generalised
    # 3 × 2 (cutaneous, leg-only purpura read as limited) + 1 × 2 = 8; ClinESSDAI 3 × 2 = 6
    Then at baseline the ESSDAI is 8, range 8 to 14, category moderate, determined no
    And at after_4_infusions the ESSDAI is 8, range 8 to 14, category moderate, determined no
    And at after_12_infusions the ESSDAI is 2, range 2 to 8, category low, determined no
    # ClinESSDAI 3 × 2 = 6, + 0 to 6 -> 6-12: moderate either way
    And at baseline the ClinESSDAI is 6, range 6 to 12, category moderate, determined yes
    And the options echoed include purpura_extent = generalised

  Scenario: The domains behind the totals
    When the case "examples/rfib-case.yaml" is scored
    Then at baseline the cutaneous domain is rated, level 3, 9 points
    And at after_12_infusions the cutaneous domain is rated, level 0, 0 points
    And at baseline the haematological domain is not_assessable, level -, - points
    And at after_4_infusions the haematological domain is not_assessable, level -, - points
    And at after_12_infusions the haematological domain is not_assessable, level -, - points
    And at baseline the biological domain is rated, level 2, 2 points
    And at after_4_infusions the biological domain is rated, level 2, 2 points
    And at after_12_infusions the biological domain is rated, level 2, 2 points
    And at baseline the constitutional domain is assumed_absent, level 0, 0 points
    And at baseline the glandular domain is assumed_absent, level 0, 0 points
    And at baseline the renal domain is assumed_absent, level 0, 0 points
    And at baseline the muscular domain is rated, level 0, 0 points

  Scenario: ESSPRI is not computable at any timepoint (no numeric ratings recorded)
    When the case "examples/rfib-case.yaml" is scored
    Then at baseline the ESSPRI is not computable
    And at after_4_infusions the ESSPRI is not computable
    And at after_12_infusions the ESSPRI is not computable

  Scenario: Response from baseline
    When the case "examples/rfib-case.yaml" is scored
    # 2 - 11 = -9 (haematology assumed unchanged); assuming nothing: (2..8) - (11..17) = -15..-3: MCII met either way
    Then from baseline to after_12_infusions the ESSDAI change is -9 (bounds -15 to -3), MCII yes
    And from baseline to after_12_infusions the ClinESSDAI change is -9 (bounds -15 to -3), MCII yes
    # 11 - 11 = 0 under the primary reading
    And from baseline to after_4_infusions the ESSDAI change is 0 (bounds -6 to 6), MCII no
    # STAR: systemic 3 (ClinESSDAI -9) + biological 1 (RF-IgM -45.8 %) = 4; ESSPRI 3, lacrimal 1, salivary 1 unknown -> 4-9
    And from baseline to after_12_infusions STAR scores 4 to 9 points, undetermined
    # T0 -> T1 assuming nothing: ClinESSDAI (9..15) -> (9..15) leaves the systemic item unknown: 1 + 0..8 = 1-9
    And from baseline to after_4_infusions STAR scores 1 to 9 points, undetermined
    # haematology unchanged (spec §9.6): ClinESSDAI 9 -> 9, systemic 0; biological 1 (RF-IgM -42.4 %) + up to 3 + 1 + 1 = 1-6
    And from baseline to after_4_infusions, assuming the unassessable domains unchanged, STAR scores 1 to 6 points, undetermined
