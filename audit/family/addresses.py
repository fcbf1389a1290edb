"""Email addresses given for families, so the tool can send each its personal survey link (issue 21).

Addresses are personal data and the audit needs none of them: they are read from the QA lead's file, checked
whole (every problem with its row, column and fix; nothing is sent unless the file is right), used to send the
link and then dropped. Nothing here writes them to the store, the links file, the audit trail or a log.

Columns: the plan (`plan_ref` or "Plan reference"), the address (`email` or "Email address") and, optionally,
whose link it is (`audience`: family / "Parent or carer" or young_person / "Young person"; family when left out).
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import Session, select

from audit.errors import InputRejected, Problem
from audit.family.links import AUDIENCE_LABELS, FAMILY
from audit.limits import Limits, check_file_size
from audit.register.mapping import heading_key
from audit.register.table_files import cell_text, filled, read_grid
from audit.store.models import Plan, SampledPlan

PLAN_HEADINGS = ("plan_ref", "plan reference", "plan ref", "reference")
EMAIL_HEADINGS = ("email", "email address", "e-mail", "e-mail address")
AUDIENCE_HEADINGS = ("audience", "who", "whose link")
# One @, something on each side, a dot in the domain, no spaces or angle brackets: a typing check, not a proof.
_ADDRESS = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+$")
_AUDIENCES = {**{k: k for k in AUDIENCE_LABELS}, **{v.casefold(): k for k, v in AUDIENCE_LABELS.items()},
              "young person": "young_person", "parent": FAMILY, "carer": FAMILY}


def _column(header: list, names: tuple[str, ...]) -> int | None:
    keys = [heading_key(cell_text(h)) for h in header]
    wanted = {heading_key(n) for n in names}
    return next((i for i, key in enumerate(keys) if key in wanted), None)


def read_addresses(session: Session, cycle_id: int, path: Path,
                   limits: Limits | None = None) -> dict[tuple[str, str], str]:
    """(plan reference, audience) -> address, for plans sampled in the cycle; InputRejected lists every problem."""
    path, limits = Path(path), limits or Limits()
    what = f"Email addresses {path.name}"
    check_file_size(path, what, limits.file_bytes)
    grid = read_grid(path, what)
    if not grid:
        raise InputRejected(what, [Problem("the file is empty", file=path.name,
                                           fix="give a row per family: plan reference and email address")])
    header, rows = grid[0], grid[1:]
    if len(rows) > limits.rows:
        raise InputRejected(what, [Problem(f"the file has {len(rows):,} rows, more than {limits.rows:,}",
                                           file=path.name, fix="split the file")])
    plan_at, email_at, audience_at = (_column(header, PLAN_HEADINGS), _column(header, EMAIL_HEADINGS),
                                      _column(header, AUDIENCE_HEADINGS))
    missing = [Problem(f"no column is headed '{name}'", file=path.name, row=1, column=name, fix=fix)
               for at, name, fix in ((plan_at, "plan_ref", "head the plan column 'plan_ref' or 'Plan reference'"),
                                     (email_at, "email", "head the address column 'email' or 'Email address'"))
               if at is None]
    if missing:
        raise InputRejected(what, missing)
    sampled = set(session.exec(select(Plan.plan_ref).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                               .where(SampledPlan.cycle_id == cycle_id, SampledPlan.status != "withdrawn")).all())
    heading = {i: cell_text(header[i]) for i in (plan_at, email_at, audience_at) if i is not None}
    problems: list[Problem] = []
    found: dict[tuple[str, str], str] = {}
    first: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows, start=2):
        if not any(filled(c) for c in row):
            continue

        def cell(i: int | None, row=row) -> str:
            return cell_text(row[i]).strip() if i is not None and i < len(row) else ""

        def problem(i: int, message: str, fix: str, number=number) -> None:
            problems.append(Problem(message, file=path.name, row=number, column=heading[i], fix=fix))

        ref, address = cell(plan_at), cell(email_at)
        audience = _AUDIENCES.get(cell(audience_at).casefold() or FAMILY)
        if ref not in sampled:
            problem(plan_at, f"'{ref}' is not a plan sampled in cycle {cycle_id}" if ref else
                    "the plan reference is empty", "use the plan reference from the sample")
        if not _ADDRESS.match(address):
            # The address itself is not repeated in the message: it is personal data, and may be mistyped.
            problem(email_at, "this is not an email address" if address else "the email address is empty",
                    "give one address, like name@example.org, or remove the row to send a letter instead")
        if audience is None:
            problem(audience_at, f"'{cell(audience_at)[:30]}' is not whose link it is",
                    "use 'Parent or carer' or 'Young person', or leave it empty for the family")
            continue
        key = (ref, audience)
        if key in first:
            problem(plan_at, f"plan {ref} has a second address for the {AUDIENCE_LABELS[audience].lower()} "
                             f"(first on row {first[key]})", "keep one address per plan and audience")
            continue
        first[key] = number
        found[key] = address
    if problems:
        raise InputRejected(what, problems)
    return found
