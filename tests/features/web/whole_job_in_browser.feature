@browser
Feature: The whole job in the browser, from an empty store to the board paper
  A QA lead lives in Excel and in web services and will not run a terminal. On a new service that has only
  their account and an admin's, they do the whole job in a browser: import the plan register (the first file
  is refused with the row, column and fix, so they correct it) and the auditor list, preview a cycle's
  sample and draw it again, start it, close it after a confirmation page and send the board pack by email.
  The admin invites the people by email; auditors grade from their home page, going on to the next plan; a
  moderator settles the markers' disagreement from their home page; a board member downloads the paper.
  The QA lead uses the keyboard alone (Tab, Enter, Space and typing), and the focus is visible at every stop.
  Every page anyone visits passes axe-core with no serious or critical problem.

  Scenario: A QA lead runs a cycle from an empty store to the board paper, with only a browser
    Given a new service with only an admin's and a QA lead's account, sending email to a local mail server
    And the QA lead has a plan register of 40 plans and an auditor list of 4 auditors
    When the QA lead signs in with the keyboard alone
    Then their home page says nothing has been imported yet
    When they upload the register with a date that does not exist on row 3
    Then they see the error summary naming the file, row 3, the column and the fix
    And no plan is stored
    When they upload the corrected register
    Then they are asked to confirm 40 plans not yet stored
    And no plan is stored
    When they confirm the import
    Then they are told 40 plans were imported
    When they upload the auditor list and confirm it
    Then they are told 4 auditors were imported
    When the admin invites the 4 auditors, a moderator and a board member by email
    And each of them sets a password with the link in their email
    And the QA lead creates a cycle of 2 plans
    Then they see the sample preview: 2 plans counted per group, and nobody assigned yet
    When they draw the sample again
    Then the preview shows a different set of 2 plans
    When they start the cycle
    Then the cycle page shows a progress bar and 2 plans not started
    When every auditor grades their plans Good from their home page, going on to the next plan each time
    And the second markers grade the plans chosen for second marking: "AUD-SEN-01" Good, "AUD-SEN-02" Outstanding
    Then the moderator's home page shows 1 plan awaiting moderation
    When the moderator settles the disagreement from their home page
    Then the moderator's home page shows no plan awaiting moderation
    When the QA lead closes the cycle, confirming on the confirmation page
    And the QA lead produces the board pack and sends it to the board
    Then the board's mailbox receives the board pack with the PDF attached
    When the board member signs in and downloads the board paper from their home page
    Then it is a PDF whose text names the cycle and its share of plans Good or better
