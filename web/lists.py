"""Long lists on the server: filter by words, sort by a column the page offers, and page through, all from the
query string, so a list works without JavaScript and its address can be bookmarked or shared.

The rows come from the domain already built; this module only chooses which of them to show. An unknown sort,
order or page number falls back to the page's default rather than failing (a hand-edited address still opens).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

PER_PAGE = 25


@dataclass
class Listing:
    rows: list
    total: int
    page: int
    pages: int
    sort: str
    order: str
    q: str
    path: str
    params: dict

    def href(self, **changes: Any) -> str:
        query = {k: v for k, v in ({**self.params, "q": self.q, "sort": self.sort, "order": self.order,
                                    "page": self.page} | changes).items() if v not in ("", None)}
        return f"{self.path}?{urlencode(query)}"

    def pagination(self) -> dict | None:
        """The GOV.UK pagination component's arguments, or None when everything fits on one page."""
        if self.pages <= 1:
            return None
        near = sorted({1, self.pages, *range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)})
        items, last = [], 0
        for n in near:
            if n > last + 1:
                items.append({"ellipsis": True})
            items.append({"number": n, "href": self.href(page=n), "current": n == self.page})
            last = n
        return {"items": items, "landmarkLabel": "Pages of results",
                **({"previous": {"href": self.href(page=self.page - 1)}} if self.page > 1 else {}),
                **({"next": {"href": self.href(page=self.page + 1)}} if self.page < self.pages else {})}

    def sort_href(self, column: str) -> str:
        """The address that sorts by `column`: ascending first, then the other way on a second click."""
        order = "desc" if column == self.sort and self.order == "asc" else "asc"
        return self.href(sort=column, order=order, page=1)

    def aria_sort(self, column: str) -> str:
        if column != self.sort:
            return "none"
        return "ascending" if self.order == "asc" else "descending"

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.page - 1) * PER_PAGE + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * PER_PAGE)


def listing(rows: Sequence, *, path: str, sorts: dict[str, Callable[[Any], Any]], default_sort: str,
            text: Callable[[Any], str], q: str = "", sort: str = "", order: str = "", page: str = "1",
            params: dict | None = None, per_page: int = PER_PAGE, default_order: str = "asc") -> Listing:
    """Filter `rows` to those whose `text` holds every word of `q`, sort by `sorts[sort]` and cut one page."""
    q = " ".join(str(q or "").split())[:100]
    words = q.casefold().split()
    kept = [r for r in rows if all(w in text(r).casefold() for w in words)]
    sort = sort if sort in sorts else default_sort
    order = order if order in ("asc", "desc") else default_order
    kept.sort(key=lambda r: _sortable(sorts[sort](r)), reverse=order == "desc")
    pages = max(1, -(-len(kept) // per_page))
    number = int(page) if str(page).isdigit() else 1
    number = min(max(number, 1), pages)
    return Listing(kept[(number - 1) * per_page: number * per_page], len(kept), number, pages, sort, order, q,
                   path, params or {})


def _sortable(value: Any) -> tuple:
    """Missing values after the rest (ascending), and numbers and text never compared with each other."""
    if value is None:
        return (1, 0, "")
    if isinstance(value, int | float):
        return (0, 0, value)
    return (0, 1, str(value).casefold())
