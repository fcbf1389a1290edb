Feature: Retention and the audit trail
  Free text is kept only as long as it is needed, every purge is recorded, and the record of who changed
  what cannot be rewritten.

  Scenario: Comments older than the retention period are purged and the purge is recorded
    Given a scorecard submitted 800 days ago with comments and one submitted last week
    And a retention period of 730 days for comments
    When the retention purge runs
    Then the old scorecard's comments are empty and its grades are kept
    And last week's comments are kept
    And the purge is recorded with what was purged, how many, when and by whom

  Scenario: Editing a trail entry is refused
    Given a plan was changed by "web:qa-lead-1"
    When someone tries to change the trail entry to name "web:someone-else"
    Then the database refuses the change
    And the trail still names "web:qa-lead-1" and verifies

  Scenario: A trail entry changed outside the application is detected
    Given a plan was changed by "web:qa-lead-1"
    When the trail entry is changed directly in the database file with its guard removed
    Then verifying the trail names that entry as changed
