Feature: The safeguarding route
  An auditor who sees a safeguarding concern while reviewing a plan flags it; the designated contact is told
  at once, outside the audit cycle, and the concern is recorded and followed up until it is closed.

  Scenario: An auditor flags a concern and the designated contact gets one email at once
    Given an auditor with a plan to review and a designated safeguarding contact
    When the auditor flags "Section B records a disclosure in March with no action since."
    Then the designated contact has received exactly one email naming the plan reference
    And the flag is recorded as open with the auditor's code and the concern
    And the board's outputs do not contain the concern

  Scenario: A failed email keeps the flag, shows the failure and is retried
    Given an auditor with a plan to review and a designated safeguarding contact whose mail server is down
    When the auditor flags "The child's address is recorded as a hostel with no review."
    Then the flag is recorded with its email marked failed
    When the mail server is back and the alerts are retried
    Then the designated contact has received exactly one email naming the plan reference

  Scenario: The QA lead follows a concern up and closes it
    Given an auditor with a plan to review and a designated safeguarding contact
    And the auditor has flagged "A sibling's safety is mentioned in section D."
    When the QA lead records "Discussed with the designated safeguarding lead." and closes it with "Referred to the MASH."
    Then the flag is closed with one follow-up note
    And no more notes can be added
