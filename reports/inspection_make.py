"""Making the inspection pack of a cycle, the one way the CLI (`ehcp-audit inspection-pack`) and the flow
(flows/inspection_pack.py, started from the web) both do it: the pack, its deep-dive pages and the
person-level export, ready for reports/inspection_files.py to write."""

from __future__ import annotations

from datetime import date

from audit.errors import AuditError
from reports.inspection import build_inspection
from reports.inspection_deep_dive import child_pages, deep_dive_sample
from reports.inspection_export import MIN_REASON, person_level_csv, pseudonym
from reports.inspection_map import Framework

AUDIENCES = ("published", "internal")


def make_inspection(session, cycle, as_of: date, threshold: int, key: str, *, audience: str = "published",
                    framework: Framework | None = None, columns: dict[str, str], deep_dive: int = 6,
                    draw: int = 1, identified: bool = False, reason: str | None = None) -> tuple[dict, dict[str, bytes]]:
    """The pack (with `deep_dive` children's pages) and {file name: bytes} of the person-level export.
    An identified export without a reason is refused before anything is read."""
    if audience not in AUDIENCES:
        raise AuditError(f"'{audience}' is not an audience; use published or internal.")
    if identified and len((reason or "").strip()) < MIN_REASON:
        raise AuditError("An identified export needs a reason (at least 10 characters), which is kept in the "
                         "audit trail. Give --reason \"...\", or leave out --identified for a pseudonymised export.")
    pack = build_inspection(session, cycle, as_of, threshold, audience=audience, framework=framework)
    if deep_dive:
        shown = (lambda ref: ref) if identified else (lambda ref: pseudonym(ref, key))
        pack["deep_dive"] = child_pages(session, deep_dive_sample(session, cycle, deep_dive, draw), shown,
                                        cycle_id=cycle.id)
    export = person_level_csv(session, cycle.area_id, columns, key, identified=identified, reason=reason)
    kind = "identified" if identified else "pseudonymised"
    return pack, {f"person-level-{kind}.csv": export}
