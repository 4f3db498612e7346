Feature: ESSDAI constitutional domain (rules/essdai/constitutional.yaml)
  Weight 3 (ClinESSDAI 4); levels 0, 1, 2: there is no high level. Fever of infectious origin
  and voluntary weight loss are not rated. Fever 37.5-38.5 °C and weight loss 5-10 % include
  both ends (spec §1.3).

  Scenario Outline: <case>
    Given a visit stating no involvement outside the constitutional domain
    And the visit records findings: <findings>
    When the visit is scored
    Then the constitutional domain is <state>, level <level>, <points> points
    And the constitutional domain has ClinESSDAI points <clin>
    And the constitutional domain level rests on <rule>

    # points = 3 × level; ClinESSDAI = 4 × level
    Examples:
      | case                                  | findings                                                   | state | level | points | clin | rule                                     |
      | fever 37.4 °C is below the low band   | constitutional: {fever: 37.4}                              | rated | 0     | 0      | 0    | no rule                                  |
      | fever 37.5 °C is low (end included)   | constitutional: {fever: 37.5}                              | rated | 1     | 3      | 4    | essdai.constitutional.low.fever          |
      | fever 38.5 °C is low (end included)   | constitutional: {fever: 38.5}                              | rated | 1     | 3      | 4    | essdai.constitutional.low.fever          |
      | fever 38.6 °C is moderate             | constitutional: {fever: 38.6}                              | rated | 2     | 6      | 8    | essdai.constitutional.moderate.fever     |
      | infectious fever is not rated         | constitutional: {fever: {value: 39.0, cause: infection}} | rated | 0     | 0      | 0    | no rule                                  |
      | night sweats alone are low            | constitutional: {night_sweats: present}                    | rated | 1     | 3      | 4    | essdai.constitutional.low.night_sweats   |
      | infectious night sweats are not rated | constitutional: {night_sweats: {state: present, cause: infection}} | rated | 0 | 0 | 0  | no rule                                  |
      | weight loss 4.9 % is not rated        | constitutional: {weight_loss: 4.9}                         | rated | 0     | 0      | 0    | no rule                                  |
      | weight loss 5 % is low                | constitutional: {weight_loss: 5}                           | rated | 1     | 3      | 4    | essdai.constitutional.low.weight_loss    |
      | weight loss 10 % is low               | constitutional: {weight_loss: 10}                          | rated | 1     | 3      | 4    | essdai.constitutional.low.weight_loss    |
      | weight loss 10.1 % is moderate        | constitutional: {weight_loss: 10.1}                        | rated | 2     | 6      | 8    | essdai.constitutional.moderate.weight_loss |
      | voluntary weight loss is not rated    | constitutional: {weight_loss: {value: 12, voluntary: true}} | rated | 0  | 0      | 0    | no rule                                  |
      | the highest level met counts          | constitutional: {fever: 38.6, weight_loss: 7} | rated | 2     | 6      | 8    | essdai.constitutional.moderate.fever     |

  Scenario: Nothing recorded and no statement of absence: not assessable
    Given a visit
    When the visit is scored
    Then the constitutional domain is not_assessable, level -, - points
    And the constitutional domain level rests on essdai.constitutional.not_assessable

  Scenario: Nothing recorded, the record states no involvement: assumed absent
    Given a visit stating no involvement of any domain
    When the visit is scored
    Then the constitutional domain is assumed_absent, level 0, 0 points
    And the constitutional domain level rests on essdai.constitutional.assumed_absent

  Scenario Outline: A fever without a measured temperature: <case>
    Given a visit stating no involvement outside the constitutional domain
    And the visit records findings: <findings>
    When the visit is scored
    Then the constitutional domain is <state>, level <level>, <points> points
    And the constitutional domain level is between <level> and <hi>
    And the constitutional domain level rests on <rule>

    # a stated fever is at least 37.5 °C (low, 3 × 1 = 3); without a temperature or the word
    # "severe", > 38.5 °C (moderate, 3 × 2 = 6) stays possible
    Examples:
      | case                              | findings                                                                   | state             | level | points | hi | rule |
      | fever, no temperature: 1 to 2     | constitutional: {fever_unmeasured: present}                                | partly_assessable | 1     | 3      | 2  | essdai.constitutional.possible.fever_unmeasured |
      | mild or intermittent fever: 1     | constitutional: {fever_unmeasured: {state: present, severity: mild_intermittent}} | rated      | 1     | 3      | 1  | essdai.constitutional.low.fever_unmeasured |
      | severe fever: 2                   | constitutional: {fever_unmeasured: {state: present, severity: severe}}     | rated             | 2     | 6      | 2  | essdai.constitutional.moderate.fever_unmeasured_severe |
      | infectious fever is not rated     | constitutional: {fever_unmeasured: {state: present, cause: infection}}      | rated             | 0     | 0      | 0  | no rule |
      | measured 38.6 °C decides it       | constitutional: {fever_unmeasured: present, fever: 38.6}                    | rated             | 2     | 6      | 2  | essdai.constitutional.moderate.fever |

  Scenario Outline: A fever whose cause is unknown is not read as Sjögren's: <case>
    Given a visit stating no involvement outside the constitutional domain
    And the visit records findings: <findings>
    When the visit is scored
    Then the constitutional domain is <state>, level <level>, <points> points
    And the constitutional domain level is between <lo> and <hi>

    # 38.0 °C is in the low band (3 × 1 = 3) when the fever is Sjögren's, 0 when infectious;
    # a cause recorded as unknown leaves 0 to 1. A cause not recorded at all is read as
    # Sjögren's (spec §9.2.2: a recorded manifestation is rated as attributed).
    Examples:
      | case | findings | state | level | points | lo | hi |
      | fever 38.0 °C, cause unknown: 0 to 1 | constitutional: {fever: {value: 38.0, cause: unknown}} | undetermined | - | - | 0 | 1 |
      | fever 38.0 °C, cause Sjögren's: 1 | constitutional: {fever: {value: 38.0, cause: ss}} | rated | 1 | 3 | 1 | 1 |
      | fever 38.0 °C, cause not recorded: 1 | constitutional: {fever: 38.0} | rated | 1 | 3 | 1 | 1 |
      | fever 39.0 °C, cause not done: 0 to 2 | constitutional: {fever: {value: 39.0, cause: not_done}} | undetermined | - | - | 0 | 2 |
      | night sweats, cause unknown: 0 to 1 | constitutional: {night_sweats: {state: present, cause: unknown}} | undetermined | - | - | 0 | 1 |
