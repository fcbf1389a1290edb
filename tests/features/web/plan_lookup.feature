Feature: Look a plan up by its reference across cycles
  Anyone with access to a plan can find it by its reference and see its audits across cycles, grades,
  the comments their role may see, amendment tasks, re-audits and statutory clocks. A plan they may not
  see reads exactly like one that does not exist, and every look-up is recorded in the audit trail.

  Scenario: A QA lead finds a plan and sees its audits with the auditors' comments
    Given a scored cycle
    When the QA lead looks up a sampled plan's reference
    Then they see the plan's audit in that cycle with its grades and the auditors' comments
    And the look-up is in the audit trail as viewed by the QA lead

  Scenario: An auditor finds a plan they audited but not one they did not
    Given a scored cycle
    When an auditor looks up a plan they audited
    Then they see their own scorecard
    When they look up a plan they did not audit
    Then they see "Page not found", the same as for a reference that does not exist

  Scenario: A parent carer forum auditor sees no officers' codes
    Given a plan the parent carer forum auditor audited
    When the parent carer forum auditor looks it up
    Then the page shows no officer's or auditor's code

  Scenario: A service lead sees only their service's part of a plan
    Given a scored cycle
    When the service lead looks up a plan their service audited
    Then they see only their service's sections and scorecards

  Scenario: Looking up nothing explains what to enter
    When the QA lead searches for a plan with an empty reference
    Then they see the error summary "Enter a plan reference"

  Scenario: An admin cannot look plans up
    When the admin opens the plan look-up
    Then they see "You do not have permission"
