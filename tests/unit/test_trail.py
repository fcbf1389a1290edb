"""The audit trail: every change recorded with who, when, before and after; append-only; hash-chained."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import delete, insert, text, update
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, select

from audit.protection.users import create_api_token, create_user
from audit.register.auditors import import_auditors
from audit.register.plans import import_register, write_register
from audit.store.actor import acting_as, as_actor, cli_actor, current_actor
from audit.store.db import transaction
from audit.store.models import Auditor, CriterionGrade, LocalArea, Plan, TrailEntry, User
from audit.store.trail import SECRET, verify_chain
from audit.store.trail_guard import POSTGRESQL_GUARDS, SQLITE_GUARDS, guard_statements
from tests.factories import make_auditor, make_plan


def remove_guard(connection, operation: str) -> None:
    """What someone holding the database could do: drop the trigger that refuses an UPDATE or DELETE."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("DROP TRIGGER trailentry_no_change ON trailentry"))
    else:
        connection.execute(text(f"DROP TRIGGER trailentry_no_{operation}"))


def entries(engine) -> list[TrailEntry]:
    with Session(engine) as s:
        return list(s.exec(select(TrailEntry).order_by(TrailEntry.id)).all())


def test_a_created_row_is_recorded_with_who_when_and_its_values(engine, session, area):
    with acting_as("web:qa-1"):
        plan = make_plan(session, area, team="South")
        session.commit()
    entry = next(e for e in entries(engine) if e.table_name == "plan")
    assert (entry.actor, entry.action, entry.row_key, entry.rows, entry.before) == ("web:qa-1", "create", str(plan.id), 1, None)
    assert entry.after["plan_ref"] == plan.plan_ref and entry.after["team"] == "South"
    assert entry.after["request_date"] == "2025-01-06"  # dates as ISO text, so the entry reads back as hashed


def test_an_update_records_only_what_changed_before_and_after(engine, session, area):
    plan = make_plan(session, area, team="North")
    session.commit()
    with acting_as("cli:operator"):
        plan.team = "East"
        plan.status = "ceased"
        session.commit()
    update_entry = entries(engine)[-1]
    assert (update_entry.action, update_entry.actor, update_entry.row_key) == ("update", "cli:operator", str(plan.id))
    assert update_entry.before == {"team": "North", "status": "active"}
    assert update_entry.after == {"team": "East", "status": "ceased"}


def test_a_delete_records_the_row_as_it_was(engine, session, area):
    auditor = make_auditor(session, area, "AUD-X", "health", team="Acute")
    session.commit()
    session.delete(auditor)
    session.commit()
    last = entries(engine)[-1]
    assert (last.action, last.table_name, last.after) == ("delete", "auditor", None)
    assert last.before["code"] == "AUD-X" and last.before["team"] == "Acute"


def test_nothing_is_recorded_for_work_that_is_rolled_back(engine, session, area):
    before = len(entries(engine))
    make_plan(session, area)
    session.rollback()
    with session.begin_nested():
        make_plan(session, area)
    savepoint = session.begin_nested()
    make_plan(session, area)
    savepoint.rollback()
    session.commit()
    assert len(entries(engine)) == before + 1  # only the plan of the savepoint that was kept


def test_password_and_token_hashes_are_never_copied(engine, session, area):
    user = create_user(session, "qa-one", "a-long-password-1", "qa_lead")
    create_api_token(session, user, "dashboard")
    session.commit()
    user.password_hash = "changed"
    session.commit()
    recorded = [e for e in entries(engine) if e.table_name in ("user", "apitoken")]
    assert [e.action for e in recorded] == ["create", "create", "update"]
    assert recorded[0].after["password_hash"] == SECRET and recorded[1].after["token_hash"] == SECRET
    assert recorded[2].before == {"password_hash": SECRET} and recorded[2].after == {"password_hash": SECRET}
    stored = session.exec(select(User)).one().password_hash
    assert all(stored not in str(e.before) + str(e.after) for e in entries(engine))


