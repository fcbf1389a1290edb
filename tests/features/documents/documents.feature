Feature: Plan documents and the offline text pre-check
  As a QA lead
  I want to load the area's EHC plan documents and check their text offline
  So that auditors read each section beside its criteria, with suggestions they confirm or dismiss,
  and a file the tool cannot trust is turned back by name with nothing stored.

  Scenario: A QA lead imports a ZIP of plan documents in several template styles
    Given the register holds 4 synthetic plans written in every template style
    And the documents are in a ZIP "plans.zip"
    When the QA lead imports "plans.zip"
    Then 4 documents are stored, each matched to its plan with sections A to K
    And each original is kept, so a re-split finds the same sections
    And the pre-check's flags are stored with each document

  Scenario Outline: A bad input is refused with the file named and nothing stored
    Given the register holds 4 synthetic plans written in every template style
    And a <kind> beside them
    When the QA lead imports every file
    Then the import is refused naming "<file>" with "<message>"
    And no plan document is stored

    Examples:
      | kind                | file          | message                                        |
      | image-only PDF      | scan.pdf      | this PDF has no text layer; scan-to-text is not done |
      | encrypted PDF       | locked.pdf    | encrypted                                      |
      | macro-enabled .docm | plan.docm     | .docm                                          |
      | ZIP bomb            | bomb.zip      | ZIP bomb                                       |
      | ZIP entry ../x      | escape.zip    | points outside the ZIP                         |
      | unmatched reference | NOPLAN-1.docx | no plan in the TEST register matches it        |
      | headingless document| notes.docx    | no recognisable section headings               |

  Scenario: The pre-check prints flags as JSON, and never the same vague word inside a quantified sentence
    Given a plan document "plan.docx" whose section F reads
      | provision                                                                                          |
      | Access to speech and language therapy.                                                             |
      | A regular weekly 45-minute session with the specialist teacher to teach reading and spelling.      |
    When the pre-check runs on "plan.docx" with --format json
    Then it prints a flag of rule "f-unquantified" in section "F" quoting "Access to speech and language therapy."
    And no flag quotes "A regular weekly 45-minute session"
    And every flag has a plan, a rule id, a section letter, a quote and an explanation

  Scenario: Only the plan's assigned auditor reads its document; every view is in the trail
    Given the register holds 4 synthetic plans written in every template style
    And the documents are in a ZIP "plans.zip"
    And the QA lead has imported "plans.zip"
    And auditor "ED-1" is assigned the first plan and auditor "ED-2" another plan
    When auditor "ED-1" opens the first plan's document
    Then the auditor sees section F's text and the pre-check's flags
    And the audit trail records that "ed-1" viewed the document
    When auditor "ED-2" opens the first plan's document
    Then the document is not found for "ED-2"
    When auditor "ED-1" confirms one flag and dismisses another with the reason "Quantified in the annex"
    Then the rule precision counts 1 confirmed and 1 dismissed

  Scenario: A parent carer forum auditor sees the text with officers' names removed
    Given the register holds 4 synthetic plans written in every template style
    And the first plan's document names its case officer "Case officer: Jo Bloggs"
    And the QA lead has imported every file
    And parent carer auditor "PC-1" is assigned the first plan
    When parent carer auditor "PC-1" opens the first plan's document
    Then the text shows "Case officer: [name removed]" and not "Jo Bloggs"
