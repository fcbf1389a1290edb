"""The one Jinja2 environment of reports/: every template (board summary and pack, improvement, regional,
feedback notes) renders with the product's words registered as filters (audit/words.py: `day`, `moment`,
`label`, `stratum` ...), so a code or a machine timestamp never reaches a page by accident."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from audit.words import FILTERS

env = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.jinja",), default_for_string=False),
    undefined=StrictUndefined,  # a missing figure is a bug, not a blank cell
    keep_trailing_newline=True,
)
env.filters.update(FILTERS)
