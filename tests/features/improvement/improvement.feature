Feature: Closing the loop: audit findings feed the improvement plan and the plans themselves
  Themes across audits raise or evidence actions on the area's improvement plan, linked to the rubric
  criteria they are meant to improve; later cycles propose each action's status from the data, which the
  QA lead accepts or overrides; weak plans are amended by their case officer and re-audited.

  Background:
    Given a local area with 40 plans and auditors in every agency
    And the shipped improvement rules and status scales

  Scenario: A theme across one cycle raises an action linked to its evidence
    When a whole-plan cycle is scored with criterion F2 Requires Improvement in 5 of 6 plans
    And the cycle flow raises actions and proposes statuses
    Then the "Audit findings" plan has one action, to improve criterion F2
    And the action is linked to criterion F2 of the whole-plan rubric
    And its evidence names the cycle and the 5 weak plans by their references
    And the action's history says who raised it, when and why

  Scenario: Improvement over two later cycles proposes "completed and embedded"
    Given a cycle with criterion F2 weak in 5 of 6 plans raised an action
    When a later cycle is scored with criterion F2 weak in 1 of 6 plans
    And the cycle flow raises actions and proposes statuses
    Then the action's proposed status is "Progressing"
    When a later cycle is scored with criterion F2 weak in 1 of 6 plans
    And the cycle flow raises actions and proposes statuses
    Then the action's proposed status is "Completed and embedded"
    And the proposal explains the shares: 83% at the start, then 17% and 17%
    When the QA lead accepts the proposal saying "Audits show provision quantified, held for two cycles"
    Then the action's status is "Completed and embedded"
    And the status history keeps the proposal, the acceptance, who accepted it and why

  Scenario: A regression raises an exception
    Given a cycle with criterion F2 weak in 5 of 6 plans raised an action
    When a later cycle is scored with criterion F2 weak in 1 of 6 plans
    And the cycle flow raises actions and proposes statuses
    And a later cycle is scored with criterion F2 weak in 6 of 6 plans
    And the cycle flow raises actions and proposes statuses
    Then the action's proposed status is "Little or no progress"
    And the proposal is marked as a regression
    And the exception report lists the action as regressed
    And the latest cycle's weak plans are added to the action's evidence
    When the QA lead overrides the proposal with "Progressing" saying "New guidance only issued last month"
    Then the action's status is "Progressing"
    And the proposal still says "Little or no progress" beside the override and its reason

  Scenario: An Inadequate plan is amended, re-audited, and reported before and after
    Given a whole-plan cycle in which one plan was graded Inadequate throughout
    When the cycle flow raises actions and proposes statuses
    Then the plan has an amendment task for its case officer, due before its next review
    When the task is past its due date and not done
    Then the reminder path lists it as an overdue chase item for the case officer
    When the case officer marks the task done saying "Sections E and F rewritten with the family"
    And the next whole-plan cycle is opened
    Then the plan is in the new cycle as a re-audit on top of the random sample of 6
    When the new cycle is scored with the plan graded Good throughout
    And the cycle flow raises actions and proposes statuses
    Then the new cycle's figures count the 6 randomly sampled plans, the re-audit apart
    And the task is recorded as re-audited
    And the before and after grades are reported side by side: "Inadequate" then "Good"
    And the board pack shows the plan's grades before and after its re-audit

  Scenario: Rerunning the flow step does not duplicate an action or its evidence
    Given a cycle with criterion F2 weak in 5 of 6 plans raised an action
    When a later cycle is scored with criterion F2 weak in 6 of 6 plans
    And the cycle flow raises actions and proposes statuses
    And the cycle flow raises actions and proposes statuses for every cycle again
    Then there is one action for criterion F2 with one evidence entry per cycle and one proposal
    And the database refuses a second evidence entry for the same action, cycle and target

  Scenario: An improvement plan file with a formula or an impossible date is turned back whole
    Given the APP improvement plan file with these cells changed
      | row | column           | value                                     |
      | 3   | Progress         | =HYPERLINK("http://example.invalid","x")  |
      | 4   | Lead             | @SUM(A1:A9)                               |
      | 5   | Action Milestone | 31/02/2027                                |
      | 6   | Progress         | - providers agreed                        |
    When the QA lead imports it as the plan "APP 2027"
    Then the import is refused naming these cells
      | row | column           | problem                                          |
      | 3   | Progress         | begins with '=', which a spreadsheet would run as a formula |
      | 4   | Lead             | begins with '@', which a spreadsheet would run as a formula |
      | 5   | Action Milestone | '31/02/2027' is not a date                       |
    And the store is exactly as it was before the import

  Scenario: A bullet at the start of a cell is text, not a formula
    Given the APP improvement plan file with these cells changed
      | row | column   | value              |
      | 3   | Progress | - providers agreed |
    When the QA lead imports it as the plan "APP 2027"
    Then action 1.1 of the plan "APP 2027" has the progress "- providers agreed"
