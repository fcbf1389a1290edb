Feature: The SEND board pack
  The board reads trends without chasing noise, every small number is suppressed, and a rubric change
  is never hidden inside a trend.

  Scenario: A trend across three cycles with a rubric change in the middle shows the break
    Given three routine cycles and one themed cycle scored, the middle routine one on a changed rubric
    When the board pack for the latest cycle is built
    Then the routine trend lists 3 cycles with the rubric change marked on the second and third
    And the themed cycle is reported apart from the routine trend
    And every trend percentage comes with its sample size and a 95% interval

  Scenario: Small numbers are suppressed in every table of the pack
    Given three routine cycles and one themed cycle scored, the middle routine one on a changed rubric
    When the board pack for the latest cycle is built
    Then no table cell shows a count from 1 to 4
    And the pack says how small numbers are suppressed

  Scenario: A service lead's pack holds only that service's tables
    Given three routine cycles and one themed cycle scored, the middle routine one on a changed rubric
    When the service pack for health is built
    Then its service table has only the Health row
    And its timeliness table has only health advice

  Scenario: A service lead's pack lists the improvement actions the cycle found on that service
    Given three routine cycles and one themed cycle scored, the middle routine one on a changed rubric
    When the service pack for health is built
    Then its actions are the improvement actions evidenced on health, its sections or its criteria
    And no action evidenced only on another service is listed

  @prefect
  Scenario: The board pack goes out for a cycle closed with a health auditor's scorecards missing
    Given a cycle closed early with one health auditor's scorecards missing, scored
    When the board pack is sent to the board's mail server
    Then the board receives the pack as PDF and workbook
    And the attached PDF opens with the cover paper, provisional with the scorecards outstanding
    And every audited plan has a feedback note for its case officer
    And the notes of the plans not fully graded say so, section by section
