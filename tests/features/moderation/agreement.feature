Feature: Agreement a QA lead can rely on
  Agreement between first and second markers is reported from the randomly chosen plans, with the plans
  chosen by rule beside it; every interval resamples plans, not sections; figures are said in words.

  Scenario: the randomly chosen plans are the headline and the extremes are shown beside them
    Given 30 randomly chosen plans marked on everyday grades with one-grade slips
    And 20 plans chosen by rule because they were graded Inadequate or Outstanding
    When the QA lead reads the agreement statistics
    Then the first row is "Randomly chosen plans (the headline)" with 30 plans
    And the second row is "Plans chosen by rule (extremes, one per auditor)" with 20 plans
    And alpha on all the plans is higher than on the randomly chosen plans alone

  Scenario: a perfect score still has an honest interval
    Given 8 randomly chosen plans where both markers gave every section the same grade
    When the QA lead reads the agreement statistics
    Then the headline says "Markers gave the same grade in 100% of"
    And the same-grade interval reaches below 80%
    And no coefficient has an interval from 1.0 to 1.0

  Scenario: four plans are too few for a coefficient, however many sections they have
    Given 4 randomly chosen plans of 10 sections each
    When the QA lead reads the agreement statistics
    Then the headline has no AC1, AC2 or alpha
    And its note says "too few for a coefficient"

  Scenario: a generous auditor stands out in words
    Given 30 randomly chosen plans where one auditor grades every section one grade higher than the other marker
    When the QA lead reads the agreement statistics
    Then that auditor's row says "graded 1.00 grade higher than the other marker on average (a clear difference"
