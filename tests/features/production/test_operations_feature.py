"""Steps for operations.feature: the production database guard, workers' flows on a missing store, serve's
assets, Secure cookies and HSTS, health endpoints and command, secrets from files."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from pytest_bdd import given, parsers, scenarios, then, when
from typer.testing import CliRunner

from audit.errors import AuditError
from audit.settings import Settings, get_settings
from audit.store import migrate
from audit.store.db import engine_from_settings
from ehcp_audit_cli.main import app as cli
from ehcp_audit_cli.web_cmds import serve_settings
from tests.factories import ROOT
from tests.prefect_server import stop_process
from tests.smtp_server import free_port

scenarios("production/operations.feature")
runner = CliRunner()


@pytest.fixture
def ctx(tmp_path, monkeypatch):
    """An empty working folder and an environment with no EHCP_AUDIT_* database settings."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    for name in ("EHCP_AUDIT_DATABASE_URL", "EHCP_AUDIT_DATA_DIR", "EHCP_AUDIT_ENVIRONMENT", "EHCP_AUDIT_COOKIE_SECURE",
                 "EHCP_AUDIT_DATABASE_URL_FILE", "EHCP_AUDIT_SECRET_KEY_FILE", "EHCP_AUDIT_SMTP_PASSWORD_FILE",
                 "PREFECT_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EHCP_AUDIT_RUBRICS_DIR", str(ROOT / "rubrics"))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    # The default store's URL is relative (data/ehcp-audit.db): an engine an earlier test in this process made for
    # it holds a connection to that test's folder, so forget it and this folder's store is made afresh.
    from audit.store.db import forget_engine

    forget_engine(get_settings().resolved_database_url)
    ctx = {"folder": folder, "tmp": tmp_path, "mp": monkeypatch}
    yield ctx
    get_settings.cache_clear()
    if ctx.get("prefect"):
        stop_process(ctx["prefect"])


def setenv(ctx, **values):
    for key, value in values.items():
        ctx["mp"].setenv(key, value)
    get_settings.cache_clear()


def db_files(ctx) -> list:
    return sorted(p.name for p in ctx["tmp"].rglob("*.db"))


# --- the production database guard ---------------------------------------------------------------------------


@given(parsers.parse("a production environment whose database is {database}"))
def production(ctx, database):
    setenv(ctx, EHCP_AUDIT_ENVIRONMENT="production")
    if database == "a SQLite file that does not exist":
        setenv(ctx, EHCP_AUDIT_DATABASE_URL=f"sqlite:///{ctx['tmp'] / 'store' / 'missing.db'}")
    elif database == "a PostgreSQL server that is not running":
        setenv(ctx, EHCP_AUDIT_DATABASE_URL=f"postgresql://ehcp_audit@127.0.0.1:{free_port()}/ehcp_audit")
    elif database == "an existing SQLite file without tables":
        path = ctx["tmp"] / "empty.db"
        sqlite3.connect(path).close()
        setenv(ctx, EHCP_AUDIT_DATABASE_URL=f"sqlite:///{path}")
    ctx["files_before"] = db_files(ctx)


@given("a development environment with no database configured")
def development(ctx):
    ctx["files_before"] = db_files(ctx)


@when("the engineer runs a command")
def run_command(ctx):
    ctx["result"] = runner.invoke(cli, ["users", "list"])


@when("the engineer runs the schema upgrade")
def run_upgrade(ctx):
    ctx["result"] = runner.invoke(cli, ["db", "upgrade"])


@then(parsers.parse('it stops, saying "{message}"'))
def stops(ctx, message):
    result = ctx["result"]
    assert result.exit_code == 1, result.output
    assert message in " ".join(result.output.split()), result.output


@then("no database file was made")
def nothing_made(ctx):
    assert db_files(ctx) == ctx["files_before"]


@then("it succeeds and the embedded SQLite store exists")
def embedded(ctx):
    assert ctx["result"].exit_code == 0, ctx["result"].output
    assert (ctx["folder"] / "data" / "ehcp-audit.db").exists()


# --- workers' flows -------------------------------------------------------------------------------------------


@given("a worker started in an empty folder without EHCP_AUDIT_DATABASE_URL")
def bare_worker(ctx):
    ctx["files_before"] = db_files(ctx)


