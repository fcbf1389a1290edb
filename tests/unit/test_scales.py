"""Status scales as data: the two shipped scales, an area's own, and every problem in a bad file at once."""

from __future__ import annotations

import pytest

from audit.errors import InputRejected, NotFound
from audit.improvement.scales import get_scale, load_scale_file, load_scales

GOOD_OWN = """\
id: five-step
title: Our five-step scale
statuses:
  - {key: embedded, label: Embedded, colour: blue, role: embedded}
  - {key: done, label: Done, colour: green, role: completed}
  - {key: going, label: Going well, colour: turquoise, role: on_track}
  - {key: slipping, label: Slipping, colour: amber, role: minor_delay}
  - {key: stuck, label: Stuck, colour: red, role: major_delay}
"""


def test_the_shipped_scales_are_the_wsoa_brag_and_the_app_scale_with_their_colours():
    scales = load_scales()
    brag, app = scales["brag"], scales["app"]
    assert [(s.label, s.colour) for s in brag.statuses] == [
        ("Completed and embedded", "blue"), ("Completed", "green"), ("Progressing", "amber"),
        ("Little or no progress", "red")]
    assert [(s.label, s.colour_label) for s in app.statuses] == [
        ("Complete", "Grey"), ("On track", "Green"), ("Minor delay", "Yellow"), ("Major delay", "Red")]
    assert brag.by_label(" progressing ").tag == "orange"  # amber shows as GOV.UK's orange tag
    assert brag.proposal("minor_delay").label == "Little or no progress"  # no minor delay on BRAG
    assert app.proposal("minor_delay").label == "Minor delay"
    assert brag.is_closed("completed") and app.is_closed("complete") and not app.is_closed("on-track")
    assert app.is_red("major-delay") and not brag.is_red("progressing")


def test_an_area_adds_its_own_scale_from_its_own_folder(tmp_path):
    (tmp_path / "five.yaml").write_text(GOOD_OWN)
    scales = load_scales(tmp_path)
    assert set(scales) == {"brag", "app", "five-step"}
    assert get_scale(scales, "five-step").for_role("minor_delay").label == "Slipping"
    with pytest.raises(NotFound, match="the scales are app, brag, five-step"):
        get_scale(scales, "rag")


def test_every_problem_in_a_scale_file_is_named_with_its_field_and_fix(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("""\
id: Bad Scale
title: Bad
colours: [red]
statuses:
  - {key: a, label: Done, colour: blue, role: embedded}
  - {key: a, label: done, colour: magenta, role: finished}
  - {key: c, label: Late, colour: red, role: embedded}
""")
    with pytest.raises(InputRejected) as caught:
        load_scale_file(bad)
    assert [str(p) for p in caught.value.problems] == [
        "bad.yaml, column 'colours': 'colours' is not a known key of a scale. Fix: use only id, title, statuses",
        "bad.yaml, column 'id': 'Bad Scale' is not a usable id. Fix: use lower-case letters, digits, '-' or '_', no spaces",
        "bad.yaml, column 'statuses[2].key': key 'a' is also used by statuses[1]. Fix: give each status its own key",
        "bad.yaml, column 'statuses[2].label': label 'done' is also used by statuses[1]. Fix: give each status its own label",
        "bad.yaml, column 'statuses[2].colour': 'magenta' is not a colour we can show. Fix: use one of blue, green, "
        "amber, orange, yellow, red, grey, purple, pink, turquoise",
        "bad.yaml, column 'statuses[2].role': 'finished' is not a role. Fix: use one of embedded, completed, on_track, "
        "minor_delay, major_delay, or leave it out",
        "bad.yaml, column 'statuses[3].role': role 'embedded' is also given to statuses[1]. Fix: give each role to one "
        "status only",
        "bad.yaml, column 'statuses': no status has the role 'on_track'. Fix: add 'role: on_track' to the status that "
        "means on track (e.g. Progressing)",
        "bad.yaml, column 'statuses': no status has the role 'major_delay'. Fix: add 'role: major_delay' to the status "
        "that means not happening (e.g. Little or no progress, Major delay)",
    ]


def test_a_clash_with_a_shipped_id_and_broken_yaml_are_reported_for_the_whole_folder(tmp_path):
    (tmp_path / "mine.yaml").write_text(GOOD_OWN.replace("five-step", "brag"))
    (tmp_path / "broken.yaml").write_text("id: x\nstatuses: [\n")
    with pytest.raises(InputRejected) as caught:
        load_scales(tmp_path)
    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith("broken.yaml: the file is not valid YAML") for p in problems)
    assert "mine.yaml, column 'id': scale id 'brag' is also used by brag.yaml. Fix: give each scale file its own id" in problems
    with pytest.raises(InputRejected, match="the scales folder does not exist"):
        load_scales(tmp_path / "missing")
