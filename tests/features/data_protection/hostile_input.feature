Feature: Hostile input
  Files, forms and exports never carry a formula or markup into someone's spreadsheet or browser.

  Scenario: A register with a formula cell is rejected
    Given a register file whose team on row 3 is '=HYPERLINK("http://example.invalid","North")'
    When the register is imported
    Then it is rejected naming the file, row 3, the column team and a fix
    And no plan was stored

  Scenario: A register with a name where a case officer code belongs is rejected
    Given a register file whose case officer on row 2 is "Mary Jones"
    When the register is imported
    Then it is rejected naming the file, row 2, the column case_officer and a fix
    And no plan was stored

  Scenario: Exported text that looks like a formula is escaped
    Given a stored plan whose team reads "@SUM(A1:A9)"
    When the register is exported as CSV and as a workbook
    Then both exports show the team as text beginning with an apostrophe

  Scenario: A scorecard with two grade columns is rejected, not read with one of them winning
    Given an auditor's scorecard for an open cycle graded Good, with a second grade column graded Inadequate
    When the scorecard is imported
    Then it is rejected naming the file, row 1, the column grade and a fix
    And the store is exactly as it was before the import

  Scenario: Scorecard templates stay in their folder whatever auditor code is in the store
    Given an open cycle whose education auditor's code was changed to "../../../escaped" straight in the store
    When the QA lead writes every auditor's scorecard template into the folder "out/cards"
    Then every template is a file directly in "out/cards", the odd code's made safe
    And nothing was written anywhere else
