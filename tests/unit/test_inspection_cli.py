"""`ehcp-audit inspection-pack` end to end on a copy of the board's scored store: the files, the refusal of an
identified export without a reason, and the trail entry with one."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from sqlmodel import Session, create_engine, select
from typer.testing import CliRunner

from audit.settings import get_settings
from audit.store.db import forget_engine
from audit.store.models import TrailEntry
from tests.databases import on_postgresql


@pytest.fixture
def cli(board_store, tmp_path, monkeypatch):
    if on_postgresql():
        pytest.skip("runs in the SQLite pass: the command runs on a copy of the scored SQLite store file")
    shutil.copy(Path(board_store["url"].split("///", 1)[1]), tmp_path / "copy.db")
    url = f"sqlite:///{(tmp_path / 'copy.db').as_posix()}"
    for name, value in {"EHCP_AUDIT_DATA_DIR": str(tmp_path / "data"), "EHCP_AUDIT_DATABASE_URL": url,
                        "EHCP_AUDIT_AREA_CODE": board_store["area_code"], "COLUMNS": "200"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("EHCP_AUDIT_AS_USER", raising=False)
    get_settings.cache_clear()
    from ehcp_audit_cli.main import app

    def run(*args: str):
        return CliRunner().invoke(app, ["inspection-pack", "--as-of", board_store["today"].isoformat(), *args])

    yield run, url, tmp_path
    forget_engine(url)
    get_settings.cache_clear()


def _views(url):
    engine = create_engine(url)
    with Session(engine) as session:
        views = [v.after for v in session.exec(select(TrailEntry).where(TrailEntry.action == "view"))
                 if "inspection" in str(v.after)]
    engine.dispose()
    return views


def test_identified_export_refused_without_a_reason_then_trailed_with_one(cli):
    run, url, tmp = cli
    refused = run("--out", str(tmp / "a"), "--identified", "--deep-dive", "0")
    assert refused.exit_code != 0 and "needs a reason" in refused.output
    assert not (tmp / "a").exists() and _views(url) == []
    done = run("--out", str(tmp / "b"), "--identified", "--reason", "Inspectors asked for the deep dives",
               "--deep-dive", "2")
    assert done.exit_code == 0, done.output
    [view] = _views(url)
    assert view["reason"] == "Inspectors asked for the deep dives"
    [archive] = (tmp / "b").glob("*.zip")
    with zipfile.ZipFile(archive) as z:
        assert "person-level-identified.csv" in z.namelist() and "README.txt" in z.namelist()


def test_a_bad_mapping_file_is_refused_naming_file_and_key(cli):
    run, _, tmp = cli
    mapping = tmp / "mapping.yaml"
    mapping.write_text("columns:\n  Name: child_name\n", encoding="utf-8")
    result = run("--out", str(tmp / "c"), "--columns", str(mapping))
    assert result.exit_code != 0
    assert "mapping.yaml" in result.output and "columns.Name" in result.output and "child_name" in result.output
    assert not (tmp / "c").exists()
