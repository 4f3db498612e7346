Feature: ESSDAI lymphadenopathy and lymphoma domain (rules/essdai/lymphadenopathy.yaml)
  Weight 4 (ClinESSDAI 4); levels 0-3. Nodes of infectious origin are not rated. Non-inguinal
  node: 1 <= d < 2 cm low, >= 2 cm moderate; inguinal: 2 <= d < 3 cm low, >= 3 cm moderate.

  Scenario Outline: <case>
    Given a visit stating no involvement outside the lymphadenopathy domain
    And the visit records findings: <findings>
    When the visit is scored
    Then the lymphadenopathy domain is <state>, level <level>, <points> points
    And the lymphadenopathy domain has ClinESSDAI points <clin>
    And the lymphadenopathy domain level rests on <rule>

    # points = 4 × level (ClinESSDAI 4 × level)
    Examples:
      | case                                   | findings                                                            | state | level | points | clin | rule                                          |
      | node 0.9 cm is not rated               | lymphadenopathy: {lymph_node: 0.9}                                  | rated | 0     | 0      | 0    | no rule                                       |
      | node 1.0 cm is low                     | lymphadenopathy: {lymph_node: 1.0}                                  | rated | 1     | 4      | 4    | essdai.lymphadenopathy.low.node               |
      | node 1.9 cm is low                     | lymphadenopathy: {lymph_node: 1.9}                                  | rated | 1     | 4      | 4    | essdai.lymphadenopathy.low.node               |
      | node 2.0 cm is moderate                | lymphadenopathy: {lymph_node: 2.0}                                  | rated | 2     | 8      | 8    | essdai.lymphadenopathy.moderate.node          |
      | infectious node is not rated           | lymphadenopathy: {lymph_node: {value: 2.5, cause: infection}}       | rated | 0     | 0      | 0    | no rule                                       |
      | inguinal node 1.9 cm is not rated      | lymphadenopathy: {inguinal_node: 1.9}                               | rated | 0     | 0      | 0    | no rule                                       |
      | inguinal node 2.0 cm is low            | lymphadenopathy: {inguinal_node: 2.0}                               | rated | 1     | 4      | 4    | essdai.lymphadenopathy.low.inguinal_node      |
      | inguinal node 2.9 cm is low            | lymphadenopathy: {inguinal_node: 2.9}                               | rated | 1     | 4      | 4    | essdai.lymphadenopathy.low.inguinal_node      |
      | inguinal node 3.0 cm is moderate       | lymphadenopathy: {inguinal_node: 3.0}                               | rated | 2     | 8      | 8    | essdai.lymphadenopathy.moderate.inguinal_node |
      | splenomegaly is moderate               | lymphadenopathy: {splenomegaly: present}                            | rated | 2     | 8      | 8    | essdai.lymphadenopathy.moderate.splenomegaly  |
      | current lymphoma is high               | lymphadenopathy: {lymphoma: present}                                | rated | 3     | 12     | 12   | essdai.lymphadenopathy.high.lymphoma          |
      | lymphoma outranks a node               | lymphadenopathy: {lymphoma: present, lymph_node: 1.5}               | rated | 3     | 12     | 12   | essdai.lymphadenopathy.high.lymphoma          |

  Scenario: Nothing recorded and no statement of absence: not assessable
    Given a visit
    When the visit is scored
    Then the lymphadenopathy domain is not_assessable, level -, - points
    And the lymphadenopathy domain level rests on essdai.lymphadenopathy.not_assessable

  Scenario: Nothing recorded, the record states no involvement: assumed absent
    Given a visit stating no involvement of any domain
    When the visit is scored
    Then the lymphadenopathy domain is assumed_absent, level 0, 0 points
    And the lymphadenopathy domain level rests on essdai.lymphadenopathy.assumed_absent
