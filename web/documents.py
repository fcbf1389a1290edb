"""Plan documents on the web: a document beside its flags, deciding a flag, the QA lead's list and the
pre-check's record (flags per section, each rule's precision per cycle), and the panel the scorecard shows.

Who may read a document is decided in audit.documents.access: anyone else gets 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func
from sqlmodel import Session, select
from starlette.datastructures import FormData

from audit.cycle.lifecycle import find_area
from audit.documents.access import may_read, read_document
from audit.documents.precheck import switch_rule, switched_off
from audit.documents.review import decide_flag, flags_per_section, rule_precision
from audit.documents.rules import load_rules
from audit.documents.storage import current_document
from audit.errors import AuditError, NotFound
from audit.protection.permissions import Permission
from audit.store.models import Assignment, Cycle, Plan, PlanDocument, PrecheckFlag, User
from web.deps import CheckedFirst, Id, Refused, allow, form_data, page, store
from web.lists import listing

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
Reader = Annotated[User, Depends(allow(Permission.use_account))]  # the object check is may_read
QaLead = Annotated[User, Depends(allow(Permission.manage_cycles))]
DECISION_WORDS = {"confirmed": "Confirmed", "dismissed": "Dismissed", "open": "Awaiting your decision"}


def safe_back(value: str) -> str:
    """A "back" address only if it is one of ours: a scorecard or the documents list (never another site)."""
    if value == "/documents" or (value.startswith("/my-audits/") and value[11:].isdigit()):
        return value
    return ""


def document_panel(session: Session, user: User, plan: Plan) -> dict | None:
    """The plan's current document as this user may see it (recorded in the trail), or None."""
    document = current_document(session, plan.id)
    if document is None or not may_read(session, user, plan.id):
        return None
    view = read_document(session, document.id, user)
    by_letter: dict[str, dict] = {}
    for s in view["sections"]:
        letter = "H" if s["letter"] in ("H1", "H2") else s["letter"]
        entry = by_letter.setdefault(letter, {"paragraphs": [], "flags": []})
        entry["paragraphs"] += ([s["heading"]] if letter != s["letter"] else []) + s["text"].split("\n")
    for f in view["flags"]:
        by_letter.setdefault(f["section"], {"paragraphs": [], "flags": []})["flags"].append(
            {**f, "status_label": DECISION_WORDS[f["status"]]})
    return {**view, "by_letter": by_letter}


def _view(session: Session, user: User, document_id: int) -> dict:
    try:
        document = session.get(PlanDocument, document_id)
        if document is None:
            raise NotFound("no document")
        panel = document_panel(session, user, session.get(Plan, document.plan_id))
        if panel is None or panel["document"] != document.id:
            raise NotFound("no document")
        return panel
    except NotFound:
        raise Refused("object", f"There is no plan document {document_id}.", 404) from None


def _rules_view(request: Request, session: Session) -> list[dict]:
    """Every rule with whether it runs for this area, who switched it, and how often auditors confirmed it."""
    settings = request.app.state.settings
    code = settings.area_code
    by_settings = set(settings.precheck_rules_off.get("*", [])) | set(settings.precheck_rules_off.get(code, []))
    by_lead = set(switched_off(session, code))
    precision = {r["rule_id"]: r for r in rule_precision(session)}
    return [{"rule": rule, "precision": precision.get(rule.id),
             "state": "settings" if rule.id in by_settings else "off" if rule.id in by_lead else "on"}
            for rule in load_rules(settings.precheck_dir)]


@router.get("/documents/rules")
def rules_page(request: Request, user: QaLead):
    with store(request) as session:
        rules = _rules_view(request, session)
    return page(request, "precheck_rules.html", title="Pre-check rules for this area", rules=rules)


@router.post("/documents/rules/{rule_id}")
def switch_rule_form(request: Request, rule_id: str, user: QaLead, form: Annotated[FormData, Depends(form_data)]):
    settings = request.app.state.settings
    enabled = str(form.get("enabled", ""))
    errors = []
    with store(request, write=True) as session:
        area = find_area(session, settings.area_code)
        known = load_rules(settings.precheck_dir)
        if area is None or rule_id not in {r.id for r in known}:
            raise Refused("object", f"There is no pre-check rule '{rule_id}'.", 404)
        if enabled not in ("yes", "no"):
            errors = [{"text": "Choose whether the rule runs: switch it on or off", "href": f"#rule-{rule_id}"}]
        else:
            switch_rule(session, area, rule_id, enabled == "yes", known, user.username)
        rules = _rules_view(request, session) if errors else []
    if errors:
        return page(request, "precheck_rules.html", status=400, title="Pre-check rules for this area", rules=rules,
                    errors=errors)
    return RedirectResponse(f"/documents/rules#rule-{rule_id}", status_code=303)


