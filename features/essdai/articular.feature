Feature: ESSDAI articular domain (rules/essdai/articular.yaml)
  Weight 2 (ClinESSDAI 3); levels 0-3. Osteoarthritis is excluded. Arthralgias need morning
  stiffness > 30 min; synovitis 1-5 of 28 moderate, >= 6 high.

  Scenario Outline: <case>
    Given a visit stating no involvement outside the articular domain
    And the visit records findings: <findings>
    When the visit is scored
    Then the articular domain is <state>, level <level>, <points> points
    And the articular domain has ClinESSDAI points <clin>
    And the articular domain level rests on <rule>

    # points = 2 × level; ClinESSDAI = 3 × level
    Examples:
      | case                                  | findings                                                                      | state | level | points | clin | rule                             |
      | stiffness 30 min is not rated         | articular: {arthralgia: {state: present, morning_stiffness: 30}}              | rated | 0     | 0      | 0    | no rule                          |
      | stiffness 31 min is low               | articular: {arthralgia: {state: present, morning_stiffness: 31}}              | rated | 1     | 2      | 3    | essdai.articular.low.arthralgia  |
      | osteoarthritic arthralgia             | articular: {arthralgia: {state: present, morning_stiffness: 60, cause: osteoarthritis}} | rated | 0 | 0 | 0 | no rule                     |
      | no synovitis                          | articular: {synovitis_count: 0}                                               | rated | 0     | 0      | 0    | no rule                          |
      | 1 synovitis is moderate               | articular: {synovitis_count: 1}                                               | rated | 2     | 4      | 6    | essdai.articular.moderate.synovitis |
      | 5 synovitis is moderate               | articular: {synovitis_count: 5}                                               | rated | 2     | 4      | 6    | essdai.articular.moderate.synovitis |
      | 6 synovitis is high                   | articular: {synovitis_count: 6}                                               | rated | 3     | 6      | 9    | essdai.articular.high.synovitis  |

  Scenario: Nothing recorded and no statement of absence: not assessable
    Given a visit
    When the visit is scored
    Then the articular domain is not_assessable, level -, - points
    And the articular domain level rests on essdai.articular.not_assessable

  Scenario: Nothing recorded, the record states no involvement: assumed absent
    Given a visit stating no involvement of any domain
    When the visit is scored
    Then the articular domain is assumed_absent, level 0, 0 points
    And the articular domain level rests on essdai.articular.assumed_absent
