"""Steps for living_plans.feature: synthetic WSoA and APP tables in the shapes boards keep (made here with
openpyxl: fill colours, merged cells, footnotes, page breaks, headers over two rows), imported through the
domain and the CLI."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from openpyxl import Workbook
from openpyxl.styles import PatternFill
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import select

from audit.cycle.lifecycle import create_cycle, get_area
from audit.errors import InputRejected
from audit.improvement.files import import_plan, preview_import
from audit.improvement.plans import Finding, add_evidence, history, links_of
from audit.improvement.scales import load_scales
from audit.settings import get_settings
from audit.store.db import engine_from_settings, transaction
from audit.store.models import ActionEvidence, ImprovementAction, ImprovementPlan
from audit.words import day
from reports.improvement import build_improvement_report
from tests.factories import ROOT, whole_plan_rubric
from tests.unit.test_cli import cli_env, run  # noqa: F401  (cli_env is a fixture)

scenarios("improvement/living_plans.feature")

SCALES = load_scales()
FIXTURE = ROOT / "tests" / "fixtures" / "improvement" / "wsoa-plan.csv"
HEADER = ["Sub finding", "Action to address finding", "Lead person", "Evidence of success ²", "Target\ndate",
          "Evidence of progress", "Sept 2018", "Dec 2018"]
SHADES = {"amber": "FFC000", "blue": "0070C0", "green": "00B050", "purple": "7030A0"}


def _said(result) -> str:
    return " ".join(result.output.split())


@pytest.fixture
def ctx():
    return {}


# --- a workbook as a board keeps it -------------------------------------------------------------------------

def _board_rows() -> list[tuple[list, dict[int, str]]]:
    """Rows of cells, with the columns (1-based) shaded in a colour instead of a written status."""
    return [
        (["Area 1: The quality of EHC plans"], {}),
        (HEADER, {}),
        (["1. Outcomes are not SMART.", "i. Train case officers to write SMART outcomes.", "JD/ DCO",
          "Officers trained.", "Spring term 2019", "", None, "on track"], {7: "amber"}),
        ([None, "ii. Add an outcomes check to the draft plan checklist.", "JD", "Checklist in use.", "Termly", "",
          "Green", None], {8: "blue"}),
        ([h.replace("²", "") + ("²" if h.startswith("Evidence of s") else "") for h in HEADER], {}),  # page break
        (["2. Provision in section F is not quantified.", "i. Agree a provision-writing standard.", "PT/ CT/ MT",
          "Standard agreed.", "Q3 2018/19", "", "R", "Amber"], {}),
        (["¹ The SEND board reviews the evidence of success each month."], {}),
        (["Area 2: Social care advice"], {}),
        (["Sub", "Action to address", "Lead", "Evidence of", "Target", "Evidence of", "Sept", "Dec"], {}),
        (["finding", "finding", "person", "success ³", "date", "progress", "2018", "2018"], {}),
        (["1. Social care advice is missing from plans.", "i. Audit social care advice each month.", "SB and JD",
          "Monthly report.", "Sept 2018 – ongoing", "", "complete", None], {8: "green"}),
        ([None, "ii. Escalate missing advice after 6 weeks.", "DSCO", "Escalation log.",
          "Oct 2018, Dec 2018, Nov 2018", "", None, None], {}),
    ]


PEOPLE = [("JD", "Head of SEND"), ("DCO", "Designated Clinical Officer"), ("PT", "Principal Educational Psychologist"),
          ("CT", "Commissioning lead"), ("MT", "Lead for SEN assessment"), ("SB", "Social care lead"),
          ("DSCO", "Designated Social Care Officer")]


@given("a WSoA workbook as a board keeps it", target_fixture="board")
def board_workbook():
    return {"rows": _board_rows(), "changes": []}


@given(parsers.parse('its cell in row {row:d}, column "{column}" is shaded {colour}'))
def shade_cell(board, row, column, colour):
    cells, shades = board["rows"][row - 1]
    position = HEADER.index(column)
    cells[position] = None
    shades[position + 1] = colour


@given(parsers.parse('its cell in row {row:d}, column "{column}" says "{text}"'))
def write_cell(board, row, column, text):
    cells, shades = board["rows"][row - 1]
    position = HEADER.index(column)
    cells[position] = text
    shades.pop(position + 1, None)


def _save_board(board, folder):
    book = Workbook()
    sheet = book.active
    sheet.title = "WSoA"
    for r, (cells, shades) in enumerate(board["rows"], start=1):
        for c, value in enumerate(cells, start=1):
            if value:
                sheet.cell(r, c, value)
        for c, colour in shades.items():
            sheet.cell(r, c).fill = PatternFill("solid", fgColor="FF" + SHADES[colour])
    sheet.merge_cells("A3:A4")  # the sub finding merged down over its two actions
    sheet.merge_cells("A1:H1")  # the area heading across the table
    people = book.create_sheet("Initials")
    people.append(["Initials", "Designation"])
    for row in PEOPLE:
        people.append(list(row))
    path = folder / "wsoa-board.xlsx"
    book.save(path)
    return path


@when(parsers.parse('the QA lead imports the workbook as the plan "{name}"'))
def import_workbook(ctx, board, session, area, tmp_path, name):
    path = _save_board(board, tmp_path)
    try:
        ctx["preview"] = preview_import(session, area, path, layout="wsoa", scale=SCALES["brag"], name=name)
        ctx["imported"] = import_plan(session, area, path, layout="wsoa", scale=SCALES["brag"], name=name,
                                      by="QA-LEAD")
    except InputRejected as rejection:
        ctx["rejected"] = rejection


@then(parsers.parse('the plan "{name}" has {areas:d} areas of weakness and these actions'))
def plan_actions(ctx, session, area, name, areas, datatable):
    assert "rejected" not in ctx, ctx.get("rejected") and ctx["rejected"].summary()
    assert ctx["imported"].areas == areas
    plan = session.exec(select(ImprovementPlan).where(ImprovementPlan.name == name)).one()
    report = build_improvement_report(session, plan, SCALES, date(2018, 1, 1))
    actions = {a.reference: a for a in session.exec(select(ImprovementAction)).all()}
    statuses = {a["reference"]: a["status"] for a in report["actions"]}
    found = [[ref, statuses[ref], actions[ref].action_milestone_kind, day(actions[ref].action_due)]
             for ref in actions]
    assert found == [list(r) for r in datatable[1:]]


@then("the import notes say")
def import_notes(ctx, datatable):
    notes = ctx["preview"].table.notes
    for (want,) in datatable[1:]:
        assert any(want in note for note in notes), notes


@then(parsers.parse("the warning lists every action without a due date: {refs}"))
def undated_warning(ctx, refs):
    undated = [line.split(" ")[0] for line in ctx["preview"].undated()]
    assert undated == refs.split(", ")
    assert any("have no due date" in w for w in ctx["preview"].warnings())


@then("the import is refused naming these cells")
def refused(ctx, datatable):
    rejection = ctx.get("rejected")
    assert rejection is not None, "the file was imported"
    found = [(str(p.row), p.column, p.message) for p in rejection.problems]
    assert len(found) == len(datatable) - 1, rejection.summary()
    for (row, column, message), (want_row, want_column, want) in zip(found, datatable[1:], strict=True):
        assert (row, column, want in message) == (want_row, want_column, True), rejection.summary()
    assert all(p.file == "wsoa-board.xlsx" and p.fix for p in rejection.problems)


@then("no plan is stored")
def no_plan(session):
    assert session.exec(select(ImprovementPlan)).all() == []
    assert session.exec(select(ImprovementAction)).all() == []


@then("actions by lead count")
def by_lead(ctx, session, datatable):
    plan = ctx["imported"].plan
    report = build_improvement_report(session, plan, SCALES, date(2018, 1, 1))
    counts = {row["group"]: row["total"] for row in report["by_lead"]}
    assert counts == {lead: int(n) for lead, n in datatable[1:]}


# --- through the CLI -----------------------------------------------------------------------------------------

@given("the CLI is set up on an empty store")
def cli_store(cli_env, clock):
    clock.set(date(2026, 11, 20))
    return cli_env


def _csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@given(parsers.parse('an APP file whose milestones say "{first}", "{second}" and "{third}"'), target_fixture="app_file")
def app_file(tmp_path, first, second, third):
    with (ROOT / "tests" / "fixtures" / "improvement" / "app-plan.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    milestone = rows[0].index("Action Milestone")
    impact = rows[0].index("Impact Milestone")
    for row, text in zip(rows[2:5], (first, second, third), strict=True):
        row[milestone], row[impact] = text, ""
    rows[5][milestone] = "Dec 2026"
    return _csv(tmp_path / "app-2019.csv", rows)


@when(parsers.parse('the QA lead imports the APP file through the CLI answering "{answer}"'))
def cli_import_app(ctx, app_file, answer):
    ctx["result"] = _invoke(["improvement", "import", app_file, "--layout", "app", "--name", "APP 2019",
                             "--by", "QA-LEAD"], answer)


def _invoke(args, answer=None):
    from tests.unit.test_cli import app, runner

    return runner.invoke(app, [str(a) for a in args], input=f"{answer}\n" if answer else None,
                         catch_exceptions=False)


@then(parsers.parse("the CLI lists actions {first} and {second} as having no due date"))
def cli_undated(ctx, first, second):
    text = _said(ctx["result"])
    assert "2 action(s) have no due date" in text, text
    assert f"{first} (row 3): action milestone 'Ongoing' (recurring, no end)" in text, text
    assert f"{second} (row 4): action milestone 'TBC' (no date)" in text, text


@then(parsers.parse('the CLI says "{text}"'))
def cli_says(ctx, text):
    assert text in _said(ctx["result"]), ctx["result"].output


@then("the store holds no improvement plan")
def cli_no_plan():
    with transaction(engine_from_settings(get_settings())) as session:
        assert session.exec(select(ImprovementPlan)).all() == []


@given("the WSoA 2018 is imported through the CLI and action 1.2.i is linked to criterion F2 with audit evidence")
def cli_wsoa_linked(ctx):
    first = run("improvement", "import", FIXTURE, "--layout", "wsoa", "--name", "WSoA 2018", "--by", "QA-LEAD")
    assert first.exit_code == 0, first.output
    linked = run("improvement", "link", "WSoA 2018", "1.2.i", "--criterion", "F2", "--reason", "provision quantified",
                 "--by", "QA-LEAD")
    assert linked.exit_code == 0, linked.output
    with transaction(engine_from_settings(get_settings())) as session:
        area = get_area(session, get_settings().area_code)
        cycle = create_cycle(session, area, whole_plan_rubric(), name="Quarter 1", sample_size=1,
                             due_date=date(2030, 1, 1))
        action = session.exec(select(ImprovementAction).where(ImprovementAction.reference == "1.2.i")).one()
        add_evidence(session, action, cycle, Finding("weak-criterion", "criterion", "F2", "whole-plan", 6, 5,
                                                     ("P-1", "P-2", "P-3", "P-4", "P-5")), "system")


@given("a second revision of the WSoA file with action 1.1.ii reworded, 1.2.i re-dated, 2.1.ii removed, "
       "2.1.iii added and 2.1.i completed", target_fixture="revision_file")
def revision_file(tmp_path):
    with FIXTURE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[3][1] = "ii. Add an outcomes check to the draft and final plan checklists."
    rows[4][4] = "Jan 2019 Jun 2019"
    rows[7][7] = "Completed"
    rows[8] = ["", "iii. Report missing advice to the SEND board each term.", "DSCO", "Termly report.", "Mar 2019",
               "", "", ""]
    return _csv(tmp_path / "wsoa-v2.csv", rows)


@when(parsers.parse('the QA lead imports the revision onto the plan "{name}" through the CLI answering "{answer}"'))
def cli_revision(ctx, revision_file, name, answer):
    ctx["result"] = _invoke(["improvement", "import", revision_file, "--layout", "wsoa", "--plan", name, "--revision",
                             "--version", "2.0", "--version-date", "2019-01-15", "--owner", "HoS-SEND",
                             "--by", "QA-LEAD"], answer)


@then("the CLI shows these changes")
def cli_changes(ctx, datatable):
    text = ctx["result"].output
    assert ctx["result"].exit_code in (0, 1), text
    for (want,) in datatable[1:]:
        assert want in " ".join(text.split()), text


@then(parsers.parse("the area still has one improvement plan, at version {version} of {when} owned by {owner}"))
def one_plan(version, when, owner):
    with transaction(engine_from_settings(get_settings())) as session:
        plans = session.exec(select(ImprovementPlan)).all()
        assert [(p.name, p.version, day(p.version_date), p.version_owner) for p in plans] == [
            ("WSoA 2018", version, when, owner)]


@then(parsers.parse("action 1.2.i is still linked to criterion F2 with its evidence, and is due {due}"))
def still_linked(due):
    with transaction(engine_from_settings(get_settings())) as session:
        action = session.exec(select(ImprovementAction).where(ImprovementAction.reference == "1.2.i")).one()
        assert [(link.level, link.target) for link in links_of(session, action.id)] == [("criterion", "F2")]
        assert len(session.exec(select(ActionEvidence).where(ActionEvidence.action_id == action.id)).all()) == 1
        assert day(action.action_due) == due
        assert any(item["kind"] == "revised" for item in history(session, action.id))


@then("action 2.1.ii is kept as removed in revision 2, with its history")
def kept_removed():
    with transaction(engine_from_settings(get_settings())) as session:
        action = session.exec(select(ImprovementAction).where(ImprovementAction.reference == "2.1.ii")).one()
        assert action.removed_in == 2
        kinds = [item["kind"] for item in history(session, action.id)]
        assert kinds[0] == "created" and kinds[-1] == "removed", kinds


@then(parsers.parse("the exported plan has actions {refs}"))
def exported_refs(tmp_path, refs):
    out = tmp_path / "after.csv"
    assert run("improvement", "export", "WSoA 2018", out).exit_code == 0
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    actions = [r[1].split(".")[0] for r in rows if len(r) > 1 and r[1] and r[0] != "Sub finding"]
    assert actions == ["i", "ii", "i", "i", "iii"], rows
    assert len(refs.split(", ")) == len(actions)


@when(parsers.parse('the plan "{name}" is exported through the CLI'))
def cli_export(ctx, tmp_path, name):
    ctx["export"] = tmp_path / "exported.csv"
    assert run("improvement", "export", name, ctx["export"]).exit_code == 0


@then(parsers.parse('action 1.2.i\'s "Evidence of progress" cell says what the audits found: "{text}"'))
def progress_evidence(ctx, text):
    with ctx["export"].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    row = next(r for r in rows if r[1].startswith("i. Agree a provision-writing standard"))
    assert row[5].startswith("Audit evidence (ehcp-audit):\n"), row[5]
    assert text in row[5], row[5]


@then("every other action's row is exactly as imported")
def others_unchanged(ctx):
    exported = ctx["export"].read_text(encoding="utf-8").splitlines()
    source = FIXTURE.read_text(encoding="utf-8").splitlines()
    changed = [line for line in exported if line not in source]
    assert all("Agree a provision-writing standard" in line or "Audit evidence" in line or line.startswith("- ")
               for line in changed), changed
    assert len([line for line in source if line not in exported]) == 1  # only 1.2.i's row


@when(parsers.parse('the exported file is imported onto the plan again through the CLI answering "{answer}"'))
def reimport(ctx, answer):
    ctx["result"] = _invoke(["improvement", "import", ctx["export"], "--layout", "wsoa", "--plan", "WSoA 2018",
                             "--revision", "--by", "QA-LEAD"], answer)
    assert ctx["result"].exit_code == 0, ctx["result"].output


@when(parsers.parse('the QA lead links action {ref} of the plan "{name}" through the CLI'))
def cli_link(ctx, ref, name):
    ctx["result"] = run("improvement", "link", name, ref, "--criterion", "F2", "--reason", "x", "--by", "QA-LEAD")


@then(parsers.parse('the CLI refuses, saying "{text}"'))
def cli_refuses(ctx, text):
    assert ctx["result"].exit_code == 1
    assert text in _said(ctx["result"]), ctx["result"].output
