"""Tables for the terminal: headings in words, numbers right-aligned and never broken, text wrapped to the
terminal's width (rich reads it, or COLUMNS), so every table reads at 80 columns."""

from __future__ import annotations

from rich import box
from rich.table import Table

NUMBER = "#"  # a heading ending in "#" is a number column: "Met#"


def words_table(*headings: str, title: str | None = None) -> Table:
    """A table whose columns are the headings given, in words; "Total#" marks a number column."""
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    for heading in headings:
        if heading.endswith(NUMBER):
            table.add_column(heading[:-1], justify="right", no_wrap=True)
        else:
            table.add_column(heading, overflow="fold")
    return table
