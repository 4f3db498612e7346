Feature: ESSDAI muscular domain (rules/essdai/muscular.yaml)
  Weight 6 (ClinESSDAI 7); levels 0-3. Only myositis proven by EMG, MRI or biopsy scores;
  weakness or CK alone does not; steroid or other weakness is excluded. CK as a multiple of the
  upper limit of normal N: N < CK <= 2N low, 2N < CK <= 4N moderate, > 4N high.

  Scenario Outline: <case>
    Given a visit stating no involvement outside the muscular domain
    And the visit records findings: <findings>
    And the lab CK is <ck> U/L, reference 0-200
    When the visit is scored
    Then the muscular domain is <state>, level <level>, <points> points
    And the muscular domain has ClinESSDAI points <clin>
    And the muscular domain level rests on <rule>

    # points = 6 × level; ClinESSDAI = 7 × level; CK upper limit 200 U/L
    Examples:
      | case | findings | ck | state | level | points | clin | rule |
      | CK 400 (2N) with EMG-proven myositis is low | muscular: {myositis: {state: present, proven_by: emg}} | 400 | rated | 1 | 6 | 7 | essdai.muscular.low.ck |
      | CK 401 with MRI-proven myositis is moderate | muscular: {myositis: {state: present, proven_by: mri}} | 401 | rated | 2 | 12 | 14 | essdai.muscular.moderate.ck |
      | CK 800 (4N) is moderate | muscular: {myositis: {state: present, proven_by: biopsy}} | 800 | rated | 2 | 12 | 14 | essdai.muscular.moderate.ck |
      | CK 801 is high | muscular: {myositis: {state: present, proven_by: biopsy}} | 801 | rated | 3 | 18 | 21 | essdai.muscular.high.ck |
      | weakness 4/5 is moderate | muscular: {myositis: {state: present, proven_by: emg, motor_strength: 4}} | 150 | rated | 2 | 12 | 14 | essdai.muscular.moderate.weakness |
      | weakness 3/5 is high | muscular: {myositis: {state: present, proven_by: emg, motor_strength: 3}} | 150 | rated | 3 | 18 | 21 | essdai.muscular.high.weakness |
      | unproven myositis does not score | muscular: {myositis: {state: present, proven_by: none}} | 1000 | rated | 0 | 0 | 0 | no rule |
      | steroid myopathy is excluded | muscular: {myositis: {state: present, proven_by: emg, cause: corticosteroids}} | 1000 | rated | 0 | 0 | 0 | no rule |
      | weakness alone does not score | muscular: {weakness: present} | 1000 | rated | 0 | 0 | 0 | no rule |

  Scenario: Proven myositis with normal CK and no weakness is rated 0 and flagged
    Given a visit stating no involvement outside the muscular domain
    And the visit records findings: muscular: {myositis: {state: present, proven_by: biopsy, motor_strength: 5}}
    And the lab CK is 150 U/L, reference 0-200
    When the visit is scored
    Then the muscular domain is rated, level 0, 0 points
    And the muscular domain carries the flag proven_myositis_not_covered

  Scenario: Nothing recorded and no statement of absence: not assessable
    Given a visit
    When the visit is scored
    Then the muscular domain is not_assessable, level -, - points
    And the muscular domain level rests on essdai.muscular.not_assessable

  Scenario: Nothing recorded, the record states no involvement: assumed absent
    Given a visit stating no involvement of any domain
    When the visit is scored
    Then the muscular domain is assumed_absent, level 0, 0 points
    And the muscular domain level rests on essdai.muscular.assumed_absent
