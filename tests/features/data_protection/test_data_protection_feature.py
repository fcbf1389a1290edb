"""Steps for the data-protection features: safeguarding, retention, the audit trail and hostile input."""

from __future__ import annotations

import csv
from datetime import timedelta

import openpyxl
import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import text, update
from sqlalchemy.exc import DatabaseError
from sqlmodel import select

import audit.clock
from audit.cycle.lifecycle import create_cycle, get_area, open_cycle
from audit.cycle.scorecard_files import import_scorecard_file, write_template
from audit.errors import Conflict, InputRejected
from audit.protection.retention import COMMENTS, RetentionPolicy, purge_expired
from audit.protection.safeguarding import add_note, close_flag, flag_view, raise_flag
from audit.register.plans import import_register, write_register
from audit.results.analysis import load_cycle_results
from audit.results.cycle_scores import score_cycle
from audit.settings import Settings, get_settings
from audit.store.actor import acting_as
from audit.store.models import (
    Assignment,
    Auditor,
    CriterionGrade,
    Plan,
    PurgeRecord,
    Scorecard,
    TrailEntry,
)
from audit.store.trail import verify_chain
from audit.synthetic.submissions import submit_simulated
from flows.alerts import notify_contacts, retry_notifications
from reports.feedback import feedback_notes, render_note
from reports.render import FORMATS, render
from reports.summary import build_summary
from tests.factories import ROOT, make_auditor_pool, make_plan, whole_plan_rubric
from tests.smtp_server import free_port, smtp  # noqa: F401  (smtp is a fixture)
from tests.store_dump import whole_dump
from tests.unit.test_register import plan_row, write_csv
from tests.unit.test_retention import grade_with_comments

scenarios("data_protection/safeguarding.feature", "data_protection/retention_and_trail.feature",
          "data_protection/hostile_input.feature")
TODAY = audit.clock.today()


# --- safeguarding -----------------------------------------------------------------------------------------


def _mailer(port: int) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="audit@example.org",
                    safeguarding_contacts=["dsl@example.org"])


def _world(session, engine, area, smtp, port):
    make_auditor_pool(session, area, per_agency=1)
    for _ in range(3):
        make_plan(session, area)
    cycle = create_cycle(session, area, whole_plan_rubric(), name="Autumn audit", sample_size=3,
                         due_date=TODAY + timedelta(days=20))
    open_cycle(session, cycle)
    session.commit()
    assignment = session.exec(select(Assignment).order_by(Assignment.id)).first()
    controller, inbox = smtp
    return {"session": session, "engine": engine, "cycle": cycle, "assignment": assignment,
            "auditor": session.get(Auditor, assignment.auditor_id), "settings": _mailer(port), "inbox": inbox,
            "live": _mailer(controller.port)}


@given("an auditor with a plan to review and a designated safeguarding contact", target_fixture="world")
def world(session, engine, area, smtp):
    return _world(session, engine, area, smtp, smtp[0].port)


@given("an auditor with a plan to review and a designated safeguarding contact whose mail server is down",
       target_fixture="world")
def world_server_down(session, engine, area, smtp):
    return _world(session, engine, area, smtp, free_port())


@when(parsers.parse('the auditor flags "{concern}"'))
@given(parsers.parse('the auditor has flagged "{concern}"'))
def flags(world, concern):
    # What the page and the API do: record and commit the flag, then email the contact at once.
    session = world["session"]
    flag = raise_flag(session, world["assignment"], world["auditor"], concern)
    session.commit()
    notify_contacts(world["settings"], world["engine"], flag.id)
    session.refresh(flag)
    world["flag"], world["concern"] = flag, concern


@then("the designated contact has received exactly one email naming the plan reference")
def one_email(world):
    assert len(world["inbox"].messages) == 1
    recipients, message = world["inbox"].messages[0]
    assert recipients == ["dsl@example.org"]
    assert flag_view(world["session"], world["flag"]).plan_ref in message.get_content()


