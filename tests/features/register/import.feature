Feature: Importing the area's EHC plan register
  As a QA lead
  I want to load the area's plan register from a spreadsheet
  So that audit samples are drawn from the plans we actually hold,
  and a file with mistakes is turned back whole with every mistake listed.

  Scenario: A QA lead imports the area's register
    Given a register file "register.csv" with these plans
      | plan_ref | team  | phase     | year_group | primary_need | setting_type       | status | case_officer | request_date |
      | P-001    | North | primary   | 4          | ASD          | Mainstream primary | active | CO-01        | 2024-01-08   |
      | P-002    | South | secondary | 9          | semh         | Special school     | Active | CO-02        | 15/03/2024   |
      | P-003    | East  | post_16   | 12         | SLCN         | FE college         | active | CO-03        | 2023-11-30   |
    When the QA lead imports "register.csv"
    Then the import reports 3 rows: 3 created, 0 updated, 0 unchanged
    And plan "P-002" is stored with primary need "SEMH", status "active" and request date 2024-03-15

  Scenario: A register with a bad date and an unknown need code is rejected whole
    Given the area already holds plan "P-001"
    And a register file "bad.csv" with these plans
      | plan_ref | team  | phase   | year_group | primary_need | setting_type | status | case_officer | request_date |
      | P-001    | West  | primary | 4          | ASD          | Mainstream   | active | CO-01        | 2024-01-08   |
      | P-004    | North | primary | 5          | Autism       | Mainstream   | active | CO-01        | 31/02/2024   |
      | P-005    | North | primary | 5          | MLD          | Mainstream   | active | CO-01        | 2024-13-01   |
    When the QA lead imports "bad.csv"
    Then the file is rejected with these problems
      | row | column       | message                            |
      | 3   | primary_need | 'Autism' is not a primary need code |
      | 3   | request_date | '31/02/2024' is not a date          |
      | 4   | request_date | '2024-13-01' is not a date          |
    And the area still holds 1 plan, with plan "P-001" in team "North"

  Scenario: A case-management export imports through a mapping file
    Given a mapping file "mapping.yaml"
      """
      columns:
        "EHCP Ref": plan_ref
        "Primary Need": primary_need
        "Key Stage": phase
        "Locality": team
        "NC Year": year_group
        "Placement": setting_type
        "Plan Status": status
        "Caseworker": case_officer
        "Date of Request": request_date
      values:
        primary_need:
          "Autistic Spectrum Disorder": ASD
          "Speech, Language and Communication Needs": SLCN
        phase:
          "Key Stage 2": primary
        status:
          "Open": active
      """
    And a register file "export.csv" with these plans
      | EHCP Ref | Primary Need                             | Key Stage   | Locality | NC Year | Placement  | Plan Status | Caseworker | Date of Request | Case notes |
      | E-1      | Autistic Spectrum Disorder               | Key Stage 2 | North    | 3       | Mainstream | Open        | CW-1       | 02/09/2024      | chase EP   |
      | E-2      | speech, language and communication needs | key stage 2 | South    | 6       | Mainstream | Open        | CW-2       | 09/09/2024      |            |
    When the QA lead imports "export.csv" with the mapping "mapping.yaml"
    Then the import reports 2 rows: 2 created, 0 updated, 0 unchanged
    And the import warns that column "Case notes" was ignored
    And plan "E-2" is stored with primary need "SLCN", status "active" and request date 2024-09-09

  Scenario: Re-importing updates plans by reference
    Given the area already holds plan "P-001"
    And a register file "again.csv" with these plans
      | plan_ref | team  | phase   | year_group | primary_need | setting_type | status | case_officer | request_date |
      | P-001    | North | primary | 4          | ASD          | Mainstream   | ceased | CO-01        | 2024-01-08   |
      | P-009    | South | primary | 2          | HI           | Mainstream   | active | CO-02        | 2024-06-01   |
    When the QA lead imports "again.csv"
    Then the import reports 2 rows: 1 created, 1 updated, 0 unchanged
    And plan "P-001" is stored with primary need "ASD", status "ceased" and request date 2024-01-08

  Scenario: A register saved as UTF-16 gets one message about the encoding
    Given a register file "unicode.csv" saved as UTF-16 with these plans
      | plan_ref | team  | phase   | year_group | primary_need | setting_type       | status | case_officer | request_date |
      | P-001    | North | primary | 4          | ASD          | Mainstream primary | active | CO-01        | 2024-01-08   |
    When the QA lead imports "unicode.csv"
    Then the file is rejected with one problem: "the file is UTF-16 text, not UTF-8"
    And the fix is to save it as "CSV UTF-8"
    And the store is exactly as it was before the import

  Scenario: A register with a column given twice is rejected, not read with one copy winning
    Given a register file "twice.csv" with these plans
      | plan_ref | team  | phase   | year_group | primary_need | setting_type | status | case_officer | request_date | team  |
      | P-001    | North | primary | 4          | ASD          | Mainstream   | active | CO-01        | 2024-01-08   | South |
    When the QA lead imports "twice.csv"
    Then the file is rejected with these problems
      | row | column | message                                           |
      | 1   | team   | the column 'team' appears twice (columns B and J) |
    And the store is exactly as it was before the import

  Scenario: An auditors file with a path where a code belongs is rejected
    Given an auditors file "auditors.csv" with these auditors
      | code      | agency    |
      | AUD-HE-01 | health    |
      | ../../x   | health    |
      | aud-ed-01 | education |
    When the QA lead imports the auditors file "auditors.csv"
    Then the file is rejected with these problems
      | row | column | message                                                       |
      | 3   | code   | '../../x' is not an auditor code                              |
      | 4   | code   | 'aud-ed-01' is not an auditor code: codes are written in capitals |
    And the fix on row 3 is to use "capital letters and digits, in groups joined by single hyphens"
    And the fix on row 4 is to write it as "'AUD-ED-01'"
    And the store is exactly as it was before the import
