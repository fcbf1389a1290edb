Feature: Signing in safely and seeing only what your role allows
  Children's plans are behind the sign-in: guessing passwords is slowed down, sessions end, and a
  parent carer forum auditor sees pseudonymised plans without officers' codes.

  Background:
    Given the web app with a demo account for every role

  Scenario: Repeated wrong passwords pause signing in to that account
    When someone enters a wrong password for "demo-qa-lead" 5 times
    Then signing in as "demo-qa-lead" with the right password is refused with "too many failed attempts"
    And signing in as "demo-board-member" with the right password works
    When 16 minutes pass
    Then signing in as "demo-qa-lead" with the right password works

  Scenario: A username that does not exist is paused the same way, so nobody learns which names exist
    When someone enters a wrong password for "no-such-person" 5 times
    Then signing in as "no-such-person" with any password is refused with "too many failed attempts"
    And a wrong password for "demo-qa-lead" and for "nobody-at-all" get the same message

  Scenario: Many failures from one address pause that address
    When someone at 203.0.113.9 enters wrong passwords for 20 different usernames
    Then signing in as "demo-board-member" from 203.0.113.9 is refused with "too many failed attempts"
    But signing in as "demo-board-member" from 198.51.100.7 works

  Scenario: Sign out everywhere ends the account's sessions on other devices and its API tokens
    Given "demo-board-member" is signed in on a laptop and on a phone and has an API token
    When they choose "Sign out everywhere" on the phone
    Then the laptop is sent to sign in with "signed out on every device"
    And their API token no longer works

  Scenario: Signing out ends the session on the server, so a copy of its cookie is refused
    Given "demo-board-member" is signed in on a laptop
    And someone has copied the laptop's session cookie
    When they choose "Sign out" on the laptop
    Then the copied cookie is sent to sign in with "You were signed out"
    And the copied cookie gets no answer from the API

  Scenario: A session ends after a while without use, and after the absolute limit
    Given "demo-board-member" is signed in on a laptop
    When 31 minutes pass
    Then the laptop is sent to sign in with "had not used the service for 30 minutes"
    Given "demo-board-member" is signed in on a laptop
    When they keep using it every 20 minutes for 9 hours
    Then the laptop is sent to sign in with "reached its limit of 8 hours"

  Scenario: A parent carer forum auditor sees the plan without officers' codes
    Given a plan assigned to the parent carer forum auditor
    When they open every page and API response they can reach about it
    Then no case officer or advice author code of the plan appears
    But an auditor from a service sees the plan's case officer on the same page