@then("the flag is recorded as open with the auditor's code and the concern")
def recorded_open(world):
    flag = world["flag"]
    assert (flag.status, flag.raised_by, flag.concern, flag.notify_status) == (
        "open", world["auditor"].code, world["concern"], "sent")


@then("the board's outputs do not contain the concern")
def not_in_board_outputs(world):
    session, cycle = world["session"], world["cycle"]
    submit_simulated(session, cycle, seed=2)
    score_cycle(session, cycle)
    results = load_cycle_results(session, cycle)
    outputs = [render(build_summary(session, results, TODAY, 5), fmt) for fmt in FORMATS]
    outputs += [render_note(note) for note in feedback_notes(session, results)]
    assert outputs and all(world["concern"] not in body for body in outputs)


@then("the flag is recorded with its email marked failed")
def marked_failed(world):
    flag = world["flag"]
    assert flag.status == "open" and flag.notify_status == "failed" and flag.notify_error
    assert world["inbox"].messages == []


@when("the mail server is back and the alerts are retried")
def retried(world):
    assert retry_notifications(world["live"], world["engine"]) == {"sent": 1, "failed": 0}
    world["session"].refresh(world["flag"])


@when(parsers.parse('the QA lead records "{note}" and closes it with "{closing}"'))
def follow_up(world, note, closing):
    session = world["session"]
    add_note(session, world["flag"], note, "demo-qa-lead")
    close_flag(session, world["flag"], closing, "demo-qa-lead")
    session.commit()


@then("the flag is closed with one follow-up note")
def closed(world):
    view = flag_view(world["session"], world["flag"])
    assert view.flag.status == "closed" and len(view.notes) == 1 and view.flag.closure_note


@then("no more notes can be added")
def no_more_notes(world):
    with pytest.raises(Conflict):
        add_note(world["session"], world["flag"], "Too late.", "demo-qa-lead")


# --- retention --------------------------------------------------------------------------------------------


@given("a scorecard submitted 800 days ago with comments and one submitted last week", target_fixture="cards")
def cards(session, area):
    from audit.store.models import utcnow

    make_auditor_pool(session, area, per_agency=1)
    for _ in range(2):
        make_plan(session, area)
    now = utcnow()
    cycle = create_cycle(session, area, whole_plan_rubric(), name="Old", sample_size=2,
                         due_date=(now + timedelta(days=30)).date())
    open_cycle(session, cycle)
    old, new = session.exec(select(Assignment).order_by(Assignment.id)).all()[:2]
    grade_with_comments(session, old, now - timedelta(days=800))
    grade_with_comments(session, new, now - timedelta(days=7))
    session.commit()
    return {"old": old, "new": new, "session": session}


@given(parsers.parse("a retention period of {days:d} days for comments"), target_fixture="policy")
def policy(days):
    return RetentionPolicy(comment_days=days, safeguarding_days=365)


@when("the retention purge runs", target_fixture="purge")
def purge(cards, policy):
    with acting_as("cli:records-officer"):
        result = purge_expired(cards["session"], policy)
        cards["session"].commit()
    return result


def _comments(session, assignment) -> set[str]:
    card = session.exec(select(Scorecard).where(Scorecard.assignment_id == assignment.id)).one()
    return {g.comment for g in session.exec(select(CriterionGrade).where(CriterionGrade.scorecard_id == card.id))}


@then("the old scorecard's comments are empty and its grades are kept")
def old_purged(cards):
    session = cards["session"]
    assert _comments(session, cards["old"]) == {""}
    assert all(g.grade for g in session.exec(select(CriterionGrade)))


@then("last week's comments are kept")
def new_kept(cards):
    assert _comments(cards["session"], cards["new"]) == {"Provision is not quantified."}


@then("the purge is recorded with what was purged, how many, when and by whom")
def purge_recorded(cards, purge):
    record = cards["session"].exec(select(PurgeRecord).where(PurgeRecord.what == COMMENTS)).one()
    assert record.rows == purge.counts[COMMENTS] > 0 and record.by == "cli:records-officer" and record.at


