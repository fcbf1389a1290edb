"""Plan register import: reading CSV/XLSX, every rejection rule, re-import counts, mapping files."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from audit.errors import InputRejected
from audit.register.plans import (
    REGISTER_COLUMNS,
    REQUIRED_COLUMNS,
    import_register,
    read_register,
    write_register,
)
from audit.store.models import Plan


def plan_row(ref: str = "P-001", **changes: str) -> dict[str, str]:
    row = {
        "plan_ref": ref, "team": "North", "phase": "primary", "year_group": "4", "primary_need": "ASD",
        "setting_type": "Mainstream primary", "status": "active", "case_officer": "CO-01",
        "request_date": "2024-01-08", "final_issued_date": "2024-05-20", "timescale_exception": "no",
        "education_advice_requested": "2024-01-15", "education_advice_received": "2024-02-20",
        "education_advice_author": "ED-101",
    }  # fmt: skip
    row.update(changes)
    return row


def write_csv(path: Path, rows: list[dict], header: list[str] | None = None) -> Path:
    header = header or list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for r in rows:
            writer.writerow([r.get(h, "") for h in header])
    return path


def plans(session) -> dict[str, Plan]:
    return {p.plan_ref: p for p in session.exec(select(Plan))}


def rejected(path: Path, mapping: Path | None = None) -> list[tuple[int | None, str | None]]:
    with pytest.raises(InputRejected) as caught:
        read_register(path, mapping)
    return [(p.row, p.column) for p in caught.value.problems]


# --- good files -------------------------------------------------------------------------------------


def test_columns_cover_the_plan_model():
    assert set(REQUIRED_COLUMNS) <= set(REGISTER_COLUMNS)
    assert set(REGISTER_COLUMNS) <= set(Plan.model_fields)
    assert len(REGISTER_COLUMNS) == 49  # 25 + the optional clocks of issue 8 (6) and issue 22 (18)


def test_good_csv_is_stored_with_typed_values(session, area, tmp_path):
    path = write_csv(tmp_path / "register.csv", [
        plan_row("P-001"),
        plan_row("P-002", phase=" Post 16 ", year_group="12", primary_need="spld", status="Active",
                 request_date="08/01/2024", final_issued_date="", timescale_exception="Y",
                 education_advice_requested="", education_advice_received="", education_advice_author=""),
    ])
    report = import_register(session, area, path)
    assert (report.file, report.rows, report.created, report.updated, report.unchanged) == (
        "register.csv", 2, 2, 0, 0)
    stored = plans(session)
    p1, p2 = stored["P-001"], stored["P-002"]
    assert p1.area_id == area.id
    assert p1.request_date == date(2024, 1, 8) and p1.final_issued_date == date(2024, 5, 20)
    assert p1.education_advice_received == date(2024, 2, 20) and p1.education_advice_author == "ED-101"
    assert p1.timescale_exception is False and p1.health_advice_requested is None
    assert (p2.phase, p2.year_group, p2.primary_need, p2.status) == ("post_16", "12", "SpLD", "active")
    assert p2.request_date == date(2024, 1, 8)  # UK date
    assert p2.timescale_exception is True
    assert p2.final_issued_date is None and p2.education_advice_author is None


@pytest.mark.parametrize("text,expected", [
    ("yes", True), ("Y", True), ("TRUE", True), ("1", True), ("no", False), ("n", False), ("False", False),
    ("0", False), ("", False),
])  # fmt: skip
def test_timescale_exception_words(tmp_path, text, expected):
    path = write_csv(tmp_path / "r.csv", [plan_row(timescale_exception=text)])
    assert read_register(path).rows[0]["timescale_exception"] is expected


def test_harmless_variations_are_normalised(tmp_path):
    path = write_csv(tmp_path / "r.csv", [plan_row(" P-9 ", team="  East ", year_group="07", phase="SECONDARY",
                                                   primary_need="semh", status="Transferred")])
    row = read_register(path).rows[0]
    assert (row["plan_ref"], row["team"], row["year_group"], row["phase"], row["primary_need"],
            row["status"]) == ("P-9", "East", "7", "secondary", "SEMH", "transferred")


def test_extra_columns_are_warnings_not_errors(tmp_path):
    path = write_csv(tmp_path / "r.csv", [plan_row(Notes="chase EP", **{"Date of birth": "x"})])
    parsed = read_register(path)
    assert len(parsed.rows) == 1
    assert parsed.warnings == [
        "column 'Notes' is not one we use and was ignored",
        "column 'Date of birth' is not one we use and was ignored",
    ]


def test_blank_lines_are_skipped_and_rows_keep_their_numbers(tmp_path):
    path = tmp_path / "r.csv"
    write_csv(path, [plan_row("P-1"), {}, plan_row("P-3", request_date="not a date")])
    assert rejected(path) == [(4, "request_date")]


def test_good_xlsx_with_date_cells(session, area, tmp_path):
    path = tmp_path / "register.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    header = list(plan_row())
    sheet.append(header)
    first = plan_row("P-1")
    first.update(request_date=datetime(2024, 1, 8), final_issued_date=date(2024, 5, 20),
                 education_advice_requested="15/01/2024", year_group=4)
    sheet.append([first[h] for h in header])
    second = plan_row("P-2", year_group="R")
    second.update(timescale_exception=True, education_advice_received=None, education_advice_requested=None)
    sheet.append([second[h] for h in header])
    sheet.append([None] * len(header))  # trailing empty rows are common in workbooks
    book.save(path)
    report = import_register(session, area, path)
    assert report.created == 2
    p1, p2 = plans(session)["P-1"], plans(session)["P-2"]
    assert p1.request_date == date(2024, 1, 8) and p1.final_issued_date == date(2024, 5, 20)
    assert p1.education_advice_requested == date(2024, 1, 15) and p1.year_group == "4"
    assert p2.timescale_exception is True and p2.year_group == "R"


def test_write_register_round_trips_csv_and_xlsx(tmp_path):
    rows = read_register(write_csv(tmp_path / "in.csv", [plan_row("P-1"), plan_row("P-2", request_date="02/02/2024")])).rows
    for name in ("out.csv", "out.xlsx"):
        write_register(rows, tmp_path / name)
        assert read_register(tmp_path / name).rows == rows
    with (tmp_path / "out.csv").open() as handle:
        lines = handle.read().splitlines()
    assert lines[0] == ",".join(REGISTER_COLUMNS)
    assert "2024-02-02" in lines[2] and ",no," in lines[2]


def test_write_register_takes_a_dataframe(tmp_path):
    import pandas as pd

    rows = read_register(write_csv(tmp_path / "in.csv", [plan_row("P-1")])).rows
    frame = pd.DataFrame(rows)
    frame["final_issued_date"] = pd.to_datetime(frame["final_issued_date"])
    write_register(frame, tmp_path / "out.csv")
    assert read_register(tmp_path / "out.csv").rows == rows


# --- re-import --------------------------------------------------------------------------------------


def test_reimport_updates_by_plan_ref_and_counts(session, area, tmp_path):
    import_register(session, area, write_csv(tmp_path / "a.csv", [plan_row("P-1"), plan_row("P-2")]))
    first_id = plans(session)["P-1"].id
    report = import_register(session, area, write_csv(tmp_path / "b.csv", [
        plan_row("P-1", status="ceased"), plan_row("P-2"), plan_row("P-3"),
    ]))
    assert (report.rows, report.created, report.updated, report.unchanged) == (3, 1, 1, 1)
    session.expire_all()
    stored = plans(session)
    assert len(stored) == 3 and stored["P-1"].status == "ceased" and stored["P-1"].id == first_id


def test_plans_missing_from_a_reimport_are_kept_with_a_warning(session, area, tmp_path):
    import_register(session, area, write_csv(tmp_path / "a.csv", [plan_row("P-1"), plan_row("P-2")]))
    report = import_register(session, area, write_csv(tmp_path / "b.csv", [plan_row("P-1")]))
    assert report.unchanged == 1
    assert "1 stored plan(s) are not in this file" in report.warnings[-1]
    assert len(plans(session)) == 2


def test_absent_optional_columns_keep_stored_values(session, area, tmp_path):
    import_register(session, area, write_csv(tmp_path / "a.csv", [plan_row("P-1")]))
    row = plan_row("P-1")
    del row["education_advice_author"]
    report = import_register(session, area, write_csv(tmp_path / "b.csv", [row]))
    assert report.unchanged == 1
    session.expire_all()
    assert plans(session)["P-1"].education_advice_author == "ED-101"


def test_same_ref_in_another_area_is_another_plan(session, area, tmp_path):
    from audit.store.models import LocalArea

    other = LocalArea(code="OTHER", name="Other area")
    session.add(other)
    session.commit()
    path = write_csv(tmp_path / "a.csv", [plan_row("P-1")])
    import_register(session, area, path)
    assert import_register(session, other, path).created == 1
    assert len(session.exec(select(Plan)).all()) == 2


# --- rejection: all or nothing ----------------------------------------------------------------------


@pytest.mark.parametrize("changes,column", [
    ({"request_date": "31/02/2024"}, "request_date"),
    ({"final_issued_date": "2024-13-01"}, "final_issued_date"),
    ({"education_advice_received": "20.02.2024"}, "education_advice_received"),
    ({"primary_need": "Autism"}, "primary_need"),
    ({"phase": "KS2"}, "phase"),
    ({"year_group": "15"}, "year_group"),
    ({"status": "closed"}, "status"),
    ({"timescale_exception": "maybe"}, "timescale_exception"),
    ({"team": "  "}, "team"),
    ({"case_officer": ""}, "case_officer"),
    ({"request_date": ""}, "request_date"),
    ({"education_advice_received": "2024-01-10"}, "education_advice_received"),  # before requested
    ({"education_advice_requested": ""}, "education_advice_requested"),  # received without requested
    ({"final_issued_date": "2023-12-01"}, "final_issued_date"),  # final before request
])  # fmt: skip
def test_each_bad_row_kind_is_reported_at_its_row_and_column(tmp_path, changes, column):
    path = write_csv(tmp_path / "r.csv", [plan_row("P-1"), plan_row("P-2", **changes)])
    with pytest.raises(InputRejected) as caught:
        read_register(path)
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.column) == ("r.csv", 3, column)
    assert problem.fix
    assert caught.value.what == "Plan register r.csv"


def test_bad_date_message_reads_for_a_qa_lead(tmp_path):
    path = write_csv(tmp_path / "r.csv", [plan_row(request_date="31/02/2024")])
    with pytest.raises(InputRejected) as caught:
        read_register(path)
    assert str(caught.value.problems[0]) == (
        "r.csv, row 2, column 'request_date': '31/02/2024' is not a date. Fix: use YYYY-MM-DD or DD/MM/YYYY")


def test_duplicate_plan_ref_names_the_first_row(tmp_path):
    path = write_csv(tmp_path / "r.csv", [plan_row("P-1"), plan_row("P-2"), plan_row("P-1")])
    with pytest.raises(InputRejected) as caught:
        read_register(path)
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (4, "plan_ref") and "row 2" in problem.message


def test_every_problem_is_listed(tmp_path):
    path = write_csv(tmp_path / "r.csv", [
        plan_row("P-1", request_date="yesterday", primary_need="autism"),
        plan_row("P-2"),
        plan_row("P-3", year_group="Y7", health_advice_received="2024-03-01"),
        plan_row("P-1"),
    ])
    assert rejected(path) == [
        (2, "primary_need"), (2, "request_date"), (4, "year_group"), (4, "health_advice_requested"),
        (5, "plan_ref"),
    ]


def test_missing_required_columns_are_each_named(tmp_path):
    row = plan_row()
    del row["team"], row["request_date"]
    problems = rejected(write_csv(tmp_path / "r.csv", [row]))
    assert problems == [(None, "team"), (None, "request_date")]


def test_missing_column_has_a_fix(tmp_path):
    row = plan_row()
    del row["primary_need"]
    with pytest.raises(InputRejected) as caught:
        read_register(write_csv(tmp_path / "r.csv", [row]))
    assert "add a column headed 'primary_need'" in caught.value.problems[0].fix


def test_rejected_file_leaves_the_store_unchanged(session, area, tmp_path):
    import_register(session, area, write_csv(tmp_path / "a.csv", [plan_row("P-1"), plan_row("P-2")]))
    before = {ref: p.model_dump() for ref, p in plans(session).items()}
    bad = write_csv(tmp_path / "b.csv", [plan_row("P-1", team="South"), plan_row("P-3"),
                                         plan_row("P-2", request_date="2024-02-30")])
    with pytest.raises(InputRejected):
        import_register(session, area, bad)
    session.expire_all()
    assert {ref: p.model_dump() for ref, p in plans(session).items()} == before


def test_a_failed_write_is_rolled_back(session, area, tmp_path, monkeypatch):
    import audit.register.plans as register

    import_register(session, area, write_csv(tmp_path / "a.csv", [plan_row("P-1")]))
    real_write = register._write

    def write_then_fail(*args):
        real_write(*args)
        raise RuntimeError("disk full")

    monkeypatch.setattr(register, "_write", write_then_fail)
    with pytest.raises(RuntimeError):
        import_register(session, area, write_csv(tmp_path / "b.csv", [plan_row("P-1", team="South"),
                                                                      plan_row("P-2")]))
    session.expire_all()
    stored = plans(session)
    assert list(stored) == ["P-1"] and stored["P-1"].team == "North"


@pytest.mark.parametrize("name,content,expected", [
    ("empty.csv", b"", "empty"),
    ("header_only.csv", b"plan_ref,team\n", "no data rows"),
    ("blank_header.csv", b"\n\nP-1,North\n", "empty"),
    ("plans.xls", b"whatever", "cannot be read"),
    ("plans.txt", b"plan_ref\n", "cannot be read"),
    ("broken.xlsx", b"not a zip file", "not a readable Excel workbook"),
    ("binary.csv", bytes(range(256)) * 4, "rejected"),
])  # fmt: skip
def test_unreadable_files_are_rejected_clearly(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputRejected) as caught:
        read_register(path)
    assert expected in str(caught.value)
    assert caught.value.problems[0].file == name


def test_missing_file_is_rejected(tmp_path):
    with pytest.raises(InputRejected, match="does not exist"):
        read_register(tmp_path / "nope.csv")


def test_excel_cp1252_csv_is_read(tmp_path):
    path = tmp_path / "r.csv"
    rows = [plan_row(setting_type="Ysgol Gymraeg – special")]
    write_csv(path, rows)
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    assert read_register(path).rows[0]["setting_type"] == "Ysgol Gymraeg – special"


# --- mapping files ----------------------------------------------------------------------------------

MAPPING = """\
columns:
  "EHCP Ref": plan_ref
  "Primary Need": primary_need
  "Key Stage": phase
  "Locality": team
  "NC Year": year_group
  "Placement Type": setting_type
  "Plan Status": status
  "Caseworker": case_officer
  "Date of Request": request_date
