Feature: Backups restore to the same store
  The engineer backs the audit store up every night (pg_dump on PostgreSQL; SQLite's online backup for a small
  area) and can restore a backup into an empty database and get the same results.

  Scenario: A backup restored into an empty database gives identical results
    Given a store with a scored audit cycle
    When the engineer backs it up and restores the backup into an empty database
    Then every table of the restored store equals the original, row for row
    And the restored store is at the latest schema and gives the same cycle results
