"""RawCell's hand-written __init__ (see its docstring) stays the dataclass's: same parameters
in the fields' order with their defaults, and a frozen value compared and hashed by its fields."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from transforms.extract.templates.base import RawCell


def test_init_takes_the_fields_in_order_with_their_defaults() -> None:
    params = list(inspect.signature(RawCell.__init__).parameters.values())[1:]
    fields = dataclasses.fields(RawCell)
    assert [p.name for p in params] == [f.name for f in fields]
    assert [p.default for p in params] == [
        inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default for f in fields
    ]


def test_a_cell_is_a_frozen_value() -> None:
    cell = RawCell("三", "", "新收", "总计", "12", "line 3", table="requests", position=2)
    assert vars(cell) == {
        "section": "三",
        "group": "",
        "label": "新收",
        "column": "总计",
        "text": "12",
        "locator": "line 3",
        "table": "requests",
        "position": 2,
        "status": None,
        "note": "",
        "ocr": None,
    }
    same = RawCell("三", "", "新收", "总计", "12", "line 3", "requests", 2)
    assert cell == same and hash(cell) == hash(same)
    assert dataclasses.replace(cell, text="13") != cell
    with pytest.raises(dataclasses.FrozenInstanceError):
        cell.text = "13"  # type: ignore[misc]
