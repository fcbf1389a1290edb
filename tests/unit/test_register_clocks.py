"""The register columns of issue 22: stored typed, optional (old registers still import), mapped from an export's
own headings and words, and every impossible combination refused at its row and column with the fix."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from audit.errors import InputRejected
from audit.register.clock_checks import CLOCK_COLUMNS
from audit.register.frames import plans_frame
from audit.register.plans import REGISTER_COLUMNS, import_register, read_register
from audit.store.models import Plan
from tests.unit.test_register import plan_row, write_csv

NEW = {
    "area_started_date": "", "decision_to_assess_outcome": "assess", "decision_to_assess_exception": "yes",
    "education_advice_exception": "no", "health_advice_exception": "y", "social_care_advice_exception": "",
    "educational_psychology_advice_exception": "No", "decision_not_to_issue_date": "",
    "last_review_meeting_date": "2025-03-01",
    "amendment_notice_date": "2025-03-20", "amendment_issued_date": "14/05/2025", "post_16_move": "no",
    "transfer_in_move_date": "", "transfer_in_family_told_date": "", "transfer_in_previous_review_date": "",
    "transfer_in_review_date": "", "transfer_out_notified_date": "2025-06-02", "transfer_out_move_date": "2025-09-01",
    "transfer_out_sent_date": "2025-09-01",
}


def problems(path, mapping=None) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(InputRejected) as caught:
        read_register(path, mapping)
    return [(p.row, p.column, p.message) for p in caught.value.problems]


def test_every_new_column_is_a_register_column_the_plan_holds():
    assert set(CLOCK_COLUMNS) <= set(REGISTER_COLUMNS) <= set(Plan.model_fields)


def test_the_new_columns_are_stored_typed(session, area, tmp_path):
    path = write_csv(tmp_path / "r.csv", [plan_row("P-1", **NEW),
                                          plan_row("P-2", request_date="", area_started_date="2024-02-01",
                                                   decision_to_assess_outcome="Not assess")])
    import_register(session, area, path)
    stored = {p.plan_ref: p for p in session.exec(select(Plan))}
    one, two = stored["P-1"], stored["P-2"]
    assert (one.decision_to_assess_outcome, one.decision_to_assess_exception, one.health_advice_exception,
            one.social_care_advice_exception, one.post_16_move) == ("assess", True, True, False, False)
    assert (one.amendment_issued_date, one.transfer_out_sent_date) == (date(2025, 5, 14), date(2025, 9, 1))
    assert (two.request_date, two.area_started_date, two.decision_to_assess_outcome) == (
        None, date(2024, 2, 1), "not_assess")
    frame = plans_frame(session, area.id).set_index("plan_ref")
    assert frame.loc["P-1", "health_advice_exception"] and not frame.loc["P-2", "health_advice_exception"]
    assert str(frame["amendment_notice_date"].dtype) == "datetime64[ns]"


def test_an_old_register_without_them_imports_and_a_reimport_keeps_them(session, area, tmp_path):
    import_register(session, area, write_csv(tmp_path / "new.csv", [plan_row("P-1", **NEW)]))
    report = import_register(session, area, write_csv(tmp_path / "old.csv", [plan_row("P-1")]))
    stored = session.exec(select(Plan)).one()
    assert report.unchanged == 1 and stored.health_advice_exception and stored.amendment_notice_date


def test_a_plan_needs_a_request_date_or_an_area_start_date(tmp_path):
    found = problems(write_csv(tmp_path / "r.csv", [plan_row(request_date="", area_started_date="")]))
    assert [(row, column) for row, column, _ in found] == [(2, "request_date")]
    assert "area_started_date" in found[0][2]


@pytest.mark.parametrize(("changes", "column", "words"), [
    ({"request_date": "", "area_started_date": "2024-06-01"}, "final_issued_date", "before the area started"),
    ({"decision_not_to_issue_date": "2023-12-01"}, "decision_not_to_issue_date", "before the assessment started"),
    ({"last_review_meeting_date": "2024-05-01"}, "final_issued_date", "never a re-issue"),
    ({"amendment_notice_date": "2024-04-01"}, "final_issued_date", "never a re-issue"),
    ({"phase_transfer_amended_date": "2024-02-14"}, "final_issued_date", "never a re-issue"),
    ({"amendment_notice_date": "2025-03-20", "amendment_issued_date": "2025-03-19"}, "amendment_issued_date",
     "before the amendment notice"),
    ({"transfer_out_notified_date": "2025-06-02", "transfer_out_sent_date": "2025-06-01"}, "transfer_out_sent_date",
     "before this area became aware"),
    ({"transfer_in_received_date": "2025-06-02", "transfer_in_family_told_date": "2025-06-01"},
     "transfer_in_family_told_date", "before the plan was received"),
    ({"transfer_in_received_date": "2025-06-02", "transfer_in_review_date": "2025-05-01"}, "transfer_in_review_date",
     "before the plan was received"),
    ({"decision_to_assess_outcome": "maybe"}, "decision_to_assess_outcome", "not a decision whether to assess"),
    ({"health_advice_exception": "perhaps"}, "health_advice_exception", "not yes or no"),
])
def test_impossible_clock_dates_are_refused_at_their_row_and_column(tmp_path, changes, column, words):
    found = problems(write_csv(tmp_path / "r.csv", [plan_row(), plan_row("P-2", **changes)]))
    assert [(row, col) for row, col, _ in found] == [(3, column)], found
    assert words in found[0][2]


def test_a_re_issue_date_is_refused_with_where_the_date_belongs(tmp_path):
    with pytest.raises(InputRejected) as caught:
        read_register(write_csv(tmp_path / "r.csv", [plan_row(final_issued_date="2025-06-01",
                                                              last_review_meeting_date="2025-03-01")]))
    [problem] = caught.value.problems
    assert "first issued" in problem.message and "amendment_issued_date" in problem.fix


def test_an_export_maps_onto_the_new_columns(session, area, tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        'columns:\n  "Date LA became responsible": area_started_date\n  "Decision outcome": decision_to_assess_outcome\n'
        '  "Health advice exception": health_advice_exception\n'
        'values:\n  decision_to_assess_outcome:\n    "Agreed to assess": assess\n    "Refused": not_assess\n'
        '  health_advice_exception:\n    "Family abroad": "yes"\n', encoding="utf-8")
    row = plan_row("P-9", request_date="")
    row.update({"Date LA became responsible": "2024-02-01", "Decision outcome": "Refused",
                "Health advice exception": "Family abroad"})
    import_register(session, area, write_csv(tmp_path / "export.csv", [row]), mapping)
    stored = session.exec(select(Plan)).one()
    assert (stored.area_started_date, stored.decision_to_assess_outcome, stored.health_advice_exception) == (
        date(2024, 2, 1), "not_assess", True)
