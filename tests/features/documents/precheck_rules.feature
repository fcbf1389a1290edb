Feature: The QA lead switches pre-check rules on and off for the area
  As a QA lead
  I want to switch off a pre-check rule that does not suit our plan template, seeing how often auditors confirmed it
  So that auditors are not asked about flags that are nearly always wrong, and the change is on record.

  Background:
    Given the QA lead is signed in and the register holds plans

  Scenario: A rule switched off no longer runs on documents imported afterwards, and can be switched on again
    When the QA lead switches off the rule "f-unquantified" on the rules page
    Then the rules page shows the rule "f-unquantified" as "Switched off"
    And the audit trail names the QA lead for the change
    When the QA lead uploads a ZIP of 3 plan documents for plans in the register
    Then no flag of rule "f-unquantified" is stored
    And flags of other rules are stored
    When the QA lead switches on the rule "f-unquantified" on the rules page
    Then the rules page shows the rule "f-unquantified" as "Runs"

  Scenario: A rule the service's settings switch off cannot be switched on from the web
    Given the service's settings switch off the rule "a-no-child-voice"
    Then the rules page shows the rule "a-no-child-voice" as "Switched off by the service's settings"
    And the rules page offers no button for "a-no-child-voice"

  Scenario: A rule that does not exist, or no choice, is refused
    When the QA lead posts "yes" for the rule "no-such-rule"
    Then the answer is 404
    When the QA lead posts "maybe" for the rule "f-unquantified"
    Then the answer is 400 with "Choose whether the rule runs" in the error summary
