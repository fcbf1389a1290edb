Feature: Auditors are reminded and agency leads told, once per rule, however often the chase runs
  A daily flow emails auditors whose scorecards are due soon or overdue, and tells the agency lead when they
  are long overdue. Each reminder goes once per rule and assignment, even when the flow is run again.

  Background:
    Given an open cycle whose scorecards are due on 20 November 2026
    And the health auditors have email addresses and have not submitted
    And agency leads are told when scorecards are 5 days overdue

  Scenario: An overdue auditor is reminded once and the agency lead is told after the delay, once, even when the flow reruns
    When the daily chase runs on 18 November 2026
    Then each health auditor gets one "due soon" reminder listing their plans
    When the daily chase runs on 21 November 2026, and again the same day
    Then each health auditor gets one "overdue" reminder
    And the health agency lead has had no email
    When the daily chase runs on 25 November 2026, and again the same day
    Then the health agency lead gets one escalation naming the auditors and their plans
    And nobody got the same email twice
    And the QA lead sees who was chased, under which rule, and when

  Scenario: An auditor who has submitted is not chased
    Given the first health auditor has submitted every scorecard
    When the daily chase runs on 21 November 2026
    Then only the other health auditors get an "overdue" reminder

  Scenario: A chase killed right after sending is not sent again
    When the chase process is killed just after sending its first email on 21 November 2026
    And the daily chase runs on 21 November 2026
    Then each health auditor gets one "overdue" reminder
    And the QA lead sees the interrupted reminder still marked as being sent

  Scenario: A reminder the mail server refused is sent on the next run
    Given the mail server is down
    When the daily chase runs on 21 November 2026
    Then the QA lead sees the health auditors' reminders as failed, with the reason
    When the mail server is back and the daily chase runs on 21 November 2026
    Then each health auditor gets one "overdue" reminder
    And the QA lead sees them sent on the second attempt
