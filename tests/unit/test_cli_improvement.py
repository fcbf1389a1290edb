"""`ehcp-audit improvement`: import, export round trip, status, link, accept, tasks and checks, errors as sentences."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import select

from audit.cycle.lifecycle import create_cycle, get_area
from audit.settings import get_settings
from audit.store.db import engine_from_settings, transaction
from audit.store.models import Action, ImprovementAction, StatusProposal
from tests.factories import ROOT, make_plan, whole_plan_rubric
from tests.unit.test_cli import cli_env, run  # noqa: F401  (cli_env is a fixture)

FIXTURES = ROOT / "tests" / "fixtures" / "improvement"


def said(result) -> str:
    """The output as one line: the terminal may wrap long sentences anywhere."""
    return " ".join(result.output.split())


def test_import_export_status_link_and_accept_through_the_cli(cli_env, tmp_path, clock):
    clock.set(date(2026, 11, 20))  # the cycle below is due in 2030: keep today before it
    imported = run("improvement", "import", FIXTURES / "wsoa-plan.csv", "--layout", "wsoa", "--name", "WSoA 2018",
                   "--by", "QA-LEAD")
    assert imported.exit_code == 0, imported.output
    assert "Imported plan 1 'WSoA 2018' (WSOA): 2 areas of weakness, 5 actions, 7 statuses" in said(imported)
    out = tmp_path / "back.csv"
    assert run("improvement", "export", "WSoA 2018", out).exit_code == 0
    assert out.read_text(encoding="utf-8").splitlines() == (FIXTURES / "wsoa-plan.csv").read_text(
        encoding="utf-8").splitlines()
    listing = run("improvement", "status")
    assert "1 WSoA 2018 (WSOA, scale brag)" in said(listing)
    grid = run("improvement", "status", "1", "--as-of", "2019-02-01")
    assert "BRAG on a page: WSoA 2018" in said(grid) and "1.2.i" in said(grid)
    data = json.loads(run("improvement", "status", "1", "--format", "json", "--as-of", "2019-02-01").output)
    assert [(a["reference"], a["status"]) for a in data["actions"]] == [
        ("1.1.i", "Completed"), ("1.1.ii", "Completed and embedded"), ("1.2.i", "Progressing"), ("2.1.i", "Progressing"),
        ("2.1.ii", "Not yet graded")]
    # 1.2.i is due by April 2019, so not yet overdue; the two social care actions are.
    assert [(a["reference"], a["why"]) for a in data["exceptions"]] == [
        ("2.1.i", "overdue since 30 Sep 2018"), ("2.1.ii", "overdue since 30 Nov 2018")]
    linked = run("improvement", "link", "1", "1.2.i", "--criterion", "F2", "--reason", "provision quantified",
                 "--by", "QA-LEAD")
    assert linked.exit_code == 0 and "is now linked to criterion F2" in said(linked)
    wrong = run("improvement", "link", "1", "1.2.i", "--criterion", "Z9", "--reason", "x", "--by", "QA-LEAD")
    assert wrong.exit_code == 1 and "The rubric 'whole-plan' has no criterion 'Z9'" in said(wrong)

    with transaction(engine_from_settings(get_settings())) as session:
        area = get_area(session, get_settings().area_code)
        plan = make_plan(session, area)
        cycle = create_cycle(session, area, whole_plan_rubric(), name="Q1", sample_size=1, due_date=date(2030, 1, 1))
        action = session.exec(select(ImprovementAction).where(ImprovementAction.reference == "1.2.i")).one()
        session.add(StatusProposal(action_id=action.id, cycle_id=cycle.id, proposed="completed-and-embedded",
                                   basis="Improvement held for 2 cycles"))
        session.add(Action(area_id=area.id, key="amend:x", kind="amendment", cycle_id=cycle.id, plan_id=plan.id,
                           title="Amend plan", lead="CO-01", milestone=date(2026, 1, 1),
                           evidence={"plan_ref": plan.plan_ref}))
    missing_reason = run("improvement", "accept", "1", "--reason", " ", "--by", "QA-LEAD")
    assert missing_reason.exit_code == 1 and "Give a reason" in said(missing_reason)
    accepted = run("improvement", "accept", "1", "--reason", "audits agree", "--by", "QA-LEAD")
    assert accepted.exit_code == 0 and "is now 'Completed and embedded' (accepted by QA-LEAD)" in said(accepted)
    tasks = run("improvement", "tasks", "--overdue", "--as-of", "2026-02-01")
    assert "Overdue" in said(tasks) and "CO-01" in said(tasks)  # the task's status in words
    chased = run("improvement", "chase", "--as-of", "2026-02-01", "--record")
    assert "31 day(s) overdue, chased 1 time(s)" in said(chased)
    done = run("improvement", "task-done", "1", "--note", "rewritten", "--by", "CO-01")
    assert done.exit_code == 0 and "will be re-audited in the next whole-plan cycle" in said(done)
    assert "No amendment task is overdue" in said(run("improvement", "chase", "--as-of", "2026-02-01"))


def test_a_bad_file_or_config_is_a_sentence_with_the_fix(cli_env, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Ref,Area of remaining weakness,Action\n1,Weak,1. Do it\n", encoding="utf-8")
    result = run("improvement", "import", bad, "--layout", "app", "--name", "x", "--by", "QA-LEAD")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "bad.csv, row 1, column 'Lead (Governance)': the APP column for 'lead' is missing" in said(result)
    assert run("improvement", "import", bad, "--layout", "excel", "--name", "x", "--by", "Q").exit_code == 2
    scale = tmp_path / "scale.yaml"
    scale.write_text("id: ours\ntitle: Ours\nstatuses:\n  - {key: done, label: Done, colour: green, role: embedded}\n")
    checked = run("improvement", "check", "--scale", scale)
    assert checked.exit_code == 1 and "no status has the role 'on_track'" in said(checked)
    ok = run("improvement", "check")
    assert ok.exit_code == 0 and "Rule weak-criterion: criterion weak in 65% of plans (at least 5)" in said(ok)
    assert "No status proposal 42" in said(run("improvement", "accept", "42", "--reason", "x", "--by", "Q"))
