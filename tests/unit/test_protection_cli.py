"""`ehcp-audit retention` and `ehcp-audit safeguarding`: purge with a record, history, list and retry alerts."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from audit.protection.safeguarding import raise_flag
from audit.settings import get_settings
from audit.store.actor import cli_actor
from audit.store.db import engine_from_settings, transaction
from audit.store.models import Assignment, Auditor, CriterionGrade, Scorecard
from audit.synthetic.area import write_synthetic_area
from tests.unit.test_cli import cli_env, run  # noqa: F401  (cli_env is a fixture)


def test_purge_dry_run_then_purge_then_history(cli_env):
    dry = run("retention", "purge", "--dry-run")
    assert dry.exit_code == 0 and "Would purge 0 scorecard comments" in dry.output
    done = run("retention", "purge")
    assert done.exit_code == 0 and "Purged 0 safeguarding concerns" in done.output and cli_actor() in done.output
    history = run("retention", "history")
    assert history.exit_code == 0
    assert history.output.count(cli_actor()) == 5 and "moderation rationales" in history.output


def test_purge_removes_old_comments_through_the_cli(cli_env, monkeypatch):
    files = write_synthetic_area(cli_env / "area", seed=3, n_plans=60, as_of=date(2026, 11, 1))
    run("plans", "import", files["register"])
    run("auditors", "import", files["auditors"])
    assert run("cycle", "create", "--name", "Old", "--sample-size", 4, "--due", "2099-01-31").exit_code == 0
    engine = engine_from_settings(get_settings())
    from audit.cycle.lifecycle import get_cycle, open_cycle
    from audit.synthetic.submissions import submit_simulated

    with transaction(engine) as session:
        cycle = get_cycle(session, 1)
        open_cycle(session, cycle)
        submit_simulated(session, cycle, seed=3)
    with transaction(engine) as session:  # the scorecards were submitted three years ago
        for card in session.exec(select(Scorecard)).all():
            card.submitted_at = card.submitted_at - timedelta(days=3 * 365)
        commented = len(session.exec(select(CriterionGrade).where(CriterionGrade.comment != "")).all())
    assert commented > 0
    result = run("retention", "purge")
    assert result.exit_code == 0 and f"Purged {commented} scorecard comments" in result.output
    with transaction(engine) as session:
        assert session.exec(select(CriterionGrade).where(CriterionGrade.comment != "")).all() == []


def test_safeguarding_list_and_notify(cli_env):
    files = write_synthetic_area(cli_env / "area", seed=3, n_plans=40, as_of=date(2026, 11, 1))
    run("plans", "import", files["register"])
    run("auditors", "import", files["auditors"])
    run("cycle", "create", "--name", "Now", "--sample-size", 2, "--due", "2099-01-31")
    engine = engine_from_settings(get_settings())
    from audit.cycle.lifecycle import get_cycle, open_cycle

    with transaction(engine) as session:
        open_cycle(session, get_cycle(session, 1))
        assignment = session.exec(select(Assignment)).first()
        raise_flag(session, assignment, session.get(Auditor, assignment.auditor_id), "A worrying entry in section B.")
    listed = run("safeguarding", "list")
    assert listed.exit_code == 0 and "SG-1" in listed.output and "pending" in listed.output
    assert "worrying" not in listed.output  # the concern text stays on the web page
    notify = run("safeguarding", "notify")  # pending for under five minutes: not yet due for a retry
    assert notify.exit_code == 0 and "0 alert(s) sent, 0 still failing" in notify.output
