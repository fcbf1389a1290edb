"""The audit trail in words: who did what to what, as a sentence a QA lead reads.

"ravi (QA lead) withdrew plan DEMO-00412 from cycle 3: ceased". A trail entry records a table row's change
(audit/store/trail.py); `TrailReader` turns it into a sentence, naming the person by their username or code
and role, the plan by its reference and the cycle by its number, and writing every code in words
(audit.vocabulary). What changed is listed beside it in words too (`details`). The CSV export keeps the raw
entry, with its hashes, for checking.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlmodel import Session, select

from audit.store.models import Assignment, Plan, SampledPlan, Scorecard, TrailEntry, User
from audit.vocabulary import Grade, humanise, label, section_words, stratum_label
from audit.words import day, moment

KEYS_SHOWN = 20  # keys of a bulk entry listed on screen; the export has them all
_SNAKE = re.compile(r"^[a-z]+(?:_[a-z0-9]+)+$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
# The words for each table's rows, one and many.
NOUNS = {
    "plan": ("plan", "plans"), "auditor": ("auditor", "auditors"), "localarea": ("local area", "local areas"),
    "cycle": ("cycle", "cycles"), "rubricversion": ("rubric version", "rubric versions"),
    "sampledplan": ("sampled plan", "sampled plans"), "assignment": ("assignment", "assignments"),
    "scorecard": ("scorecard", "scorecards"), "criteriongrade": ("criterion grade", "criterion grades"),
    "sectionresult": ("section result", "section results"), "planresult": ("plan result", "plan results"),
    "action": ("amendment task", "amendment tasks"), "reminderlog": ("reminder", "reminders"),
    "user": ("account", "accounts"), "apitoken": ("API token", "API tokens"),
    "loginfailure": ("failed sign-in", "failed sign-ins"), "safeguardingflag": ("safeguarding concern", "concerns"),
    "safeguardingnote": ("safeguarding note", "safeguarding notes"), "purgerecord": ("purge record", "purges"),
    "moderatedgrade": ("moderated grade", "moderated grades"), "improvementaction": ("improvement action", "actions"),
    "improvementplan": ("improvement plan", "improvement plans"), "deliverylog": ("board pack delivery", "deliveries"),
    "chasedelivery": ("chase email", "chase emails"),
}
# Columns whose values are codes of a vocabulary family, per table (any table: the "*" entry).
COLUMN_FAMILIES = {
    "*": {"agency": "agency", "phase": "phase", "primary_need": "need", "role": "role", "marker_role": "marker_role",
          "grade": "grade", "kind": "action_kind", "phase_transfer_to": "phase"},
    "cycle": {"status": "cycle_status"}, "sampledplan": {"status": "sample_status"},
    "scorecard": {"status": "work_status"}, "action": {"status": "task_status"}, "plan": {"status": "plan_status"},
    "safeguardingflag": {"status": "flag_status"}, "sectionresult": {"status": "section_status"},
    "planresult": {"status": "section_status"}, "deliverylog": {"status": "delivery_status"},
    "chasedelivery": {"status": "chase_outcome"},
}


def noun(table: str, many: bool = False) -> str:
    words = NOUNS.get(table, (humanise(table).lower(), humanise(table).lower() + "s"))
    return words[1 if many else 0]


def value_words(table: str, column: str, value: Any) -> str:
    """One recorded value as a person reads it: a code in words, a date as a date, yes or no."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column == "stratum":
        return stratum_label(str(value))
    if column == "sections" and isinstance(value, list):  # an assignment's sections and parts ("E:health")
        return ", ".join(section_words(v) for v in value) or "none"
    family = COLUMN_FAMILIES.get(table, {}).get(column) or COLUMN_FAMILIES["*"].get(column)
    if family:
        return label(value, family)
    if isinstance(value, list):
        return ", ".join(value_words(table, column, v) for v in value) or "none"
    if isinstance(value, dict):
        return "(" + ", ".join(f"{column_words(k)} {value_words(table, k, v)}" for k, v in value.items()) + ")"
    text = str(value)
    if _ISO_MOMENT.match(text):
        return moment(text)
    if _ISO_DAY.match(text):
        return day(text)
    if _SNAKE.match(text):
        return humanise(text).lower()
    return text if len(text) <= 60 else text[:59] + "…"


def column_words(column: str) -> str:
    """'final_issued_date' -> 'final issued date'; an id column names what it points to ('plan_id' -> 'plan')."""
    return humanise(column.removesuffix("_id")).lower()


