Feature: The audit programme opens cycles on schedule
  A QA lead sets how often an audit recurs (monthly, termly, or a cron expression) and with which rubric.
  Each active programme is a Prefect deployment on that schedule; each scheduled run opens one cycle for its
  slot, and running the same slot again opens nothing new.

  Background:
    Given a local area with a register of plans and a pool of auditors

  Scenario: A termly programme is scheduled on the first days of the school terms
    When the QA lead sets a termly whole-plan programme sampling 4 plans, due 21 days after opening
    Then the programme's deployment is scheduled at 07:00 on 1 January, 1 April and 1 September, London time
    And the next starts are listed for the QA lead

  @slow
  Scenario: A termly programme opens a cycle on schedule
    Given the QA lead has set a termly whole-plan programme sampling 4 plans, due 21 days after opening
    When its deployment is served against a Prefect server on a short interval
    Then a cycle opens at each scheduled time, sampled and assigned, with the programme's rubric and due date
    And no other cycle is opened

  @slow
  Scenario: Running the same slot again opens no second cycle
    Given the QA lead has set a termly whole-plan programme sampling 4 plans, due 21 days after opening
    When the programme's flow runs twice for the slot of 1 January 2027 07:00
    Then there is one cycle for that slot, open, with its plans sampled once

  Scenario Outline: A schedule that cannot be used is refused with a sentence
    When the QA lead sets a programme with cadence "<cadence>" and cron "<cron>"
    Then it is refused, saying "<message>"
    And no programme is stored

    Examples:
      | cadence  | cron          | message                                  |
      | weekly   |               | Unknown cadence 'weekly'                 |
      | cron     | every day     | not a cron expression of five fields     |
      | cron     | 0 25 * * *    | not a valid cron expression              |
      | termly   | 0 7 * * *     | has a fixed schedule                     |
