Feature: The area SEND inspection evidence pack
  When the inspection is announced the QA lead hands over, in days, the evidence under the framework's five
  impact headings, a self-evaluation whose every figure can be traced, and person-level data laid out as the
  inspectors' template asks, pseudonymised unless there is a recorded reason not to be.

  Scenario: The pack maps the evidence to the five headings in a PDF, a workbook and a ZIP with an index
    Given three routine cycles and one themed cycle scored, the middle routine one on a changed rubric
    When the published inspection pack for the latest cycle is written
    Then the pack has the five headings of the area SEND framework, each with a self-evaluation paragraph
    And the family voice evidence says no family survey responses are recorded
    And the ZIP holds the PDF, the workbook, the person-level export and a README listing them
    And the PDF is tagged and shows every heading

  Scenario: Every figure in the self-evaluation is its cell in the workbook
    Given three routine cycles and one themed cycle scored, the middle routine one on a changed rubric
    When the published inspection pack for the latest cycle is written
    Then every figure a paragraph quotes is in the paragraph and in its sheet's cell or rows in the workbook
    And every paragraph and every figure it quotes is in the PDF's text, and each figure is its workbook cell

  Scenario: The internal pack shows the counts the published pack suppresses
    Given three routine cycles and one themed cycle scored, the middle routine one on a changed rubric
    When the published and internal inspection packs for the latest cycle are built
    Then the published pack suppresses small numbers and the internal pack suppresses none

  Scenario: The person-level export follows the mapping file and is pseudonymised by default
    Given a copy of the scored store
    When the person-level export is made with the default mapping
    Then its columns are the mapping file's, in its order
    And no child's register reference appears in it
    And nothing is added to the audit trail

  Scenario: An identified export is refused without a reason and recorded in the trail with one
    Given a copy of the scored store
    When an identified person-level export is asked for without a reason
    Then it is refused, saying a reason is needed
    When an identified person-level export is asked for with the reason "Inspector asked for the deep-dive children"
    Then the register's references are in it
    And the trail records the export with its reason

  Scenario: A mapping file naming an unknown field is refused naming the file and key
    Given a column mapping file mapping "Child's name" to "child_name"
    When it is loaded
    Then it is refused naming the file, the key "columns.Child's name" and the fields that can be used

  Scenario: A framework naming an unknown kind of evidence is refused naming the file and key
    Given a framework file whose second heading names the evidence kind "ofsted_grade"
    When it is loaded as the framework
    Then it is refused naming the file, the key "headings[2].evidence" and the kinds that can be used

  Scenario: The deep-dive sample spreads across phases, needs, settings and teams, the same for the same draw
    Given three routine cycles and one themed cycle scored, the middle routine one on a changed rubric
    When a deep-dive sample of 6 children is drawn with draw number 1, twice, and once with draw number 2
    Then the two draws numbered 1 are the same children and draw 2 differs
    And the sample covers at least 2 phases, 2 primary needs, 2 settings and 2 teams
    And the PDF has one page per child with its audit history, timeliness clocks, family view and amendment tasks