def test_comments_are_recorded_by_length_only_so_a_purge_removes_them(engine, session, area):
    if engine.dialect.name != "sqlite":  # the recording is the same on both; the bare row needs SQLite's pragma
        pytest.skip("a grade row without its scorecard needs foreign keys off, which only SQLite allows")
    session.add(CriterionGrade(scorecard_id=1, section="A", criterion_id="A1", grade=2, comment="Outcomes vague"))
    session.execute(text("PRAGMA foreign_keys=OFF"))  # a bare grade row, without its scorecard, for this check
    session.commit()
    recorded = entries(engine)[-1]
    assert recorded.after["comment"] == "[text, 14 characters]"
    assert "Outcomes" not in str(recorded.after)


def test_a_bulk_import_is_one_summarised_entry_per_statement_naming_every_row(engine, session, area, tmp_path):
    rows = [{"plan_ref": f"B-{i:03d}", "team": "North", "phase": "primary", "year_group": "4", "primary_need": "ASD",
             "setting_type": "Mainstream", "status": "active", "case_officer": "CO-1", "request_date": "2025-01-06"}
            for i in range(30)]
    write_register(rows, tmp_path / "register.csv")
    with acting_as("cli:importer"):
        import_register(session, area, tmp_path / "register.csv")
    bulk = [e for e in entries(engine) if e.table_name == "plan"]
    assert len(bulk) == 1
    entry = bulk[0]
    assert (entry.action, entry.rows, entry.row_key, entry.actor) == ("bulk create", 30, None, "cli:importer")
    assert entry.after["key_columns"] == ["area_id", "plan_ref"]
    assert [k[1] for k in entry.after["keys"]] == [r["plan_ref"] for r in rows]
    rows[3]["team"] = "South"
    write_register(rows, tmp_path / "register.csv")
    import_register(session, area, tmp_path / "register.csv")
    changed = entries(engine)[-1]
    assert (changed.action, changed.rows) == ("bulk update", 1)
    assert "team" in changed.after["columns"] and changed.after["keys"] == [session.exec(
        select(Plan.id).where(Plan.plan_ref == "B-003")).one()]


def test_core_and_driver_statements_outside_a_flush_are_recorded_too(engine, session, area):
    session.execute(insert(Auditor), [{"area_id": area.id, "code": f"C-{i}", "agency": "health"} for i in range(3)])
    session.execute(update(Auditor).where(Auditor.code == "C-1").values(team="Ward 2"))
    session.exec(delete(Auditor).where(Auditor.code == "C-2"))
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"  # the driver's own placeholder
    session.connection().exec_driver_sql(
        f'INSERT INTO "auditor" ("area_id", "code", "agency", "team", "active") VALUES ({", ".join([mark] * 5)})',
        [(area.id, "D-1", "education", "", True)])
    session.commit()
    recorded = [(e.action, e.rows) for e in entries(engine) if e.table_name == "auditor"]
    assert recorded == [("bulk create", 3), ("bulk update", 1), ("bulk delete", 1), ("bulk create", 1)]
    assert entries(engine)[-2].after["parameters"] == {"code_1": "C-2"}


def test_the_database_refuses_to_change_or_remove_an_entry(engine, session, area):
    make_plan(session, area)
    session.commit()
    with engine.connect() as connection:
        for statement in ("UPDATE trailentry SET actor = 'someone else'", "DELETE FROM trailentry"):
            with pytest.raises(DatabaseError, match="append-only"):
                connection.execute(text(statement))
            connection.rollback()
    entry = session.exec(select(TrailEntry)).first()
    entry.actor = "rewritten"
    with pytest.raises(DatabaseError, match="append-only"):
        session.commit()
    session.rollback()
    assert {e.actor for e in entries(engine)} == {"system"}


def test_the_chain_verifies_and_names_the_first_entry_changed_outside_the_app(engine, session, area):
    for team in ("North", "South", "East", "West"):
        make_plan(session, area, team=team)
        session.commit()
    check = verify_chain(session)
    assert check.ok and check.entries == len(entries(engine)) and check.head_id == entries(engine)[-1].id
    target = entries(engine)[2]
    session.rollback()  # end the reading transaction: PostgreSQL's DROP TRIGGER waits for every reader's lock
    with engine.begin() as connection:  # someone with the database file, bypassing the application
        remove_guard(connection, "update")
        after = {**target.after, "team": "Elsewhere"}
        cast = "CAST(:after AS JSON)" if engine.dialect.name == "postgresql" else ":after"
        connection.execute(text(f"UPDATE trailentry SET after = {cast} WHERE id = :id"),
                           {"id": target.id, "after": json.dumps(after)})
    check = verify_chain(session)
    assert not check.ok and check.broken_at == target.id and "changed" in check.problem


