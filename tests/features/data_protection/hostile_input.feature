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
