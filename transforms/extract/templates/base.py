"""What every template parser shares: the printed cell, the parsed table, and walking a
document's tables (a parser defect in one table costs that table, not the report)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from transforms.extract.readers import OcrRead, failure

log = logging.getLogger("transforms.extract.templates")
# A PDF table's locator (transforms.extract.readers.pdf): tables are numbered from 1 on each page.
_PAGE_TABLE = re.compile(r"page (?P<page>\d+), table (?P<table>\d+)")


def next_page(before: str, after: str) -> bool:
    """Whether PDF table `after` is the first table of the page after the one `before` is on
    (`before` then ends its page: the pair may be one table cut by the page break)."""
    cut, first = _PAGE_TABLE.fullmatch(before), _PAGE_TABLE.fullmatch(after)
    return (
        bool(cut and first and first["table"] == "1") and int(first["page"]) == int(cut["page"]) + 1
    )


_FILL = object.__setattr__  # a frozen instance's dict, set once by its __init__


@dataclass(frozen=True, init=False)
class RawCell:
    """One printed value cell with the labels that identify it, as printed.

    `__init__` is written out: a parse makes a RawCell per printed cell (some 90 per report),
    and the frozen dataclass's generated one sets each of the eleven fields with its own
    `object.__setattr__` call, about twice the cost of filling the instance dict at once.
    Equality, hashing, `replace` and the frozen fields are the dataclass's as before."""

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
    ocr: OcrRead | None = None  # what OCR said, for a cell read from a scan (`TableCell.ocr`)

    def __init__(  # the fields, in their order
        self,
        section: str,
        group: str,
        label: str,
        column: str,
        text: str,
        locator: str,
        table: str = "",
        position: int | None = None,
        status: str | None = None,
        note: str = "",
        ocr: OcrRead | None = None,
    ) -> None:
        _FILL(
            self,
            "__dict__",
            {
                "section": section,
                "group": group,
                "label": label,
                "column": column,
                "text": text,
                "locator": locator,
                "table": table,
                "position": position,
                "status": status,
                "note": note,
                "ocr": ocr,
            },
        )


@dataclass(frozen=True)
class ParsedTable:
    template: str
    cells: tuple[RawCell, ...]
    errors: tuple[str, ...] = ()  # tables of the form whose parser failed (`readers.failure`)


def printed_cells(row) -> list:
    """The cells of a grid row once each: the slots of one merged cell share a locator."""
    out: list = []
    last = _NOTHING  # the locator of the last cell kept
    for cell in row:
        if last is _NOTHING or cell.locator != last:
            out.append(cell)
            last = cell.locator
    return out


_NOTHING = object()


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
