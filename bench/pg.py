"""A throwaway PostgreSQL cluster for the PostgreSQL figures: Debian's server, a temp folder, a free port.

Kept small and to the benchmarks; `make bench` installs the server (apt) when it is missing. Run as
root, the server runs as the `postgres` user (initdb refuses root). fsync is off: the figures measure
the application, not the disk, and the cluster is deleted afterwards. Set EHCP_AUDIT_BENCH_PG_URL to
measure an existing server instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bench.harness import free_port

URL_VARIABLE = "EHCP_AUDIT_BENCH_PG_URL"


def server_bin() -> Path | None:
    """The folder of Debian's PostgreSQL binaries (newest version), or None when it is not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


@contextmanager
def postgres_url() -> Iterator[str | None]:
    """A SQLAlchemy URL of an empty database: EHCP_AUDIT_BENCH_PG_URL, a throwaway cluster, or None."""
    if os.environ.get(URL_VARIABLE):
        yield os.environ[URL_VARIABLE]
        return
    bin_dir = server_bin()
    if bin_dir is None:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="ehcp-bench-pg-"))
    port = free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    data = folder / "data"
    try:
        if as_postgres:
            shutil.chown(folder, "postgres", "postgres")
        _run(as_postgres + [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
        _run(as_postgres + [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "pg.log"), "-w", "-o",
                            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start"])
        _run(as_postgres + [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "bench"])
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/bench"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(as_postgres + [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                           capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True)
