"""What every table module shares: the store's "now" (the product's one clock) and JSON columns that keep in-place edits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlalchemy.ext.mutable import MutableDict, MutableList
from sqlmodel import Field

from audit import clock


def utcnow() -> datetime:
    return clock.now()


def _json_dict() -> Any:
    return Field(default_factory=dict, sa_column=Column(MutableDict.as_mutable(JSON), nullable=False))


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(MutableList.as_mutable(JSON), nullable=False))