class TrailReader:
    """Turns entries into sentences, looking people, plans and cycles up once each."""

    def __init__(self, session: Session):
        self.session = session
        self._roles: dict[str, str | None] = {}

    # --- who ------------------------------------------------------------------------------------------------

    def person(self, actor: str) -> str:
        """'ravi (QA lead)', 'ravi (QA lead), through the API', 'root, on the command line', 'the workflow'."""
        kind, _, name = actor.partition(":")
        if not name:
            return "The system" if actor in ("system", "ehcp-audit") else actor
        if kind == "flow":
            return f"The {name.replace('-', ' ')} workflow"
        if name not in self._roles:
            user = self.session.exec(select(User).where(User.username == name)).first()
            self._roles[name] = label(user.role, "role") if user else None
        role = self._roles[name]
        who = f"{name} ({role})" if role else name
        return who + (", " + label(kind, "actor_kind") if kind in ("api", "cli") else "")

    # --- what -----------------------------------------------------------------------------------------------

    def _sampled(self, sp_id: Any) -> tuple[str, Any]:
        sp = self.session.get(SampledPlan, int(sp_id)) if str(sp_id).isdigit() else None
        plan = self.session.get(Plan, sp.plan_id) if sp else None
        return (f"plan {plan.plan_ref}" if plan else "a plan"), (sp.cycle_id if sp else "?")

    def _assignment(self, assignment_id: Any) -> str:
        a = self.session.get(Assignment, int(assignment_id)) if str(assignment_id).isdigit() else None
        if a is None:
            return "a plan's scorecard"
        plan, cycle = self._sampled(a.sampled_plan_id)
        return f"the {label(a.agency, 'agency')} scorecard for {plan} in cycle {cycle}"

    def _row(self, entry: TrailEntry, model: type) -> Any:
        key = entry.row_key or ""
        return self.session.get(model, int(key)) if key.isdigit() else None

    def _value(self, entry: TrailEntry, column: str) -> Any:
        """A column's value: from the entry (after, then before), else from the row as it is now."""
        for values in (entry.after, entry.before):
            if values and column in values:
                return values[column]
        return None

    def sentence(self, entry: TrailEntry) -> str:
        who = self.person(entry.actor)
        return f"{who} {self._what(entry)}"

    def _what(self, e: TrailEntry) -> str:
        """One branch per kind of change a QA lead looks for; anything else is said generically."""
        action, table, after = e.action, e.table_name, e.after or {}
        if action == "view":
            shown = after.get("shown")
            return f"looked up {noun(table)} {after.get('ref') or e.row_key}" + (f" ({shown})" if shown else "")
        if action.startswith("bulk"):
            verb = {"bulk create": "added", "bulk update": "changed", "bulk delete": "removed"}[action]
            where = " to the register" if table == "plan" and verb == "added" else ""
            return f"{verb} {e.rows:,} {noun(table, e.rows != 1)}{where} in one go"
        if table == "sampledplan":
            row = self._row(e, SampledPlan)
            plan, cycle = self._sampled(e.row_key) if row else ("a plan", self._value(e, "cycle_id"))
            if action == "update" and after.get("status") == "withdrawn":
                reason = after.get("withdrawn_reason") or (row.withdrawn_reason if row else None)
                return f"withdrew {plan} from cycle {cycle}" + (f": {reason}" if reason else "")
            if action == "create":
                return f"added {plan} to the sample of cycle {cycle}"
        if table == "cycle":
            number = e.row_key
            status = after.get("status") if action == "update" else None
            verbs = {"open": "started", "closed": "closed", "scored": "scored", "draft": "reopened"}
            if action == "create":
                return f"created cycle {number}, {after.get('name')}"
            if status in verbs and len(after) <= 2:
                return f"{verbs[status]} cycle {number}"
        if table == "scorecard":
            row = self._row(e, Scorecard)
            what = self._assignment(self._value(e, "assignment_id") or (row.assignment_id if row else None))
            if after.get("status") == "submitted":
                return f"submitted {what}"
            return f"{'started' if action == 'create' else 'saved'} {what} as a draft"
        if table == "criteriongrade" and action in ("create", "update") and "grade" in after:
            criterion = self._value(e, "criterion_id") or "a criterion"
            grade = after.get("grade")
            return f"graded criterion {criterion} {Grade(int(grade)).label if grade else 'as not yet graded'}"
        if table == "user":
            return self._account(e)
        if table == "plan" and action == "create":
            return f"added plan {after.get('plan_ref')} to the register"
        if table == "plan" and action == "update":
            row = self._row(e, Plan)
            return f"changed plan {row.plan_ref if row else e.row_key}: {details(e)}"
        if table == "auditor" and action == "create":
            return f"added auditor {after.get('code')} ({label(after.get('agency'), 'agency')})"
        if table == "loginfailure":
            return "failed to sign in" if action == "create" else f"{label(action, 'trail_action')} a failed sign-in"
        if table == "safeguardingflag" and action == "create":
            plan = self.session.get(Plan, int(after["plan_id"])) if after.get("plan_id") else None
            return (f"raised a safeguarding concern about plan {plan.plan_ref if plan else '?'} "
                    f"in cycle {after.get('cycle_id')}")
        if table == "action" and action == "create":
            plan = self.session.get(Plan, int(after["plan_id"])) if after.get("plan_id") else None
            return "raised an amendment task" + (f" for plan {plan.plan_ref}" if plan else "")
        return self._generic(e)

    def _account(self, e: TrailEntry) -> str:
        after = e.after or {}
        row = self._row(e, User)
        name = after.get("username") or (row.username if row else f"account {e.row_key}")
        if e.action == "create":
            return f"added the account {name} ({label(after.get('role'), 'role')})"
        if e.action == "update" and set(after) == {"role"}:
            before = (e.before or {}).get("role")
            return f"changed {name}'s role from {label(before, 'role')} to {label(after['role'], 'role')}"
        if e.action == "update" and set(after) == {"active"}:
            return f"{'switched on' if after['active'] else 'switched off'} the account {name}"
        if e.action == "update" and "password_hash" in after:
            return f"changed the password of {name}"
        return self._generic(e)

    def _generic(self, e: TrailEntry) -> str:
        what = f"{noun(e.table_name)} {e.row_key}" if e.row_key else noun(e.table_name)
        verb = label(e.action, "trail_action")
        change = details(e)
        return f"{verb} {what}" + (f": {change}" if change and e.action != "delete" else "")


