"""The board pack's charts: started in the workers as the pack is built, or drawn beside the PDF's layout.

`ehcp-audit board-pack` has one worker process (reports.workers.warm_up). When that worker drew the charts
before laying out the PDF, both sat on the command's critical path (0.6 s of charts, then 1.4 s of layout) while
the command itself, its store read, waited. So the command builds its pack with the charts as `ChartJob`s, not yet
drawn (`PackCharts(start=False)`), and they are shared out through one private `ChartFolder`, each drawn by
whichever process takes it first (`ChartFolder.claim`):

- the slowest chart (timeliness: a labelled bar per measure, 0.4 s) goes to the worker as soon as the pack has
  it (`early`), while the command builds the rest of the pack;
- the PDF's HTML names each chart `chart:KEY` (reports.pack_render) and follows it to the worker with the jobs;
- the command then draws every chart nobody has taken, the PDF's first (`draw_pending`), and waits for the
  others, which the other formats need too;
- the worker parses the HTML and works out its styles; when WeasyPrint asks for a chart, its fetcher
  (`chart_fetcher`) draws it if nobody has taken it, else takes it from the folder, waiting while it is drawn.

Measured on the demo pack (a timeline of each step, docs/decisions.md): the worker's layout starts with every
chart in, against 0.75 s of charts before it when the worker drew them all.

Anything that fails lets the layout stop rather than wait: a chart that cannot be drawn marks the folder failed,
a folder that is gone means the command has given up, and the fetcher gives up after `WAIT_SECONDS`. WeasyPrint
would put an image's alt text in its place when it cannot be fetched and carry on; the fetcher is set to fail
instead, so a pack never goes out with a chart missing.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reports import workers

URL_PREFIX = "chart:"
WAIT_SECONDS = 300.0  # far beyond any chart (the slowest takes under half a second); only a stuck command hits it
_POLL_SECONDS = 0.005
_KEY = re.compile(r"[a-z0-9_]+")  # the pack's own chart keys; nothing else names a file in the folder


@dataclass(frozen=True)
class ChartJob:
    """One chart not yet drawn: a reports.charts function and its arguments (picklable, for a worker)."""

    draw: Callable[..., bytes]
    args: tuple

    def __call__(self) -> bytes:
        return self.draw(*self.args)


@dataclass
class PackCharts:
    """The charts a pack asks for as it is built. `start=True` hands each to the workers at once (the flow and the
    web, whose workers draw them while the rest of the pack is built); `start=False` keeps them as jobs for
    `draw_pending`, beside the PDF's layout, except a chart added `early`: that one goes to the workers at once,
    into the pack's `ChartFolder`, to be drawn while the pack is still being built (the command's one worker has
    nothing else to do until the PDF's HTML is ready)."""

    start: bool
    charts: dict[str, dict] = field(default_factory=dict)
    folder: ChartFolder | None = None

    def add(self, key: str, title: str, alt: str, draw: Callable[..., bytes], *args, early: bool = False) -> None:
        job = ChartJob(draw, args)
        self.charts[key] = {"title": title, "alt": alt, "job": job,
                            "png": workers.submit(draw, *args) if self.start else None}
        if early and not self.start and workers.cores() > 1:
            self.folder = self.folder or ChartFolder()
            workers.submit(draw_shared, str(self.folder.path), {key: job})

    def collected(self) -> dict[str, dict]:
        """Each chart's title, alt text and either its PNG (started: waited for) or its job (not yet drawn), with
        the folder its drawing is shared through, if one was started early."""
        if self.start:
            return {key: {"title": c["title"], "alt": c["alt"], "png": c["png"].result()}
                    for key, c in self.charts.items()}
        shared = {"folder": self.folder} if self.folder is not None else {}
        return {key: {"title": c["title"], "alt": c["alt"], "job": c["job"], **shared} for key, c in self.charts.items()}


def folder_of(pack: dict) -> ChartFolder | None:
    """The folder the pack's charts are already being drawn into (one was started early), if any."""
    return next((chart["folder"] for chart in pack["charts"].values() if "folder" in chart), None)


def pending(pack: dict) -> list[str]:
    """The pack's charts not yet drawn, those its PDF shows first (in the order the sections show them)."""
    order = list(dict.fromkeys([*shown(pack), *pack["charts"]]))
    return [key for key in order if "png" not in pack["charts"][key]]


def shown(pack: dict) -> list[str]:
    """The charts the pack's PDF and HTML show, in the order they come."""
    return [key for section in pack["sections"] for key in section["charts"]]


