"""The house's plan, held by tests: layers point one way, audit/'s packages stack in a fixed order, no module
imports itself round a circle, every package says what it owns, and no module grows past about 400 lines."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("audit", "reports", "flows", "web", "ehcp_audit_cli")
FORBIDDEN = {
    "audit": {"prefect", "fastapi", "starlette", "jinja2", "reports", "flows", "ehcp_audit_cli", "typer", "web"},
    "reports": {"prefect", "fastapi", "flows", "ehcp_audit_cli", "typer", "web"},
    "flows": {"fastapi", "ehcp_audit_cli", "typer", "web"},
    # The web layer reads and writes through the domain and triggers flows; it never imports Prefect itself
    # (web/trigger.py imports flows.cycle lazily, inside the function that starts it).
    "web": {"ehcp_audit_cli", "typer"},
}

# audit/'s packages, lowest first. A package may import the top-level modules and packages below it, never
# one beside or above it: that is what keeps the tree readable from the bottom up (docs/architecture.md).
FOUNDATION = {"clock", "errors", "limits", "settings", "vocabulary", "words", "cells", "text_files", "safe_files"}
PACKAGE_ORDER = (
    ("store",),
    ("protection", "rubrics", "register"),
    ("timeliness",),
    ("cycle",),
    ("moderation",),
    ("results",),
    ("improvement",),
    ("documents",),
    ("family",),
    ("national", "synthetic"),
)
MAX_LINES = 400
# Alembic revisions are a record of the schema as it was; they are never edited, so never split.
UNSPLIT = {"audit/store/migrations"}


def python_files(package: str):
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def imports_of(path: Path) -> list[str]:
    """Every absolute module name a file imports (`from a.b import c` gives a.b and a.b.c), anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imported_modules(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imports_of(path)}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_one_way(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & FORBIDDEN[package])
        for path in python_files(package)
        if imported_modules(path) & FORBIDDEN[package]
    }
    assert offenders == {}, f"{package}/ imports what it must not: {offenders}"


def audit_part(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "audit" and len(parts) > 1 else None


def test_every_audit_package_is_placed_and_said():
    packages = {p.name for p in (ROOT / "audit").iterdir() if (p / "__init__.py").exists()}
    placed = {name for layer in PACKAGE_ORDER for name in layer}
    assert packages == placed, "add the package to PACKAGE_ORDER (and docs/architecture.md)"
    modules = {p.stem for p in (ROOT / "audit").glob("*.py")} - {"__init__"}
    assert modules == FOUNDATION, "a module at audit/'s top level is foundation; anything else goes in a package"
    for name in packages:
        doc = ast.get_docstring(ast.parse((ROOT / "audit" / name / "__init__.py").read_text()))
        assert doc and len(doc) > 40, f"audit/{name}/__init__.py must say what the package owns"


def test_audit_packages_stack_in_order():
    rank = {name: i for i, layer in enumerate(PACKAGE_ORDER) for name in layer}
    offenders = []
    for path in python_files("audit"):
        own = audit_part(module_name(path))
        for name in imports_of(path):
            other = audit_part(name)
            if own in rank and other in rank and other != own and rank[other] >= rank[own]:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
            if own in FOUNDATION and other in rank:
                offenders.append(f"{path.relative_to(ROOT)} (foundation) imports {name}")
    assert sorted(set(offenders)) == []


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for layer in LAYERS for p in python_files(layer)}
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        for imported in imports_of(path):
            if imported in modules and imported != name:
                graph[name].add(imported)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each an import circle."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles():
    # A package's __init__ importing its own modules is not a circle anyone reads; none of ours do anyway.
    assert cycles(import_graph()) == []


def test_no_module_past_the_limit():
    long = {
        str(path.relative_to(ROOT)): n
        for layer in (*LAYERS, "bench")
        for path in python_files(layer)
        if not any(str(path.relative_to(ROOT)).startswith(skip) for skip in UNSPLIT)
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these by what they do (at most about {MAX_LINES} lines): {long}"


def test_the_checks_would_catch_an_offender(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from prefect import flow\nimport fastapi.routing\n")
    assert imported_modules(bad) == {"prefect", "fastapi"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_architecture_page_shows_every_package():
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [name for layer in PACKAGE_ORDER for name in layer if f"{name}/" not in page]
    missing += [name for name in FOUNDATION if f"**{name}**" not in page]
    assert missing == [], "docs/architecture.md must show every package and foundation module"
