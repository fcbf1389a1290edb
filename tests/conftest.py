"""Shared fixtures: a fresh store per test (SQLite in memory, or PostgreSQL: tests/databases.py), an area, files."""

from __future__ import annotations

import os

# Prefect must never reach for the network or a shared home, even when a test imports it indirectly.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
# The CLI prints rich tables; without a terminal rich wraps them at 80 columns, wherever the console was made.
os.environ["COLUMNS"] = "200"

import pytest
from hypothesis import settings as hypothesis_settings

# Hypothesis's per-example deadline is a timing check; on a loaded 2-core CI machine it fails pure-logic
# properties for being slow. Speed belongs to the benchmarks (make bench), so the suite has no deadline.
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from audit.store.db import init_db, make_engine
from audit.store.models import LocalArea
from tests.databases import BACKEND, drop_store, new_store_url, on_postgresql, server_url, start_cluster, stop_cluster
from tests.prefect_server import prefect_server  # noqa: F401  (a fixture: a real Prefect server for subprocesses)


def pytest_configure(config):
    start_cluster(config)  # EHCP_AUDIT_TEST_DATABASE=postgresql: a throwaway cluster for the whole run


def pytest_unconfigure(config):
    stop_cluster(config)


def pytest_report_header(config):
    return f"database: {BACKEND}" + (f" ({server_url()})" if on_postgresql() else "")


class TestClock:
    """Sets the product's one clock (audit/clock.py) for a test: in this process and in its subprocesses."""

    def __init__(self, monkeypatch):
        self._monkeypatch = monkeypatch
        self._frozen = None

    def set(self, moment):
        """Stop the clock at `moment` (a date means 09:00 UTC), here and in every child process."""
        from audit import clock

        self.release()
        self._frozen = clock.freeze(moment)
        at = self._frozen.__enter__()
        for name, value in clock.environment_for(at).items():
            self._monkeypatch.setenv(name, value)
        return at

    def release(self):
        if self._frozen is not None:
            self._frozen.__exit__(None, None, None)
            self._frozen = None


@pytest.fixture
def clock(monkeypatch):
    """`clock.set(date(2026, 11, 20))`: the product sees that moment until the test ends."""
    test_clock = TestClock(monkeypatch)
    yield test_clock
    test_clock.release()


@pytest.fixture
def database_url(tmp_path):
    """A new empty store's URL on the database under test; pass it as Settings(database_url=...)."""
    url = new_store_url(tmp_path)
    yield url
    drop_store(url)


@pytest.fixture
def engine(tmp_path):
    if on_postgresql():
        url = new_store_url(tmp_path)
        engine = make_engine(url)
        init_db(engine)
        yield engine
        engine.dispose()
        drop_store(url)
        return
    # StaticPool keeps one connection so every session sees the same in-memory database.
    engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
    init_db(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def area(session) -> LocalArea:
    area = LocalArea(code="TEST", name="Test area")
    session.add(area)
    session.commit()
    session.refresh(area)
    return area


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for the whole run (it costs 15-30 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


# --- the board pack (issue 8): one store with four scored cycles, built once per test session ---------


@pytest.fixture(scope="session")
def board_store(tmp_path_factory):
    """Three routine cycles (the middle one on a changed rubric) and one themed cycle, scored, in a file DB."""
    from tests_board_data import build_board_store

    return build_board_store(tmp_path_factory.mktemp("board"))


@pytest.fixture(scope="session")
def board_pack_files(board_store):
    """The latest routine cycle's pack built and written once: (pack view-model, {format: path})."""
    from tests_board_data import write_board_pack

    return write_board_pack(board_store)


# --- regional comparison (issue 9): three synthetic areas with scored, second-marked cycles, built once ----------


@pytest.fixture(scope="session")
def regional_store(tmp_path_factory):
    from tests_regional_data import build_regional_store

    return build_regional_store(tmp_path_factory.mktemp("regional"))


# --- the browser tests (tests/web and the browser features): one chromium per worker ------------------------

@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole session (Debian's, driven by Playwright's Python package)."""
    from tests.web.browser import AXE, CHROMIUM, LAUNCH_ARGS

    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make web-assets`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()
