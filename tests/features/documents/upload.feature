Feature: The QA lead uploads plan documents in the browser
  As a QA lead
  I want to upload the plans exported from our case-management system in the browser
  So that auditors can read them beside the criteria without anyone running a command,
  and a file the tool cannot use is turned back by name, with its fix, and nothing stored.

  Background:
    Given the QA lead is signed in and the register holds plans

  Scenario: A ZIP of plan documents is matched to plans and split into sections
    When the QA lead uploads a ZIP of 3 plan documents for plans in the register
    Then the result page says which file matched which plan, with sections A to K
    And 3 plan documents are stored
    And the plan documents page lists each of them

  Scenario: A mapping file matches a document whose name holds no reference
    When the QA lead uploads "jo-smith-final.docx" for the second plan with a mapping file naming it
    Then the result page says "jo-smith-final.docx" matched the second plan

  Scenario: One unmatched document refuses the whole upload and the page says which files did match
    When the QA lead uploads 2 plan documents and "NOPLAN-9.docx" whose reference is in no plan
    Then the error summary names "NOPLAN-9.docx" with "no plan in the WEBTEST register matches it"
    And the page shows the other 2 files matched their plans
    And no plan document is stored

  Scenario Outline: A file the tool cannot use is refused by name and nothing is stored
    When the QA lead uploads "<file>" beside a good plan document
    Then the error summary names "<file>" with "<message>"
    And no plan document is stored

    Examples:
      | file        | message                                               |
      | notes.txt   | is not a plan document this tool reads                |
      | plan.docm   | macro-enabled Word documents (.docm) are not accepted |
      | scan.pdf    | this PDF has no text layer; scan-to-text is not done  |
      | escape.zip  | points outside the ZIP                                |
      | map.txt     | it must be a .csv file                                |

  Scenario: A file over the size limit is refused and nothing is stored
    Given the service accepts files of at most 5,000 bytes
    When the QA lead uploads a ZIP of 3 plan documents for plans in the register
    Then the error summary says the file is more than the 5,000 bytes allowed
    And no plan document is stored

  Scenario: Choosing no file is an error, and only QA leads may upload
    When the QA lead uploads nothing
    Then the error summary says "Choose the plan documents to upload"
    And an auditor cannot open the upload page
