"""The upload flows: a register or auditor list, or plan documents, uploaded on the web, too large to check or
import inside a request.

`check-file` is triggered by the QA lead's upload (web/uploads.py) when the file is larger than
EHCP_AUDIT_CHECK_IN_BACKGROUND_BYTES (decided from its size, before it is read); smaller files are checked in the
request. Inputs: which kind of file, its path (held under <data_dir>/uploads), an optional mapping file and the
area code. Output: the counts the confirm page shows (`preview_register` / `preview_auditors`); a file with
problems raises InputRejected naming file, row, column and fix, and nothing is stored either way.

`import-file` is triggered by the QA lead's "Import" on the web's confirm page when the checked file holds more
than `web.uploads.BIG_IMPORT_ROWS` rows (more than a second or so of work); smaller files are imported in the
request.
Inputs: which kind of file, its path, an optional mapping file, the area code and who confirmed it (the audit
trail names them, through the flow). Outputs: the plans or auditors created and updated (all or nothing,
`import_register` / `import_auditors`, as the CLI does) and the import's counts.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from audit.cycle.lifecycle import find_area, get_area
from audit.limits import Limits
from audit.register.auditors import import_auditors
from audit.register.plans import import_register
from audit.register.previews import preview_auditors, preview_register
from audit.settings import get_settings
from audit.store.actor import acting_as
from audit.store.db import engine_from_settings, transaction
from flows.runtime import flow_settings


@task(name="check-file", cache_policy=NO_CACHE)
def check_step(settings, kind: str, path: str, mapping: str | None) -> dict:
    with transaction(engine_from_settings(settings)) as session:  # reads only: the store is left as it was
        area = find_area(session, settings.area_code)
        limits = Limits.from_settings(settings)
        if kind == "register":
            preview = preview_register(session, area, Path(path), Path(mapping) if mapping else None, limits)
        else:
            preview = preview_auditors(session, area, Path(path), limits)
    return dict(preview.__dict__)


@flow(name="check-file", flow_run_name="check-{kind}", log_prints=True)
def check_file(kind: str, path: str, mapping: str | None = None, area_code: str | None = None,
               database_url: str | None = None, data_dir: str | None = None) -> dict:
    """Check one uploaded file whole, storing nothing; returns its counts (rows, new, already stored, warnings)."""
    settings = flow_settings(get_settings(), database_url, data_dir)
    if area_code:
        settings = settings.model_copy(update={"area_code": area_code})
    preview = check_step(settings, kind, path, mapping)
    print(f"Checked {preview['rows']} rows of {preview['file']}: {preview['new']} new, {preview['stored']} stored")
    return preview


@task(name="import-file", cache_policy=NO_CACHE)
def import_step(settings, kind: str, path: str, mapping: str | None) -> dict:
    with transaction(engine_from_settings(settings)) as session:
        area = get_area(session, settings.area_code, create=True)
        limits = Limits.from_settings(settings)
        if kind == "register":
            report = import_register(session, area, Path(path), Path(mapping) if mapping else None, limits)
        else:
            report = import_auditors(session, area, Path(path), limits)
    return {"file": report.file, "rows": report.rows, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "warnings": report.warnings[:20]}


@flow(name="import-file", flow_run_name="import-{kind}", log_prints=True)
def import_file(kind: str, path: str, mapping: str | None = None, by: str = "flow:import-file",
                area_code: str | None = None, database_url: str | None = None, data_dir: str | None = None) -> dict:
    """Import one checked file all or nothing; returns what the import did."""
    settings = flow_settings(get_settings(), database_url, data_dir)
    if area_code:
        settings = settings.model_copy(update={"area_code": area_code})
    with acting_as(by):
        report = import_step(settings, kind, path, mapping)
    print(f"Imported {report['rows']} rows from {report['file']}: {report['created']} new, "
          f"{report['updated']} updated, {report['unchanged']} unchanged")
    return report


@task(name="import-plan-documents", cache_policy=NO_CACHE)
def documents_step(settings, paths: list[str], mapping: str | None, headings: str | None) -> dict:
    from audit.documents.precheck import area_rules
    from audit.documents.storage import import_documents, import_summary

    with transaction(engine_from_settings(settings)) as session:
        area = get_area(session, settings.area_code)
        report = import_documents(session, area, [Path(p) for p in paths], area_rules(settings, area.code, session),
                                  mapping_file=Path(mapping) if mapping else None,
                                  headings=Path(headings) if headings else None)
    return import_summary(report)


@flow(name="import-plan-documents", flow_run_name="import-plan-documents", log_prints=True)
def import_plan_documents(paths: list[str], mapping: str | None = None, headings: str | None = None,
                          by: str = "flow:import-plan-documents", area_code: str | None = None,
                          database_url: str | None = None, data_dir: str | None = None) -> dict:
    """Plan documents uploaded on the web, too large to import inside a request (web/document_uploads.py):
    matched, split and pre-checked all or nothing, as `ehcp-audit plans documents import` does."""
    settings = flow_settings(get_settings(), database_url, data_dir)
    if area_code:
        settings = settings.model_copy(update={"area_code": area_code})
    with acting_as(by):
        summary = documents_step(settings, paths, mapping, headings)
    print(f"Imported {len(summary['files'])} plan document(s) for {summary['plans']} plan(s)")
    return summary
