"""A synthetic area with an open cycle and one demo account per role, copied fresh for every web test."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

import audit.clock
from audit.cycle.lifecycle import create_cycle, get_area, open_cycle
from audit.protection.users import DEMO_PASSWORD, ensure_demo_users
from audit.register.auditors import import_auditors
from audit.register.plans import import_register
from audit.settings import Settings, get_settings
from audit.store.db import engine_from_settings, forget_engine, transaction
from audit.store.models import Assignment, User
from audit.synthetic.area import write_synthetic_area
from tests.databases import copy_store, drop_store, new_store_url
from tests.factories import ROOT, whole_plan_rubric
from web.app import create_app

AREA = "WEBTEST"


def web_settings(folder, database_url: str | None = None) -> Settings:
    """The web tests' settings; the store is `database_url`, or a new one on the database under test."""
    return Settings(data_dir=folder, database_url=database_url or new_store_url(folder), area_code=AREA,
                    rubrics_dir=ROOT / "rubrics", secret_key="k" * 48,
                    cookie_secure=False, reports_dir=folder / "reports")


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """Built once per worker: 150 synthetic plans, their auditors, an open cycle of 4 plans, demo accounts."""
    folder = tmp_path_factory.mktemp("web-template")
    settings = web_settings(folder)
    files = write_synthetic_area(folder / "area", seed=11, n_plans=150, as_of=audit.clock.today())
    engine = engine_from_settings(settings)
    with transaction(engine) as session:
        area = get_area(session, AREA, create=True, name="Web test area")
        import_register(session, area, files["register"])
    with transaction(engine) as session:
        area = get_area(session, AREA)
        import_auditors(session, area, files["auditors"])
        cycle = create_cycle(session, area, whole_plan_rubric(), name="Web test cycle", sample_size=4,
                             due_date=audit.clock.today() + timedelta(days=21), seed=3)
        open_cycle(session, cycle)
    with transaction(engine) as session:
        ensure_demo_users(session, get_area(session, AREA))
    forget_engine(settings.database_url)  # a template is copied only with no connection open to it
    return settings.database_url


@pytest.fixture
def settings(template_db, tmp_path) -> Settings:
    url = copy_store(template_db, tmp_path)
    yield web_settings(tmp_path, url)
    drop_store(url)


@pytest.fixture
def triggered():
    """Calls the app made to continue the cycle flow (instead of running Prefect)."""
    return []


@pytest.fixture
def app(settings, triggered):
    app = create_app(settings)
    app.state.continue_cycle = lambda s, cycle_id, finalise=False: triggered.append((cycle_id, finalise))
    return app


@pytest.fixture
def client(app):
    with TestClient(app, follow_redirects=False) as c:
        yield c


def flows_started(app) -> None:
    """Wait for the flow threads the app started (here they only record the call)."""
    for thread in app.state.flow_threads:
        thread.join(10)


def engine_of(app):
    return app.state.engine


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "every page carries a CSRF token"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token for later posts."""
    token = csrf_of(client.get("/sign-in").text)
    response = client.post("/sign-in", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 303, response.text
    return csrf_of(client.get(response.headers["location"], follow_redirects=True).text)


def user_named(app, username: str) -> User:
    with transaction(engine_of(app)) as session:
        return session.exec(select(User).where(User.username == username)).one()


def auditor_users(app) -> list[User]:
    with transaction(engine_of(app)) as session:
        return list(session.exec(select(User).where(User.role == "auditor").order_by(User.username)).all())


def assignments_of(app, user: User) -> list[Assignment]:
    with transaction(engine_of(app)) as session:
        return list(session.exec(select(Assignment).where(Assignment.auditor_id == user.auditor_id)
                                 .order_by(Assignment.id)).all())


@pytest.fixture
def scored(app):
    """Cycle 1 with every scorecard in (simulated auditors), scored and its actions raised: it has results."""
    from audit.cycle.lifecycle import get_cycle
    from audit.improvement.actions import raise_actions
    from audit.results.analysis import load_cycle_results
    from audit.results.cycle_scores import score_cycle
    from audit.synthetic.submissions import submit_simulated

    with transaction(engine_of(app)) as session:
        cycle = get_cycle(session, 1)
        submit_simulated(session, cycle, seed=2)
        score_cycle(session, cycle)
        raise_actions(session, load_cycle_results(session, cycle), app.state.settings, audit.clock.today())
    return 1


@pytest.fixture
def cli_store(settings, monkeypatch):
    """The CLI on the web tests' store (demo accounts for every role), with the slow bodies stubbed out."""
    from audit.errors import AuditError

    monkeypatch.setenv("EHCP_AUDIT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("EHCP_AUDIT_AREA_CODE", settings.area_code)
    monkeypatch.setenv("EHCP_AUDIT_RUBRICS_DIR", str(ROOT / "rubrics"))
    monkeypatch.setenv("EHCP_AUDIT_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.delenv("EHCP_AUDIT_AS_USER", raising=False)
    monkeypatch.chdir(settings.data_dir)

    def stop(*args, **kwargs):
        raise AuditError("stopped by the test once the command was let in")

    # Past the permission check these would start a server or Prefect: stop them there.
    monkeypatch.setattr("uvicorn.run", stop)
    monkeypatch.setattr("flows.runtime.configure_local_prefect", stop)
    monkeypatch.setattr("audit.synthetic.area.write_synthetic_area", stop)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def run_cli(*args: str):
    """Invoke `ehcp-audit` in this process (with the cli_store fixture's environment)."""
    from typer.testing import CliRunner

    from ehcp_audit_cli.main import app as cli_app

    return CliRunner().invoke(cli_app, list(args), catch_exceptions=False)
