"""Jobs the worker-process test sends to the board pack's workers (tests/unit/test_pack_processes.py); only the
standard library is imported here, so a worker that runs them loads nothing more for them."""

from __future__ import annotations

import sys

WATCHED = ("pandas", "sqlalchemy", "weasyprint", "matplotlib", "pypdf")


def loaded() -> list[str]:
    return sorted(name for name in WATCHED if name in sys.modules)


def lay_out_then_tell() -> list[str]:
    from reports.pdf import html_to_pdf_pages

    html_to_pdf_pages("<h1>Board pack</h1><p>One page.</p>")
    return loaded()


def nap() -> int:
    """A job that keeps its worker busy a moment, so jobs handed over together go to different workers."""
    import os
    import time

    time.sleep(0.3)
    return os.getpid()
