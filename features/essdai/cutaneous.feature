Feature: ESSDAI cutaneous domain (rules/essdai/cutaneous.yaml)
  Weight 3 (ClinESSDAI 3); levels 0-3. Stable long-lasting damage is rated 0. Purpura counts
  when active in the rating window, never when residual; the purpura-extent, rating-window and
  attribution options are the judgement calls of spec §9.2.

  Scenario Outline: <case>
    Given a visit stating no involvement outside the cutaneous domain
    And the visit records findings: <findings>
    And the option purpura_extent is <extent>
    And the option rating_window is <window>
    And the option attribution is <attribution>
    When the visit is scored
    Then the cutaneous domain is <state>, level <level>, <points> points
    And the cutaneous domain has ClinESSDAI points <points>
    And the cutaneous domain level rests on <rule>
    And the options echoed include purpura_extent = <extent>

    # points = 3 × level (ClinESSDAI also 3 × level)
    Examples:
      | case | findings | extent | window | attribution | state | level | points | rule |
      | erythema multiforme is low | cutaneous: {erythema_multiforme: present} | complement | since_previous_visit | accept | rated | 1 | 3 | essdai.cutaneous.low.erythema_multiforme |
      | stable erythema multiforme is damage | cutaneous: {erythema_multiforme: {state: present, damage: true}} | complement | since_previous_visit | accept | rated | 0 | 0 | no rule |
      | limited vasculitis is moderate | cutaneous: {vasculitis: {state: present, extent: limited}} | complement | since_previous_visit | accept | rated | 2 | 6 | essdai.cutaneous.moderate.limited_vasculitis |
      | diffuse vasculitis is high | cutaneous: {vasculitis: {state: present, extent: diffuse}} | complement | since_previous_visit | accept | rated | 3 | 9 | essdai.cutaneous.high.diffuse_vasculitis |
      | subacute cutaneous lupus is moderate | cutaneous: {subacute_cutaneous_lupus: present} | complement | since_previous_visit | accept | rated | 2 | 6 | essdai.cutaneous.moderate.subacute_cutaneous_lupus |
      | vasculitic ulcers are high | cutaneous: {vasculitic_ulcers: present} | complement | since_previous_visit | accept | rated | 3 | 9 | essdai.cutaneous.high.vasculitic_ulcers |
      | purpura of feet and ankles is moderate | cutaneous: {purpura: {state: present, extent: feet_ankles, activity: at_visit}} | complement | since_previous_visit | accept | rated | 2 | 6 | essdai.cutaneous.moderate.limited_purpura |
      | diffuse purpura is high | cutaneous: {purpura: {state: present, extent: diffuse, activity: at_visit}} | generalised | since_previous_visit | accept | rated | 3 | 9 | essdai.cutaneous.high.diffuse_purpura |
      | lower-limb purpura, complement reading: high | cutaneous: {purpura: {state: present, extent: lower_limbs, activity: at_visit}} | complement | since_previous_visit | accept | rated | 3 | 9 | essdai.cutaneous.high.diffuse_purpura |
      | lower-limb purpura, generalised reading: moderate | cutaneous: {purpura: {state: present, extent: lower_limbs, activity: at_visit}} | generalised | since_previous_visit | accept | rated | 2 | 6 | essdai.cutaneous.moderate.limited_purpura |
      | purpura of unstated extent is at least moderate | cutaneous: {purpura: {state: present, activity: at_visit}} | complement | since_previous_visit | accept | partly_assessable | 2 | 6 | essdai.cutaneous.moderate.purpura_extent_unknown |
      | purpura of unstated extent may be diffuse | cutaneous: {purpura: {state: present, activity: at_visit}} | complement | since_previous_visit | accept | partly_assessable | 2 | 6 | essdai.cutaneous.possible.extent_unknown |
      | vasculitis of unstated extent may be diffuse | cutaneous: {vasculitis: present} | complement | since_previous_visit | accept | partly_assessable | 2 | 6 | essdai.cutaneous.possible.extent_unknown |
      | residual purpura never counts | cutaneous: {purpura: {state: present, extent: diffuse, activity: residual}} | complement | since_previous_visit | accept | rated | 0 | 0 | no rule |
      | purpura in the window counts since the previous visit | cutaneous: {purpura: {state: present, extent: diffuse, activity: in_window}} | complement | since_previous_visit | accept | rated | 3 | 9 | essdai.cutaneous.high.diffuse_purpura |
      | purpura in the window does not count at the visit only | cutaneous: {purpura: {state: present, extent: diffuse, activity: in_window}} | complement | at_visit | accept | rated | 0 | 0 | no rule |
      | unconfirmed purpura counts when accepted | cutaneous: {purpura: {state: present, extent: diffuse, activity: at_visit, attribution: unconfirmed}} | complement | at_visit | accept | rated | 3 | 9 | essdai.cutaneous.high.diffuse_purpura |
      | unconfirmed purpura does not count when confirmation is required | cutaneous: {purpura: {state: present, extent: diffuse, activity: at_visit, attribution: unconfirmed}} | complement | since_previous_visit | require_confirmed | rated | 0 | 0 | no rule |
      | confirmed purpura counts when confirmation is required | cutaneous: {purpura: {state: present, extent: diffuse, activity: at_visit, attribution: ss}} | complement | since_previous_visit | require_confirmed | rated | 3 | 9 | essdai.cutaneous.high.diffuse_purpura |
      | purpura of another cause never counts | cutaneous: {purpura: {state: present, extent: diffuse, activity: at_visit, attribution: other}} | complement | since_previous_visit | accept | rated | 0 | 0 | no rule |

  Scenario: A counted purpura of unconfirmed attribution is flagged
    Given a visit stating no involvement outside the cutaneous domain
    And the visit records findings: cutaneous: {purpura: {state: present, extent: lower_limbs, activity: at_visit, attribution: unconfirmed}}
    When the visit is scored
    Then the cutaneous domain is rated, level 3, 9 points
    And the cutaneous domain carries the flag attribution_unconfirmed

  Scenario: A confirmed purpura carries no flag
    Given a visit stating no involvement outside the cutaneous domain
    And the visit records findings: cutaneous: {purpura: {state: present, extent: feet_ankles, attribution: ss}}
    When the visit is scored
    Then the cutaneous domain is rated, level 2, 6 points
    And the cutaneous domain carries no flag

  Scenario: Nothing recorded and no statement of absence: not assessable
    Given a visit
    When the visit is scored
    Then the cutaneous domain is not_assessable, level -, - points
    And the cutaneous domain level rests on essdai.cutaneous.not_assessable

  Scenario: Nothing recorded, the record states no involvement: assumed absent
    Given a visit stating no involvement of any domain
    When the visit is scored
    Then the cutaneous domain is assumed_absent, level 0, 0 points
    And the cutaneous domain level rests on essdai.cutaneous.assumed_absent

  Scenario Outline: An unstated extent leaves moderate to high: <case>
    Given a visit stating no involvement outside the cutaneous domain
    And the visit records findings: <findings>
    When the visit is scored
    # 3 × 2 = 6 documented, up to 3 × 3 = 9
    Then the cutaneous domain level is between <lo> and <hi>

    Examples:
      | case                            | findings                                                     | lo | hi |
      | purpura, extent not given       | cutaneous: {purpura: {state: present, activity: at_visit}}   | 2  | 3  |
      | purpura on the feet and ankles  | cutaneous: {purpura: {state: present, extent: feet_ankles}}  | 2  | 2  |
      | vasculitis, extent not given    | cutaneous: {vasculitis: present}                             | 2  | 3  |
      | limited vasculitis              | cutaneous: {vasculitis: {state: present, extent: limited}}   | 2  | 2  |
