"""Markup written for speed is GOV.UK Frontend's own: the scorecard's grade radios and comment box, the page chrome.

web/templates/_grading.html writes out what govukRadios and govukTextarea would for the scorecard's options
(a tenth of their render cost). These tests render both from the same criterion, in every state a scorecard
shows, and compare them with whitespace normalised, so an upgrade of GOV.UK Frontend that changes the
markup fails here.
"""

from __future__ import annotations

import re

import pytest

from audit.vocabulary import Grade
from web.deps import make_templates

HINT = "Required for Requires Improvement and Inadequate: say what needs to improve."

GOVUK = """\
{% from "govuk_frontend_jinja/components/radios/macro.html" import govukRadios %}
{% from "govuk_frontend_jinja/components/textarea/macro.html" import govukTextarea %}
{% set items = [] %}
{% for choice in c.choices %}{% set _ = items.append({"value": choice.value, "text": choice.label,
   "hint": {"text": choice.descriptor}, "checked": choice.value == c.grade}) %}{% endfor %}
{{ govukRadios({"name": "grade-" ~ c.id, "idPrefix": "grade-" ~ c.id,
  "fieldset": {"legend": {"text": c.id ~ ": " ~ c.text, "classes": "govuk-fieldset__legend--s"}},
  "items": items, "errorMessage": {"text": c.grade_error} if c.grade_error else none}) }}
{{ govukTextarea({"name": "comment-" ~ c.id, "id": "comment-" ~ c.id, "rows": 3, "value": c.comment,
  "label": {"text": "Comment on " ~ c.id}, "hint": {"text": hint},
  "errorMessage": {"text": c.comment_error} if c.comment_error else none}) }}
"""

OURS = """\
{% from "_grading.html" import grade_radios, comment_box %}
{{ grade_radios(c) }}
{{ comment_box(c, hint) }}
"""


def criterion(grade: str = "", comment: str = "", grade_error: str | None = None,
              comment_error: str | None = None, text: str = "Outcomes are SMART.") -> dict:
    """A criterion as web.auditor._criteria_view hands it to the scorecard template."""
    return {"id": "E2", "text": text, "grade": grade, "comment": comment,
            "choices": [{"value": str(int(g)), "label": g.label, "descriptor": f"What {g.label} looks like."}
                        for g in sorted(Grade, reverse=True)],
            "grade_error": grade_error, "comment_error": comment_error}


def normalised(html: str) -> str:
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<|>)\s*", r"\1", html).strip()


def render(source: str, c: dict) -> str:
    return make_templates().env.from_string(source).render(c=c, hint=HINT)


STATES = {
    "blank": criterion(),
    "graded Good": criterion(grade="3"),
    "graded Outstanding": criterion(grade="4"),
    "graded Inadequate with a comment": criterion(grade="1", comment="The outcomes are not measurable."),
    "missing grade": criterion(grade_error="Choose a grade for E2"),
    "missing comment": criterion(grade="2", comment_error="Say what needs to improve for E2"),
    "both errors": criterion(grade_error="Choose a grade", comment_error="Enter a comment"),
    "comment of several lines": criterion(grade="2", comment="First line.\nSecond line."),
}


@pytest.mark.parametrize("state", list(STATES))
def test_hand_written_markup_matches_govuk_frontend(state):
    c = STATES[state]
    assert normalised(render(OURS, c)) == normalised(render(GOVUK, c))


def test_text_from_the_rubric_and_the_auditor_is_escaped():
    c = criterion(grade="1", comment='</textarea><script>alert("x")</script>', text="Needs <b>bold</b> & care",
                  comment_error="Say <why>")
    ours = render(OURS, c)
    assert "<script>" not in ours and "<b>" not in ours and "<why>" not in ours
    assert "&lt;/textarea&gt;&lt;script&gt;" in ours and "Needs &lt;b&gt;bold&lt;/b&gt; &amp; care" in ours
    assert normalised(ours) == normalised(render(GOVUK, c))


def test_every_page_has_the_areas_header_and_footer_once():
    """The area's own header (GOV.UK Frontend's generic header) and footer: once, and without GOV.UK's identity."""
    html = make_templates().env.from_string('{% extends "base.html" %}{% block page %}<p>Body</p>{% endblock %}').render(
        title="A page", nav=[], user=None, errors=[], request=None)
    assert html.count('class="govuk-generic-header"') == 1 and html.count('class="govuk-footer"') == 1
    assert html.index('class="govuk-generic-header"') < html.index("<p>Body</p>") < html.index('class="govuk-footer"')
    assert "Open Government Licence" not in html and "Crown copyright" not in html and 'class="govuk-header"' not in html
