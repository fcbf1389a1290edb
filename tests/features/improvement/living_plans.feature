Feature: Improvement plans as living documents
  A board's WSoA or APP goes in as the board keeps it (footnote marks, page breaks, headers over two rows,
  merged cells, statuses shown by shading or written as words), with its initials and designation list; dates
  as boards write them become kinds of milestone; the next revision updates the same plan; and the export
  carries what the audits found back into the plan's own progress column.

  Scenario: A WSoA workbook kept as the board keeps it is imported whole, nothing lost
    Given a WSoA workbook as a board keeps it
    When the QA lead imports the workbook as the plan "WSoA 2018"
    Then the plan "WSoA 2018" has 2 areas of weakness and these actions
      | reference | status                 | milestone kind | due              |
      | 1.1.i     | Progressing            | range          | 31 March 2019    |
      | 1.1.ii    | Completed and embedded | recurring      |                  |
      | 1.2.i     | Progressing            | range          | 31 December 2018 |
      | 2.1.i     | Completed              | recurring      |                  |
      | 2.1.ii    | Not yet graded         | date           | 30 November 2018 |
    And the import notes say
      | note                                                       |
      | Row 5 repeats the header (a page break); it was skipped.   |
      | Row 7 is a footnote, not an action                         |
      | Rows 9 and 10 are one header written over two rows         |
      | the cell's amber shading was read as 'Progressing'         |
    And the warning lists every action without a due date: 1.1.ii, 2.1.i

  Scenario: A shading or a word the status scale does not have is refused with its cell named
    Given a WSoA workbook as a board keeps it
    And its cell in row 4, column "Dec 2018" is shaded purple
    And its cell in row 6, column "Sept 2018" says "Nearly there"
    When the QA lead imports the workbook as the plan "WSoA 2018"
    Then the import is refused naming these cells
      | row | column    | problem                                   |
      | 4   | Dec 2018  | the cell is shaded purple                 |
      | 6   | Sept 2018 | 'Nearly there' is not a status            |
    And no plan is stored

  Scenario: Shared leads are resolved through the initials and designation list and counted once each
    Given a WSoA workbook as a board keeps it
    When the QA lead imports the workbook as the plan "WSoA 2018"
    Then actions by lead count
      | lead                                    | actions |
      | JD (Head of SEND)                       | 3       |
      | DCO (Designated Clinical Officer)       | 1       |
      | PT (Principal Educational Psychologist) | 1       |
      | CT (Commissioning lead)                 | 1       |
      | MT (Lead for SEN assessment)            | 1       |
      | SB (Social care lead)                   | 1       |
      | DSCO (Designated Social Care Officer)   | 1       |

  Scenario: Nothing is stored until the QA lead confirms the actions left without a due date
    Given the CLI is set up on an empty store
    And an APP file whose milestones say "Ongoing", "TBC" and "Q3 2018/19"
    When the QA lead imports the APP file through the CLI answering "n"
    Then the CLI lists actions 1.1 and 1.2 as having no due date
    And the CLI says "Nothing was stored."
    And the store holds no improvement plan
    When the QA lead imports the APP file through the CLI answering "y"
    Then the CLI says "Imported plan 1"

  Scenario: The next revision updates the same plan, keeping links, evidence and history
    Given the CLI is set up on an empty store
    And the WSoA 2018 is imported through the CLI and action 1.2.i is linked to criterion F2 with audit evidence
    And a second revision of the WSoA file with action 1.1.ii reworded, 1.2.i re-dated, 2.1.ii removed, 2.1.iii added and 2.1.i completed
    When the QA lead imports the revision onto the plan "WSoA 2018" through the CLI answering "n"
    Then the CLI shows these changes
      | change                                                   |
      | Added: 2.1.iii                                           |
      | Removed: 2.1.ii                                          |
      | Reworded: 1.1.ii                                         |
      | Re-dated: 1.2.i: 'Jan 2019 Apr 2019' -> 'Jan 2019 Jun 2019' |
      | Status changed: 2.1.i: Progressing -> Completed [Dec 2018] |
    And the CLI says "Nothing was stored."
    When the QA lead imports the revision onto the plan "WSoA 2018" through the CLI answering "y"
    Then the CLI says "Updated plan 1 'WSoA 2018' to revision 2 (version 2.0)"
    And the area still has one improvement plan, at version 2.0 of 15 January 2019 owned by HoS-SEND
    And action 1.2.i is still linked to criterion F2 with its evidence, and is due 30 June 2019
    And action 2.1.ii is kept as removed in revision 2, with its history
    And the exported plan has actions 1.1.i, 1.1.ii, 1.2.i, 2.1.i, 2.1.iii

  Scenario: The export writes the audit evidence into the plan's own progress column
    Given the CLI is set up on an empty store
    And the WSoA 2018 is imported through the CLI and action 1.2.i is linked to criterion F2 with audit evidence
    When the plan "WSoA 2018" is exported through the CLI
    Then action 1.2.i's "Evidence of progress" cell says what the audits found: "Quarter 1: Criterion F2, 5 of 6 plans (83%) Requires Improvement or Inadequate"
    And every other action's row is exactly as imported
    When the exported file is imported onto the plan again through the CLI answering "y"
    Then the CLI shows these changes
      | change            |
      | No action changes. |

  Scenario: Linking an unknown reference lists the plan's references
    Given the CLI is set up on an empty store
    And the WSoA 2018 is imported through the CLI and action 1.2.i is linked to criterion F2 with audit evidence
    When the QA lead links action 9.9 of the plan "WSoA 2018" through the CLI
    Then the CLI refuses, saying "has no action 9.9; its actions are 1.1.i, 1.1.ii, 1.2.i, 2.1.i, 2.1.ii"