def test_a_removed_entry_breaks_the_link_and_a_kept_head_catches_a_shortened_tail(engine, session, area):
    for _ in range(4):
        make_plan(session, area)
        session.commit()
    head = verify_chain(session)
    ids = [e.id for e in entries(engine)]
    session.rollback()  # as above: release the reader's lock before the trigger is dropped
    with engine.begin() as connection:
        remove_guard(connection, "delete")
        connection.execute(text("DELETE FROM trailentry WHERE id = :id"), {"id": ids[1]})
    check = verify_chain(session)
    assert check.broken_at == ids[2] and "removed" in check.problem
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM trailentry WHERE id >= :id"), {"id": ids[1]})
    assert verify_chain(session).ok  # the shortened chain is consistent by itself...
    check = verify_chain(session, expect=(head.head_id, head.head_hash))
    assert not check.ok and "no longer in the trail" in check.problem  # ...but not with the head kept earlier


def test_the_actor_context_and_its_default(engine, session, area):
    assert current_actor() == "system"
    with acting_as("flow:audit-cycle"):
        assert current_actor() == "flow:audit-cycle"
        with acting_as("web:someone"):
            assert current_actor() == "web:someone"
        assert current_actor() == "flow:audit-cycle"
    assert current_actor() == "system"
    assert cli_actor().startswith("cli:") and len(cli_actor()) > 4

    @as_actor("flow:test")
    def work(x: int) -> str:
        """A flow body."""
        return f"{current_actor()} {x}"

    assert work(3) == "flow:test 3" and work.__doc__ == "A flow body." and current_actor() == "system"


def test_other_tables_of_the_same_engine_are_left_alone(engine):
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE scratch (x INTEGER)"))
        connection.execute(text("INSERT INTO scratch VALUES (1)"))
    assert entries(engine) == []


def test_guard_ddl_exists_for_both_dialects_and_nothing_else():
    assert guard_statements("sqlite") == SQLITE_GUARDS and guard_statements("postgresql") == POSTGRESQL_GUARDS
    assert guard_statements("mysql") == []
    pg = "\n".join(POSTGRESQL_GUARDS)
    assert "BEFORE UPDATE OR DELETE ON trailentry" in pg and "BEFORE TRUNCATE ON trailentry" in pg
    assert "FOR EACH STATEMENT" in pg and "RETURNS trigger" in pg


def test_import_through_a_transaction_is_recorded_once(engine, area, tmp_path):
    write_register([{"plan_ref": "Q-1", "team": "North", "phase": "primary", "year_group": "4",
                     "primary_need": "ASD", "setting_type": "Mainstream", "status": "active",
                     "case_officer": "CO-1", "request_date": date(2025, 1, 6)}], tmp_path / "r.csv")
    (tmp_path / "a.csv").write_text("code,agency\nAUD-1,health\n", encoding="utf-8")
    with transaction(engine) as s:
        import_register(s, s.get(LocalArea, area.id), tmp_path / "r.csv")
        import_auditors(s, s.get(LocalArea, area.id), tmp_path / "a.csv")
    assert [(e.table_name, e.action) for e in entries(engine)] == [
        ("localarea", "create"), ("plan", "bulk create"), ("auditor", "bulk create")]


def test_an_orm_update_the_orm_adds_returning_to_is_counted_right(engine, session, area):
    for code in ("R-1", "R-2", "R-3"):
        make_auditor(session, area, code, "health")
    session.commit()
    # A subquery cannot be evaluated in Python, so the ORM fetches the matched keys with RETURNING.
    session.execute(update(Auditor).where(Auditor.id.in_(select(Auditor.id).where(Auditor.code != "R-2")))
                    .values(team="Ward 9"))
    session.commit()
    last = entries(engine)[-1]
    assert (last.action, last.rows, last.after["columns"]) == ("bulk update", 2, ["team"])
