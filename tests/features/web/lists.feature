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
