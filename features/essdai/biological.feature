Feature: ESSDAI biological domain (rules/essdai/biological.yaml)
  Weight 1; not part of ClinESSDAI; levels 0, 1, 2: there is no high level. IgG 16-20 g/L
  (both ends; the lower end a CONVENTION) low, > 20 g/L moderate.

  Scenario Outline: <case>
    Given a visit stating no involvement outside the biological domain
    And the visit records tests: <tests>
    And the lab <analyte> is <value> <unit>, reference <ref>
    When the visit is scored
    Then the biological domain is <state>, level <level>, <points> points
    And the biological domain has ClinESSDAI points none
    And the biological domain level rests on <rule>

    # points = 1 × level
    Examples:
      | case | tests | analyte | value | unit | ref | state | level | points | rule |
      | IgG 15.9 g/L is not rated | nothing | IgG | 15.9 | g/L | 8.6-17.4 | rated | 0 | 0 | no rule |
      | IgG 16.0 g/L is low | nothing | IgG | 16.0 | g/L | 8.6-17.4 | rated | 1 | 1 | essdai.biological.low.igg |
      | IgG 20.0 g/L is low | nothing | IgG | 20.0 | g/L | 8.6-17.4 | rated | 1 | 1 | essdai.biological.low.igg |
      | IgG 20.1 g/L is moderate | nothing | IgG | 20.1 | g/L | 8.6-17.4 | rated | 2 | 2 | essdai.biological.moderate.igg |
      | IgG 2010 mg/dL is moderate (unit converted) | nothing | IgG | 2010 | mg/dL | - | rated | 2 | 2 | essdai.biological.moderate.igg |
      | low C3 is low | nothing | C3 | 0.8 | g/L | 0.9-1.8 | rated | 1 | 1 | essdai.biological.low.c3 |
      | normal C3 is not rated | nothing | C3 | 0.9 | g/L | 0.9-1.8 | rated | 0 | 0 | no rule |
      | low C4 is low | nothing | C4 | 0.05 | g/L | 0.1-0.4 | rated | 1 | 1 | essdai.biological.low.c4 |
      | low CH50 is low | nothing | CH50 | 20 | U/mL | 42-95 | rated | 1 | 1 | essdai.biological.low.ch50 |
      | a clonal component is low | clonal_component: positive | - | - | - | - | rated | 1 | 1 | essdai.biological.low.clonal_component |
      | cryoglobulinaemia is moderate | cryoglobulins: positive | - | - | - | - | rated | 2 | 2 | essdai.biological.moderate.cryoglobulinaemia |
      | negative cryoglobulins are not rated | cryoglobulins: negative | - | - | - | - | rated | 0 | 0 | no rule |

  Scenario Outline: Qualitative findings: <case>
    Given a visit stating no involvement outside the biological domain
    And the visit records findings: <findings>
    When the visit is scored
    Then the biological domain is <state>, level <level>, <points> points
    And the biological domain level rests on <rule>

    Examples:
      | case | findings | state | level | points | rule |
      | hypergammaglobulinaemia without an IgG value is low | biological: {hypergammaglobulinaemia: present} | rated | 1 | 1 | essdai.biological.low.hypergammaglobulinaemia_qualitative |
      | recent hypogammaglobulinaemia is moderate | biological: {recent_hypogammaglobulinaemia: present} | rated | 2 | 2 | essdai.biological.moderate.recent_hypogammaglobulinaemia |
      | drug-induced hypogammaglobulinaemia is not rated | biological: {recent_hypogammaglobulinaemia: {state: present, cause: drug}} | rated | 0 | 0 | no rule |

  Scenario: A qualitative hypergammaglobulinaemia is flagged
    Given a visit stating no involvement outside the biological domain
    And the visit records findings: biological: {hypergammaglobulinaemia: present}
    When the visit is scored
    Then the biological domain carries the flag hypergammaglobulinaemia_qualitative

  Scenario: No biological result and no statement of absence: not assessable
    Given a visit
    When the visit is scored
    Then the biological domain is not_assessable, level -, - points
    And the biological domain level rests on essdai.biological.not_assessable

  Scenario: Nothing recorded, the record states no involvement: assumed absent
    Given a visit stating no involvement of any domain
    When the visit is scored
    Then the biological domain is assumed_absent, level 0, 0 points
    And the biological domain level rests on essdai.biological.assumed_absent
