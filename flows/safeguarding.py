"""The safeguarding-alerts flow: retry every alert the designated contact has not received.

Alerts are sent at once by the web page and the API (flows/alerts.py), never by this flow; this flow only
catches the ones that failed (SMTP down, no contact configured yet) or were lost (the process stopped
mid-send). Triggered every 10 minutes by the `safeguarding-alerts` deployment (flows/deployments.py) and by
`ehcp-audit safeguarding notify`. Inputs: none. Outputs: each attempt recorded on its flag; the run ends
Failed while any alert still cannot be sent, so it shows in the Prefect UI.
"""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from audit.settings import get_settings
from audit.store.actor import as_actor
from audit.store.db import engine_from_settings
from flows.alerts import retry_notifications
from flows.runtime import store_settings


class AlertsFailing(RuntimeError):
    """Some safeguarding alerts still could not be emailed."""


@task(name="retry-alerts", cache_policy=NO_CACHE)
def retry_step(settings) -> dict[str, int]:
    return retry_notifications(settings, engine_from_settings(settings))


@flow(name="safeguarding-alerts", flow_run_name="safeguarding-alerts", log_prints=True)
@as_actor("flow:safeguarding-alerts")
def safeguarding_alerts(database_url: str | None = None, data_dir: str | None = None) -> dict[str, int]:
    """Email the designated contact about every flag not yet sent; fail the run if any still cannot be."""
    settings = store_settings(get_settings(), database_url, data_dir)
    counts = retry_step(settings)
    print(f"Safeguarding alerts retried: {counts['sent']} sent, {counts['failed']} still failing")
    if counts["failed"]:
        raise AlertsFailing(f"{counts['failed']} safeguarding alert(s) could not be emailed; see Safeguarding")
    return counts
