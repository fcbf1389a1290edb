"""The board summary's new figures: open cases by weeks waited (counts only, small numbers suppressed)."""

from __future__ import annotations

from datetime import date, timedelta

from reports.summary import open_cases
from tests.unit.test_timeliness_statutory import register

AS_OF = date(2025, 6, 30)


def test_open_cases_in_the_board_summary_are_counts_suppressed_never_the_list():
    rows = [{"plan_ref": f"OPEN-{i}", "request_date": AS_OF - timedelta(days=d)}
            for i, d in enumerate([1, 2, 3, 4, 5, 6, 7, 50, 150])]
    figures = open_cases(register(*rows), AS_OF, 5)
    [requests] = figures["requests"]
    assert requests["open"] == 9 and requests["suppressed"]
    assert requests["band_0"] == 7  # seven requests within 6 weeks: shown
    assert requests["band_1"] == "<5" and requests["band_3"] == "<5"  # one each: hidden
    assert figures["request_bands"][3] == "over 20, up to 26 weeks"
    assert "OPEN-" not in str(figures)  # the board sees counts; the QA lead's list is `timeliness --open`
    assert [r["key"] for r in figures["advice"]] == ["advice_outstanding_education", "advice_outstanding_health",
                                                     "advice_outstanding_social_care",
                                                     "advice_outstanding_educational_psychology"]
