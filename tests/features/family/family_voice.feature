Feature: Family voice beside every audited plan
  As a QA lead
  I want each sampled plan's family, and the young person where old enough, to answer a short survey once
  So that what families think sits beside the audit grade, and where the two disagree is followed up

  Background:
    Given a cycle sampling these plans
      | plan_ref | year_group | grade                |
      | F-001    | 4          | Good                 |
      | F-002    | 9          | Outstanding          |
      | F-003    | 2          | Requires Improvement |
      | F-004    | 10         | Inadequate           |

  Scenario: The QA lead makes personal links for the cycle
    When the QA lead makes the cycle's survey links into "links.csv"
    Then "links.csv" has a family link for every plan and a young person's link for "F-002" and "F-004" only
    And every link's token has at least 128 bits and the store holds only its hash
    And making the links again adds none

  Scenario: Links are not stored when their file cannot be written
    When the QA lead names a folder instead of a file for the cycle's survey links
    Then they are told to name a .csv file
    And no survey link is stored, so making the links into "links.csv" still makes them all

  Scenario: A link is emailed where the upload gives the family's address, and nowhere else
    Given an address file "emails.csv" with these rows
      | Plan reference | Email address            |
      | F-001          | parent.one@example.org   |
      | F-003          | parent.three@example.org |
    When the QA lead makes the cycle's survey links into "links.csv", emailing the addresses in "emails.csv"
    Then 2 emails are sent, each to its own address with that plan's family link and code, and no plan reference
    And no address is kept in the store or in "links.csv"

  Scenario: An address file with mistakes sends nothing and makes no link
    Given an address file "bad-emails.csv" with these rows
      | Plan reference | Email address          | Audience     |
      | F-999          | someone@example.org    |              |
      | F-001          | not an address         |              |
      | F-002          | yp@example.org         | Grandparent  |
      | F-003          | a@example.org          |              |
      | F-003          | b@example.org          | family       |
    When the QA lead makes the cycle's survey links into "links.csv", emailing the addresses in "bad-emails.csv"
    Then the links are refused with these problems
      | row | column         | message                                          |
      | 2   | Plan reference | 'F-999' is not a plan sampled in cycle           |
      | 3   | Email address  | this is not an email address                     |
      | 4   | Audience       | 'Grandparent' is not whose link it is            |
      | 6   | Plan reference | plan F-003 has a second address for the parent   |
    And no email is sent and no survey link is stored

  Scenario: Printable letters carry the short address, the code and a QR code of the link
    When the QA lead makes the cycle's survey links into "links.csv" with letters "letters.pdf" and "letters.html"
    Then "letters.html" has one letter per link, each with its code, the short address and a QR code of its link
    And "letters.pdf" is a PDF

  Scenario: A parent answers with one error first, then submits once
    Given the QA lead has made the cycle's survey links
    When the parent of "F-001" opens their link
    Then they read what the survey is for, how answers are used and the consent statement, and nothing about the plan
    When they send their answers without answering "Overall, the plan is good for my child"
    Then the page shows 1 error, first in the summary, "Select an answer for: Overall, the plan is good for my child"
    And nothing is stored
    When they answer every statement with "Disagree" and write "The speech therapy in the plan has not started"
    Then they are thanked and the response is stored against plan "F-001" only
    And the same link is then refused

  Scenario: Guessed, altered, used and expired links are refused alike
    Given the QA lead has made the cycle's survey links
    And the parent of "F-003" has answered
    When someone opens a guessed link, an altered link, the used link and a link past its expiry
    Then each gets the same page with the same status and the same words
    And an address that keeps guessing is paused with that same page, even for a good link

  Scenario: A survey answer without the form's token, too long, or too large is refused and the link still works
    Given the QA lead has made the cycle's survey links
    When the parent of "F-002" sends answers without the form's CSRF token
    Then they are refused with status 403 and nothing is stored
    When the parent of "F-002" sends answers with a comment longer than the service accepts
    Then the page shows an error for the comment and nothing is stored
    When the parent of "F-002" sends a body larger than the service accepts
    Then they are refused with status 413 and nothing is stored
    And the link of "F-002" still opens the survey

  Scenario: Responses collected in Microsoft Forms are imported whole
    Given a survey export "forms.csv" with these rows
      | ID | Email     | Plan reference | The plan describes my child as they really are | Overall, the plan is good for my child | Is there anything else you would like to tell us about the plan? |
      | 1  | anonymous | F-001          | Agree                                          | strongly disagree                      | Nobody has called us back                                        |
      | 2  | anonymous | F-003          | 4                                              | 5                                      |                                                                  |
    When the QA lead imports "forms.csv" for the cycle
    Then 2 responses are stored from the import, "F-001" rated 1 overall and "F-003" rated 5

  Scenario: An export with mistakes is refused whole
    Given a survey export "bad.csv" with these rows
      | Plan reference | Overall, the plan is good for my child |
      | F-001          | Agree                                  |
      | F-999          | 3                                      |
      | F-002          | Quite good                             |
      | F-001          | 2                                      |
    When the QA lead imports "bad.csv" for the cycle
    Then the import is refused with these problems
      | row | column                                 | message                                          |
      | 3   | Plan reference                         | 'F-999' is not a plan sampled in cycle           |
      | 4   | Overall, the plan is good for my child | 'Quite good' is not an answer on the scale       |
      | 5   | Plan reference                         | plan F-001 is answered again (first on row 2)    |
    And no response is stored

  Scenario: The report puts the family view beside the grade and lists disagreements
    Given the QA lead has made the cycle's survey links
    And these families have answered overall
      | plan_ref | overall | comment                                                   |
      | F-001    | 1       | Speech therapy never started and nobody listened to us     |
      | F-002    | 5       | Brilliant school and speech therapy is weekly              |
      | F-003    | 3       |                                                           |
      | F-004    | 4       | Speech therapy is good now                                |
    When the QA lead asks for the family report as JSON
    Then the disagreements are
      | plan_ref | grade       | family            | direction     |
      | F-001    | Good        | Strongly disagree | audit_higher  |
      | F-004    | Inadequate  | Agree             | family_higher |
    And plan "F-003" shows grade "Requires Improvement" beside the family's "Neither agree nor disagree"
    And the themes include "speech therapy" from 3 responses
    And the family response rate is 4 of 4
    And the QA lead's family voice page lists "F-001" and "F-004" as disagreements
    And the parent carer forum auditor's family voice page shows the tables and themes but no plan reference

  Scenario: The board pack and the results page carry the family voice, small numbers suppressed
    Given the QA lead has made the cycle's survey links
    And these families have answered overall
      | plan_ref | overall | comment                                               |
      | F-001    | 1       | Speech therapy never started and nobody listened to us |
      | F-002    | 5       | Brilliant school and speech therapy is weekly          |
      | F-003    | 3       |                                                       |
      | F-004    | 4       | Speech therapy is good now                            |
    When the board pack of the cycle is built for publication
    Then its "Family voice" section shows the response rate "100.0%" of 6 links made and 4 answers
    And each grade's row beside the family's view shows "<2", one plan each being too few to show
    And the disagreements show "<2" each way, not 1
    And the cover says what families said: the response rate, the view beside the grades, the disagreements and "speech therapy" (3)
    And no plan reference is in the pack
    When the internal board pack of the cycle is built
    Then the disagreements show 1 each way
    And the board's results page for the cycle shows the family voice as the pack does

  Scenario: The parent carer forum auditor grades the family's voice and co-production in sections A and E
    When the cycle is assigned to an area with a parent carer forum auditor
    Then the forum auditor's piece of each plan is "A (Parent carer forum's part), E (Parent carer forum's part)"
    When the parent carer forum auditor signs in and opens their first plan
    Then their scorecard shows "A4", "A5" and "E4" and no criterion of the SEN team's part
    When they submit it with "A4" left ungraded
    Then the page shows 1 error, for "A4", and nothing is submitted
    When they submit it graded Good throughout
    Then the scorecard is submitted and the plan's A and E results keep the forum's part beside the SEN team's

  Scenario: A cycle that surveyed no family has no family voice in its board pack
    When the board pack of the cycle is built for publication
    Then the pack has no "Family voice" section and its cover says nothing of families
