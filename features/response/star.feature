Feature: STAR, the Sjögren's Tool for Assessing Response, between two visits
  Candidate STAR (S15 Table 3, spec §7.1; the table is rules/response/star.yaml, the arithmetic
  scores/response.py). Points: systemic activity 3 (ClinESSDAI decrease >= 3), patient-reported
  3 (the ESSPRI MCII: a decrease of >= 1 point or >= 15 %), lacrimal 1, salivary 1, biological 1;
  a responder has >= 5 of the 9 points. Schirmer and OSS are the mean of both eyes; Schirmer is
  abnormal below 5 mm (strict), OSS from 3. An item whose data are missing is unknown and widens
  the points range. A test carried forward from an earlier visit is not a new measurement, so it
  cannot show a change. Every visit here states no involvement of any ESSDAI domain, so the
  ClinESSDAI is 0 at both and the systemic item is not met (0 -> 0 is no decrease).

  Scenario Outline: lacrimal item: <case>
    Given a visit stating no involvement of any domain
    And the visit records tests: {schirmer: {right: <s1>, left: <s1>}, ocular_staining_score: {right: <o1>, left: <o1>}}
    And a later visit stating no involvement of any domain
    And the visit records tests: {schirmer: {right: <s2>, left: <s2>}, ocular_staining_score: {right: <o2>, left: <o2>}}
    When the visits are scored
    Then the STAR lacrimal item is <state>

    Examples:
      | case                                      | s1 | s2 | o1 | o2 | state   |
      # Schirmer 4 mm is abnormal (< 5): 4 -> 9 is +5 mm, a response; OSS 1 -> 3 turns abnormal
      | Schirmer +5 mm from abnormal is met       | 4  | 9  | 1  | 3  | met     |
      # 4 -> 8 is +4 mm, less than 5; OSS 1 -> 3 turns abnormal: neither test responds
      | Schirmer +4 mm from abnormal is not       | 4  | 8  | 1  | 3  | not_met |
      # Schirmer 5 mm is normal (abnormal is < 5) and stays normal; OSS 3 -> 3 drops by 0
      | Schirmer 5 mm staying 5 mm is met         | 5  | 5  | 3  | 3  | met     |
      # Schirmer 5 -> 4 turns abnormal; OSS 3 -> 3 drops by 0
      | Schirmer 5 mm falling to 4 mm is not      | 5  | 4  | 3  | 3  | not_met |
      # OSS 3 is abnormal (>= 3): 3 -> 1 is -2, a response; Schirmer 4 -> 4 gains 0
      | OSS -2 from abnormal is met               | 4  | 4  | 3  | 1  | met     |
      # OSS 3 -> 2 is -1, less than 2
      | OSS -1 from abnormal is not               | 4  | 4  | 3  | 2  | not_met |
      # OSS 2 is normal (< 3) and stays below 3
      | OSS 2 staying 2 is met                    | 4  | 4  | 2  | 2  | met     |

  Scenario: lacrimal item without OSS: a Schirmer that does not respond leaves it unknown
    # Schirmer 4 -> 8 (+4 mm) is not a response, but OSS (the other test of the item) is missing
    Given a visit stating no involvement of any domain
    And the visit records tests: {schirmer: {right: 4, left: 4}}
    And a later visit stating no involvement of any domain
    And the visit records tests: {schirmer: {right: 8, left: 8}}
    When the visits are scored
    Then the STAR lacrimal item is unknown

  Scenario: a test carried forward is not a new measurement
    Given a visit stating no involvement of any domain
    And the visit records tests: {schirmer: {right: 4, left: 4}, ocular_staining_score: {right: 1, left: 1}}
    And a later visit stating no involvement of any domain
    When the visits are scored
    Then the STAR lacrimal item is unknown

  Scenario Outline: salivary item: <case>
    Given a visit stating no involvement of any domain
    And the visit records tests: {unstimulated_saliva_flow: <u1>}
    And a later visit stating no involvement of any domain
    And the visit records tests: {unstimulated_saliva_flow: <u2>}
    When the visits are scored
    Then the STAR salivary item is <state>

    Examples:
      | case                          | u1   | u2    | state   |
      # 0.08 -> 0.10 mL/min: +0.02 / 0.08 = +25 %, a response
      | +25 % is met                  | 0.08 | 0.10  | met     |
      # 0.08 -> 0.099: +0.019 / 0.08 = +23.75 %
      | +23.75 % is not               | 0.08 | 0.099 | not_met |
      # from 0 at baseline any increase is a response
      | from 0 to 0.01 is met         | 0    | 0.01  | met     |
      | from 0 to 0 is not            | 0    | 0     | not_met |

  Scenario Outline: biological item: <case>
    Given a visit stating no involvement of any domain
    And the lab IgG is <g1> g/L, reference 8.6-17.4
    And the lab RF-IgM is <r1> U/mL, reference 0-25
    And a later visit stating no involvement of any domain
    And the lab IgG is <g2> g/L, reference 8.6-17.4
    And the lab RF-IgM is <r2> U/mL, reference 0-25
    When the visits are scored
    Then the STAR biological item is <state>

    Examples:
      | case                                 | g1 | g2   | r1 | r2   | state   |
      # IgG 20 -> 18: -2 / 20 = -10 %, a response
      | IgG -10 % is met                     | 20 | 18   | -  | -    | met     |
      # IgG 20 -> 18.1: -9.5 %; RF not measured: it could still respond
      | IgG -9.5 % without RF is unknown     | 20 | 18.1 | -  | -    | unknown |
      # IgG -9.5 % and RF 40 -> 30.1: -9.9 / 40 = -24.75 %
      | IgG -9.5 % and RF -24.75 % is not    | 20 | 18.1 | 40 | 30.1 | not_met |
      # RF 40 -> 30: -10 / 40 = -25 %, a response whatever IgG does
      | RF -25 % is met                      | 20 | 18.1 | 40 | 30   | met     |

  Scenario: points and verdict: 3 + 1 + 1 + 1 = 6 points is a responder
    # ESSPRI 6 -> 4 (-2 points: MCII, 3 points); Schirmer 4 -> 9 (+5 mm, 1); UWS 0.08 -> 0.10
    # (+25 %, 1); IgG 20 -> 18 (-10 %, 1); systemic 0 (ClinESSDAI 0 -> 0): 6 of 9, >= 5
    Given a visit stating no involvement of any domain
    And the ESSPRI ratings are dryness 6, fatigue 6, pain 6
    And the visit records tests: {schirmer: {right: 4, left: 4}, unstimulated_saliva_flow: 0.08}
    And the lab IgG is 20 g/L, reference 8.6-17.4
    And a later visit stating no involvement of any domain
    And the ESSPRI ratings are dryness 4, fatigue 4, pain 4
    And the visit records tests: {schirmer: {right: 9, left: 9}, unstimulated_saliva_flow: 0.10}
    And the lab IgG is 18 g/L, reference 8.6-17.4
    When the visits are scored
    Then the STAR systemic item is not_met
    And the STAR patient_reported item is met
    And STAR scores 6 to 6 points, responder

  Scenario: points and verdict: unknown items widen the range
    # only the lacrimal item is decided (Schirmer 4 -> 9, OSS 1 -> 1: met, 1 point); systemic
    # not met (0); ESSPRI, UWS, IgG and RF missing: up to 3 + 1 + 1 more -> 1 to 6, undetermined
    Given a visit stating no involvement of any domain
    And the visit records tests: {schirmer: {right: 4, left: 4}, ocular_staining_score: {right: 1, left: 1}}
    And a later visit stating no involvement of any domain
    And the visit records tests: {schirmer: {right: 9, left: 9}, ocular_staining_score: {right: 1, left: 1}}
    When the visits are scored
    Then STAR scores 1 to 6 points, undetermined

  Scenario: points and verdict: at most 4 points is a non-responder
    # systemic not met (0), lacrimal not met (Schirmer 4 -> 4, OSS 3 -> 3), salivary not met
    # (UWS 0.08 -> 0.08), biological not met (IgG 20 -> 20, RF 40 -> 40); ESSPRI missing: 0 to 3
    Given a visit stating no involvement of any domain
    And the visit records tests: {schirmer: {right: 4, left: 4}, ocular_staining_score: {right: 3, left: 3}, unstimulated_saliva_flow: 0.08}
    And the lab IgG is 20 g/L, reference 8.6-17.4
    And the lab RF-IgM is 40 U/mL, reference 0-25
    And a later visit stating no involvement of any domain
    And the visit records tests: {schirmer: {right: 4, left: 4}, ocular_staining_score: {right: 3, left: 3}, unstimulated_saliva_flow: 0.08}
    And the lab IgG is 20 g/L, reference 8.6-17.4
    And the lab RF-IgM is 40 U/mL, reference 0-25
    When the visits are scored
    Then STAR scores 0 to 3 points, non_responder

  Scenario Outline: patient-reported item from ESSPRI ranges (a rating recorded as a bound): <case>
    # spec §7.1 (STAR [V-P: S15 Table 3]): ESSPRI decrease >= 1 point or >= 15 %. A censored rating makes
    # the mean a range; the MCII is decided when every pair of values agrees (the least and the
    # most favourable corners), else unknown
    Given a visit stating no involvement of any domain
    And the ESSPRI ratings are dryness <d1>, fatigue <f1>, pain <f1>
    And a later visit stating no involvement of any domain
    And the ESSPRI ratings are dryness <d2>, fatigue <f2>, pain <f2>
    When the visits are scored
    Then the STAR patient_reported item is <state>

    Examples:
      | case | d1 | f1 | d2 | f2 | state |
      # [6, 22/3] -> 4: a drop of at least 2
      | ">=6" then 4: met | >=6 | 6 | 4 | 4 | met |
      # 6 -> [8/3, 4]: a drop of at least 2
      | 6 then "<=4": met | 6 | 6 | <=4 | 4 | met |
      # 6 -> [8/3, 17/3): a drop from 1/3 (5.6 %) to 10/3: undecided
      | 6 then "<9": unknown | 6 | 6 | <9 | 4 | unknown |
      # [10/3, 5] -> [5, 20/3]: at best no change
      | "<=5" then ">=5": not met | <=5 | 5 | >=5 | 5 | not_met |
      # [4, 7) -> 6: a drop below 1 and below 1/7 (14.3 %) for every baseline below 7
      | "<9" then 6: not met (7 excluded) | <9 | 6 | 6 | 6 | not_met |
      # [4, 7] -> 6: a baseline of 7 drops 1 point (an MCII), 4 rises: undecided
      | "<=9" then 6: unknown (7 included) | <=9 | 6 | 6 | 6 | unknown |
