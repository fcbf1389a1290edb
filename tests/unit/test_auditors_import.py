"""Auditors import: codes and agencies only, all or nothing, upsert by code within the area."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlmodel import select

from audit.errors import InputRejected
from audit.register.auditors import AUDITOR_COLUMNS, import_auditors, write_auditors
from audit.store.models import Auditor


def write_csv(path: Path, rows: list[dict]) -> Path:
    header = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([[r.get(h, "") for h in header] for r in rows])
    return path


def auditors(session) -> dict[str, Auditor]:
    session.expire_all()
    return {a.code: a for a in session.exec(select(Auditor))}


GOOD = [
    {"code": "SEN-01", "agency": "sen_team", "team": "North", "email": "sen-01@example.org", "active": "yes"},
    {"code": "HE-01", "agency": "Health", "team": "", "email": "", "active": ""},
    {"code": "PCF-01", "agency": "Parent Carer Forum", "team": "Forum", "email": "", "active": "n"},
]


def test_good_file_is_stored(session, area, tmp_path):
    report = import_auditors(session, area, write_csv(tmp_path / "auditors.csv", GOOD))
    assert (report.file, report.rows, report.created, report.updated, report.unchanged) == (
        "auditors.csv", 3, 3, 0, 0)
    stored = auditors(session)
    assert (stored["SEN-01"].agency, stored["SEN-01"].team, stored["SEN-01"].email) == (
        "sen_team", "North", "sen-01@example.org")
    assert (stored["HE-01"].agency, stored["HE-01"].team, stored["HE-01"].email, stored["HE-01"].active) == (
        "health", "", None, True)
    assert stored["PCF-01"].agency == "parent_carer_forum" and stored["PCF-01"].active is False
    assert all(a.area_id == area.id for a in stored.values())


def test_only_code_and_agency_are_needed(session, area, tmp_path):
    report = import_auditors(session, area, write_csv(tmp_path / "a.csv", [{"code": "ED-01", "agency": "education"}]))
    assert report.created == 1 and auditors(session)["ED-01"].active is True


def test_reimport_upserts_by_code(session, area, tmp_path):
    import_auditors(session, area, write_csv(tmp_path / "a.csv", GOOD))
    changed = [dict(GOOD[0], active="no"), GOOD[1], {"code": "SC-01", "agency": "social_care"}]
    report = import_auditors(session, area, write_csv(tmp_path / "b.csv", changed))
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    stored = auditors(session)
    assert len(stored) == 4 and stored["SEN-01"].active is False


def test_name_columns_are_ignored_and_never_stored(session, area, tmp_path):
    rows = [dict(GOOD[0], **{"Full name": "Jane Example"})]
    report = import_auditors(session, area, write_csv(tmp_path / "a.csv", rows))
    assert "names are not stored" in report.warnings[0]
    assert "Jane" not in str(auditors(session)["SEN-01"].model_dump())


@pytest.mark.parametrize("changes,column", [
    ({"agency": "police"}, "agency"),
    ({"agency": ""}, "agency"),
    ({"code": " "}, "code"),
    ({"active": "sometimes"}, "active"),
    ({"email": "not an email"}, "email"),
])  # fmt: skip
def test_bad_rows_are_reported_and_nothing_is_saved(session, area, tmp_path, changes, column):
    import_auditors(session, area, write_csv(tmp_path / "a.csv", GOOD[:1]))
    rows = [dict(GOOD[0], team="South"), dict(GOOD[1], **changes)]
    with pytest.raises(InputRejected) as caught:
        import_auditors(session, area, write_csv(tmp_path / "b.csv", rows))
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.column) == ("b.csv", 3, column)
    assert caught.value.what == "Auditors file b.csv"
    stored = auditors(session)
    assert list(stored) == ["SEN-01"] and stored["SEN-01"].team == "North"


def test_duplicate_codes_and_missing_columns_are_all_listed(tmp_path, session, area):
    rows = [{"code": "A-1", "team": "x"}, {"code": "A-1", "team": "y"}]
    with pytest.raises(InputRejected) as caught:
        import_auditors(session, area, write_csv(tmp_path / "a.csv", rows))
    assert [(p.row, p.column) for p in caught.value.problems] == [(None, "agency"), (3, "code")]


def test_empty_and_wrong_files_are_rejected(tmp_path, session, area):
    (tmp_path / "a.csv").write_text("")
    (tmp_path / "a.json").write_text("{}")
    for name in ("a.csv", "a.json"):
        with pytest.raises(InputRejected):
            import_auditors(session, area, tmp_path / name)


@pytest.mark.parametrize("name", ["auditors.csv", "auditors.xlsx"])
def test_write_auditors_round_trips(session, area, tmp_path, name):
    rows = [{"code": "ED-01", "agency": "education", "team": "Schools", "email": None, "active": True},
            {"code": "HE-02", "agency": "health", "team": "", "email": "he-02@example.org", "active": False}]
    write_auditors(rows, tmp_path / name)
    assert import_auditors(session, area, tmp_path / name).created == 2
    stored = auditors(session)
    assert {c: {k: getattr(a, k) for k in AUDITOR_COLUMNS} for c, a in stored.items()} == {
        r["code"]: r for r in rows}
