Feature: The board pack follows a finished audit cycle
  When an audit cycle's flow run completes, Prefect runs the board-pack deployment for that cycle, with the
  cycle's number as a number, and the pack is written and emailed to the board.

  @slow
  Scenario: A completed cycle triggers its board pack on a Prefect server
    Given a cycle whose auditors have all submitted, and every deployment served against a Prefect server
    When the cycle's flow run completes
    Then the after-cycle board-pack deployment runs with the cycle's number as an integer
    And the board pack for that cycle is written and emailed to the board

  @slow
  Scenario: A failed flow run emails the operator
    Given every deployment served against a Prefect server, with the operator's address set
    When a cycle's flow run fails
    Then the operator is emailed, naming the failed run and why it failed
