"""The cover paper's pieces: the two-proportion test, the status line and the key-phrase counter (issue 19)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from reports.paper import status, two_proportion_p
from reports.themes import phrases, pseudonymise, themes


def test_two_proportion_test_tells_chance_from_a_real_change():
    assert two_proportion_p(12, 30, 10, 30) > 0.5  # 40% against 33%: well within chance
    assert two_proportion_p(60, 100, 30, 100) < 0.001  # 60% against 30% of 100 each: not chance
    assert two_proportion_p(0, 0, 3, 10) is None
    assert two_proportion_p(0, 10, 0, 10) == 1.0
    # scipy's own test of the same figures (a chi-squared test without continuity correction) agrees.
    from scipy.stats import chi2_contingency

    expected = chi2_contingency([[60, 40], [30, 70]], correction=False).pvalue
    assert two_proportion_p(60, 100, 30, 100) == pytest.approx(expected)


def progress(total, submitted):
    return SimpleNamespace(total=total, submitted=submitted)


def test_final_only_when_scored_or_closed_with_every_scorecard_in_and_every_plan_graded():
    assert status("scored", progress(10, 10), {"total": 10, "submitted": 10}, 0)["final"]
    assert status("closed", progress(10, 10), {"total": 10, "submitted": 10}, 0)["label"] == "Final"
    open_ = status("open", progress(10, 7), {"total": 10, "submitted": 7}, 2)
    assert not open_["final"]
    assert open_["banner"] == ("Provisional: the cycle is still open; 3 of 10 scorecards are outstanding; "
                               "2 plans are not yet fully graded. Figures may change.")
    closed_short = status("closed", progress(10, 9), {"total": 10, "submitted": 9}, "<5")
    assert closed_short["banner"].startswith("Provisional: 1 of 10 scorecard is outstanding; <5 plans")


def test_key_phrases_stay_inside_a_clause_and_skip_common_words():
    found = phrases("Partly met; more detail is needed for the setting.")
    assert "partly met" in found and "detail is needed" in found
    assert not any(p.startswith(("the ", "for ")) or p.endswith((" the", " for")) for p in found)
    assert "met more" not in found  # never across the semicolon


def test_themes_are_the_phrases_most_comments_hold_each_with_an_example():
    comments = ["Provision is not quantified.", "Provision is not quantified by hours.", "Provision quantified.",
                "Outcomes are not SMART.", "Outcomes are not SMART.", "Outcomes are not SMART.", "A one-off remark."]
    found = themes(comments, top=3)
    # Three comments hold "outcomes are not smart", two "provision is not quantified"; "provision quantified"
    # is in one only, and the shorter phrases inside a chosen one are not themes of their own.
    assert [(t.phrase, t.comments) for t in found] == [("outcomes are not smart", 3), ("provision is not quantified", 2)]
    assert found[1].example == "Provision is not quantified."


def test_comments_are_pseudonymised_before_they_are_shown():
    assert pseudonymise("See DEMO-0123 and CO-12, or mail jo@example.org") == (
        "See [reference] and [reference], or mail [e-mail address]")
