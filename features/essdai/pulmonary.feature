Feature: ESSDAI pulmonary domain (rules/essdai/pulmonary.yaml)
  Weight 5 (ClinESSDAI 6); levels 0-3. Stable damage is rated 0; tobacco, dryness alone or
  another non-SS cause is excluded. DLCO 40 <= x < 70 % or FVC 60 <= x < 80 % moderate;
  DLCO < 40 % or FVC < 60 % high.

  Scenario Outline: <case>
    Given a visit stating no involvement outside the pulmonary domain
    And the visit records findings: <findings>
    When the visit is scored
    Then the pulmonary domain is <state>, level <level>, <points> points
    And the pulmonary domain has ClinESSDAI points <clin>
    And the pulmonary domain level rests on <rule>

    # points = 5 × level; ClinESSDAI = 6 × level
    Examples:
      | case | findings | state | level | points | clin | rule |
      | bronchial cough is low | pulmonary: {bronchial_cough: present} | rated | 1 | 5 | 6 | essdai.pulmonary.low.bronchial_cough |
      | cough stable for over 12 months is damage | pulmonary: {bronchial_cough: {state: present, stable: true}} | rated | 0 | 0 | 0 | no rule |
      | cough from tobacco is excluded | pulmonary: {bronchial_cough: {state: present, cause: tobacco}} | rated | 0 | 0 | 0 | no rule |
      | cough from dryness alone is excluded | pulmonary: {bronchial_cough: {state: present, cause: dryness}} | rated | 0 | 0 | 0 | no rule |
      | ILD without breathlessness, normal PFTs is low | pulmonary: {ild: {state: present, nyha: I, lung_function_normal: true}} | rated | 1 | 5 | 6 | essdai.pulmonary.low.ild_asymptomatic |
      | ILD with NYHA II is moderate | pulmonary: {ild: {state: present, nyha: II}} | rated | 2 | 10 | 12 | essdai.pulmonary.moderate.ild_exercise_dyspnoea |
      | ILD with NYHA III is high | pulmonary: {ild: {state: present, nyha: III}} | rated | 3 | 15 | 18 | essdai.pulmonary.high.ild_rest_dyspnoea |
      | ILD with NYHA IV is high | pulmonary: {ild: {state: present, nyha: IV}} | rated | 3 | 15 | 18 | essdai.pulmonary.high.ild_rest_dyspnoea |
      | stable ILD is damage | pulmonary: {ild: {state: present, nyha: III, damage: true}} | rated | 0 | 0 | 0 | no rule |
      | DLCO 70 % is not rated | pulmonary: {dlco: 70} | rated | 0 | 0 | 0 | no rule |
      | DLCO 69.9 % is moderate | pulmonary: {dlco: 69.9} | rated | 2 | 10 | 12 | essdai.pulmonary.moderate.dlco |
      | DLCO 40 % is moderate | pulmonary: {dlco: 40} | rated | 2 | 10 | 12 | essdai.pulmonary.moderate.dlco |
      | DLCO 39.9 % is high | pulmonary: {dlco: 39.9} | rated | 3 | 15 | 18 | essdai.pulmonary.high.dlco |
      | FVC 80 % is not rated | pulmonary: {fvc: 80} | rated | 0 | 0 | 0 | no rule |
      | FVC 79.9 % is moderate | pulmonary: {fvc: 79.9} | rated | 2 | 10 | 12 | essdai.pulmonary.moderate.fvc |
      | FVC 60 % is moderate | pulmonary: {fvc: 60} | rated | 2 | 10 | 12 | essdai.pulmonary.moderate.fvc |
      | FVC 59.9 % is high | pulmonary: {fvc: 59.9} | rated | 3 | 15 | 18 | essdai.pulmonary.high.fvc |
      | low DLCO with tobacco-related ILD is excluded | pulmonary: {dlco: 30, ild: {state: present, cause: tobacco}} | rated | 0 | 0 | 0 | no rule |

  Scenario: Nothing recorded and no statement of absence: not assessable
    Given a visit
    When the visit is scored
    Then the pulmonary domain is not_assessable, level -, - points
    And the pulmonary domain level rests on essdai.pulmonary.not_assessable

  Scenario: Nothing recorded, the record states no involvement: assumed absent
    Given a visit stating no involvement of any domain
    When the visit is scored
    Then the pulmonary domain is assumed_absent, level 0, 0 points
    And the pulmonary domain level rests on essdai.pulmonary.assumed_absent
