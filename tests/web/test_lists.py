"""web/lists.py: filtering by words, sorting by an offered column and paging, all from the query string."""

from __future__ import annotations

from tests.web.conftest import sign_in
from tests.web.test_web_moderation import disputed  # noqa: F401  (fixture)
from web.lists import listing

ROWS = [{"name": f"Cycle {n}", "waiting": n % 4 or None, "id": n} for n in range(1, 61)]
SORTS = {"name": lambda r: r["name"], "waiting": lambda r: r["waiting"], "id": lambda r: r["id"]}


def make(**kw):
    return listing(ROWS, path="/x", sorts=SORTS, default_sort="id", text=lambda r: r["name"], **kw)


def test_pages_of_25_with_links_to_the_neighbours_and_both_ends():
    shown = make(page="2")
    assert [r["id"] for r in shown.rows] == list(range(26, 51)) and (shown.total, shown.pages) == (60, 3)
    assert (shown.first, shown.last) == (26, 50)
    p = shown.pagination()
    assert p["previous"]["href"] == "/x?sort=id&order=asc&page=1" and p["next"]["href"].endswith("page=3")
    assert [i.get("number") for i in p["items"]] == [1, 2, 3] and p["items"][1]["current"]


def test_filter_keeps_rows_holding_every_word_and_the_count_follows():
    shown = make(q="  cycle   5 ")
    assert shown.q == "cycle 5" and {r["id"] for r in shown.rows} == {5, 15, 25, 35, 45, 50, 51, 52, 53, 54, 55,
                                                                      56, 57, 58, 59}
    assert shown.pagination() is None and "q=cycle+5" in shown.href(page=1)


def test_sorting_descending_keeps_missing_values_together_and_a_second_click_turns_it_round():
    shown = make(sort="waiting", order="desc")
    values = [r["waiting"] for r in shown.rows]
    assert values[:15] == [None] * 15 and values[15:] == sorted(values[15:], reverse=True)
    assert "order=asc" in shown.sort_href("waiting") and shown.aria_sort("waiting") == "descending"
    assert "order=asc" in make(sort="waiting").sort_href("name") and make().aria_sort("name") == "none"


def test_unknown_sort_order_and_page_fall_back_rather_than_fail():
    for bad in ({"sort": "password"}, {"order": "sideways"}, {"page": "abc"}, {"page": "999"}, {"page": "-1"}):
        shown = make(**bad)
        assert shown.sort == "id" and shown.order == "asc" and 1 <= shown.page <= 3
    assert make(page="999").page == 3 and make(q="nothing like it").rows == []


def test_the_moderation_queue_filters_sorts_and_pages_on_the_server(client, disputed):
    import re

    sign_in(client, "demo-moderator")
    whole = client.get("/cycles/1/moderation").text
    refs = re.findall(r'href="/cycles/1/moderation/\d+">([^<]+)<span', whole)
    assert len(refs) >= 2 and refs == sorted(refs)
    one = client.get("/cycles/1/moderation", params={"q": disputed["plan_ref"]}).text
    assert set(re.findall(r'href="/cycles/1/moderation/\d+">([^<]+)<span', one)) == {disputed["plan_ref"]}
    backwards = client.get("/cycles/1/moderation", params={"sort": "plan", "order": "desc"}).text
    assert re.findall(r'href="/cycles/1/moderation/\d+">([^<]+)<span', backwards) == sorted(refs, reverse=True)
    assert "No plans awaiting moderation match" in client.get("/cycles/1/moderation", params={"q": "zzz"}).text
