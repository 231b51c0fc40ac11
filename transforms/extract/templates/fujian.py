"""Fujian provincial statistics form, before 2019 (福建省 政府信息公开情况统计表), read from tables
with cells: HTML pages, PDFs (cell geometry), Word files, pipe or tab text tables.

Used by Fujian bodies (平潭综合实验区 and its departments, 平潭县) for report years up to 2018.
One table: 指标名称 | 计量单位 | value columns, rows 主动公开信息数 (其中 网站, 政府公报),
受理依申请公开信息总数 (其中 the request channels), 对申请的答复总数 (其中 the outcomes),
行政复议数, 行政诉讼数, 行政申诉、举报数, 收费减免金额. Rows and wording vary by year and
body (2011–2013: six channels, 否决公开; 2014 on: 信函、传真 as one channel, 不予公开, 其他类型).

Layout quirks handled:
- the value columns are printed 本年度, "2017年度" (a year that need not be the report's: the
  公安局's 2018 report prints 2017年度), "年末统计" (the only value column of some tables) and
  历年累计; each cell keeps its header as printed, the catalogue maps it to `year`/`cumulative`;
- the header is spaced for alignment ("指 标 名 称"), the unit column printed 计量单位 or 单位;
- "其中" parts are numbered "其中：1、网站公开", then "2、政府公报公开" (or "1."): a numbered
  row is a part of the last unnumbered row above it, which becomes its group;
- merged cells (expanded by the readers) are kept once per printed cell, under the first
  column they cover;
- scans (OCR): "其中；" for 其中：, 年未统计 for 年末统计, 历年果计 for 历年累计, a character
  of a label misread ("信枉申请数": the catalogue matches it to the nearest label); each cell
  keeps what OCR said, so normalise settles its number with the form's identities;
- PDFs: a cell's lines may come out of the PDF in another order than printed ("年度\n2017" for
  2017年度, "政府公报公开数\n2." for 2.政府公报公开数): a line that is only a year or a
  number mark is put first (`_in_order`); a table cut by a page break goes on as the first
  table of the next page, with no header row and as many columns: it is read with the header
  of the table before it.
Labels are kept as printed; numbers are read later (transforms.extract.cells).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from transforms.catalogue import Catalogue
from transforms.catalogue.labels import normalise_label
from transforms.extract.readers import Document, Table, TableCell
from transforms.extract.templates.base import ParsedTable, RawCell, next_page

TEMPLATE = "fujian_pre2019"
SECTION = "政府信息公开情况统计表"
_HEADER_FIRST = "指标名称"
# 年未统计: OCR reads 末 as 未 (one stroke shorter); 历年果计: 累 as 果. Printed, either would
# mean nothing, and no other header of the form is 历年 + one character + 计
_VALUE_HEADER = re.compile(r"^(?:本年度?|\d{4}年度?|年[末未]统计|历年.计)$")
_PART = re.compile(r"^\s*(?:其中|\d+\s*[.．、])")
_NOTE = re.compile(r"^\s*注[：:]")
_LEADING = re.compile(r"^\s*(?:\d{4}|\d{1,2}\s*[.．、])\s*$")  # a year, a number mark ("2.")
_NUMBER_ALONE = re.compile(r"^\s*(\d{1,2})\s*$")  # a mark's number without its "、"
_BARE_MARK = re.compile(r"(?<![\d.．、])\s*([.．、])")  # a "、" whose number was moved away


def _in_order(text: str) -> str:
    """A cell's text in printed order: PDF text extraction may give a line that is only a
    year or a number mark after the rest of the cell ("年度\n2017", "政府公报公开数\n2."), or
    a mark's number alone on the last line ("其中： 、网站公开\n1"): the year or mark is put
    first, the number back before its "、"."""
    lines = text.split("\n")
    if len(lines) < 2:
        return text
    leading = [line for line in lines if _LEADING.match(line)]
    rest = [line for line in lines if not _LEADING.match(line)]
    alone = [line for line in rest if _NUMBER_ALONE.match(line)]
    others = "\n".join(line for line in rest if not _NUMBER_ALONE.match(line))
    if len(alone) == 1 and _BARE_MARK.search(others):
        number = _NUMBER_ALONE.match(alone[0]).group(1)
        others = _BARE_MARK.sub(lambda m: number + m.group(1), others, count=1)
    elif alone:
        others = "\n".join(rest)
    return "\n".join([*leading, others] if others else leading)


def is_header_cell(text: str) -> bool:
    """True for the form's first header cell (指标名称, however spaced)."""
    return normalise_label(text) == _HEADER_FIRST


def is_part(label: str) -> bool:
    """True for a "其中" part ("其中：1、网站公开", "2.政府公报公开")."""
    return bool(_PART.match(label))


def _header_index(table: Table) -> int | None:
    return next(
        (i for i, row in enumerate(table.rows) if row and is_header_cell(row[0].text)),
        None,
    )


def _value_columns(header: tuple[TableCell, ...]) -> list[tuple[int, str]]:
    """(index, header as printed) of the value columns of the header row."""
    printed = [_in_order(cell.text).strip() for cell in header]
    return [
        (i, text) for i, text in enumerate(printed) if _VALUE_HEADER.match(normalise_label(text))
    ]


def detect(document: Document) -> bool:
    """True when a table of the document has the form's header (指标名称 … value columns)."""
    for table in document.tables:
        index = _header_index(table)
        if index is not None and _value_columns(table.rows[index]):
            return True
    return False


class _Read(NamedTuple):
    """What a continuation of a table of the form goes on from."""

    columns: list[tuple[int, str]]  # the value columns of its header
    width: int
    parent: str  # the last unnumbered row label
    locator: str


def _table_cells(table: Table, before: _Read | None) -> tuple[list[RawCell], _Read | None]:
    """The value cells of a table with the form's header, or of the continuation of the table
    `before` read (the first table of the next page, as wide); and what a continuation of this
    table would go on from."""
    index = _header_index(table)
    width = len(table.rows[0]) if table.rows else 0
    if index is not None:
        columns, parent, rows = _value_columns(table.rows[index]), "", table.rows[index + 1 :]
    elif before is not None and before.width == width and next_page(before.locator, table.locator):
        columns, parent, rows = before.columns, before.parent, table.rows
    else:
        return [], None
    out = []
    for row in rows:
        label = _in_order(row[0].text).strip() if row else ""
        if not label or _NOTE.match(label):
            continue
        parent = parent if is_part(label) else label
        group = parent if is_part(label) else ""
        for i, column in columns:
            if i >= len(row) or row[i].locator == row[i - 1].locator:
                continue  # a merged cell: kept once, under the first column it covers
            out.append(
                RawCell(SECTION, group, label, column, row[i].text, row[i].locator, ocr=row[i].ocr)
            )
    return out, _Read(columns, width, parent, table.locator)


def parse(document: Document, catalogue: Catalogue) -> ParsedTable:
    """Every value cell of the form's tables (and of their continuations on the next page)
    with its label, group and column as printed."""
    cells, before = [], None
    for table in document.tables:
        found, before = _table_cells(table, before)
        cells += found
    return ParsedTable(TEMPLATE, tuple(cells))
