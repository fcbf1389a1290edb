Feature: Timeliness against the statutory clock
  A QA lead reports how much of the EHC plan register met its statutory deadlines in the 12 months
  to a date, each figure with its definition, overall and per team, the way the DfE counts the 20 weeks.

  Background:
    Given the register as at 31 December 2024 holds these plans:
      | plan | team  | request_date | final_issued_date | timescale_exception | health_advice_requested | health_advice_received |
      | P1   | North | 2024-01-01   | 2024-05-20        | no                  | 2024-02-01              | 2024-03-14             |
      | P2   | North | 2024-01-01   | 2024-05-21        | no                  | 2024-02-01              | 2024-03-15             |
      | P3   | North | 2024-02-01   | 2024-09-01        | yes                 | 2024-11-01              |                        |
      | P4   | South | 2024-03-01   | 2024-06-01        | no                  |                         |                        |
      | P5   | South | 2023-06-01   | 2023-12-31        | no                  |                         |                        |

  Scenario: the 20-week figure is shown with and without exception cases
    When the QA lead computes timeliness for the 12 months to 31 December 2024
    Then "Final plan issued within 20 weeks (including exception cases)" is 2 of 4, shown as "50.0%"
    And "Final plan issued within 20 weeks (excluding exception cases)" is 2 of 3, shown as "66.7%"
    And "Exception cases issued (of which within 20 weeks)" is 0 of 1, shown as "0.0%"
    And every figure states its definition and the period 1 January 2024 to 31 December 2024

  Scenario: a plan issued on day 140 is on time and one issued on day 141 is late
    When the QA lead computes timeliness for the 12 months to 31 December 2024 by team
    Then "Final plan issued within 20 weeks (including exception cases)" for team North is 1 of 3, shown as "33.3%"

  Scenario: a team with no advice requests shows no data
    When the QA lead computes timeliness for the 12 months to 31 December 2024 by team
    Then "Health advice received within 6 weeks (including exception cases)" for team North is 1 of 3, shown as "33.3%"
    And "Health advice received within 6 weeks (including exception cases)" for team South is 0 of 0, shown as "no data"
    And the JSON for team South's health advice has no percentage

  Scenario: advice still awaited is only late once the six weeks have passed
    # P3's health advice was requested on 1 November: due by 13 December, late from 14 December.
    When the QA lead computes timeliness for the 12 months to 13 December 2024
    Then "Health advice received within 6 weeks (including exception cases)" is 1 of 2, shown as "50.0%"
    When the QA lead computes timeliness for the 12 months to 14 December 2024
    Then "Health advice received within 6 weeks (including exception cases)" is 1 of 3, shown as "33.3%"

  Scenario: a review held exactly 12 months ago is still in date, including from a leap day
    Given an active plan in team East issued on 1 May 2022 last reviewed on 29 February 2024
    When the QA lead computes timeliness for the 12 months to 28 February 2025 by team
    Then "Annual review held within the last 12 months" for team East is 1 of 1, shown as "100.0%"
    When the QA lead computes timeliness for the 12 months to 1 March 2025 by team
    Then "Annual review held within the last 12 months" for team East is 0 of 1, shown as "0.0%"
