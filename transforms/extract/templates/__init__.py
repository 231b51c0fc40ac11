"""Template parsers: a decoded document → the statistics table's cells, exactly as printed.

Each parser module handles one template family and exposes `TEMPLATE` (its catalogue id),
`detect(document) -> bool` and `parse(document) -> ParsedTable`. Interpretation (codes, numbers,
blanks) happens later, in `transforms.normalise`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from transforms.extract.readers import Document, failure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawCell:
    """One printed value cell with the labels that identify it, as printed."""

    section: str  # e.g. "一、基本情况"
    group: str  # the row group ("人员配置"), "" when the form has none
    label: str  # the row label as printed ("其中：1.专职人员数")
    column: str  # the column header as printed ("2012年发生数")
    text: str  # the cell as printed ("1104")
    locator: str  # where it was printed ("line 55")
    table: str = ""  # which table of the form: requests | appeals | proactive ("" single-table)
    position: int | None = None  # for tables read by position (national table 四: 1..15)
    status: str | None = None  # set by a parser that already judged the cell (e.g. ambiguous)
    note: str = ""  # the parser's evidence for that judgement (e.g. candidate splits)


@dataclass(frozen=True)
class ParsedTable:
    template: str
    cells: tuple[RawCell, ...]
    errors: tuple[str, ...] = ()  # tables of the form whose parser failed (`readers.failure`)


def printed_cells(row) -> list:
    """The cells of a grid row once each: the slots of one merged cell share a locator."""
    out: list = []
    for cell in row:
        if not out or out[-1].locator != cell.locator:
            out.append(cell)
    return out


def each_table(
    parts: Sequence[tuple[str, Callable[[], list[RawCell]]]],
) -> tuple[list[RawCell], tuple[str, ...]]:
    """Run each table's parser on its own: (the cells of those that worked, the failures).

    A defect in one table's parser must not take the other tables of the report with it."""
    cells: list[RawCell] = []
    errors: list[str] = []
    for name, read in parts:
        try:
            cells += read()
        except MemoryError:  # the worker's memory bound: the parse pool reports it for the file
            raise
        except Exception as exc:  # a parser defect confined to this table
            log.exception("the parser of %s failed", name)
            errors.append(failure(name, exc))
    return cells, tuple(errors)


class TemplateNotFound(Exception):
    """No known statistics table was found in the document."""


def parse_document(document: Document) -> ParsedTable:
    """Detect the template family of `document` and parse its statistics table."""
    from transforms.extract.templates import (
        fujian,
        fujian_flat,
        generic,
        jilin,
        national,
        national_flat,
    )

    families = (
        (jilin, "jilin_pre2019"),
        (national, "national"),
        (national_flat, "national"),
        (fujian, "fujian_pre2019"),
        (fujian_flat, "fujian_pre2019"),
        (generic, "generic_indicator_value"),
    )
    for module, family in families:
        if not module.detect(document):
            continue
        try:
            return module.parse(document)
        except MemoryError:
            raise
        except Exception as exc:  # a parser defect: the report keeps its metadata and prose
            log.exception("the %s parser failed", module.__name__)
            return ParsedTable(family, (), (failure(f"statistics tables ({family})", exc),))
    raise TemplateNotFound(
        "no known statistics table found (looked for: Jilin pre-2019 数据统计表; national "
        "2019/2021 form tables 二/三/四; Fujian pre-2019 政府信息公开情况统计表; any table of "
        "label | value rows)"
    )
