Feature: Every page works for everyone, and a problem is explained on the service's own page
  QA leads, auditors from every agency, moderators, board members and admins use the service. Whatever
  is in the store, from nothing at all to cycles in every state, no page, download or API answer they can
  reach fails; an address that does not exist, a page their role does not open, and a fault in the service
  each show the service's own page, and a fault gives a reference the support team can find in the log.

  Scenario Outline: Everything a role can reach works on a store with a cycle in every state
    Given a local area with a scored cycle, a cycle closed early, an open cycle and a calibration exercise
    When the <role> follows every link, download and API address they can reach
    Then nothing they reached failed with a server error
    And every refusal they met was the service's own page or the API's problem

    Examples:
      | role                       |
      | QA lead                    |
      | moderator                  |
      | board member               |
      | education auditor          |
      | parent carer forum auditor |
      | admin                      |
      | SEND strategic lead        |

  Scenario: Every command answers every role in sentences
    Given a local area with a scored cycle, a cycle closed early, an open cycle and a calibration exercise
    When every command is run as the operator and as every role, with and without its arguments
    Then no command showed a traceback

  Scenario: A new service, before anything is imported, shows empty lists
    Given a new service where only the accounts exist
    When the board member follows every link, download and API address they can reach
    Then nothing they reached failed with a server error
    And they saw "Audit results" with no cycle to open

  Scenario: A wrong address, a page the role does not open, and a fault
    Given a local area with a scored cycle, a cycle closed early, an open cycle and a calibration exercise
    And the board member is signed in
    When they open "/results/987654"
    Then they see the service's "Page not found" page
    When they open "/cycles"
    Then they see the service's "You do not have permission" page
    When the results page fails while they open it
    Then they see the service's "Sorry, there is a problem with the service" page with a reference
    And the server log has that reference with the error's traceback
