Feature: ESSPRI (rules/esspri/esspri.yaml, scores/esspri.py)
  ESSPRI = mean of dryness, fatigue and pain (0-10), exact; all three required (no partial
  mean). PASS: ESSPRI < 5, so 5.00 is not PASS. MCII: a decrease of >= 1 point or >= 15 %.

  Scenario Outline: <case>
    Given a visit
    And the ESSPRI ratings are dryness <dryness>, fatigue <fatigue>, pain <pain>
    When the visit is scored
    Then the ESSPRI is <score>, PASS <pass>

    Examples:
      | case | dryness | fatigue | pain | score | pass |
      # (5 + 5 + 5) / 3 = 5.00: not PASS
      | 5.00 is not PASS | 5 | 5 | 5 | 5.00 | no |
      # (5 + 5 + 4) / 3 = 14/3 = 4.67: PASS
      | 4.67 is PASS | 5 | 5 | 4 | 4.67 | yes |
      # (5 + 5 + 6) / 3 = 16/3 = 5.33
      | 16/3 shows as 5.33 | 5 | 5 | 6 | 5.33 | no |
      | all zero is 0 | 0 | 0 | 0 | 0.00 | yes |

  Scenario Outline: A missing rating makes ESSPRI not computable (<missing>)
    Given a visit
    And the ESSPRI ratings are dryness <dryness>, fatigue <fatigue>, pain <pain>
    When the visit is scored
    Then the ESSPRI is not computable, missing <missing>

    Examples:
      | dryness | fatigue | pain | missing |
      | -       | 5       | 5    | dryness |
      | 5       | -       | 5    | fatigue |
      | 5       | 5       | -    | pain    |
      | -       | -       | -    | dryness, fatigue, pain |

  Scenario Outline: MCII: <case>
    Given a visit
    And the ESSPRI ratings are dryness <d1>, fatigue <f1>, pain <p1>
    And a later visit
    And the ESSPRI ratings are dryness <d2>, fatigue <f2>, pain <p2>
    When the visits are scored
    Then the ESSPRI change is <delta>, MCII <mcii>

    Examples:
      | case | d1 | f1 | p1 | d2 | f2 | p2 | delta | mcii |
      # 6 -> 5: -1 point
      | a drop of 1 point is MCII | 6 | 6 | 6 | 5 | 5 | 5 | -1.00 | yes |
      # 9 -> 8.33: -0.67 point, -7.4 %
      | a drop of 0.67 point from 9 is not | 9 | 9 | 9 | 8 | 8 | 9 | -0.67 | no |
      # 3 -> 2.67: -0.33 point but -11.1 % ; 2 -> 1.67 is -16.7 %
      | 0.33 point from 2 is 16.7 %: MCII | 2 | 2 | 2 | 1 | 2 | 2 | -0.33 | yes |
      # 20/3 -> 17/3: exactly -1 point
      | exactly 1 point from 6.67 | 7 | 7 | 6 | 6 | 6 | 5 | -1.00 | yes |
      | an increase is not | 2 | 2 | 2 | 3 | 3 | 3 | 1.00 | no |
