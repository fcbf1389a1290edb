Feature: An area's own rubric, translated without code
  Another area writes its rubric with one set of descriptors for everything, outcomes graded by every agency
  that advised, preparing-for-adulthood outcomes only from Year 9, and "not applicable" where it allows it.
  The QA lead loads it as it is, and every grade is one the QA lead could work out by hand.

  Scenario: the area's rubric is read as written
    When the QA lead validates the joint outcomes rubric
    Then it is valid and outcomes are graded by SEN team, Education, Health and Social care, combined by the lowest grade
    And every criterion has the rubric's descriptors unless its section gives its own

  Scenario: a Year 8 plan is not asked about preparing for adulthood
    Given a Year 8 plan with health advice but no social care advice is audited with the joint outcomes rubric
    Then the SEN team auditor grades A1, A2, E1, E2 and J1
    And the health auditor grades C1, E1 and E2
    And nobody from social care is asked

  Scenario: outcomes graded by three agencies, worked by hand
    Given a Year 10 plan with health advice but no social care advice is audited with the joint outcomes rubric
    When the SEN team gives A1 Outstanding, A2 Good, E1 Outstanding, E2 Outstanding, E3 Good and J1 not applicable because "no personal budget was asked for"
    And education gives B1 Good, E1 Good, E2 Good, E3 Good and F1 Good
    And health gives C1 Good, E1 Requires Improvement and E2 Good
    And the cycle is scored
    Then the parts of outcomes are SEN team Outstanding, Education Good and Health Requires Improvement
    And outcomes are Requires Improvement, the lowest of the three
    And personal budget is not applicable and left out
    And the plan is Good
    And health's own grade is Requires Improvement

  Scenario: not applicable needs a reason
    Given a Year 10 plan with health advice but no social care advice is audited with the joint outcomes rubric
    When the SEN team marks J1 not applicable without a reason
    Then the scorecard is refused with "criterion J1 is marked not applicable without a reason"

  Scenario: every problem in a rubric is named at once
    When the QA lead validates a rubric whose shared section has no combining rule and whose condition reads "shoe_size"
    Then the problems name "'combine' is missing" and "'shoe_size' is not a register field a condition can read"
