"""Generic indicator | value tables: provincial forms nianbao has no parser for yet.

Used as the last resort for a document whose tables pair labels with numbers (Gansu, Shanghai,
Anhui … "指标 | 数值" or "指标名称 | 计量单位 | 数量" forms). Every label/value pair is captured
with its locator, as printed: the label is the row's first text cell, the value its last cell.
Labels the catalogue knows in exactly one template family are mapped (by normalisation); the
others keep indicator NULL and become `unmapped_label` findings. Nothing is dropped or guessed.

A table counts when at least three of its rows end in a number (or a blank) after a text label.
"""

from __future__ import annotations

from transforms.catalogue import Catalogue
from transforms.extract.cells import BLANK, UNREADABLE, parse_cell
from transforms.extract.readers import Document, Table
from transforms.extract.templates.base import ParsedTable, RawCell, printed_cells

TEMPLATE = "generic_indicator_value"
_MIN_ROWS = 3


def _pair(row) -> tuple[str, object] | None:
    """(label, value cell) of a label/value row, or None."""
    cells = printed_cells(row)
    if len(cells) < 2:
        return None
    label, value = cells[0].text.strip(), cells[-1]
    if not label or parse_cell(label).status != UNREADABLE:
        return None  # a label is text
    return (label, value) if parse_cell(value.text).status != UNREADABLE else None


def _value_rows(table: Table) -> int:
    return sum(
        1 for row in table.rows if (p := _pair(row)) and parse_cell(p[1].text).status != BLANK
    )


def detect(document: Document) -> bool:
    return any(_value_rows(t) >= _MIN_ROWS for t in document.tables)


def _header(table: Table) -> str:
    for row in table.rows:
        cells = printed_cells(row)
        if len(cells) >= 2 and _pair(row) is None and cells[-1].text.strip():
            return cells[-1].text.strip()
    return ""


def parse(document: Document, catalogue: Catalogue) -> ParsedTable:
    """Every label/value pair of every qualifying table."""
    cells = []
    for table in document.tables:
        if _value_rows(table) < _MIN_ROWS:
            continue
        column = _header(table)
        for row in table.rows:
            pair = _pair(row)
            if pair:
                label, value = pair
                cells.append(
                    RawCell(
                        table.locator, "", label, column, value.text, value.locator, ocr=value.ocr
                    )
                )
    return ParsedTable(TEMPLATE, tuple(cells))
