"""The permission tables of docs/security.md, built from the code: the matrix, every route and every command.

`python -m tests.web.security_docs` rewrites the tables in docs/security.md; test_security_docs.py fails
when they differ from what the code says, so the docs cannot drift.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import typer
from fastapi.routing import APIRoute

from audit.protection.permissions import matrix_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "security.md"
BLOCK = re.compile(r"(<!-- generated: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S)


def api_routes(app):
    """(method, full path, route) for every endpoint, through FastAPI's included-router wrappers."""
    for route in app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for ctx in contexts:
            original = getattr(ctx, "original_route", ctx)
            if isinstance(original, APIRoute):
                for method in sorted(original.methods - {"HEAD"}):
                    yield method, ctx.path, original


def declared_permissions(route: APIRoute) -> set[str]:
    """The permissions the route's dependencies declare (web.deps.allow / public set `.permission`)."""
    found, stack = set(), list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if hasattr(dep.call, "permission"):
            found.add(str(dep.call.permission))
        stack.extend(dep.dependencies)
    return found


def route_permissions(app) -> dict[tuple[str, str], set[str]]:
    return {(method, path): declared_permissions(route) for method, path, route in api_routes(app)}


def cli_commands(group=None, prefix=()):
    """(command words, click command) for every CLI command, nested groups included."""
    if group is None:
        from ehcp_audit_cli.main import app

        group = typer.main.get_command(app)
    for name, cmd in sorted(group.commands.items()):
        if hasattr(cmd, "commands"):
            yield from cli_commands(cmd, prefix + (name,))
        else:
            yield prefix + (name,), cmd


def cli_permissions() -> dict[tuple[str, ...], str | None]:
    return {path: str(getattr(cmd.callback, "permission", "")) or None for path, cmd in cli_commands()}


def _app():
    from audit.settings import Settings
    from web.app import create_app

    folder = Path(tempfile.mkdtemp(prefix="ehcp-docs-"))
    return create_app(Settings(data_dir=folder, secret_key="k" * 48, cookie_secure=False))


def blocks(app=None) -> dict[str, str]:
    """The generated tables, by the name their marker in docs/security.md carries."""
    routes = route_permissions(app or _app())
    route_lines = ["| method | path | permission |", "|---|---|---|"]
    route_lines += [f"| {m} | `{p}` | {', '.join(f'`{x}`' for x in sorted(perms)) or '**none**'} |"
                    for (m, p), perms in sorted(routes.items(), key=lambda kv: (kv[0][1], kv[0][0]))]
    cli_lines = ["| command | permission |", "|---|---|"]
    cli_lines += [f"| `ehcp-audit {' '.join(path)}` | {f'`{perm}`' if perm else '**none**'} |"
                  for path, perm in cli_permissions().items()]
    return {"matrix": matrix_markdown(), "routes": "\n".join(route_lines) + "\n",
            "cli": "\n".join(cli_lines) + "\n"}


def documented() -> dict[str, str]:
    return {m["name"]: m["body"] for m in BLOCK.finditer(DOCS.read_text(encoding="utf-8"))}


def rewrite() -> None:
    wanted = blocks()
    text = BLOCK.sub(lambda m: m.group(1) + wanted[m["name"]] + m.group(4), DOCS.read_text(encoding="utf-8"))
    DOCS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    rewrite()
    print(f"Rewrote the generated tables in {DOCS}")
