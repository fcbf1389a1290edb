Feature: Words a person reads
  A QA lead reads the service in words: strata, statuses and agencies by their names, dates as
  "4 December 2026" and times in UK time, and the audit trail as who did what to what.

  Scenario: The cycle page names strata in words
    Given a cycle stratified by team and by new plan or annual review has started
    When the QA lead opens the cycle's page
    Then the page says the cycle is stratified by "Team, New plan or annual review"
    And every sampled plan's stratum is named in words, like "Team North, annual review"
    And the page shows no raw code, stratum key or machine time

  Scenario: The trail says who did what
    Given a cycle stratified by team and by new plan or annual review has started
    When the QA lead withdraws one of its plans because it "ceased"
    And the QA lead looks up that plan in the audit trail
    Then the trail says "demo-qa-lead (QA lead) withdrew plan" that plan "from cycle 2: ceased"
    And looking for another person's changes to that plan finds none
    And looking for that plan's changes before the cycle began finds none
