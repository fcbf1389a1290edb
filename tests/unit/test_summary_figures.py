"""The board summary's new figures: open cases by weeks waited (counts only, small numbers suppressed).

They are the board pack's (reports/board.py builds the tables; the summary reads their records)."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from audit.timeliness.ageing import ADVICE_BANDS, REQUEST_BANDS, open_case_ageing
from reports.board import open_case_tables
from reports.summary import OPEN_ROWS
from tests.unit.test_timeliness_statutory import register


def open_cases(plans, as_of: date, threshold: int) -> dict:
    """The summary's `open_cases` as summary_from_pack reads it from the pack's tables."""
    data = SimpleNamespace(open_cases=tuple(open_case_ageing(plans, as_of)))
    tables = {t["key"]: t for t in open_case_tables(data, {"measures": None}, threshold)}

    def rows(key: str, part: str) -> list[dict]:
        return [{f: r["record"].get(f) for f in OPEN_ROWS[part]} for r in tables[key]["rows"]] if key in tables else []

    return {"request_bands": [w for _, _, w in REQUEST_BANDS], "advice_bands": [w for _, _, w in ADVICE_BANDS],
            "requests": rows("open_requests", "requests"), "advice": rows("open_advice", "advice")}

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


def test_the_board_is_told_what_a_cap_lowered_with_small_numbers_hidden():
    from reports.board import capped

    rule = ["if section B or F is Inadequate or worse, the plan is at most Requires Improvement"]
    seven = capped({"plans_graded": 40, "lowered": 7, "rules": rule,
                    "moves": [{"from": "Good", "to": "Requires Improvement", "plans": 7}]}, 5)
    assert seven["sentence"].startswith("A limiting rule (cap) lowered 7 of 40 graded plans: 7 from Good to "
                                        "Requires Improvement.")
    three = capped({"plans_graded": 40, "lowered": 3, "rules": rule,
                    "moves": [{"from": "Good", "to": "Requires Improvement", "plans": 3}]}, 5)
    assert three["lowered"] == "<5" and three["moves"] == [] and "lowered <5 of 40 graded plans." in three["sentence"]
    mixed = capped({"plans_graded": 40, "lowered": 9, "rules": rule,
                    "moves": [{"from": "Good", "to": "Requires Improvement", "plans": 6},
                              {"from": "Outstanding", "to": "Requires Improvement", "plans": 3}]}, 5)
    assert mixed["moves"] == [] and "lowered 9 of 40 graded plans." in mixed["sentence"]  # 3 could be worked out
    assert capped({"plans_graded": 4, "lowered": 0, "rules": rule, "moves": []}, 5)["sentence"] == (
        "No plan's grade was lowered by a limiting rule (cap).")