def details(entry: TrailEntry) -> str:
    """What changed, in words: 'status: Sampled → Withdrawn; withdrawn reason: ceased'."""
    table = entry.table_name
    if entry.action.startswith("bulk"):
        after = entry.after or {}
        keys = after.get("keys") or []
        shown = ", ".join(json.dumps(k, ensure_ascii=False) if not isinstance(k, str) else k for k in keys[:KEYS_SHOWN])
        more = f" and {len(keys) - KEYS_SHOWN:,} more" if len(keys) > KEYS_SHOWN else ""
        parts = [f"{entry.rows:,} {noun(table, entry.rows != 1)}"]
        if after.get("columns"):
            parts.append("fields " + ", ".join(column_words(c) for c in after["columns"]))
        if keys:
            parts.append(f"{' and '.join(column_words(c) for c in after.get('key_columns', []))}: {shown}{more}")
        if after.get("parameters"):
            parts.append("where " + ", ".join(f"{column_words(k)} is {value_words(table, k, v)}"
                                              for k, v in after["parameters"].items()))
        return "; ".join(parts)
    if entry.action == "update":
        before, after = entry.before or {}, entry.after or {}
        return "; ".join(f"{column_words(k)}: {value_words(table, k, before.get(k))} → {value_words(table, k, v)}"
                         for k, v in after.items())
    values = entry.after if entry.action == "create" else entry.before
    return "; ".join(f"{column_words(k)} {value_words(table, k, v)}" for k, v in (values or {}).items()
                     if v is not None and k != "id")


def plan_rows(session: Session, plan_ref: str) -> dict[str, set[str]]:
    """The rows that concern one plan, by table: the plan, its samples, assignments, scorecards, grades and
    results, moderated grades, amendment tasks and safeguarding concerns (what 'filter by plan' finds)."""
    from audit.store.models import (
        Action,
        CriterionGrade,
        ModeratedGrade,
        PlanResult,
        SafeguardingFlag,
        SectionResult,
    )

    plan_ids = list(session.exec(select(Plan.id).where(Plan.plan_ref == plan_ref.strip())).all())
    sampled = list(session.exec(select(SampledPlan.id).where(SampledPlan.plan_id.in_(plan_ids))).all())
    assignments = list(session.exec(select(Assignment.id).where(Assignment.sampled_plan_id.in_(sampled))).all())
    cards = list(session.exec(select(Scorecard.id).where(Scorecard.assignment_id.in_(assignments))).all())
    found = {"plan": plan_ids, "sampledplan": sampled, "assignment": assignments, "scorecard": cards,
             "criteriongrade": session.exec(select(CriterionGrade.id).where(CriterionGrade.scorecard_id.in_(cards))).all(),
             "sectionresult": session.exec(select(SectionResult.id).where(SectionResult.sampled_plan_id.in_(sampled))).all(),
             "planresult": session.exec(select(PlanResult.id).where(PlanResult.sampled_plan_id.in_(sampled))).all(),
             "moderatedgrade": session.exec(select(ModeratedGrade.id)
                                            .where(ModeratedGrade.sampled_plan_id.in_(sampled))).all(),
             "action": session.exec(select(Action.id).where(Action.plan_id.in_(plan_ids))).all(),
             "safeguardingflag": session.exec(select(SafeguardingFlag.id)
                                              .where(SafeguardingFlag.plan_id.in_(plan_ids))).all()}
    return {table: {str(i) for i in ids} for table, ids in found.items() if ids}

