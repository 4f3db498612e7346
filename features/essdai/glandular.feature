Feature: ESSDAI glandular domain (rules/essdai/glandular.yaml)
  Weight 2 (ClinESSDAI 2); levels 0, 1, 2: there is no high level. Swelling from a stone or an
  infection is not rated. Parotid <= 3 cm low, > 3 cm moderate.

  Scenario Outline: <case>
    Given a visit stating no involvement outside the glandular domain
    And the visit records findings: <findings>
    When the visit is scored
    Then the glandular domain is <state>, level <level>, <points> points
    And the glandular domain has ClinESSDAI points <clin>
    And the glandular domain level rests on <rule>

    # points = 2 × level (ClinESSDAI 2 × level)
    Examples:
      | case                                   | findings                                                               | state | level | points | clin | rule                               |
      | parotid 3.0 cm is low (end included)   | glandular: {parotid_swelling: 3.0}                                     | rated | 1     | 2      | 2    | essdai.glandular.low.parotid       |
      | parotid 3.1 cm is moderate             | glandular: {parotid_swelling: 3.1}                                     | rated | 2     | 4      | 4    | essdai.glandular.moderate.parotid  |
      | parotid swelling from a stone          | glandular: {parotid_swelling: {value: 4, cause: stone}}                | rated | 0     | 0      | 0    | no rule                            |
      | submandibular swelling, size not given | glandular: {submandibular_swelling: present}                           | partly_assessable | 1 | 2 | 2 | essdai.glandular.possible.size_unknown |
      | lacrimal swelling, size not given      | glandular: {lacrimal_swelling: present}                                | partly_assessable | 1 | 2 | 2 | essdai.glandular.low.lacrimal |
      | limited submandibular swelling         | glandular: {submandibular_swelling: {state: present, size: limited}}   | rated | 1     | 2      | 2    | essdai.glandular.low.submandibular |
      | important submandibular swelling       | glandular: {submandibular_swelling: {state: present, size: important}} | rated | 2     | 4      | 4    | essdai.glandular.moderate.submandibular |
      | infected submandibular gland           | glandular: {submandibular_swelling: {state: present, size: important, cause: infection}} | rated | 0 | 0 | 0 | no rule                    |
      | limited lacrimal swelling              | glandular: {lacrimal_swelling: {state: present, size: limited}}        | rated | 1     | 2      | 2    | essdai.glandular.low.lacrimal      |
      | important lacrimal swelling            | glandular: {lacrimal_swelling: {state: present, size: important}}      | rated | 2     | 4      | 4    | essdai.glandular.moderate.lacrimal |
      | no swelling recorded as absent         | glandular: {submandibular_swelling: absent, lacrimal_swelling: absent} | rated | 0 | 0 | 0 | no rule |

  Scenario: Nothing recorded and no statement of absence: not assessable
    Given a visit
    When the visit is scored
    Then the glandular domain is not_assessable, level -, - points
    And the glandular domain level rests on essdai.glandular.not_assessable

  Scenario: Nothing recorded, the record states no involvement: assumed absent
    Given a visit stating no involvement of any domain
    When the visit is scored
    Then the glandular domain is assumed_absent, level 0, 0 points
    And the glandular domain level rests on essdai.glandular.assumed_absent

  Scenario Outline: An enlarged parotid without a size: <case>
    Given a visit stating no involvement outside the glandular domain
    And the visit records findings: <findings>
    When the visit is scored
    Then the glandular domain is <state>, level <level>, <points> points
    And the glandular domain level is between <level> and <hi>
    And the glandular domain level rests on <rule>

    # an enlarged parotid is at least a small swelling (2 × 1 = 2); unmeasured and not called
    # major, > 3 cm (moderate, 2 × 2 = 4) stays possible
    Examples:
      | case                          | findings                                                                      | state             | level | points | hi | rule |
      | size not given: 1 to 2        | glandular: {parotid_swelling_unmeasured: present}                             | partly_assessable | 1     | 2      | 2  | essdai.glandular.possible.parotid_unmeasured |
      | called small: 1               | glandular: {parotid_swelling_unmeasured: {state: present, size: small}}       | rated             | 1     | 2      | 1  | essdai.glandular.low.parotid_unmeasured |
      | called major: 2               | glandular: {parotid_swelling_unmeasured: {state: present, size: major}}       | rated             | 2     | 4      | 2  | essdai.glandular.moderate.parotid_unmeasured_major |
      | from a stone: not rated       | glandular: {parotid_swelling_unmeasured: {state: present, cause: stone}}      | rated             | 0     | 0      | 0  | no rule |

  Scenario Outline: A parotid not examined is not read as unswollen: <case>
    Given a visit stating no involvement outside the glandular domain
    And the visit records findings: <findings>
    When the visit is scored
    Then the glandular domain is <state>, level <level>, <points> points
    And the glandular domain level is between <lo> and <hi>

    # a parotid > 3 cm is moderate (2 × 2 = 4): not examined (not_done) beside a lacrimal
    # gland recorded unswollen, the parotid may be anything: 0 to 2, never a definite 0
    Examples:
      | case | findings | state | level | points | lo | hi |
      | parotid not done, lacrimal absent: 0 to 2 | glandular: {parotid_swelling: not_done, lacrimal_swelling: absent} | undetermined | - | - | 0 | 2 |
      | parotid 0 cm, lacrimal absent: 0 | glandular: {parotid_swelling: 0, lacrimal_swelling: absent} | rated | 0 | 0 | 0 | 0 |
