"""Who may do what: the one permission matrix for the pages, the JSON API and the CLI.

A role is what an account is; a permission is what a page, an API endpoint or a CLI command needs. Each
cell of the matrix is either absent (refused), `Scope.all`, or a narrower scope that an object-level
check enforces where the objects are loaded (an auditor's own assignments, a service lead's own service).
Nothing else in the code decides access by a role's name: web/deps.py (`allow`), the API and the CLI
(`ehcp_audit_cli.common.needs`) all ask `permits` here. docs/security.md shows this matrix as
`matrix_markdown` prints it, and a test keeps the two equal.
"""

from __future__ import annotations

from audit.errors import AuditError
from audit.vocabulary import ROLE_LABELS, StrEnum


class Role(StrEnum):
    """What an account is; one per account."""

    qa_lead = "qa_lead"
    auditor = "auditor"
    moderator = "moderator"
    service_lead = "service_lead"
    board_member = "board_member"
    parent_carer_auditor = "parent_carer_auditor"
    admin = "admin"
    send_strategic_lead = "send_strategic_lead"  # issue 23: leads the area's SEND inspection, not the audit

    @property
    def label(self) -> str:
        return ROLE_LABELS[self.value]


ROLES = tuple(Role.values())
# Roles that grade plans sign in as an auditor code (an `Auditor` row), so assignments can be theirs.
AUDITOR_ROLES = (Role.auditor.value, Role.parent_carer_auditor.value)


class Permission(StrEnum):
    """What a page, endpoint or command needs; `DESCRIPTIONS` says what each one covers."""

    use_account = "use_account"
    grade_plans = "grade_plans"
    see_officer_names = "see_officer_names"
    manage_cycles = "manage_cycles"
    import_data = "import_data"
    moderate = "moderate"
    look_up_plans = "look_up_plans"
    view_results = "view_results"
    send_board_pack = "send_board_pack"
    view_improvement = "view_improvement"
    manage_improvement = "manage_improvement"
    flag_safeguarding = "flag_safeguarding"
    follow_up_safeguarding = "follow_up_safeguarding"
    view_audit_trail = "view_audit_trail"
    manage_users = "manage_users"
    operate_service = "operate_service"
    view_family_voice = "view_family_voice"
    produce_inspection_pack = "produce_inspection_pack"


DESCRIPTIONS = {
    Permission.use_account: "Start page, who am I, sign out, sign out everywhere.",
    Permission.grade_plans: "My audits: open, grade, save and submit scorecards (pages and API).",
    Permission.see_officer_names: "See a plan's case officer and advice authors (officer codes).",
    Permission.manage_cycles: "Create, start, follow, withdraw plans from, remind and close cycles; scorecard files.",
    Permission.import_data: "Import the plan register and auditors; check and list rubrics.",
    Permission.moderate: "Moderation queue, agreed grades, agreement statistics, calibration.",
    Permission.look_up_plans: "Look a plan up by its reference: its audits across cycles, grades, tasks and clocks.",
    Permission.view_results: "Results pages, board summaries and downloads, trends, timeliness.",
    Permission.send_board_pack: "Build and email the board pack.",
    Permission.view_improvement: "Improvement plans, BRAG on a page, exceptions, amendment tasks (read).",
    Permission.manage_improvement: "Import plans, link actions, accept or override proposed statuses, close tasks.",
    Permission.flag_safeguarding: "Flag a safeguarding concern about an assigned plan (pages and API).",
    Permission.follow_up_safeguarding: "See safeguarding concerns, record follow-up, close them, resend alerts.",
    Permission.view_audit_trail: "Read, filter, export and verify the append-only audit trail.",
    Permission.manage_users: "Add users, change roles, switch accounts off, issue API tokens, sign users out.",
    Permission.operate_service: "Run the web server and the synthetic demo (operators on the server).",
    Permission.view_family_voice: "Family voice: response rates, the family view beside the grade, themes "
                                  "(plan references and disagreements: QA lead only).",
    Permission.produce_inspection_pack: "The area SEND inspection pack: produce it, edit its self-evaluation, "
                                        "export person-level data (identified only with a reason).",
}


class Scope(StrEnum):
    """How far a granted permission reaches; anything narrower than `all` has an object-level check."""

    all = "all"
    own_assignments = "own assignments"
    own_service = "own service"