# --- the audit trail --------------------------------------------------------------------------------------


@given(parsers.parse('a plan was changed by "{actor}"'), target_fixture="changed")
def changed(session, area, actor):
    with acting_as(actor):
        plan = make_plan(session, area, team="North")
        session.commit()
        plan.team = "South"
        session.commit()
    entry = session.exec(select(TrailEntry).where(TrailEntry.action == "update")).one()
    return {"entry_id": entry.id, "actor": actor}


@when(parsers.parse('someone tries to change the trail entry to name "{other}"'), target_fixture="attempt")
def try_to_change(engine, changed, other):
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE trailentry SET actor = :a WHERE id = :id"),
                               {"a": other, "id": changed["entry_id"]})
    except DatabaseError as exc:
        return exc
    return None


@then("the database refuses the change")
def refused(attempt):
    assert attempt is not None and "append-only" in str(attempt)


@then(parsers.parse('the trail still names "{actor}" and verifies'))
def still_names(session, changed, actor):
    session.expire_all()
    assert session.get(TrailEntry, changed["entry_id"]).actor == actor
    assert verify_chain(session).ok


@when("the trail entry is changed directly in the database file with its guard removed")
def tamper(engine, session, changed):
    session.rollback()  # end the reading transaction: PostgreSQL's DROP TRIGGER waits for every reader's lock
    with engine.begin() as connection:
        guard = ("DROP TRIGGER trailentry_no_change ON trailentry" if engine.dialect.name == "postgresql"
                 else "DROP TRIGGER trailentry_no_update")
        connection.execute(text(guard))
        connection.execute(text("UPDATE trailentry SET actor = 'web:someone-else' WHERE id = :id"),
                           {"id": changed["entry_id"]})


@then("verifying the trail names that entry as changed")
def detected(session, changed):
    check = verify_chain(session)
    assert not check.ok and check.broken_at == changed["entry_id"]


# --- hostile input ----------------------------------------------------------------------------------------


@given(parsers.re(r"a register file whose team on row 3 is '(?P<value>.*)'"), target_fixture="register")
def register_with_team(tmp_path, value):
    return write_csv(tmp_path / "register.csv", [plan_row("P-1"), plan_row("P-2", team=value)])


@given(parsers.parse('a register file whose case officer on row 2 is "{value}"'), target_fixture="register")
def register_with_officer(tmp_path, value):
    return write_csv(tmp_path / "register.csv", [plan_row("P-1", case_officer=value), plan_row("P-2")])


@when("the register is imported", target_fixture="rejection")
def imported(session, area, register):
    with pytest.raises(InputRejected) as caught:
        import_register(session, area, register)
    return caught.value


@then(parsers.parse("it is rejected naming the file, row {row:d}, the column {column} and a fix"))
def rejected(rejection, row, column):
    [problem] = rejection.problems
    assert (problem.row, problem.column) == (row, column) and problem.fix
    assert problem.file and rejection.what.endswith(problem.file)


@given("an auditor's scorecard for an open cycle graded Good, with a second grade column graded Inadequate",
       target_fixture="scorecard")
def scorecard_twice(session, area, tmp_path):
    make_auditor_pool(session, area, per_agency=1)
    for _ in range(2):
        make_plan(session, area)
    cycle = create_cycle(session, area, whole_plan_rubric(), name="Two grades", sample_size=2,
                         due_date=audit.clock.today() + timedelta(days=21))
    open_cycle(session, cycle)
    auditor = session.exec(select(Auditor).where(Auditor.code == "AUD-ED-01")).one()
    path = tmp_path / "card.csv"
    write_template(session, cycle, auditor, path)
    session.commit()
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    grade = rows[0].index("grade")
    with path.open("w", encoding="utf-8", newline="") as handle:  # the last column would win, were it read
        csv.writer(handle).writerows([rows[0] + ["grade"]] + [r[:grade] + ["Good"] + r[grade + 1:] + ["Inadequate"]
                                                              for r in rows[1:]])
    return path


