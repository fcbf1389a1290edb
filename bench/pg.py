"""A throwaway PostgreSQL cluster for the PostgreSQL figures: the same one the test suite starts.

scripts/pg_cluster.py installs Debian's server when it is missing, starts it on loopback in a temporary
folder (fsync off: the figures measure the application, not the disk) and removes it afterwards. Set
EHCP_AUDIT_BENCH_PG_URL to measure an existing server instead.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from scripts.pg_cluster import start, stop

URL_VARIABLE = "EHCP_AUDIT_BENCH_PG_URL"


@contextmanager
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL of an empty database: EHCP_AUDIT_BENCH_PG_URL, or a throwaway cluster's."""
    if os.environ.get(URL_VARIABLE):
        yield os.environ[URL_VARIABLE]
        return
    folder = tempfile.mkdtemp(prefix="ehcp-bench-pg-")
    try:
        yield start(folder)
    finally:
        stop(folder)