values:
  primary_need:
    "Autistic Spectrum Disorder": ASD
    "Speech, Language and Communication Needs": SLCN
  phase:
    "Key Stage 2": primary
    "Key Stage 4": secondary
  status:
    "Open": active
"""


def export_row(ref: str = "E-1", **changes: str) -> dict[str, str]:
    row = {"EHCP Ref": ref, "Primary Need": "Autistic Spectrum Disorder", "Key Stage": "Key Stage 2",
           "Locality": "North", "NC Year": "5", "Placement Type": "Mainstream", "Plan Status": "Open",
           "Caseworker": "CW7", "Date of Request": "03/09/2024", "Case notes": "x"}  # fmt: skip
    row.update(changes)
    return row


def test_export_imports_through_a_mapping_file(session, area, tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING)
    path = write_csv(tmp_path / "export.csv", [
        export_row("E-1"),
        export_row("E-2", **{"Primary Need": "speech, language and communication needs ", "Key Stage": "key stage 4",
                             "Plan Status": "ceased", "NC Year": "10"}),
    ])
    report = import_register(session, area, path, mapping)
    assert report.created == 2
    assert report.warnings == ["column 'Case notes' is not one we use and was ignored"]
    e1, e2 = plans(session)["E-1"], plans(session)["E-2"]
    assert (e1.primary_need, e1.phase, e1.status, e1.team, e1.request_date) == (
        "ASD", "primary", "active", "North", date(2024, 9, 3))
    assert (e2.primary_need, e2.phase, e2.status) == ("SLCN", "secondary", "ceased")


def test_errors_in_a_mapped_file_name_the_export_heading(tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING)
    row = export_row(**{"Primary Need": "Autism", "Date of Request": "3rd Sept"})
    del row["Caseworker"]
    with pytest.raises(InputRejected) as caught:
        read_register(write_csv(tmp_path / "export.csv", [row]), mapping)
    problems = caught.value.problems
    assert [(p.row, p.column) for p in problems] == [(None, "Caseworker"), (2, "Primary Need"),
                                                      (2, "Date of Request")]
    assert "mapping.yaml" in problems[1].fix


@pytest.mark.parametrize("text,expected", [
    ("columns:\n  EHCP Ref: plan_reference\n", "not one of our columns"),
    ("columns:\n  EHCP Ref: plan_ref\n  Ref: plan_ref\n", "both map to 'plan_ref'"),
    ("columns:\n  - plan_ref\n", "'columns' must map"),
    ("colums:\n  EHCP Ref: plan_ref\n", "unknown section 'colums'"),
    ("values:\n  primary_need:\n    Autism: AUTISM\n", "maps to 'AUTISM'"),
    ("values:\n  need:\n    Autism: ASD\n", "'need' is not one of our columns"),
    ("values:\n  primary_need: ASD\n", "must map each export word"),
    ("columns: [unclosed\n", "not valid YAML"),
    ("", "empty"),
    ("- a\n- b\n", "not a list"),
])  # fmt: skip
def test_bad_mapping_files_are_rejected_naming_the_mapping(tmp_path, text, expected):
    mapping = tmp_path / "bad-mapping.yaml"
    mapping.write_text(text)
    with pytest.raises(InputRejected) as caught:
        read_register(write_csv(tmp_path / "r.csv", [plan_row()]), mapping)
    assert caught.value.what == "Mapping file bad-mapping.yaml"
    assert expected in str(caught.value)
    assert all(p.file == "bad-mapping.yaml" for p in caught.value.problems)


def test_mapping_keeps_export_words_as_text(tmp_path):
    # `Yes` and `07` stay the export's words rather than YAML's true and 7.
    mapping = tmp_path / "m.yaml"
    mapping.write_text("values:\n  timescale_exception:\n    Yes: yes\n    Exception agreed: yes\n"
                       "  year_group:\n    Year 7: 07\n")
    path = write_csv(tmp_path / "r.csv", [plan_row(timescale_exception="exception agreed", year_group="Year 7")])
    row = read_register(path, mapping).rows[0]
    assert row["timescale_exception"] is True and row["year_group"] == "7"


def test_missing_mapping_file_is_rejected(tmp_path):
    with pytest.raises(InputRejected, match=r"Mapping file nope.yaml"):
        read_register(write_csv(tmp_path / "r.csv", [plan_row()]), tmp_path / "nope.yaml")


# --- robustness -------------------------------------------------------------------------------------

_cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries(dict.fromkeys(REGISTER_COLUMNS[:14], _cells)), min_size=1, max_size=4),
       st.booleans())
def test_random_cells_never_raise_anything_but_input_rejected(tmp_path, rows, mutate_header):
    header = list(rows[0])
    if mutate_header:
        header[0] = "plan ref?"
    path = write_csv(tmp_path / "random.csv", rows, header)
    try:
        parsed = read_register(path)
    except InputRejected as rejection:
        assert rejection.problems and all(p.file == "random.csv" for p in rejection.problems)
    else:
        assert len(parsed.rows) <= len(rows)


def test_a_word_mapped_to_empty_is_a_missing_value(tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text('values:\n  final_issued_date:\n    "Not known": ""\n')
    path = write_csv(tmp_path / "r.csv", [plan_row(final_issued_date="NOT KNOWN")])
    assert read_register(path, mapping).rows[0]["final_issued_date"] is None
