"""The retention purge flow: remove free text older than the retention period and record the purge.

Triggered daily by the `retention-purge` deployment (flows/deployments.py) and by hand with
`ehcp-audit retention purge`. Inputs: none (the policy is EHCP_AUDIT_COMMENT_RETENTION_DAYS and
EHCP_AUDIT_SAFEGUARDING_RETENTION_DAYS). Outputs: purged comments, rationales and closed safeguarding
concerns (audit.protection.retention), one PurgeRecord per kind, a markdown artifact saying what was purged.
Rerunning is harmless: what was purged is no longer due.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from audit.protection.retention import RetentionPolicy, purge_expired
from audit.settings import get_settings
from audit.store.actor import as_actor
from audit.store.db import engine_from_settings, transaction
from flows.runtime import store_settings


@task(name="purge-expired-text", cache_policy=NO_CACHE)
def purge_step(settings) -> list[str]:
    with transaction(engine_from_settings(settings)) as session:
        result = purge_expired(session, RetentionPolicy.from_settings(settings),
                               reports_dir=Path(settings.resolved_reports_dir))
    return result.lines()


@flow(name="retention-purge", flow_run_name="retention-purge", log_prints=True)
@as_actor("flow:retention-purge")
def retention_purge(database_url: str | None = None, data_dir: str | None = None) -> list[str]:
    """Purge what the retention policy says is due; returns one line per kind purged."""
    settings = store_settings(get_settings(), database_url, data_dir)
    lines = purge_step(settings)
    create_markdown_artifact(key="retention-purge", markdown="\n".join(f"- {line}" for line in lines),
                             description="What the retention purge removed")
    for line in lines:
        print(line)
    return lines
