Feature: ESSDAI peripheral nervous system domain (rules/essdai/pns.yaml)
  Weight 5 (ClinESSDAI 5); levels 0-3. Stable damage is rated 0. Sensory-motor neuropathy:
  motor strength >= 4/5 moderate, <= 3/5 high (spec §1.2 note A, a CONVENTION).

  Scenario Outline: <case>
    Given a visit stating no involvement outside the pns domain
    And the visit records findings: <findings>
    When the visit is scored
    Then the pns domain is <state>, level <level>, <points> points
    And the pns domain has ClinESSDAI points <points>
    And the pns domain level rests on <rule>

    # points = 5 × level (ClinESSDAI also 5 × level)
    Examples:
      | case | findings | state | level | points | rule |
      | pure sensory axonal polyneuropathy is low | pns: {sensory_axonal_polyneuropathy: present} | rated | 1 | 5 | essdai.pns.low.sensory_polyneuropathy |
      | stable sensory polyneuropathy is damage | pns: {sensory_axonal_polyneuropathy: {state: present, damage: true}} | rated | 0 | 0 | no rule |
      | trigeminal neuralgia is low | pns: {trigeminal_neuralgia: present} | rated | 1 | 5 | essdai.pns.low.trigeminal_neuralgia |
      | sensory neuropathy with cryoglobulinaemic vasculitis is moderate | pns: {sensory_axonal_polyneuropathy: {state: present, cryoglobulinaemic_vasculitis: true}} | rated | 2 | 10 | essdai.pns.moderate.sensory_cryoglobulinaemic |
      | sensory-motor neuropathy, strength 4/5, is moderate | pns: {sensorimotor_neuropathy: {state: present, motor_strength: 4}} | rated | 2 | 10 | essdai.pns.moderate.sensorimotor |
      | sensory-motor neuropathy, strength 3/5, is high | pns: {sensorimotor_neuropathy: {state: present, motor_strength: 3}} | rated | 3 | 15 | essdai.pns.high.sensorimotor_deficit |
      | ganglionopathy with moderate ataxia is moderate | pns: {ganglionopathy: {state: present, ataxia: moderate}} | rated | 2 | 10 | essdai.pns.moderate.ganglionopathy |
      | ganglionopathy with severe ataxia is high | pns: {ganglionopathy: {state: present, ataxia: severe}} | rated | 3 | 15 | essdai.pns.high.ganglionopathy |
      | CIDP with mild impairment is moderate | pns: {cidp: {state: present, impairment: mild}} | rated | 2 | 10 | essdai.pns.moderate.cidp |
      | CIDP with severe impairment is high | pns: {cidp: {state: present, impairment: severe}} | rated | 3 | 15 | essdai.pns.high.cidp |
      | peripheral cranial neuropathy is moderate | pns: {cranial_neuropathy: present} | rated | 2 | 10 | essdai.pns.moderate.cranial_neuropathy |
      | vasculitic neuropathy is high | pns: {vasculitic_neuropathy: present} | rated | 3 | 15 | essdai.pns.high.vasculitic_neuropathy |
      | stable vasculitic neuropathy is damage | pns: {vasculitic_neuropathy: {state: present, damage: true}} | rated | 0 | 0 | no rule |

  Scenario: Nothing recorded and no statement of absence: not assessable
    Given a visit
    When the visit is scored
    Then the pns domain is not_assessable, level -, - points
    And the pns domain level rests on essdai.pns.not_assessable

  Scenario: Nothing recorded, the record states no involvement: assumed absent
    Given a visit stating no involvement of any domain
    When the visit is scored
    Then the pns domain is assumed_absent, level 0, 0 points
    And the pns domain level rests on essdai.pns.assumed_absent
