Feature: The board pack as a decision paper
  A board chair reads the first two pages alone and learns how good the plans are, whether they are
  getting better, where it is worst and what the board must decide; every figure there is the appendix's.

  Scenario: The cover answers the chair's questions within two pages
    Given three routine cycles and one themed cycle scored, the middle routine one on a changed rubric
    When the published paper for the latest cycle is written
    Then pages 1 and 2 of the PDF hold the headline, where plans are strongest and weakest, what auditors wrote, timeliness, actions and what the board is asked to do
    And the cover compares the cycle with the last one, the target and the national figure with its source and year
    And the cover names a strength and a weakness by criterion

  Scenario: Every figure on the cover is the figure in the tables
    Given three routine cycles and one themed cycle scored, the middle routine one on a changed rubric
    When the published paper for the latest cycle is written
    Then every figure the cover quotes is in its table's cell in the HTML
    And every figure the cover quotes is in the PDF's cover and again in its appendix

  Scenario: A scored cycle is final, not provisional
    Given three routine cycles and one themed cycle scored, the middle routine one on a changed rubric
    When the published paper for the latest cycle is written
    Then every page of the PDF says "Final" and none says "Provisional"

  Scenario: An open cycle with scorecards outstanding is provisional on every page
    Given an open cycle scored so far with one health auditor's scorecards outstanding
    When its paper is written
    Then every page of the PDF says "Provisional" and how many scorecards are outstanding
    And the HTML opens with the provisional banner

  Scenario: The internal paper shows every count and says it is internal
    Given three routine cycles and one themed cycle scored, the middle routine one on a changed rubric
    When the internal paper for the latest cycle is written
    Then no table cell is suppressed and the cover gives the share Good or better
    And the cover compares the share with the last cycle on the same rubric and says whether the change is beyond chance
    And every figure the cover quotes is in its table's cell in the HTML
    And the cover and every page say the paper is internal
    And the published paper says it is published and suppresses small numbers

  Scenario: The appendix is in words, with the detail in the workbook
    Given three routine cycles and one themed cycle scored, the middle routine one on a changed rubric
    When the published paper for the latest cycle is written
    Then the PDF shows no raw code and no machine date or time
    And the small-number note is printed once
    And no page holds only a note or a footnote
    And teams, phases and needs with fewer than 5 graded plans are counted together in one row
    And the monthly timeliness and the list of actions are in the workbook, not the PDF

  Scenario: The command line writes the paper for the audience asked for and refuses any other
    Given three routine cycles and one themed cycle scored, the middle routine one on a changed rubric
    When the QA lead runs "ehcp-audit board-pack --audience internal"
    Then the internal paper's files are written, the PDF saying it is internal
    And "ehcp-audit board-pack --audience everyone" is refused, naming the two audiences
