Feature: Every statutory clock, from both sides of a transfer
  A QA lead reports every duty in the SEND Regulations 2014 that the register can time: the area's own
  duties when a child moves away or moves in, notices not to issue, amended plans after a review, moves
  between colleges, assessments the area started itself, and the requests still waiting for a plan.

  Scenario: a plan sent to the new area over the August bank holiday
    # Told on Wednesday 20 August 2025 of a move on 1 September: less than 15 working days' notice, so the
    # plan is due on the 15th working day, counting over Monday 25 August, a bank holiday: 10 September.
    Given these children moved away:
      | plan | aware      | moved      | sent       |
      | OUT1 | 2025-08-20 | 2025-09-01 | 2025-09-10 |
      | OUT2 | 2025-08-20 | 2025-09-01 | 2025-09-11 |
      | OUT3 | 2025-04-01 | 2025-09-01 | 2025-09-01 |
    When the QA lead computes timeliness for the 12 months to 31 December 2025
    Then "Transfers out: plan sent to the new area in time (this area's duty)" is 2 of 3

  Scenario: a plan that moved in: the old area's duty and this area's own
    Given these children moved in:
      | plan | old area aware | received   | family told | last review | reviewed   |
      | IN1  | 2025-01-06     | 2025-01-20 | 2025-03-03  | 2024-06-10  | 2025-06-09 |
      | IN2  | 2025-01-06     | 2025-02-10 | 2025-03-25  | 2024-01-15  | 2025-05-12 |
    When the QA lead computes timeliness for the 12 months to 31 December 2025
    Then "Transfers in: plan received from the old area in time (the old area's duty)" is 1 of 2
    And "Transfers in: family told within 6 weeks (this area's duty)" is 1 of 2
    And "Transfers in: plan reviewed in time (this area's duty)" is 1 of 2
    And the definition of "Transfers in: plan received from the old area in time (the old area's duty)" says "not this area's"

  Scenario: an assessment the area started itself is timed from the day it started, not counted as not met
    Given the area started an assessment itself on 1 February 2024 and issued the plan on 20 June 2024
    When the QA lead computes timeliness for the 12 months to 31 December 2024
    Then "Final plan issued within 20 weeks (including exception cases)" is 1 of 1

  Scenario: a re-issued plan does not count again in a later year
    Given a plan requested on 1 January 2024, first issued on 1 May 2024 and amended after its review on 1 May 2025
    When the QA lead computes timeliness for the 12 months to 31 December 2025
    Then "Final plan issued within 20 weeks (including exception cases)" is 0 of 0
    And "Amended plan issued within 8 weeks of the amendment notice" is 1 of 1

  Scenario: health advice late for a lawful reason is shown with and without it
    Given health advice requested on 3 March 2025 arrived on 14 April 2025 for one plan and on 1 May 2025 for two, one of them an exception
    When the QA lead computes timeliness for the 12 months to 31 December 2025
    Then "Health advice received within 6 weeks (including exception cases)" is 1 of 3
    And "Health advice received within 6 weeks (excluding exception cases)" is 1 of 2
    And "Health advice received within 6 weeks: exception cases (of which in time)" is 0 of 1

  Scenario: requests still waiting for a plan are listed once past 20 weeks
    Given requests with no plan yet made 140, 141 and 400 days before 30 June 2025
    When the QA lead looks at the cases still open on 30 June 2025
    Then 3 requests are open and 2 are past 20 weeks
    And the list starts with the request waiting 57 weeks 1 day
