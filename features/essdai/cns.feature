Feature: ESSDAI central nervous system domain (rules/essdai/cns.yaml)
  Weight 5 (ClinESSDAI 5); levels 0, 2, 3: there is no low level. Stable damage is rated 0.

  Scenario Outline: <case>
    Given a visit stating no involvement outside the cns domain
    And the visit records findings: <findings>
    When the visit is scored
    Then the cns domain is <state>, level <level>, <points> points
    And the cns domain has ClinESSDAI points <points>
    And the cns domain level rests on <rule>

    # points = 5 × level (ClinESSDAI also 5 × level)
    Examples:
      | case | findings | state | level | points | rule |
      | central cranial-nerve involvement is moderate | cns: {cranial_nerve_central: present} | rated | 2 | 10 | essdai.cns.moderate.cranial_nerve_central |
      | optic neuritis is moderate | cns: {optic_neuritis: present} | rated | 2 | 10 | essdai.cns.moderate.optic_neuritis |
      | MS-like syndrome, pure sensory, is moderate | cns: {ms_like_sensory: present} | rated | 2 | 10 | essdai.cns.moderate.ms_like_sensory |
      | proven cognitive impairment is moderate | cns: {cognitive_impairment: present} | rated | 2 | 10 | essdai.cns.moderate.cognitive_impairment |
      | cerebral vasculitis is high | cns: {cerebral_vasculitis: present} | rated | 3 | 15 | essdai.cns.high.cerebral_vasculitis |
      | seizures are high | cns: {seizures: present} | rated | 3 | 15 | essdai.cns.high.seizures |
      | transverse myelitis is high | cns: {transverse_myelitis: present} | rated | 3 | 15 | essdai.cns.high.transverse_myelitis |
      | lymphocytic meningitis is high | cns: {lymphocytic_meningitis: present} | rated | 3 | 15 | essdai.cns.high.lymphocytic_meningitis |
      | MS-like syndrome with motor deficit is high | cns: {ms_like_motor: present} | rated | 3 | 15 | essdai.cns.high.ms_like_motor |
      | stable optic neuritis is damage | cns: {optic_neuritis: {state: present, damage: true}} | rated | 0 | 0 | no rule |

  Scenario: Nothing recorded and no statement of absence: not assessable
    Given a visit
    When the visit is scored
    Then the cns domain is not_assessable, level -, - points
    And the cns domain level rests on essdai.cns.not_assessable

  Scenario: Nothing recorded, the record states no involvement: assumed absent
    Given a visit stating no involvement of any domain
    When the visit is scored
    Then the cns domain is assumed_absent, level 0, 0 points
    And the cns domain level rests on essdai.cns.assumed_absent

  Scenario Outline: A CNS finding whose damage or presence is unknown: <case>
    Given a visit stating no involvement outside the cns domain
    And the visit records findings: <findings>
    When the visit is scored
    Then the cns domain is <state>, level <level>, <points> points
    And the cns domain level is between <lo> and <hi>

    # seizures are high (5 × 3 = 15) unless stable damage (0); a damage status not done, or
    # seizures not done beside a finding recorded absent, leaves 0 to 3 (never a definite 3 or 0)
    Examples:
      | case | findings | state | level | points | lo | hi |
      | seizures, damage not done: 0 to 3 | cns: {seizures: {state: present, damage: not_done}} | undetermined | - | - | 0 | 3 |
      | seizures, not damage: 3 | cns: {seizures: {state: present, damage: false}} | rated | 3 | 15 | 3 | 3 |
      | seizures, stable damage: 0 | cns: {seizures: {state: present, damage: true}} | rated | 0 | 0 | 0 | 0 |
      | optic neuritis, damage unknown: 0 to 2 | cns: {optic_neuritis: {state: present, damage: unknown}} | undetermined | - | - | 0 | 2 |
      | seizures not done, MS-like syndrome absent: 0 to 3 | cns: {ms_like_sensory: absent, seizures: not_done} | undetermined | - | - | 0 | 3 |
      | seizures absent, MS-like syndrome absent: 0 | cns: {ms_like_sensory: absent, seizures: absent} | rated | 0 | 0 | 0 | 0 |
