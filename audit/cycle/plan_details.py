"""What someone grading a plan is shown about it: pseudonymised register fields, and officers only if allowed.

Officer codes (the case officer and the authors of each piece of advice) are shown only to roles with the
`see_officer_names` permission; a parent carer forum auditor, who is not council staff, never gets them.
The web page and the API both build their plan panel here, so the rule lives in one place.
"""

from __future__ import annotations

from audit.protection.permissions import Permission, permits
from audit.store.models import Plan
from audit.vocabulary import AdviceType

FIELDS = [("plan_ref", "Plan reference"), ("team", "Team"), ("phase", "Phase"), ("year_group", "Year group"),
          ("primary_need", "Primary need"), ("setting_type", "Setting type")]


def officers(plan: Plan) -> dict[str, str]:
    """The plan's officer codes by what they did: case officer, then each advice author."""
    found = {"Case officer": plan.case_officer}
    for advice in AdviceType:
        author = getattr(plan, f"{advice.value}_advice_author")
        if author:
            found[f"{advice.value.replace('_', ' ').capitalize()} advice from"] = author
    return {label: code for label, code in found.items() if code}


def plan_details(plan: Plan, role: str) -> dict:
    """The plan as this role may see it: `fields` (label -> value) and `officers` (None when withheld)."""
    return {"fields": {label: getattr(plan, name) or "" for name, label in FIELDS},
            "officers": officers(plan) if permits(role, Permission.see_officer_names) else None}
