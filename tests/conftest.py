"""Shared fixtures: a fresh in-memory store per test, an area, and a temp folder for files."""

from __future__ import annotations

import os

# Prefect must never reach for the network or a shared home, even when a test imports it indirectly.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

import pytest
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from audit.db import init_db
from audit.models import LocalArea


@pytest.fixture
def engine():
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
