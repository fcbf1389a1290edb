"""Runs the audit-cycle flow in forked child processes, one per request, for the crash-safety test.

Started once as a subprocess (`python tests/cycle_runner.py`), it imports Prefect and the flow, then for each
JSON line on stdin forks a child that runs `audit_cycle` against the Prefect server in PREFECT_API_URL and
exits; the child is "the cycle process" the crash points kill with SIGKILL. Forking saves the import of
Prefect (seconds) per run; the parent never runs a flow itself, so the children start clean. It answers each
request with a JSON line: {"signal": N or 0, "exit": N}.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.cycle import audit_cycle
from flows.steps import CRASH_VAR


def run_child(job: dict) -> None:
    if job.get("crash_at"):
        os.environ[CRASH_VAR] = job["crash_at"]
    try:
        audit_cycle(job["cycle_id"], as_of=date.fromisoformat(job["as_of"]), simulate_auditors=True,
                    database_url=job["database_url"], data_dir=job["data_dir"])
    except BaseException:
        traceback.print_exc()
        os._exit(1)
    os._exit(0)


def main() -> None:
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            run_child(job)
        _, status = os.waitpid(pid, 0)
        answer = {"signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0,
                  "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
