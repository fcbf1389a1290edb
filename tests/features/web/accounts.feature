Feature: People get their accounts by email and look after their own passwords
  An admin invites a person by email instead of choosing a password and handing it over. The link in the
  email works once and expires; the person sets their own password with it. Anyone who forgets their
  password asks for a reset link; an admin can force a reset or switch an account off. An auditor's account
  is linked to an auditor chosen from the auditor list.

  Background:
    Given the service can send email through a local mail server
    And the admin is signed in

  Scenario: An admin invites an auditor chosen from the auditor list, who sets a password and signs in
    When the admin invites "new-auditor" at "new.auditor@example.org" as an auditor chosen from the list
    Then "new.auditor@example.org" receives an invitation with a link
    And the account cannot be signed in to yet
    When the person opens the link and sets the password "a-long-new-password"
    Then they can sign in as "new-auditor" with "a-long-new-password"
    And the account is linked to the auditor chosen from the list
    When the person opens the link again
    Then they see "This link has already been used"

  Scenario: An invitation link that has expired is refused
    When the admin invites "late-person" at "late@example.org" as a board member
    And 4 days pass
    And the person opens the link from the email
    Then they see "This link has expired"

  Scenario: The invitation form explains what is wrong and keeps what was typed
    When the admin invites "someone" at "not-an-email" as a board member
    Then they see the error "Enter an email address in the correct format, like name@example.org"
    And the form still shows "someone"
    And no email was sent

  Scenario: Without email set up, an invitation is refused and no account is added
    Given the service cannot send email
    When the admin invites "someone" at "someone@example.org" as a board member
    Then they see the error "Email is not set up, so no link can be sent"
    And there is no account "someone"

  Scenario: A person who forgot their password resets it by email
    Given "reset-me" was invited at "reset.me@example.org" and set the password "first-password-1"
    When someone asks for a reset link for "reset.me@example.org"
    Then "reset.me@example.org" receives a password reset email with a link
    When the person opens the link and types "second-password-2" and "second-password-3"
    Then they see the error "The passwords do not match"
    When the person opens the link and sets the password "second-password-2"
    Then they can sign in as "reset-me" with "second-password-2"
    And they cannot sign in as "reset-me" with "first-password-1"

  Scenario: Asking for a reset for an unknown account says the same and sends nothing
    When someone asks for a reset link for "nobody@example.org"
    Then they see "If an account matches"
    And no email was sent

  Scenario: An admin forces a reset: the old password stops working and a link is emailed
    Given "forced" was invited at "forced@example.org" and set the password "forced-password-1"
    When the admin forces a password reset for "forced"
    Then they cannot sign in as "forced" with "forced-password-1"
    And "forced@example.org" receives a password reset email with a link

  Scenario: A switched-off account's link is refused
    When the admin invites "leaver" at "leaver@example.org" as a board member
    And the admin switches off "leaver"
    And the person opens the link from the email
    Then they see "This account has been switched off"

  Scenario: A role changes only after the admin confirms what will change
    Given "changing" was invited at "changing@example.org" and set the password "changing-password-1"
    When the admin chooses "Moderator" on the role page of "changing"
    Then they see "Board member → Moderator"
    And "changing" is still a board member
    When the admin confirms the change
    Then "changing" is a moderator

  Scenario: A role change that needs an auditor says so and changes nothing
    Given "no-code" was invited at "no-code@example.org" and set the password "no-code-password-1"
    When the admin chooses "Auditor" on the role page of "no-code"
    Then they see the error "needs the auditor code it signs in as"
    And "no-code" is still a board member
