"""Template parsers: a decoded document → the statistics table's cells, exactly as printed.

Each parser module handles one template family and exposes `TEMPLATE` (its catalogue id),
`detect(document) -> bool` and `parse(document) -> ParsedTable`. Interpretation (codes, numbers,
blanks) happens later, in `transforms.normalise`.
"""

from __future__ import annotations

from dataclasses import dataclass

from transforms.readers import Document


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


def printed_cells(row) -> list:
    """The cells of a grid row once each: the slots of one merged cell share a locator."""
    out: list = []
    for cell in row:
        if not out or out[-1].locator != cell.locator:
            out.append(cell)
    return out


class TemplateNotFound(Exception):
    """No known statistics table was found in the document."""


def parse_document(document: Document) -> ParsedTable:
    """Detect the template family of `document` and parse its statistics table."""
    from transforms.templates import fujian, fujian_flat, generic, jilin, national, national_flat

    for module in (jilin, national, national_flat, fujian, fujian_flat, generic):
        if module.detect(document):
            return module.parse(document)
    raise TemplateNotFound(
        "no known statistics table found (looked for: Jilin pre-2019 数据统计表; national "
        "2019/2021 form tables 二/三/四; Fujian pre-2019 政府信息公开情况统计表; any table of "
        "label | value rows)"
    )
