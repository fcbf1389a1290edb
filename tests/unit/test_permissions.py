"""The permission matrix: every role and permission described, the one check, and the scoped cells."""

from __future__ import annotations

import pytest

from audit.errors import AuditError
from audit.protection.permissions import (
    DESCRIPTIONS,
    MATRIX,
    ROLES,
    AccessDenied,
    Permission,
    Role,
    Scope,
    check_role,
    permissions_of,
    permits,
    require,
    results_service,
    scope,
)


def test_every_permission_is_described_and_in_the_matrix():
    assert set(DESCRIPTIONS) == set(Permission) == set(MATRIX)
    assert len(ROLES) == 8 and "parent_carer_auditor" in ROLES and "send_strategic_lead" in ROLES


def test_the_send_strategic_lead_produces_the_inspection_pack_but_runs_no_audit():
    assert [r for r in ROLES if permits(r, Permission.produce_inspection_pack)] == ["qa_lead", "send_strategic_lead"]
    for held in ("view_results", "view_improvement", "view_family_voice"):
        assert scope("send_strategic_lead", held) is Scope.all
    for refused in ("manage_cycles", "import_data", "moderate", "send_board_pack", "manage_improvement",
                    "see_officer_names", "view_audit_trail"):
        assert not permits("send_strategic_lead", refused), refused


def test_every_role_can_use_its_account_and_only_admins_manage_users():
    assert all(permits(role, Permission.use_account) for role in ROLES)
    assert [r for r in ROLES if permits(r, Permission.manage_users)] == ["admin"]


def test_the_parent_carer_forum_auditor_grades_but_never_sees_officers():
    assert scope("parent_carer_auditor", Permission.grade_plans) is Scope.own_assignments
    assert not permits("parent_carer_auditor", Permission.see_officer_names)
    assert permits("auditor", Permission.see_officer_names)


def test_require_names_the_role_and_the_permission_when_it_refuses():
    assert require("qa_lead", Permission.manage_cycles) is Scope.all
    with pytest.raises(AccessDenied, match=r"Board member.*'manage_cycles'"):
        require("board_member", "manage_cycles")
    assert not permits("no-such-role", Permission.use_account)
    with pytest.raises(AuditError, match="is not a role"):
        check_role("superuser")


def test_results_reach_every_service_or_one():
    assert results_service("board_member", None) is None
    assert results_service("service_lead", "health") == "health"
    with pytest.raises(AccessDenied, match="no service set"):
        results_service("service_lead", None)
    with pytest.raises(AccessDenied):
        results_service("auditor", "health")


def test_permissions_of_lists_a_roles_permissions_in_matrix_order():
    assert permissions_of(Role.moderator.value) == [Permission.use_account, Permission.see_officer_names,
                                                    Permission.moderate, Permission.look_up_plans,
                                                    Permission.view_results, Permission.view_family_voice]
