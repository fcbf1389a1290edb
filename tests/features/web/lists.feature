Feature: Long lists are filtered, sorted and paged on the server
  Every list a person may scroll through for years (their audits across cycles, the trend of every section
  over every cycle) shows a page of 25 at a time, can be filtered by words and sorted by a column, all from
  the address, so it works without JavaScript and a page costs the same however long the list grows.

  Scenario: An auditor pages, filters and sorts their audits across cycles
    Given an auditor with more than 25 audits across 2 cycles
    When the auditor opens their audits
    Then they see 25 audits on page 1, soonest due first, and a link to page 2
    When they open page 2
    Then they see the rest of their audits
    When they filter their audits by the second cycle's name
    Then every audit shown is in the second cycle
    When they sort their audits by plan reference, last first
    Then the plan references run from last to first

  Scenario: A filter that matches nothing says so, and a hand-edited address still opens
    Given an auditor with more than 25 audits across 2 cycles
    When the auditor opens their audits filtered by "no such plan"
    Then they are told no audits match "no such plan"
    When the auditor opens their audits at page "999" sorted by "nonsense"
    Then they see the last page of their audits, soonest due first

  Scenario: The trend by section is filtered, sorted and paged on the server
    Given 3 scored cycles of the same rubric
    When the QA lead opens the trend by section
    Then the trend shows its first 25 rows and links to the next page, keeping the series
    When they filter the trend by the first section's name
    Then every row shown is that section's, one per cycle
    When they sort the trend by Good or better, highest first
    Then the trend's shares run from highest to lowest
    When they ask for a trend that is not offered
    Then they are told to choose overall, by service or by section

  Scenario: A QA lead filters and sorts the cycles
    Given 3 scored cycles of the same rubric
    When the QA lead opens the cycles
    Then they see 3 cycles, the one due last first
    When they sort the cycles by name
    Then the cycle names run in alphabetical order
    When they filter the cycles by "Trend cycle 3"
    Then they see only the cycle "Trend cycle 3"
    When they filter the cycles by "no such cycle"
    Then they are told no cycles match "no such cycle"

  Scenario: A QA lead pages through an area's plan documents and finds one
    Given 30 plan documents
    When the QA lead opens the plan documents
    Then they see 25 documents on page 1 of 30
    When they filter the documents by the last document's plan reference
    Then they see that plan's document only

  Scenario: An administrator pages through accounts and filters them by role
    Given 30 more accounts with the role of moderator
    When the administrator opens the users page
    Then they see 25 accounts on page 1 and a link to page 2
    When they filter the accounts by "Moderator"
    Then every account shown is a moderator