_ALL, _OWN_WORK, _OWN_SERVICE = Scope.all, Scope.own_assignments, Scope.own_service
# The matrix. A missing role means "refused". Kept as data so the docs, the pages, the API and the CLI
# read the same thing.
MATRIX: dict[Permission, dict[Role, Scope]] = {
    Permission.use_account: dict.fromkeys(Role, _ALL),
    Permission.grade_plans: {Role.auditor: _OWN_WORK, Role.parent_carer_auditor: _OWN_WORK},
    # Parent carer forum auditors are not council staff: they see pseudonymised plans without officers.
    Permission.see_officer_names: {Role.qa_lead: _ALL, Role.auditor: _ALL, Role.moderator: _ALL,
                                   Role.service_lead: _ALL, Role.board_member: _ALL},
    Permission.manage_cycles: {Role.qa_lead: _ALL},
    Permission.import_data: {Role.qa_lead: _ALL},
    Permission.moderate: {Role.qa_lead: _ALL, Role.moderator: _ALL},
    Permission.view_results: {Role.qa_lead: _ALL, Role.moderator: _ALL, Role.board_member: _ALL,
                              Role.service_lead: _OWN_SERVICE, Role.send_strategic_lead: _ALL},
    # Issue 17: an auditor finds only plans they audited, a service lead their service's part of a plan.
    Permission.look_up_plans: {Role.qa_lead: _ALL, Role.moderator: _ALL, Role.board_member: _ALL,
                               Role.service_lead: _OWN_SERVICE, Role.auditor: _OWN_WORK,
                               Role.parent_carer_auditor: _OWN_WORK},
    Permission.send_board_pack: {Role.qa_lead: _ALL},
    # Improvement plans are the partnership's shared plan: every service lead reads all of it.
    Permission.view_improvement: {Role.qa_lead: _ALL, Role.board_member: _ALL, Role.service_lead: _ALL,
                                  Role.send_strategic_lead: _ALL},
    Permission.manage_improvement: {Role.qa_lead: _ALL},
    # Anyone grading a plan can raise a concern about it; the object check keeps it to their own assignments.
    Permission.flag_safeguarding: {Role.auditor: _OWN_WORK, Role.parent_carer_auditor: _OWN_WORK},
    Permission.follow_up_safeguarding: {Role.qa_lead: _ALL},
    Permission.view_audit_trail: {Role.qa_lead: _ALL, Role.admin: _ALL},
    Permission.manage_users: {Role.admin: _ALL},
    Permission.operate_service: {Role.admin: _ALL},
    # Issue 21: the parent carer forum is a partner in the audit and reads what families said, suppressed.
    Permission.view_family_voice: {Role.qa_lead: _ALL, Role.moderator: _ALL, Role.board_member: _ALL,
                                   Role.parent_carer_auditor: _ALL, Role.send_strategic_lead: _ALL},
    # Issue 23: the SEND strategic lead answers for the area at inspection; they read the evidence (results,
    # improvement, family voice, suppressed) and produce the pack, but run no audit.
    Permission.produce_inspection_pack: {Role.qa_lead: _ALL, Role.send_strategic_lead: _ALL},
}


class AccessDenied(AuditError):
    """The account's role does not hold the permission (or its scope does not reach the object)."""

    def __init__(self, role: str, permission: Permission | str, message: str | None = None):
        self.role, self.permission = role, Permission(permission)
        super().__init__(message or (
            f"Your role ({ROLE_LABELS.get(role, role)}) does not give access to this: it needs the permission "
            f"'{self.permission.value}' ({DESCRIPTIONS[self.permission].rstrip('.').lower()})."))


def check_role(role: str) -> Role:
    """The role, or a clear error naming the roles there are."""
    try:
        return Role(role)
    except ValueError:
        raise AuditError(f"'{role}' is not a role; use one of {', '.join(ROLES)}.") from None


def scope(role: str, permission: Permission | str) -> Scope | None:
    """How far the role holds the permission, or None when it does not hold it at all."""
    if role not in ROLES:
        return None
    return MATRIX[Permission(permission)].get(Role(role))


def permits(role: str, permission: Permission | str) -> bool:
    """True when the role holds the permission in any scope (object-level checks narrow it later)."""
    return scope(role, permission) is not None


def require(role: str, permission: Permission | str) -> Scope:
    """The role's scope for the permission; raises AccessDenied when it has none. The one check."""
    granted = scope(role, permission)
    if granted is None:
        raise AccessDenied(role, permission)
    return granted


def results_service(role: str, service: str | None) -> str | None:
    """The one service whose results the account may see, or None for every service (raises if none)."""
    granted = require(role, Permission.view_results)
    if granted is not Scope.own_service:
        return None
    if not service:
        raise AccessDenied(role, Permission.view_results, "Your account may see one service's results but has "
                                                          "no service set. Ask an admin to set it.")
    return service


def permissions_of(role: str) -> list[Permission]:
    """Every permission the role holds, in matrix order."""
    return [p for p in Permission if permits(role, p)]


def matrix_markdown() -> str:
    """The matrix as the Markdown table in docs/security.md (a test checks the docs against this)."""
    roles = list(Role)
    lines = ["| permission | what it covers | " + " | ".join(r.label for r in roles) + " |",
             "|---|---|" + "---|" * len(roles)]
    for permission in Permission:
        cells = [_cell(scope(r.value, permission)) for r in roles]
        lines.append(f"| `{permission.value}` | {DESCRIPTIONS[permission]} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(granted: Scope | None) -> str:
    if granted is None:
        return "no"
    return "yes" if granted is Scope.all else granted.value
