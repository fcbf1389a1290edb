Feature: Rubric roll-up rules and rubric versions
  The QA lead owns the rubric: its sections, criteria, weights and the rule that turns criterion
  grades into section and plan grades. Every plan is judged by the same written rule, and a plan
  scored against one version of the rubric keeps that version when the rubric is edited.

  Scenario Outline: Criterion grades roll up to a section grade by the rubric's rule
    Given a section whose criteria are graded:
      | criterion | weight | grade                |
      | F1        | 2      | Outstanding          |
      | F2        | 1      | Requires Improvement |
      | F3        | 1      | Inadequate           |
    When the section is rolled up by the "<rule>" rule
    Then the section grade is "<grade>"

    Examples:
      | rule     | grade                |
      | weighted | Good                 |
      | best_fit | Requires Improvement |
      | lowest   | Inadequate           |

  Scenario Outline: A weighted mean exactly half-way between two grades rounds down
    Given a section whose criteria are graded:
      | criterion | weight | grade    |
      | B1        | 1      | <first>  |
      | B2        | 1      | <second> |
    When the section is rolled up by the "weighted" rule
    Then the section grade is "<grade>"

    Examples:
      | first       | second               | grade                |
      | Good        | Requires Improvement | Requires Improvement |
      | Outstanding | Good                 | Good                 |
      | Outstanding | Inadequate           | Requires Improvement |

  Scenario: A section has no grade until every criterion is graded
    Given a section whose criteria are graded:
      | criterion | weight | grade |
      | F1        | 1      | Good  |
      | F2        | 1      |       |
    When the section is rolled up by the "best_fit" rule
    Then the section has no grade yet

  Scenario: An Inadequate section F caps the plan at Requires Improvement
    Given the shipped whole-plan rubric
    When a plan's sections are graded:
      | section | grade       |
      | A       | Outstanding |
      | B       | Outstanding |
      | C       | Outstanding |
      | D       | Good        |
      | E       | Outstanding |
      | F       | Inadequate  |
      | G       | Outstanding |
      | H       | Good        |
      | I       | Outstanding |
      | J       | Good        |
      | K       | Outstanding |
    Then the plan grade is "Requires Improvement"
    And the "education" service grade is "Inadequate"
    And the "health" service grade is "Outstanding"

  Scenario: A section F that Requires Improvement does not cap the plan
    Given the shipped whole-plan rubric
    When a plan's sections are graded:
      | section | grade                |
      | A       | Outstanding          |
      | B       | Outstanding          |
      | C       | Outstanding          |
      | D       | Good                 |
      | E       | Outstanding          |
      | F       | Requires Improvement |
      | G       | Outstanding          |
      | H       | Good                 |
      | I       | Outstanding          |
      | J       | Good                 |
      | K       | Outstanding          |
    Then the plan grade is "Outstanding"

  Scenario: Sections that do not apply are left out, and that service has no grade
    Given the shipped whole-plan rubric
    And the plan had no social care advice requested
    When a plan's sections are graded:
      | section | grade                |
      | A       | Good                 |
      | B       | Good                 |
      | C       | Requires Improvement |
      | E       | Good                 |
      | F       | Good                 |
      | G       | Requires Improvement |
      | I       | Good                 |
      | J       | Good                 |
      | K       | Good                 |
    Then sections D and H are not applicable
    And the plan grade is "Good"
    And the "social_care" service has no grade

  Scenario: Editing the rubric gives a new version and leaves the old one as it was
    Given the whole-plan rubric file is stored as a version
    When the QA lead rewrites the "Good" descriptor of criterion F1 as "Nearly every item is quantified."
    And the rubric file is stored again
    Then there are 2 stored versions of the "whole-plan" rubric
    And the first version still describes "Good" for F1 as it did before the edit
    And the new version describes "Good" for F1 as "Nearly every item is quantified."

  Scenario: Comments and layout do not make a new version
    Given the whole-plan rubric file is stored as a version
    When the QA lead adds a comment and re-indents the file
    And the rubric file is stored again
    Then there is 1 stored version of the "whole-plan" rubric

  Scenario: A rubric file with mistakes is rejected with every mistake listed
    Given a copy of the whole-plan rubric file
    And criterion B2 has no "Good" descriptor
    And section H is judged by "housing"
    And the plan rule is "average"
    When the QA lead checks the file
    Then the file is rejected and nothing is stored
    And the problems listed are:
      | where                               | problem                                  |
      | sections[1].criteria[1].descriptors | no descriptor for 'Good'                 |
      | sections[7].agency                  | 'housing' is not a known agency          |
      | rollup.plan                         | 'average' is not a known roll-up method  |
