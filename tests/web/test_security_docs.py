"""docs/security.md shows the permission matrix, every route and every command exactly as the code has them."""

from __future__ import annotations

from tests.web.security_docs import blocks, documented


def test_the_documented_matrix_routes_and_commands_match_the_code(app):
    wanted, shown = blocks(app), documented()
    assert set(shown) == {"matrix", "routes", "cli"}, "docs/security.md lost a generated table's markers"
    for name, text in wanted.items():
        assert shown[name] == text, (
            f"docs/security.md's {name} table is out of date: run `.venv/bin/python -m tests.web.security_docs`")


def test_the_check_would_catch_a_drifted_matrix(app, monkeypatch):
    from audit.protection import permissions

    monkeypatch.setitem(permissions.MATRIX, permissions.Permission.manage_users,
                        {permissions.Role.admin: permissions.Scope.all, permissions.Role.qa_lead: permissions.Scope.all})
    assert blocks(app)["matrix"] != documented()["matrix"]
