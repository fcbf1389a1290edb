Feature: Every role's home page says what needs their attention
  After signing in, each person lands on a home page made for their role: a QA lead sees the cycles in
  progress with what is outstanding and overdue, a moderator every cycle's moderation queue, an auditor the
  audits they still have to do, and board members and service leads the latest headline figures.

  Scenario: A QA lead sees what is outstanding and overdue in each cycle
    Given an open cycle where every scorecard is overdue
    When the QA lead signs in
    Then they land on their home page
    And it lists the cycle with every scorecard outstanding and overdue
    And every link on it opens a page of the service

  Scenario: A moderator reaches and settles a disagreement from their home page
    Given a cycle whose first and second markers disagree
    When the moderator signs in
    Then their menu has a link to moderation
    And their home page lists the cycle's moderation queue with 1 or more plans waiting
    When they follow the link to moderate the first plan and record an agreed grade with a reason
    Then the agreed grade is recorded

  Scenario: After submitting, an auditor is told how many are left and offered the next plan
    Given an auditor with 2 or more audits to do
    When the auditor opens their home page
    Then it lists each audit to do with its due date
    When they submit the first scorecard
    Then the confirmation says how many scorecards are left and links to the next plan

  Scenario: A board member sees the headline and the change since the last comparable cycle
    Given two scored cycles of the same rubric
    When the board member opens their home page
    Then it shows the share Good or better of the later cycle and the change since the earlier one
    And it offers the latest board summary to download

  Scenario: "Latest" means the cycle due last, on the results page and on the home page alike
    Given two scored cycles, the one created second due before the first
    When the board member opens their home page
    And they open the results page
    Then both pages name the cycle due last as the latest, not the one created last

  Scenario: A service lead sees their own service's headline only
    Given two scored cycles of the same rubric
    When the service lead opens their home page
    Then it shows their service's share Good or better and not the whole area's

  Scenario: A service lead whose account has no service is told why, not refused
    Given the service lead's account has no service set
    When the service lead opens their home page
    Then it says to ask an admin to set their service

  Scenario Outline: Every role's home and account pages link only to pages that exist
    When the <role> opens their home page and their account page
    Then every link on both opens a page of the service

    Examples:
      | role                       |
      | QA lead                    |
      | moderator                  |
      | board member               |
      | service lead               |
      | parent carer forum auditor |
      | admin                      |
      | SEND strategic lead        |

  Scenario: Signed out, the home page asks you to sign in
    When someone who is not signed in opens the home page
    Then they are sent to sign in
