"""Calibration: every auditor grades a reference plan; distance from the moderated reference per section."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.errors import InputRejected, NotFound
from audit.moderation.calibration import create_exercise, distance_by_auditor, distance_report, record_grades, set_reference
from audit.rubrics.loading import find_rubric
from audit.store.models import Auditor, Plan
from audit.vocabulary import Grade

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def exercise(session, area):
    session.add(Plan(area_id=area.id, plan_ref="REF-1", team="North", phase="primary", year_group="3",
                     primary_need="ASD", setting_type="mainstream", status="active", case_officer="CO-1"))
    auditors = [Auditor(area_id=area.id, code=c, agency="education") for c in ("ED-1", "ED-2", "ED-3")]
    session.add_all(auditors)
    session.flush()
    ex = create_exercise(session, area, find_rubric(ROOT / "rubrics", "whole-plan"), "REF-1", "Spring calibration")
    return session, ex, auditors


def test_distance_from_the_reference_per_section_and_auditor(exercise):
    session, ex, (a, b, c) = exercise
    record_grades(session, ex, a, {"B": Grade.GOOD, "F": Grade.REQUIRES_IMPROVEMENT})
    record_grades(session, ex, b, {"B": Grade.OUTSTANDING, "F": Grade.GOOD})
    record_grades(session, ex, c, {"B": Grade.GOOD, "F": Grade.INADEQUATE})
    set_reference(session, ex, "QA-LEAD", {"B": (Grade.GOOD, "Needs clear"), "F": (Grade.REQUIRES_IMPROVEMENT, "Not quantified")})
    report = distance_report(session, ex)
    f = report[report["section"] == "F"].set_index("auditor")["distance"].to_dict()
    assert f == {"ED-1": 0, "ED-2": 1, "ED-3": -1}
    per = distance_by_auditor(report).set_index("auditor")
    assert per.loc["ED-2", "mean_distance"] == 1.0 and per.loc["ED-1", "mean_abs_distance"] == 0.0


def test_regrading_replaces_and_bad_input_is_refused(exercise):
    session, ex, (a, _, _) = exercise
    record_grades(session, ex, a, {"B": Grade.GOOD})
    record_grades(session, ex, a, {"B": Grade.INADEQUATE})
    assert list(distance_report(session, ex)["grade"]) == ["Inadequate"]
    assert distance_report(session, ex)["distance"].isna().all()  # no reference yet: no distance, not 0
    with pytest.raises(InputRejected):
        record_grades(session, ex, a, {"Z": Grade.GOOD})
    with pytest.raises(InputRejected):
        set_reference(session, ex, "QA-LEAD", {"B": (Grade.GOOD, "")})
    with pytest.raises(NotFound):
        create_exercise(session, _area(session, ex), find_rubric(ROOT / "rubrics", "whole-plan"), "NOPE", "x")


def _area(session, ex):
    from audit.store.models import LocalArea
    return session.get(LocalArea, ex.area_id)
