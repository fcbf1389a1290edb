"""Auditor codes follow one pattern wherever they come in, and file names built from data never leave their folder
(issue 15): a code like ../../x is refused by the auditors import, `users add`, the admin form and the commands that
take --auditor; and if such a code reaches the store by another route, the files named after it stay in their folder.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from audit.errors import AuditError, InputRejected
from audit.protection.users import create_user, set_role
from audit.register.auditors import import_auditors, read_auditors
from audit.store.models import Auditor
from audit.synthetic.area import auditor_codes
from tests.factories import ROOT, make_auditor, make_auditor_pool
from tests.store_dump import whole_dump

runner = CliRunner()
PASSWORD = "a-long-password-1"
TRAVERSALS = ["../../x", "..", "../escaped", "/etc/passwd", "a/b", "AUD\\..\\x", "AUD-01/../../x", "~root"]


# --- the pattern ------------------------------------------------------------------------------------------


def test_every_code_the_project_uses_follows_the_pattern():
    from audit.vocabulary import auditor_code_problem

    used = {c for codes in auditor_codes().values() for c in codes}  # the synthetic area (demo accounts included)
    used |= {"AUD-HE-01", "CO-12", "QA-LEAD", "HE-03", "ED-101", "SEN-01", "PCF-01", "ED-AUTHOR", "AUD-X", "MOD-1",
             "ED-1", "B-1", "A-0", "C-0", "AUD-1", "CO-01"}  # tests, docs and rubric examples
    documented = ROOT / "docs"  # every AUD-... code the docs and README show
    for path in [ROOT / "README.md", *documented.glob("*.md")]:
        used |= set(re.findall(r"\bAUD-[A-Z]+-\d+\b", path.read_text(encoding="utf-8")))
    assert len(used) > 20
    assert {c: auditor_code_problem(c) for c in used if auditor_code_problem(c)} == {}


@pytest.mark.parametrize("code,says", [
    ("../../x", "is not an auditor code"), ("aud-he-01", "write it as 'AUD-HE-01'"), ("Jane Smith", "codes only"),
    ("jane@example.org", "codes only"), ("AUD--01", "is not an auditor code"), ("AUD-", "is not an auditor code"),
    ("1AUD", "is not an auditor code"), ("AUD_01", "is not an auditor code"), ("A" * 33, "at most"),
    ("AUD.01", "is not an auditor code"), ("", "is not an auditor code"),
])  # fmt: skip
def test_what_is_not_a_code_is_refused_with_the_rule(code, says):
    from audit.vocabulary import auditor_code_problem, check_auditor_code

    message, fix = auditor_code_problem(code)
    assert says in message + " " + fix and fix
    with pytest.raises(AuditError, match="Fix: "):
        check_auditor_code(code)


# --- every place a code comes in --------------------------------------------------------------------------


def test_the_auditors_import_refuses_a_path_naming_file_row_column_and_fix(session, area, tmp_path):
    make_auditor(session, area, "AUD-HE-01", "health")
    session.commit()
    path = tmp_path / "auditors.csv"
    path.write_text("code,agency\nAUD-ED-01,education\n../../x,health\nhe-02,health\n", encoding="utf-8")
    before = whole_dump(session.get_bind())
    with pytest.raises(InputRejected) as caught:
        import_auditors(session, area, path)
    assert [(p.file, p.row, p.column) for p in caught.value.problems] == [("auditors.csv", 3, "code"),
                                                                          ("auditors.csv", 4, "code")]
    first, second = caught.value.problems
    assert "'../../x' is not an auditor code" in first.message and "capital letters" in first.fix
    assert second.fix == "write it as 'HE-02'"
    assert whole_dump(session.get_bind()) == before


def test_an_auditors_workbook_refuses_a_path_too(tmp_path):
    from audit.register.auditors import write_auditors

    path = tmp_path / "auditors.xlsx"
    write_auditors([{"code": "../../x", "agency": "health"}], path)
    with pytest.raises(InputRejected) as caught:
        read_auditors(path)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "code")]


@pytest.mark.parametrize("code", TRAVERSALS)
def test_accounts_refuse_a_code_that_is_not_one(session, area, code):
    make_auditor(session, area, "AUD-HE-01", "health")
    session.commit()
    before = whole_dump(session.get_bind())
    with pytest.raises(AuditError, match=r"not an auditor code|codes only"):
        create_user(session, "new-auditor", PASSWORD, "auditor", code)
    session.rollback()
    user = create_user(session, "board", PASSWORD, "board_member")
    with pytest.raises(AuditError, match=r"not an auditor code|codes only"):
        set_role(session, user, "auditor", code)
    session.rollback()
    assert whole_dump(session.get_bind()) == before


@pytest.fixture
def cli_env(tmp_path, monkeypatch, database_url):
    from audit.settings import get_settings

    monkeypatch.setenv("EHCP_AUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("EHCP_AUDIT_RUBRICS_DIR", str(ROOT / "rubrics"))
    monkeypatch.setenv("EHCP_AUDIT_DATABASE_URL", database_url)
    monkeypatch.setenv("EHCP_AUDIT_AREA_CODE", "CODES")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def run(*args):
    from ehcp_audit_cli.main import app

    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _open_cycle_with(code_in_store: str) -> None:
    """An area with an open cycle, whose education auditor's code is then overwritten straight in the store."""
    from datetime import timedelta

    from audit import clock
    from audit.cycle.lifecycle import create_cycle, get_area, open_cycle
    from ehcp_audit_cli.common import store
    from tests.factories import make_plan, whole_plan_rubric

    with store() as session:
        area = get_area(session, "CODES", create=True)
        make_auditor_pool(session, area, per_agency=1)
        for _ in range(2):
            make_plan(session, area)
        cycle = create_cycle(session, area, whole_plan_rubric(), name="Codes", sample_size=2,
                             due_date=clock.today() + timedelta(days=21))
        open_cycle(session, cycle)
    with store() as session:  # some other route than an import: no check runs
        session.execute(update(Auditor).where(Auditor.code == "AUD-ED-01").values(code=code_in_store))


