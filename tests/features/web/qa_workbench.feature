Feature: The QA lead runs a cycle from the browser
  A QA lead lives in Excel and in web services, not in a terminal. From the browser they upload the plan
  register and the auditor list, see every problem by row and column before anything is stored, confirm
  the counts, preview a cycle's sample in numbers per group and draw again before anyone is assigned, start
  it, follow each plan's real state a page at a time, and confirm before withdrawing a plan or closing.

  Background:
    Given the QA lead is signed in

  Scenario: A register with errors is refused whole, then the corrected one is confirmed and imported
    When they upload a register whose second plan has a date that does not exist
    Then they see the problem by file, row and column with its fix
    And no plan was stored
    When they upload the corrected register
    Then they are asked to confirm 2 plans not yet stored
    And no plan was stored
    When they confirm the import
    Then they are told 2 plans were imported
    And the 2 plans are stored

  Scenario: An auditor list is checked, confirmed and imported
    When they upload an auditor list with one new auditor
    Then they are asked to confirm 1 auditors not yet stored
    When they confirm the import
    Then they are told 1 auditors were imported

  @prefect
  Scenario: A large register is checked by a flow run while its page refreshes itself, then confirmed
    Given files larger than 1000 bytes are checked in the background
    When they upload a register of 40 plans, larger than that
    Then the page says the file is being checked and refreshes itself
    And the file cannot be imported before it is checked
    And no plan was stored
    When the check finishes
    Then they are asked to confirm 40 plans not yet stored
    And no plan was stored
    When they confirm the import
    Then they are told 40 plans were imported

  @prefect
  Scenario: A large register with an error is refused whole once its check finishes
    Given files larger than 1000 bytes are checked in the background
    When they upload a register of 40 plans whose 30th plan has a date that does not exist
    Then the page says the file is being checked and refreshes itself
    When the check finishes
    Then they see the problem in row 31 by file, row and column with its fix
    And no plan was stored
    And the upload is no longer held

  Scenario: A small file is still checked in the request
    Given files larger than 1000 bytes are checked in the background
    When they upload the corrected register
    Then they are asked to confirm 2 plans not yet stored
    And no check was handed to a flow run

  Scenario: Preview a sample, draw again, then start the cycle
    When they create a cycle of 6 plans stratified by team, leaving out plans audited in the last 12 months
    Then they see 6 plans to be sampled, counted per team in words
    And they see how many plans were left out for being audited in the last 12 months
    And nobody has been assigned yet
    When they draw again
    Then the sample is a different set of plans of the same size
    When they start the cycle
    Then the plans previewed are the plans sampled
    And the cycle page shows a progress bar and every plan as not started

  Scenario: Withdrawing a plan and closing the cycle ask for confirmation first
    When they ask to withdraw a sampled plan because it ceased
    Then they are asked to confirm the withdrawal and nothing has changed yet
    When they confirm the withdrawal
    Then the plan shows as withdrawn with its reason
    When they ask to close the cycle
    Then they are asked to confirm, told what will not be counted, and the cycle is still open
    When they confirm closing the cycle
    Then the cycle is closed and its flow is started

  Scenario: Filter, sort and page through a cycle's plans
    Given a started cycle of 30 plans, 1 of them withdrawn
    When they filter the plans by the state "withdrawn"
    Then they see 1 plan
    When they list every plan
    Then they see 25 plans on page 1 of 2
    When they open page 2
    Then they see 5 plans on page 2 of 2

  @prefect
  Scenario: Produce the board pack from the page, then download it
    Given the cycle has results
    When they produce the board pack
    Then the page says it is being produced and refreshes itself
    When the run finishes
    Then the page offers the pack as HTML, PDF and XLSX and stops refreshing
    And a board member downloads the PDF