@when(parsers.parse("the {name} flow runs"))
def run_flow(ctx, name):
    from flows.chase import chase
    from flows.programme import continue_due_cycles
    from flows.retention import retention_purge
    from flows.safeguarding import safeguarding_alerts

    flow = {"chase": chase, "retention-purge": retention_purge, "continue-due-cycles": continue_due_cycles,
            "safeguarding-alerts": safeguarding_alerts}[name]
    with pytest.raises(AuditError) as raised:
        flow.fn()  # the flow's body: in a flow run the exception makes the run Failed
    ctx["error"] = str(raised.value)


@then(parsers.parse('the run fails, saying "{message}"'))
def run_fails(ctx, message):
    assert message in ctx["error"] and "There is no database at" in ctx["error"], ctx["error"]


# --- serve ----------------------------------------------------------------------------------------------------


@given("the GOV.UK Frontend files are not installed")
def no_assets(ctx):
    import web.app

    ctx["mp"].setattr(web.app, "NODE_MODULES", ctx["tmp"] / "node_modules")


@when("the engineer starts the web app")
def start_web(ctx):
    ctx["result"] = runner.invoke(cli, ["serve", "--port", str(free_port())])


def web_client(ctx, database_url, **environment) -> TestClient:
    from web.app import create_app

    setenv(ctx, EHCP_AUDIT_DATABASE_URL=database_url, EHCP_AUDIT_DATA_DIR=str(ctx["tmp"] / "data"), **environment)
    engine_from_settings(get_settings())  # the store exists, as the engineer made it with db upgrade
    return TestClient(create_app(serve_settings(get_settings(), "127.0.0.1")))


@given("a production web app listening on 127.0.0.1")
def production_web(ctx, database_url):
    ctx["client"] = web_client(ctx, database_url, EHCP_AUDIT_ENVIRONMENT="production")


@given("a production web app listening on 127.0.0.1 with EHCP_AUDIT_COOKIE_SECURE=false")
def production_plain_web(ctx, database_url):
    ctx["client"] = web_client(ctx, database_url, EHCP_AUDIT_ENVIRONMENT="production", EHCP_AUDIT_COOKIE_SECURE="false")


@when("a browser asks for the sign-in page")
def sign_in_page(ctx):
    ctx["response"] = ctx["client"].get("/sign-in")
    assert ctx["response"].status_code == 200


def session_cookie(response) -> str:
    cookie, = [c for c in response.headers.get_list("set-cookie") if c.startswith("ehcp_session=")]
    return cookie.lower()


@then("the session cookie is Secure and Strict-Transport-Security is sent")
def secure(ctx):
    assert "; secure" in session_cookie(ctx["response"])
    assert ctx["response"].headers["strict-transport-security"].startswith("max-age=31536000")


@then("the session cookie is not Secure and no Strict-Transport-Security is sent")
def not_secure(ctx):
    assert "; secure" not in session_cookie(ctx["response"])
    assert "strict-transport-security" not in ctx["response"].headers


# --- health ---------------------------------------------------------------------------------------------------


@given("a web app on a database at the latest schema")
def web_at_head(ctx, database_url):
    ctx["client"] = web_client(ctx, database_url)


@then("/healthz answers 200 and /readyz answers 200")
def healthy(ctx):
    assert ctx["client"].get("/healthz").json() == {"status": "ok"}
    ready = ctx["client"].get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


@when("the database's schema is behind this version")
def behind(ctx):
    head = migrate.head_revision()
    previous = ScriptDirectory.from_config(migrate.alembic_config()).get_revision(head).down_revision
    migrate.stamp(engine_from_settings(get_settings()), previous)


@then(parsers.parse('/readyz answers 503, saying "{message}"'))
def not_ready(ctx, message):
    ready = ctx["client"].get("/readyz")
    assert ready.status_code == 503 and message in ready.json()["problem"], ready.text
    assert ctx["client"].get("/healthz").status_code == 200


@given("a development environment with a store at the latest schema")
def store_at_head(ctx, database_url):
    setenv(ctx, EHCP_AUDIT_DATABASE_URL=database_url)
    engine_from_settings(get_settings())


@when(parsers.parse('the engineer runs "ehcp-audit health" with no Prefect server configured'))
def health_local(ctx):
    ctx["result"] = runner.invoke(cli, ["health"])


