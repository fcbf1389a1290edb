Feature: Timeliness, trends and audit programmes in the browser
  The QA lead reads the statutory clocks by team, phase and period, the trend across cycles, and pauses or
  resumes an audit programme after confirming, without the command line.

  Scenario: A QA lead reads timeliness by team
    When the QA lead opens timeliness broken down by team for the last 6 months
    Then they see each measure per team for a six-month period
    When they ask for a breakdown that is not offered
    Then they see the error summary "Choose a breakdown from the list"

  Scenario: A long list is filtered, sorted and paged on the server
    When the QA lead opens timeliness broken down by team for the last 6 months
    Then the list shows its first 25 rows and links to the next page
    When they filter it by "final plan"
    Then every row shown is about the final plan
    When they sort it by percent, highest first
    Then the shares shown run from highest to lowest

  Scenario: A QA lead pauses a programme after confirming
    Given an audit programme that is active
    When the QA lead asks to pause it
    Then they are asked to confirm and nothing has changed yet
    When they confirm
    Then the programme is paused

  Scenario: A board member cannot manage programmes but reads trends
    When the board member opens "/programmes"
    Then they see "You do not have permission"
    When the board member opens "/trends"
    Then they see "Trends across cycles"
