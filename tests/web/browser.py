"""What the browser tests share: the app under uvicorn on loopback, axe-core and screenshots, keyboard moves.

The browser is Debian's chromium driven by Playwright's Python package (never `playwright install`). axe-core
is evaluated through the DevTools protocol rather than injected as a <script> tag, so the app's strict
Content-Security-Policy stays on while the pages are checked.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from tests.factories import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-artifacts" / "screenshots"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(app) -> Iterator[str]:
    """Run the app under uvicorn on a free loopback port for the duration; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


class Pages:
    """Screenshots (test-artifacts/screenshots/<journey>-NN-<name>.png) and axe-core on every page visited."""

    def __init__(self, journey: str):
        self.journey, self.n = journey, 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.axe = AXE.read_text(encoding="utf-8")

    def check(self, page, name: str) -> None:
        self.n += 1
        self.shoot(page, name)
        if not page.evaluate("() => typeof axe !== 'undefined'"):
            page.evaluate(self.axe)
        result = page.evaluate("async () => await axe.run()")
        bad = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert bad == [], f"{name}: {bad}"

    def shoot(self, page, name: str) -> None:
        """Keep a picture of the page for people reading a failed run; the picture is never the test.

        Chromium cannot capture a full page taller than its largest texture, and a loaded 2-core CI machine
        sometimes refuses a capture outright ("Unable to capture screenshot"), so a refused full-page capture
        falls back to the visible part, and a refused capture of that is skipped rather than failing the check.
        """
        from playwright.sync_api import Error

        path = str(SHOTS / f"{self.journey}-{self.n:02d}-{name}.png")
        for full_page in (True, False):
            try:
                page.screenshot(path=path, full_page=full_page)
                return
            except Error:
                continue


def focused(page, test: str) -> bool:
    return page.evaluate(f"() => {{ const el = document.activeElement; return !!(el && ({test})); }}")


def tab_to(page, test: str, limit: int = 150) -> None:
    """Press Tab until `test` (JS on document.activeElement `el`) is true: how a keyboard user gets there."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page, test):
            return
    raise AssertionError(f"Tab never reached {test}")


def click_and_wait(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def enter_and_wait(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def sign_in(page, base: str, pages: Pages, username: str, password: str, name: str, keyboard: bool = False) -> None:
    page.goto(f"{base}/sign-in")
    pages.check(page, f"{name}-sign-in")
    if keyboard:
        tab_to(page, "el.id === 'username'")
        page.keyboard.type(username)
        tab_to(page, "el.id === 'password'")
        page.keyboard.type(password)
        enter_and_wait(page)
    else:
        page.fill("#username", username)
        page.fill("#password", password)
        click_and_wait(page, "button:has-text('Sign in')")


# --- keyboard journeys: every stop must show where the focus is; progress pages are followed, not skipped ---

FOCUS_SEEN = """() => {
  // The focused element must look different from the same element unfocused (GOV.UK's yellow focus state).
  const el = document.activeElement;
  if (!el || el === document.body) return 'nothing has the focus';
  // GOV.UK radios and checkboxes draw their focus ring on the label's ::before (the input itself is hidden).
  const label = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null;
  const seen = getComputedStyle(el).opacity !== '0';  // a hidden input's own outline cannot be seen
  const look = () => {
    const s = getComputedStyle(el);
    return [seen ? [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor, s.color] : [],
            label ? getComputedStyle(label, '::before').boxShadow : ''].join('|');
  };
  const focused = look();
  el.blur();
  const unfocused = look();
  el.focus();
  if (document.activeElement !== el) return 'the focus could not be put back';
  return focused !== unfocused ? '' : 'no visible focus on ' + el.outerHTML.slice(0, 200);
}"""


def focus_is_visible(page) -> None:
    """A keyboard user can see where they are: the focused element looks different from itself unfocused."""
    problem = page.evaluate(FOCUS_SEEN)
    assert problem == "", problem


def reach(page, test: str) -> None:
    """Tab to the element (JS test on `el`) and check the focus can be seen there."""
    tab_to(page, test)
    focus_is_visible(page)


def press(page, test: str) -> None:
    """Tab to a link or button, see its focus, press Enter and wait for the next page."""
    reach(page, test)
    enter_and_wait(page)


def type_into(page, field_id: str, text: str) -> None:
    reach(page, f"el.id === {field_id!r}")
    page.keyboard.type(text)


def link(href: str) -> str:
    return f"el.tagName === 'A' && el.getAttribute('href') === {href!r}"


def button(text: str) -> str:
    return f"el.tagName === 'BUTTON' && el.textContent.includes({text!r})"


def follow_until(page, pages: Pages, name: str, done, seconds: float = 120) -> str:
    """Wait on the page the browser is showing, through any progress page that refreshes itself, until `done(html)`.

    Uploads and the board pack may be handed to a flow whose page refreshes itself (a meta refresh, no
    JavaScript); this follows it as a person leaving the tab open would. A page that is neither done nor
    refreshing fails at once, with its text."""
    from playwright.sync_api import Error

    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            page.wait_for_load_state()
            html = page.content()
        except Error:  # the page is refreshing itself right now
            time.sleep(0.3)
            continue
        if done(html):
            pages.check(page, name)
            return html
        assert 'http-equiv="refresh"' in html, f"{name}: neither done nor in progress: {page.inner_text('main')[:1500]}"
        time.sleep(1)
    raise AssertionError(f"{name}: still in progress after {seconds} s")
