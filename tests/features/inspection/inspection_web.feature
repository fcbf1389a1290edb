Feature: The inspection pack from the browser, and its self-evaluation edited there
  The QA lead or the SEND strategic lead produces the pack from the web (a Prefect flow, with a page that
  follows it), downloads the PDF, the workbook and the ZIP, edits each heading's self-evaluation paragraph in
  their own words while its figures stay read from the data, and asks for the person-level export, identified
  only with a reason that goes into the audit trail.

  Scenario: The SEND strategic lead edits a heading, every version is kept and the pack uses the latest
    Given a scored cycle and the SEND strategic lead signed in
    When they open the self-evaluation of "Children, young people and families take part in decisions"
    Then the paragraph generated from the data is shown with each figure's token, sheet and cell
    When they save the paragraph reworded, keeping its figures' tokens
    Then version 2 is saved by them and version 1 is the paragraph generated from the data
    And the inspection pack's paragraph for the heading is the reworded one, its figures read from the data
    And version 1 can still be read

  Scenario: An edit that types a figure or names a figure the evidence has not got is refused
    Given a scored cycle and the QA lead signed in
    When they save the heading "Needs are identified and assessed in a timely way" with "43.3%" typed in place of a token
    Then the save is refused with an error summary saying figures come from the data
    When they save the heading "Needs are identified and assessed in a timely way" with the token "{overall.nonsense}"
    Then the save is refused with an error summary saying "{overall.nonsense}" is not a figure in the evidence
    And no version of the heading is saved

  Scenario: An identified export from the web is refused without a reason and recorded in the trail with one
    Given a scored cycle and the SEND strategic lead signed in
    When they ask for the person-level export
    Then they get a CSV with pseudonymised references
    When they ask for the identified person-level export without a reason
    Then it is refused on the page, asking why the identified export is needed
    And nothing is added to the audit trail about an identified export
    When they ask for the identified person-level export with the reason "Inspectors asked for the deep-dive children"
    Then they get a CSV with the register's references
    And the trail records the export with its reason, by them

  Scenario: A board member may not produce the pack
    Given a scored cycle and the board member signed in
    Then the inspection pages and the export are refused to them for their role

  Scenario: There is no pack for a cycle without results
    Given the QA lead signed in before any cycle is scored
    Then the inspection pack of the cycle is not found, saying it has no results yet
    And the list of cycles says no cycle has results yet