def draw_pending(pack: dict, folder: ChartFolder | None = None) -> None:
    """Draw the pack's charts not yet drawn, here, from the first the PDF shows; with a `folder`, each is put there
    as soon as it is drawn, and one a worker took first is waited for instead.

    If one fails (or this process is interrupted), the folder is marked failed before the error goes on, so a
    layout waiting on it stops."""
    try:
        for key in pending(pack):
            chart = pack["charts"][key]
            if folder is None:
                chart["png"] = chart.pop("job")()
            elif folder.claim(key):
                chart["png"] = chart.pop("job")()
                folder.put(key, chart["png"])
            chart.pop("folder", None)
        for key in pending(pack):  # drawn by a worker
            pack["charts"][key]["png"] = wait_for(folder.path, key)
            del pack["charts"][key]["job"]
            pack["charts"][key].pop("folder", None)
    except BaseException as error:
        if folder is not None:
            folder.fail(f"{type(error).__name__}: {error}")
        raise


def draw_shared(folder: str | Path, jobs: dict[str, ChartJob]) -> None:
    """In a worker: draw the charts `jobs` names that nobody has taken yet, each put in `folder` for every process
    to use. A failure marks the folder failed, so the others stop too."""
    charts = ChartFolder(Path(folder))
    try:
        for key, job in jobs.items():
            if charts.claim(key):
                charts.put(key, job())
    except BaseException as error:
        charts.fail(f"{type(error).__name__}: {error}")
        raise


class ChartFolder:
    """A private folder the charts are put in as they are drawn, shared by the process that built the pack and
    the worker laying out its PDF. Each chart is drawn by whichever takes it first (`claim`)."""

    def __init__(self, path: Path | None = None) -> None:
        """A new private folder, or (`path`) one another process made."""
        if path is not None:
            self.path = path
            return
        self.path = Path(tempfile.mkdtemp(prefix="ehcp-audit-charts-"))
        # Removed with this object, or at exit, if the pack is never written (`remove` is the usual way).
        weakref.finalize(self, shutil.rmtree, self.path, True)

    def claim(self, key: str) -> bool:
        """Take the chart to draw: True for the one process that creates its claim file, False for any other."""
        try:
            os.close(os.open(self.path / f"{key}.claimed", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        return True

    def put(self, key: str, png: bytes) -> None:
        # Written under another name, then renamed: the reader never sees half a file.
        partial = self.path / f"{key}.png.part"
        partial.write_bytes(png)
        partial.replace(self.path / f"{key}.png")

    def fail(self, reason: str) -> None:
        (self.path / "failed").write_text(reason, encoding="utf-8")

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


class ChartNotDrawn(RuntimeError):
    """The layout needed a chart that was not drawn."""


def chart_fetcher(folder: str | Path, jobs: dict[str, ChartJob] | None = None, wait_seconds: float = WAIT_SECONDS):
    """WeasyPrint's URL fetcher for a layout whose charts are drawn meanwhile: `chart:KEY` takes KEY's PNG from
    `folder`, drawing it here first if nobody has taken it (`jobs`), else waiting for it (`wait_for`); anything
    else is fetched as WeasyPrint would. WeasyPrint asks for the images once it has parsed the HTML and worked out
    the styles, so the layout gets that far before it draws or waits. Set to fail on errors, so a chart that is
    not drawn stops the layout rather than leave its alt text in the chart's place."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # in the worker, which has WeasyPrint loaded

    charts = ChartFolder(Path(folder))
    jobs = jobs or {}

    class ChartFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(URL_PREFIX):
                key = url[len(URL_PREFIX):]
                if key in jobs:
                    draw_shared(charts.path, {key: jobs[key]})
                return URLFetcherResponse(url, wait_for(charts.path, key, wait_seconds), {"Content-Type": "image/png"})
            return super().fetch(url, headers)

    return ChartFetcher(fail_on_errors=True)


def wait_for(folder: Path, key: str, wait_seconds: float = WAIT_SECONDS) -> bytes:
    """The chart's PNG once it is in `folder`; ChartNotDrawn if it failed, the folder is gone or time is up."""
    if not _KEY.fullmatch(key):
        raise ChartNotDrawn(f"'{key}' is not a chart of the pack")
    path, failed = folder / f"{key}.png", folder / "failed"
    deadline = time.monotonic() + wait_seconds
    while True:
        if path.exists():
            return path.read_bytes()
        if failed.exists():
            raise ChartNotDrawn(f"chart '{key}' was not drawn: {failed.read_text(encoding='utf-8')}")
        if not folder.exists():
            raise ChartNotDrawn(f"chart '{key}' was not drawn: the command stopped")
        if time.monotonic() > deadline:
            raise ChartNotDrawn(f"chart '{key}' was not drawn within {wait_seconds:.0f} s")
        time.sleep(_POLL_SECONDS)
