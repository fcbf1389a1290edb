Feature: Comparing areas across a region
  As a regional SEND lead
  I want every area's audit grades, timeliness and marker agreement side by side
  So that I can see where quality and timeliness differ and which figures are too small to read

  Background:
    Given a region of three areas, each with a scored and second-marked audit cycle

  Scenario: Each area appears with its plan grades and timeliness
    When the regional lead compares the areas
    Then every area is listed with its latest cycle
    And each area's plan grades match what that area's own results say
    And each timeliness measure has a row per area with its definition given once

  Scenario: A small area's figures are suppressed, not shown
    When the regional lead compares the areas
    Then the small area's plan grades show "<5" and no percentage
    And no table in any format shows the small area's hidden counts

  Scenario: Agreement between markers is compared
    When the regional lead compares the areas
    Then each area with double-marked plans shows its exact agreement and Gwet's AC1