@when("the scorecard is imported", target_fixture="rejection")
def scorecard_imported(session, scorecard, before):
    with pytest.raises(InputRejected) as caught:
        import_scorecard_file(session, scorecard)
    return caught.value


@pytest.fixture
def before(session) -> dict:
    """The whole store as it was when a step asked for it (before an import)."""
    session.commit()
    return whole_dump(session.get_bind())


@then("the store is exactly as it was before the import")
def store_unchanged(session, before):
    session.rollback()
    assert whole_dump(session.get_bind()) == before


@pytest.fixture
def operator(tmp_path, monkeypatch, database_url):
    """The command line on a store of its own, as an operator runs it."""
    monkeypatch.setenv("EHCP_AUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("EHCP_AUDIT_RUBRICS_DIR", str(ROOT / "rubrics"))
    monkeypatch.setenv("EHCP_AUDIT_DATABASE_URL", database_url)
    monkeypatch.setenv("EHCP_AUDIT_AREA_CODE", "FILES")
    get_settings.cache_clear()
    (tmp_path / "work").mkdir()
    yield tmp_path / "work"  # where the operator works: the store and the data folder are beside it
    get_settings.cache_clear()


@given(parsers.parse('an open cycle whose education auditor\'s code was changed to "{code}" straight in the store'))
def stored_odd_code(operator, code):
    from ehcp_audit_cli.common import store

    with store() as session:
        area = get_area(session, "FILES", create=True)
        make_auditor_pool(session, area, per_agency=1)
        for _ in range(2):
            make_plan(session, area)
        open_cycle(session, create_cycle(session, area, whole_plan_rubric(), name="Files", sample_size=2,
                                         due_date=audit.clock.today() + timedelta(days=21)))
    with store() as session:  # not through an import, so no check runs: what defence in depth is for
        session.execute(update(Auditor).where(Auditor.code == "AUD-ED-01").values(code=code))


@when(parsers.parse('the QA lead writes every auditor\'s scorecard template into the folder "{folder}"'),
      target_fixture="templates")
def write_templates(operator, folder):
    from typer.testing import CliRunner

    from ehcp_audit_cli.main import app

    result = CliRunner().invoke(app, ["scorecards", "template", "1", "--out", str(operator / folder),
                                      "--format", "csv"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return operator / folder


@then(parsers.parse('every template is a file directly in "{folder}", the odd code\'s made safe'))
def all_in_folder(operator, templates, folder):
    assert templates == operator / folder
    names = sorted(p.name for p in templates.iterdir())
    assert names and all(p.is_file() for p in templates.iterdir())
    assert "scorecard-cycle-1-AUD-HE-01.csv" in names
    assert any(n.startswith("scorecard-cycle-1-escaped-") for n in names), names


@then("nothing was written anywhere else")
def nothing_elsewhere(operator, templates):
    assert sorted(operator.rglob("*")) == sorted([templates.parent, templates, *templates.iterdir()])
    assert sorted(p.name for p in operator.parent.iterdir() if p.name != "work" and not p.name.startswith(
        ("ehcp-audit.db", "data"))) == []


@then("no plan was stored")
def nothing_stored(session):
    assert session.exec(select(Plan)).all() == []


@given(parsers.parse('a stored plan whose team reads "{value}"'), target_fixture="stored")
def stored(session, area, value):
    return make_plan(session, area, team=value)


@when("the register is exported as CSV and as a workbook", target_fixture="exports")
def exported(tmp_path, stored):
    row = stored.model_dump()
    paths = {suffix: tmp_path / f"register{suffix}" for suffix in (".csv", ".xlsx")}
    for path in paths.values():
        write_register([row], path)
    return paths


@then("both exports show the team as text beginning with an apostrophe")
def escaped(exports, stored):
    from_csv = next(iter(csv.DictReader(exports[".csv"].open(encoding="utf-8"))))["team"]
    cell = openpyxl.load_workbook(exports[".xlsx"]).active["B2"]
    assert from_csv == "'" + stored.team and cell.value == "'" + stored.team and cell.data_type == "s"
