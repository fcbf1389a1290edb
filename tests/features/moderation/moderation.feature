Feature: Second marking, moderation and agreement
  A share of each cycle is second-marked blind; small differences are agreed automatically,
  large ones go to a moderator whose agreed grade counts while both originals are kept;
  agreement is reported with raw agreement beside every coefficient.

  Background:
    Given a local area with a synthetic register and auditors in every agency
    And an open cycle of 10 plans whose first markers grade every criterion Good

  Scenario: Second marking is blind
    When second marking is selected
    Then every selected piece has a second marker of the same agency who is not the first marker
    And the second marker cannot see the first marker's grades
    When the second markers submit Good throughout
    Then both markers can see each other's grades

  Scenario: Grades within the rule are agreed automatically
    When second marking is selected
    And the second markers submit Good throughout
    Then nothing is sent to moderation
    And the first marker's grade counts for every double-marked section

  Scenario: A two-grade disagreement is moderated and both originals are kept
    When second marking is selected
    And the second markers submit Inadequate throughout
    Then the double-marked plans are in the moderation queue
    When the moderator agrees Requires Improvement for each with a rationale
    And the cycle is scored
    Then the moderated grade counts and the first and second scores are kept and labelled
    And the board summary reports moderation and agreement

  Scenario: A cycle where nearly every grade is Good
    When every plan is second-marked
    And the second markers submit Good throughout except one section graded Requires Improvement
    Then the board summary shows high raw agreement beside a low alpha with the explanation

  Scenario: An auditor who always grades one step higher stands out
    Given a cycle whose plans are graded on a spread of grades by first markers
    When every plan is second-marked and one education auditor grades one step higher than the others
    Then that auditor has the largest mean difference in the per-auditor table

  Scenario: A calibration exercise
    Given the QA lead picks a reference plan for a calibration exercise
    When every education auditor grades it and the moderator records the reference grade
    Then each auditor's distance from the reference is reported per section
