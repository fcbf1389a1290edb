"""Flows wrapped by `as_actor` validate their parameters: Prefect resolves the string annotations of a
`from __future__ import annotations` module against the wrapper's module, which does not import `date`."""

from __future__ import annotations

from datetime import date

from flows.board_pack import board_pack
from flows.cycle import audit_cycle


def test_the_cycle_flow_reads_a_date_parameter():
    params = audit_cycle.validate_parameters({"cycle_id": 3, "as_of": "2026-01-02"})
    assert params["cycle_id"] == 3 and params["as_of"] == date(2026, 1, 2)


def test_the_board_pack_flow_validates_its_parameters():
    assert board_pack.validate_parameters({"cycle_id": 3})["cycle_id"] == 3


def test_the_inspection_pack_flow_reads_its_parameters():
    from flows.inspection_pack import inspection_pack

    params = inspection_pack.validate_parameters({"cycle_id": 3, "audience": "internal", "as_of": "2026-01-02"})
    assert params["cycle_id"] == 3 and params["as_of"] == date(2026, 1, 2) and params["audience"] == "internal"
