"""The keyboard journeys' "focus is visible" check tells a visible focus state from a missing one (tests/web/browser.py)."""

from __future__ import annotations

import pytest

from tests.web.browser import focus_is_visible

pytestmark = [pytest.mark.browser]
BUTTON = "<style>button { box-shadow: 0 2px 0 green; outline: none; } %s</style><button>Continue</button>"
RADIO = ("<style>input { opacity: 0; } label::before { content: ''; } %s</style>"
         "<input type='radio' id='r' name='g'><label for='r'>Good</label>")


@pytest.mark.parametrize(("markup", "focus_style", "visible"), [
    (BUTTON, "button:focus { background: rgb(255, 221, 0); }", True),
    (BUTTON, "", False),  # an always-on shadow is not a focus state
    (RADIO, "input:focus + label::before { box-shadow: 0 0 0 4px rgb(255, 221, 0); }", True),
    (RADIO, "", False),  # the hidden input's own outline is not seen
])
def test_focus_is_visible_only_when_the_focused_element_changes(browser, markup, focus_style, visible):
    page = browser.new_page()
    try:
        page.set_content(markup % focus_style)
        page.keyboard.press("Tab")
        if visible:
            focus_is_visible(page)
        else:
            with pytest.raises(AssertionError, match="no visible focus"):
                focus_is_visible(page)
    finally:
        page.close()
