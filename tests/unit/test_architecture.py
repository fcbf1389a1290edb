"""The domain stays plain: audit/ never imports Prefect, FastAPI, Jinja2, the reports, flows or the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "audit": {"prefect", "fastapi", "starlette", "jinja2", "reports", "flows", "ehcp_audit_cli", "typer", "web"},
    "reports": {"prefect", "fastapi", "flows", "ehcp_audit_cli", "typer", "web"},
    "flows": {"fastapi", "ehcp_audit_cli", "typer", "web"},
    # The web layer reads and writes through the domain and triggers flows; it never imports Prefect itself
    # (web/trigger.py imports flows.cycle lazily, inside the function that starts it).
    "web": {"ehcp_audit_cli", "typer"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_one_way(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
        if imported_modules(path) & FORBIDDEN[package]
    }
    assert offenders == {}, f"{package}/ imports what it must not: {offenders}"


def test_the_check_would_catch_an_offender(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from prefect import flow\nimport fastapi.routing\n")
    assert imported_modules(bad) == {"prefect", "fastapi"}