@when(parsers.parse('the engineer runs "ehcp-audit health" with a Prefect server that does not answer'))
def health_down(ctx):
    setenv(ctx, PREFECT_API_URL=f"http://127.0.0.1:{free_port()}/api")
    ctx["result"] = runner.invoke(cli, ["health"])


@then(parsers.parse('it succeeds, reporting "{line}"'))
def health_ok(ctx, line):
    assert ctx["result"].exit_code == 0 and line in ctx["result"].output, ctx["result"].output


@then(parsers.parse('it fails, reporting "{line}"'))
def health_fails(ctx, line):
    assert ctx["result"].exit_code == 1 and line in ctx["result"].output, ctx["result"].output
    assert "store: ok" in ctx["result"].output


# --- secrets from files ---------------------------------------------------------------------------------------


@given("the secret key, the database URL and the SMTP password are in files named by *_FILE settings")
def secret_files(ctx):
    secrets = ctx["tmp"] / "credentials"
    secrets.mkdir()
    for name, value in {"secret_key": "k" * 48, "database_url": "postgresql://app:pw@db/ehcp_audit",
                        "smtp_password": "smtp-pw"}.items():
        (secrets / name).write_text(value + "\n", encoding="utf-8")
        setenv(ctx, **{f"EHCP_AUDIT_{name.upper()}_FILE": str(secrets / name)})


@then("the settings hold the files' contents")
def from_files(ctx):
    s = Settings()
    assert (s.secret_key, s.database_url, s.smtp_password) == ("k" * 48, "postgresql://app:pw@db/ehcp_audit", "smtp-pw")


@then("a *_FILE setting naming a file that cannot be read is refused, naming the setting")
def unreadable(ctx):
    setenv(ctx, EHCP_AUDIT_SECRET_KEY_FILE=str(ctx["tmp"] / "nowhere"))
    with pytest.raises(ValueError, match=r"EHCP_AUDIT_SECRET_KEY_FILE names .*nowhere, which cannot be read"):
        Settings()


# --- the Prefect API with authentication (a server of its own: the shared test server has none) ---------------

AUTH = "admin:a-long-test-password"


@given("a Prefect server started with PREFECT_SERVER_API_AUTH_STRING, as docs/operations.md sets it up")
def authenticated_prefect(ctx, database_url):
    import os
    import subprocess

    from tests.prefect_server import BIN, QUIET, _wait_healthy

    home = ctx["tmp"] / "prefect-auth"
    home.mkdir()
    env = {**os.environ, **QUIET, "PREFECT_HOME": str(home), "PREFECT_SERVER_API_AUTH_STRING": AUTH}
    env.pop("PREFECT_API_URL", None)
    port = free_port()
    log = home / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port",
                                    str(port), "--no-ui"], env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    ctx["prefect"] = process  # stopped by the ctx fixture
    ctx["api"] = f"http://127.0.0.1:{port}/api"
    _wait_healthy(ctx["api"], process, log)  # /health answers without the password
    setenv(ctx, EHCP_AUDIT_DATABASE_URL=database_url, PREFECT_API_URL=ctx["api"])
    engine_from_settings(get_settings())


@then("an API call without the password is refused with 401, and one with it answers")
def refused_without_password(ctx):
    import httpx

    assert httpx.post(f"{ctx['api']}/flows/filter", json={}, timeout=10).status_code == 401
    user, password = AUTH.split(":", 1)
    assert httpx.post(f"{ctx['api']}/flows/filter", json={}, auth=(user, password), timeout=10).status_code == 200


@when('the engineer runs "ehcp-audit health" without PREFECT_API_AUTH_STRING')
def health_without_password(ctx):
    ctx["mp"].delenv("PREFECT_API_AUTH_STRING", raising=False)
    ctx["result"] = runner.invoke(cli, ["health"])


@when('the engineer runs "ehcp-audit health" with PREFECT_API_AUTH_STRING')
def health_with_password(ctx):
    from prefect.settings import PREFECT_API_AUTH_STRING, temporary_settings

    with temporary_settings({PREFECT_API_AUTH_STRING: AUTH}):
        ctx["result"] = runner.invoke(cli, ["health"])
