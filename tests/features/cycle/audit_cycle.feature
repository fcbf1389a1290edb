Feature: An audit cycle from register to board summary
  A QA lead samples plans from the register, each agency grades its own sections,
  grades roll up by the rubric's rule, and the board sees results per service and timeliness.

  Background:
    Given a local area with a synthetic register of 300 plans and auditors in every agency
    And the default whole-plan rubric

  Scenario: A quarterly cycle draws a stratified sample excluding plans audited in the last 12 months
    Given an earlier cycle 3 months ago audited 20 plans
    When the QA lead creates a cycle of 30 plans stratified by team and plan stage with seed 11
    And the cycle is opened
    Then 30 plans are sampled
    And no plan audited in the earlier cycle is sampled
    And every team in the register is represented in proportion to its eligible plans
    And opening the cycle again with the same seed samples the same plans and adds no assignments

  Scenario: Each agency scores only its own sections and the plan's grade appears when all parts are in
    Given an open cycle of 10 plans
    Then every assignment is to an auditor of the agency that owns its sections
    And no auditor is assigned a plan they are case officer for or advised on
    When every agency except health submits its scorecards
    And the cycle is scored
    Then plans with health sections are "incomplete" with no overall grade
    And the board summary lists them under incomplete audits
    When the health auditors submit their scorecards
    And the cycle is scored
    Then every plan has an overall grade

  Scenario: The cycle keeps the rubric version it was scored against after the rubric changes
    Given a cycle scored against the whole-plan rubric
    When the QA lead edits a descriptor and the roll-up rule in the rubric file
    And the cycle is scored again
    Then the cycle's results are unchanged
    And a new cycle created from the edited file records a different rubric version

  Scenario: A sampled plan ceases mid-cycle and is replaced from the same stratum
    Given an open cycle of 10 plans stratified by team
    When the QA lead withdraws a sampled plan with the reason "ceased: moved to Wales"
    Then the plan is kept in the cycle as withdrawn with that reason
    And a replacement plan from the same team is sampled and assigned
    And the withdrawn plan's assignments no longer count towards progress

  Scenario: No sampled plan had social care input
    Given an open cycle whose sampled plans have no social care advice
    When every auditor submits their scorecards
    And the cycle is scored
    Then the social care row of the per-service table says "no data"

  Scenario: An Inadequate plan raises an amendment task for its case officer
    Given an open cycle of 10 plans
    When every auditor submits, grading one plan Inadequate throughout
    And the cycle is scored and actions are raised
    Then that plan has an amendment task for its case officer due before its next review
    And raising actions again adds nothing

  @prefect
  Scenario: A cycle closed early is scored from what is in, and running it again changes nothing
    Given an open cycle of 10 plans where one health auditor has not submitted
    When the QA lead closes the cycle before its due date
    And the cycle flow runs
    Then the cycle is still closed, every sampled plan has a result, and the late auditor's plans are "incomplete"
    And nothing was sampled, assigned or second-marked after the close
    And every plan graded Requires Improvement or Inadequate has an amendment task
    And the board summary for the closed cycle is written and lists the incomplete audits
    When the cycle flow runs again
    Then nothing is added, and the results and actions are the same

  @prefect
  Scenario: A cycle closed before it was started has nothing to score
    Given a cycle of 10 plans that was never started
    When the QA lead closes the cycle before its due date
    And the cycle flow runs
    Then the flow says there is nothing to score and the cycle is still closed with no plan sampled
