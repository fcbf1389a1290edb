"""Small-number suppression in the view-model: groups, cells, secondary cells, and nothing hidden leaks."""

from __future__ import annotations

import json

from reports.suppression import COUNT, INTERVAL, PERCENT, SECONDARY, TEXT, make_table, note

COLUMNS = [("group", "Group", TEXT), ("plans", "Plans", COUNT), ("O", "O", COUNT), ("G", "G", COUNT),
           ("RI", "RI", COUNT), ("I", "I", COUNT), ("pct", "%", PERCENT), ("ci", "CI", INTERVAL)]
SETS = (("O", "G"), ("RI", "I"))


def texts(table):
    return [[c["text"] for c in r["cells"]] for r in table["rows"]]


def row(group, o, g, ri, i):
    n = o + g + ri + i
    return {"group": group, "plans": n, "O": o, "G": g, "RI": ri, "I": i,
            "pct": 100 * (o + g) / n if n else None, "ci": (10.0, 60.0) if n else None}


def test_a_small_group_shows_every_count_as_under_the_threshold_and_no_percentage():
    table = make_table("t", "T", COLUMNS, [row("Social care", 0, 1, 2, 0)], threshold=5, size="plans", parts=SETS)
    assert texts(table) == [["Social care", "<5", "<5", "<5", "<5", "<5", "suppressed", "suppressed"]]
    assert all(c["value"] is None for c in table["rows"][0]["cells"][1:])


def test_small_cells_in_a_large_group_and_their_secondary_partner_are_hidden():
    table = make_table("t", "T", COLUMNS, [row("Health", 0, 11, 25, 4)], threshold=5, size="plans", parts=SETS)
    # Inadequate 4 is under 5; RI would give it away (40 - 11 - 25), so RI is hidden too. Good stays:
    # its set (Outstanding 0 + Good 11) is not touched. The % and interval stay for a group of 40.
    assert texts(table) == [["Health", "40", "0", "11", SECONDARY, "<5", "27.5%", "10–60%"]]
    assert table["suppressed_cells"] == 2


def test_a_lone_small_cell_with_a_zero_partner_hides_the_zero():
    table = make_table("t", "T", COLUMNS, [row("Education", 0, 3, 30, 7)], threshold=5, size="plans", parts=SETS)
    assert texts(table)[0][2:4] == [SECONDARY, "<5"]


def test_zero_and_threshold_counts_are_shown_and_no_data_is_not_zero():
    table = make_table("t", "T", COLUMNS, [row("A", 0, 5, 5, 0), row("B", 0, 0, 0, 0)], threshold=5,
                       size="plans", parts=SETS)
    assert texts(table)[0] == ["A", "10", "0", "5", "5", "0", "50.0%", "10–60%"]
    assert texts(table)[1][6] == "no data"


def test_threshold_is_configurable_and_zero_turns_it_off():
    rows = [row("A", 1, 1, 1, 1)]
    assert texts(make_table("t", "T", COLUMNS, rows, threshold=0, size="plans", parts=SETS))[0][1] == "4"
    assert texts(make_table("t", "T", COLUMNS, rows, threshold=3, size="plans", parts=SETS))[0][1] == "4"
    assert texts(make_table("t", "T", COLUMNS, rows, threshold=3, size="plans", parts=SETS))[0][2] == "<3"


def test_hidden_numbers_never_reach_the_json():
    table = make_table("t", "T", COLUMNS, [row("Health", 0, 11, 25, 4)], threshold=5, size="plans", parts=SETS)
    cells = table["rows"][0]["cells"]
    assert [c["value"] for c in cells[4:6]] == [None, None]
    stored = [c["value"] for c in json.loads(json.dumps(table))["rows"][0]["cells"]]
    assert 25 not in stored and 4 not in stored


def test_the_note_says_what_was_done():
    assert "fewer than 5 plans" in note(5) and "<5" in note(5) and SECONDARY in note(5)


# A percentage beside hidden counts (issue 19) ------------------------------------------------------------------


def test_a_percentage_that_would_tell_a_small_count_is_suppressed_with_its_interval():
    # Good or better is 0 + 3 of 40: "7.5%" would give the 3 away, so the % and its interval go as well.
    table = make_table("t", "T", COLUMNS, [row("Education", 0, 3, 30, 7)], threshold=5, size="plans", parts=SETS,
                       shares={"pct": ("O", "G")})
    assert texts(table)[0][6:] == ["suppressed", "suppressed"]
    assert table["rows"][0]["record"]["pct"] is None and table["rows"][0]["record"]["ci"] is None


def test_a_percentage_whose_rest_is_small_is_suppressed_too():
    # 38 of 40 Good or better: 95.0% tells that 2 were below Good.
    table = make_table("t", "T", COLUMNS, [row("Health", 10, 28, 2, 0)], threshold=5, size="plans", parts=SETS,
                       shares={"pct": ("O", "G")})
    assert texts(table)[0][6:] == ["suppressed", "suppressed"]


def test_a_percentage_of_hidden_cells_whose_sum_is_not_small_stays():
    # Outstanding 4 is hidden and Good with it, but 4 + 11 = 15 of 40 is no small number: 37.5% stays.
    table = make_table("t", "T", COLUMNS, [row("Health", 4, 11, 20, 5)], threshold=5, size="plans", parts=SETS,
                       shares={"pct": ("O", "G")})
    assert texts(table)[0][2:4] == ["<5", SECONDARY]
    assert texts(table)[0][6:] == ["37.5%", "10–60%"]


def test_the_internal_paper_threshold_of_zero_hides_nothing():
    table = make_table("t", "T", COLUMNS, [row("Education", 0, 3, 30, 7)], threshold=0, size="plans", parts=SETS,
                       shares={"pct": ("O", "G")})
    assert texts(table)[0] == ["Education", "40", "0", "3", "30", "7", "7.5%", "10–60%"]