@router.get("/documents/{document_id}")
def document_page(request: Request, document_id: Id, user: Reader):
    with store(request, write=True) as session:
        view = _view(session, user, document_id)
    return page(request, "document.html", title=f"Plan document for {view['plan_ref']}", view=view,
                back=safe_back(request.query_params.get("back", "")))


@router.post("/documents/{document_id}/flags/{precheck_flag_id}")
def decide_flag_form(request: Request, document_id: Id, precheck_flag_id: Id, user: Reader,
                     form: Annotated[FormData, Depends(form_data)]):
    decision, reason = str(form.get("decision", "")), str(form.get("reason", ""))
    back = safe_back(str(form.get("back", "")))
    error = None
    with store(request, write=True) as session:
        flag = session.get(PrecheckFlag, precheck_flag_id)
        if flag is None or flag.document_id != document_id:
            raise Refused("object", f"There is no pre-check flag {precheck_flag_id} on this document.", 404)
        # Decided from a scorecard: the flag counts towards that assignment's cycle (rule precision per cycle).
        assignment = session.get(Assignment, int(back[11:])) if back.startswith("/my-audits/") else None
        cycle_id = assignment.cycle_id if assignment is not None else None
        try:
            decide_flag(session, precheck_flag_id, user, decision, reason, cycle_id=cycle_id)
        except NotFound:
            raise Refused("object", f"There is no pre-check flag {precheck_flag_id}.", 404) from None
        except AuditError as exc:
            error = str(exc)
            session.rollback()
        if error:
            view = _view(session, user, document_id)
    if error:
        return page(request, "document.html", status=400, title=f"Plan document for {view['plan_ref']}",
                    view=view, back=back, errors=[{"text": error, "href": f"#reason-{precheck_flag_id}"}],
                    flag_error={precheck_flag_id: error})
    target = back or f"/documents/{document_id}"
    return RedirectResponse(f"{target}#flag-{precheck_flag_id}", status_code=303)


DOCUMENT_SORTS = {"plan": lambda d: (d["plan_ref"], d["id"]), "imported": lambda d: (d["imported_at"], d["id"]),
                  "flags": lambda d: (d["flags"], d["plan_ref"])}


@router.get("/documents")
def documents_list(request: Request, user: QaLead, q: str = "", sort: str = "", order: str = "",
                   page_number: Annotated[str, Query(alias="page")] = "1"):
    with store(request) as session:
        rows = session.exec(
            select(PlanDocument, Plan.plan_ref, func.count(PrecheckFlag.id))
            .join(Plan, Plan.id == PlanDocument.plan_id)
            .join(PrecheckFlag, PrecheckFlag.document_id == PlanDocument.id, isouter=True)
            .where(PlanDocument.purged_at.is_(None))
            .group_by(PlanDocument.id, Plan.plan_ref).order_by(Plan.plan_ref, PlanDocument.id)).all()
        per_section = flags_per_section(session)
        cycles = session.exec(select(Cycle).order_by(Cycle.id.desc())).all()
        precision = [{"cycle": c, "rows": rule_precision(session, c.id)} for c in cycles]
        overall = rule_precision(session)
    documents = [{"id": d.id, "plan_ref": ref, "file_name": d.label, "imported_at": d.imported_at, "flags": n}
                 for d, ref, n in rows]
    # One document per plan: an area's thousands are filtered, sorted and paged on the server (web/lists.py).
    shown = listing(documents, path="/documents", sorts=DOCUMENT_SORTS, default_sort="plan",
                    text=lambda d: f"{d['plan_ref']} {d['file_name']}", q=q, sort=sort, order=order,
                    page=page_number)
    return page(request, "documents.html", title="Plan documents and the pre-check",
                documents=shown.rows, listing=shown, any_documents=bool(documents),
                per_section=per_section, precision=[p for p in precision if p["rows"]], overall=overall)

