Feature: The area's own service, with the pages every public-sector service has
  A local area's EHC plan audit service may be built with GOV.UK Frontend but is not a GOV.UK service: it
  wears the area's name and logo, never the crown, the GOV.UK logotype or Crown copyright. Anyone, signed in
  or not, can read its accessibility statement, privacy notice, cookies page and help from every page.

  Scenario: The service carries the area's name, logo and links, and nothing of GOV.UK's
    Given the service is set up for "Northshire County Council" with its logo and a "Local offer" link
    When someone who is not signed in opens the sign-in page
    Then the header names "Northshire County Council" beside its logo
    And the footer links to the accessibility statement, privacy notice, cookies and help
    And the footer links to "Local offer"
    And the page shows no crown, no GOV.UK logotype, no Crown copyright and no link to gov.uk

  Scenario Outline: Every role's pages show the area's identity and link the statement and the notice
    Given a local area with a scored cycle, a cycle closed early, an open cycle and a calibration exercise
    When the <role> follows every link, download and API address they can reach
    Then every page they reached links to the accessibility statement and the privacy notice
    And no page they reached shows the crown, the GOV.UK logotype, Crown copyright or a link to gov.uk

    Examples:
      | role              |
      | board member      |
      | education auditor |
      | admin             |

  Scenario: The accessibility statement follows the model statement, with the area's contact details and known issues
    Given the service is set up for "Northshire County Council" with a known issue "The board pack spreadsheet has no chart descriptions"
    When someone who is not signed in opens "/accessibility"
    Then they see the headings "How accessible this service is", "Feedback and contact information", "Enforcement procedure", "Technical information about this service's accessibility", "Compliance status", "Non-accessible content", "What we're doing to improve accessibility" and "Preparation of this accessibility statement"
    And they see "The board pack spreadsheet has no chart descriptions"
    And they see the contact details "send-qa@northshire.example.org" and "01234 567890"
    And they see "Equality and Human Rights Commission"
    And they see "This statement was prepared on 4 December 2026."

  Scenario: An area in Northern Ireland names the Equality Commission for Northern Ireland
    Given the service is set up for "Northshire County Council" in Northern Ireland
    When someone who is not signed in opens "/accessibility"
    Then they see "Equality Commission for Northern Ireland"
    And they do not see "Equality and Human Rights Commission"

  Scenario: The cookies page lists the one cookie the service really sets
    Given the service is set up for "Northshire County Council" with its logo and a "Local offer" link
    When someone who is not signed in opens the sign-in page
    Then the only cookie set is the one the cookies page names

  Scenario: A footer link that could run script is refused when the service starts
    When the area sets a footer link to "javascript:alert(1)"
    Then the setting is refused, naming the link and how to write one
