Feature: A cycle killed at any step finishes as if it had never been interrupted
  The process running a cycle can die at any moment: a worker's machine restarts, someone kills it. Every
  step commits its writes in one transaction and adds only what is missing, so running the cycle again
  finishes it with no submission lost and nothing recorded twice.

  @slow
  Scenario: A cycle killed at every step in turn, and rerun each time, ends as if uninterrupted
    Given a local area with a cycle ready to run, and an identical copy of it
    When the copy's cycle runs to the end without interruption
    And the cycle's process is killed at each step in turn, just before and just after the step commits, and rerun each time
    Then every run was killed where it was asked to be, and the last run finished
    And the samples, assignments, scorecards, results and actions equal the uninterrupted run's
    And nothing is recorded twice
