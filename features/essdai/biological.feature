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

    # points = 1 × level; cryoglobulins are tested (negative) so that the IgG alone decides
    Examples:
      | case | tests | analyte | value | unit | ref | state | level | points | rule |
      | IgG 15.9 g/L is not rated | cryoglobulins: negative | IgG | 15.9 | g/L | 8.6-17.4 | rated | 0 | 0 | no rule |
      | IgG 16.0 g/L is low | cryoglobulins: negative | IgG | 16.0 | g/L | 8.6-17.4 | rated | 1 | 1 | essdai.biological.low.igg |
      | IgG 20.0 g/L is low | cryoglobulins: negative | IgG | 20.0 | g/L | 8.6-17.4 | rated | 1 | 1 | essdai.biological.low.igg |
      | IgG 20.1 g/L is moderate | cryoglobulins: negative | IgG | 20.1 | g/L | 8.6-17.4 | rated | 2 | 2 | essdai.biological.moderate.igg |
      | IgG 2010 mg/dL is moderate (unit converted) | cryoglobulins: negative | IgG | 2010 | mg/dL | - | rated | 2 | 2 | essdai.biological.moderate.igg |
      | IgG > 20 is moderate, cryoglobulins untested or not | nothing | IgG | 20.1 | g/L | 8.6-17.4 | rated | 2 | 2 | essdai.biological.moderate.igg |

  Scenario Outline: <case>
    Given a visit stating no involvement outside the biological domain
    And the visit records tests: <tests>
    And the lab IgG is 12 g/L, reference 8.6-17.4
    And the lab <analyte> is <value> <unit>, reference <ref>
    When the visit is scored
    Then the biological domain is <state>, level <level>, <points> points
    And the biological domain level rests on <rule>

    # IgG 12 g/L (below 16: no IgG level) measured alongside
    Examples:
      | case | tests | analyte | value | unit | ref | state | level | points | rule |
      | low C3 is low | cryoglobulins: negative | C3 | 0.8 | g/L | 0.9-1.8 | rated | 1 | 1 | essdai.biological.low.c3 |
      | normal C3 is not rated | cryoglobulins: negative | C3 | 0.9 | g/L | 0.9-1.8 | rated | 0 | 0 | no rule |
      | low C4 is low | cryoglobulins: negative | C4 | 0.05 | g/L | 0.1-0.4 | rated | 1 | 1 | essdai.biological.low.c4 |
      | low CH50 is low | cryoglobulins: negative | CH50 | 20 | U/mL | 42-95 | rated | 1 | 1 | essdai.biological.low.ch50 |
      | a clonal component is low | {cryoglobulins: negative, clonal_component: positive} | - | - | - | - | rated | 1 | 1 | essdai.biological.low.clonal_component |
      | cryoglobulinaemia is moderate | cryoglobulins: positive | - | - | - | - | rated | 2 | 2 | essdai.biological.moderate.cryoglobulinaemia |
      | negative cryoglobulins are not rated | cryoglobulins: negative | - | - | - | - | rated | 0 | 0 | no rule |

  Scenario Outline: A missing IgG or cryoglobulin test is not read as normal: <case>
    Given a visit stating no involvement outside the biological domain
    And the visit records tests: <tests>
    And the lab <analyte> is <value> <unit>, reference <ref>
    When the visit is scored
    Then the biological domain is <state>, level <level>, <points> points
    And the biological domain level is between <lo> and <hi>
    And the biological domain level rests on <rule>

    # spec §1.6: missing data never read as normal. IgG > 20 g/L and cryoglobulinaemia are the
    # moderate items (§1.3): while either is unknown and the level met is below 2, 2 stays possible
    Examples:
      | case | tests | analyte | value | unit | ref | state | level | points | lo | hi | rule |
      | IgG 15.9, cryoglobulins untested: 0 to 2 | nothing | IgG | 15.9 | g/L | 8.6-17.4 | partly_assessable | 0 | 0 | 0 | 2 | essdai.biological.possible.cryoglobulins_untested |
      | IgG 15.9, cryoglobulins negative: 0 | cryoglobulins: negative | IgG | 15.9 | g/L | 8.6-17.4 | rated | 0 | 0 | 0 | 0 | no rule |
      | IgG 16, cryoglobulins not done: 1 to 2 | cryoglobulins: not_done | IgG | 16 | g/L | 8.6-17.4 | partly_assessable | 1 | 1 | 1 | 2 | essdai.biological.possible.cryoglobulins_untested |
      | low C3, no IgG, cryoglobulins negative: 1 to 2 | cryoglobulins: negative | C3 | 0.8 | g/L | 0.9-1.8 | partly_assessable | 1 | 1 | 1 | 2 | essdai.biological.possible.igg_unmeasured |
      | normal C3, no IgG, cryoglobulins negative: 0 to 2 | cryoglobulins: negative | C3 | 0.9 | g/L | 0.9-1.8 | partly_assessable | 0 | 0 | 0 | 2 | essdai.biological.possible.igg_unmeasured |
      | cryoglobulinaemia, no IgG: 2 (already the top level) | cryoglobulins: positive | - | - | - | - | rated | 2 | 2 | 2 | 2 | essdai.biological.moderate.cryoglobulinaemia |

  Scenario Outline: Qualitative findings: <case>
    Given a visit stating no involvement outside the biological domain
    And the visit records findings: <findings>
    And the visit records tests: cryoglobulins: negative
    When the visit is scored
    Then the biological domain is <state>, level <level>, <points> points
    And the biological domain level rests on <rule>

    Examples:
      | case | findings | state | level | points | rule |
      | hypergammaglobulinaemia without an IgG value is low, moderate possible | biological: {hypergammaglobulinaemia: present} | partly_assessable | 1 | 1 | essdai.biological.low.hypergammaglobulinaemia_qualitative |
      | recent hypogammaglobulinaemia is moderate | biological: {recent_hypogammaglobulinaemia: present} | rated | 2 | 2 | essdai.biological.moderate.recent_hypogammaglobulinaemia |
      | drug-induced hypogammaglobulinaemia is not rated, no IgG: moderate possible | biological: {recent_hypogammaglobulinaemia: {state: present, cause: drug}} | partly_assessable | 0 | 0 | essdai.biological.possible.igg_unmeasured |

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