def test_users_add_and_the_auditor_options_refuse_a_path_as_a_sentence(cli_env):
    _open_cycle_with("AUD-ED-01")
    added = run("users", "add", "someone", "--role", "auditor", "--auditor", "../../x", "--password", PASSWORD)
    assert added.exit_code == 1 and "'../../x' is not an auditor code" in added.output
    assert "Traceback" not in added.output and "capital letters" in added.output
    for args in (["scorecards", "template", 1, "--auditor", "../../x", "--out", cli_env / "cards"],
                 ["scorecards", "import", cli_env / "card.csv", "--auditor", "../../x"],
                 ["calibration", "grade", 1, "--auditor", "../../x", "--grade", "F=Good"]):
        result = run(*args)
        assert result.exit_code == 1 and "is not an auditor code" in result.output, args
    assert not (cli_env / "cards").exists()


@pytest.mark.parametrize("code", ["../../../../escaped", "../../x", "sub/escaped", ".."])
def test_a_template_never_leaves_its_folder_whatever_code_is_in_the_store(cli_env, code):
    _open_cycle_with(code)
    out = cli_env / "deep" / "cards"
    result = run("scorecards", "template", 1, "--out", out, "--format", "csv")
    assert result.exit_code == 0, result.output
    written = sorted(cli_env.rglob("*.csv"))
    assert sorted((cli_env / "deep").rglob("*")) == [out, *written], "one file per auditor, directly in --out"
    names = [p.name for p in written]
    assert "scorecard-cycle-1-AUD-HE-01.csv" in names  # the others keep their names
    [odd] = [n for n in names if not re.fullmatch(r"scorecard-cycle-1-AUD-(SEN|ED|HE|SC|PCF)-01\.csv", n)]
    assert re.fullmatch(r"scorecard-cycle-1-([A-Za-z0-9_-]+-)?[0-9a-f]{8}\.csv", odd), odd


# --- file names from data ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["AUD-HE-01", "NTH-00412", "DEMO-7K3M9Q2X", "plan_1.v2"])
def test_plain_values_name_files_as_they_are(value):
    from audit.safe_files import safe_name_part

    assert safe_name_part(value) == value


@pytest.mark.parametrize("value", [*TRAVERSALS, ".hidden", "a..b", "x" * 150, "con\x00trol", "", "é"])
def test_other_values_are_made_safe_and_stay_distinct(tmp_path, value):
    from audit.safe_files import path_inside, safe_name_part

    part = safe_name_part(value)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", part) and len(part) <= 80
    assert path_inside(tmp_path, f"{part}.md").parent == tmp_path
    assert safe_name_part("a/b") != safe_name_part("a-b") != safe_name_part("a\\b")


@pytest.mark.parametrize("name", ["../x.md", "sub/x.md", "/etc/x.md", "..", ".", ""])
def test_a_path_that_would_leave_its_folder_is_refused(tmp_path, name):
    from audit.safe_files import path_inside

    with pytest.raises(AuditError, match="Refusing to write"):
        path_inside(tmp_path / "out", name)


def test_a_link_out_of_the_folder_is_refused(tmp_path):
    from audit.safe_files import path_inside

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "note.md").symlink_to(tmp_path / "elsewhere.md")
    with pytest.raises(AuditError, match="Refusing to write"):
        path_inside(tmp_path / "out", "note.md")


def test_feedback_notes_stay_in_their_folder_whatever_plan_reference_is_stored(tmp_path, monkeypatch):
    from flows import board_pack

    monkeypatch.setattr(board_pack, "render_note", lambda note: f"note for {note['plan_ref']}")
    folder = tmp_path / "reports" / "cycle-1" / "feedback"
    refs = ["NTH-00412", "../../../escaped", "2024/123", "..", "/tmp/escaped-note"]
    paths = board_pack.write_feedback_notes(folder, [{"plan_ref": r} for r in refs])
    assert [p.parent for p in paths] == [folder] * len(refs)
    assert paths[0].name == "NTH-00412.md"
    assert sorted(p.name for p in tmp_path.rglob("*.md")) == sorted(p.name for p in paths)
    assert len(set(paths)) == len(refs)
