"""National unified form (2019 trial, 国办公开办函〔2019〕60号; 2021 revision, 〔2021〕30号),
read from tables with cells: HTML pages, PDFs (cell geometry), Word files.

Used by every body for report years 2019 on. Three statistics tables:
- 二 (proactive disclosure): captions 第二十条第（X）项, a header row 信息内容 | measures, rows per
  item; the 2021 form's measures (本年制发件数 …) and the 2019 form's (本年新制作数量 …) differ.
- 三 (requests): rows 一、本年新收 … 四、结转下年度继续办理, each with 7 value columns (自然人, five
  法人或其他组织 types, 总计) at the right; （六）其他处理 as one row (2019) or three (2021).
- 四 (appeals): header rows, then one data row of 15 numbers read by position.

Layout quirks handled: merged cells (expanded by the readers; consecutive slots of one cell are
collapsed back here by locator, so a value spanning three columns is one value); vertical
one-character labels ("自\\n然\\n人"); tables split across PDF pages (rows are read in
document order across tables); group labels printed once for several rows (rowspan); browser
prints: a row cut in two by the page break (the label's end under the repeated header rows of
the next page, its value cells empty) is joined back, and table 四's data row on the page after
its header is read with it; scans: a value row with a cell OCR could not read ("划" for a 1
under a seal) is still a value row, that cell kept and marked unreadable. The layout
(2019 or 2021) is decided from the tables themselves, never from the year or cited notice.
"""

from __future__ import annotations

import itertools
import re

from transforms.catalogue import Catalogue
from transforms.catalogue.labels import normalise_label
from transforms.extract.cells import UNREADABLE, parse_cell
from transforms.extract.readers import Document, TableCell
from transforms.extract.templates.base import (
    ParsedTable,
    RawCell,
    each_table,
    next_page,
    printed_cells,
)

REQUEST_COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
_REQUESTS_START = "本年新收政府信息公开申请"
_REQUESTS_END = "结转下年度继续办理"
_APPEALS = "行政复议"
# The number every row label of table 三 starts with: "1." "2、" "（三）" "四、".
_ROW_NUMBER = re.compile(
    r"(?:[0-9０-９]+[.．、]|[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)"
)
_PROACTIVE_CAPTION = "第二十条第"
_PROACTIVE_STOPS = (_REQUESTS_START, "申请人情况", "自然人", "勾稽关系")
_MEASURES_2021 = {"issued", "repealed", "in_force", "amount_10k_yuan"}
_MEASURES_2019 = {
    "made",
    "published",
    "total_published",
    "prior_year_count",
    "change",
    "projects",
    "amount",
}


def _rows(document: Document) -> list[tuple[str, list[TableCell]]]:
    """Every table row in document order, merged slots collapsed; a row that a page break cut
    in two (see `_join_cut_row`) is one row again."""
    rows: list[tuple[str, list[TableCell]]] = []
    for before, table in zip((None, *document.tables), document.tables, strict=False):
        body: list[tuple[TableCell, ...]] = list(table.rows)
        if before is not None and next_page(before.locator, table.locator):
            body, joined = _join_cut_row(before.rows, body)
            if joined is not None:
                rows[-1] = (rows[-1][0], printed_cells(joined))
        rows += [(table.locator, printed_cells(row)) for row in body]
    return rows


def _join_cut_row(before: tuple, rows: list) -> tuple[list, tuple[TableCell, ...] | None]:
    """(`rows` without the second half of a cut row, the joined row) or (`rows`, None).

    Browsers split a tall row across the page break: the label's first lines and usually the
    values stay on the page, the label's last lines become the continuation's first row (after
    the header rows the browser repeats), its value cells empty. That half is known by its label:
    every row label of the form starts with its number ("5.", "（七）", "四、"), the rest of a
    label does not. Only when exactly one half holds values is the row joined; otherwise both
    rows stay as printed (a label without its number matches no row and is left out)."""
    printed = {tuple(c.text for c in row) for row in before}
    start = 0
    while start < len(rows) and tuple(c.text for c in rows[start]) in printed:
        start += 1  # the header rows, repeated on the new page
    if not before or start == len(rows):
        return rows, None
    first, second = before[-1], rows[start]
    if len(first) != len(second) or len(first) < 8 or not _label_continues(second[:-7]):
        return rows, None
    first_empty, second_empty = (all(not c.text.strip() for c in r[-7:]) for r in (first, second))
    if first_empty == second_empty:
        return rows, None
    labels = tuple(_joined_label(a, b) for a, b in zip(first[:-7], second[:-7], strict=True))
    values = second[-7:] if first_empty else first[-7:]
    return rows[:start] + rows[start + 1 :], labels + tuple(values)


def _label_continues(labels) -> bool:
    """Whether the last label printed in these label cells is the end of a cut label."""
    texts = [c.text.strip() for c in labels if c.text.strip()]
    return bool(texts) and not _ROW_NUMBER.match(texts[-1])


def _joined_label(first: TableCell, second: TableCell) -> TableCell:
    """One label slot of a cut row: the two halves' lines, once each."""
    if not second.text.strip() or second.text == first.text:
        return first
    if not first.text.strip():
        return second
    return TableCell(f"{first.text}\n{second.text}", first.locator)


def _key(cell: TableCell) -> str:
    return normalise_label(cell.text)


def _value_like(cells: list[TableCell]) -> bool:
    """Whether these cells are a row's values: each reads as a number or blank. Of a scan
    (cells read by OCR), most of them: a digit under a seal or read as "|" is a value cell all
    the same, kept with its locator and marked unreadable, not its row left out."""
    readable = [parse_cell(c.text).status != UNREADABLE for c in cells]
    if cells and all(c.ocr is not None for c in cells):
        return 2 * sum(readable) > len(readable)
    return all(readable)


def detect(document: Document) -> bool:
    """True when a table of the document holds the national table 三."""
    return any(_REQUESTS_START in _key(c) for _, row in _rows(document) for c in row)


def _labels(cells: list[TableCell]) -> tuple[str, str]:
    """(group, label) as printed: the last two distinct non-empty label cells."""
    texts = [c.text.strip() for c in cells if c.text.strip()]
    distinct = [
        t
        for i, t in enumerate(texts)
        if i == 0 or normalise_label(t) != normalise_label(texts[i - 1])
    ]
    if not distinct:
        return "", ""
    return (distinct[-2] if len(distinct) > 1 else ""), distinct[-1]


def _request_cells(rows, keys: list[list[str]], section: str) -> list[RawCell]:
    out, inside = [], False
    for (_, row), row_keys in zip(rows, keys, strict=True):
        keys_joined = " ".join(row_keys)
        inside = inside or _REQUESTS_START in keys_joined
        if not inside or len(row) < 8 or not _value_like(row[-7:]):
            continue
        group, label = _labels(row[:-7])
        if label:
            out += [
                RawCell(
                    section,
                    group,
                    label,
                    header,
                    cell.text,
                    cell.locator,
                    table="requests",
                    ocr=cell.ocr,
                )
                for header, cell in zip(REQUEST_COLUMNS, row[-7:], strict=True)
            ]
        if _REQUESTS_END in keys_joined:
            break
    return out


def _appeal_tables(rows, keys: list[list[str]]) -> set[str]:
    """The tables holding table 四: those with 行政复议 in them, and a PDF page's first table
    when the previous page ended with one of those (table 四 cut by the page break, its data
    row printed on the next page)."""
    tables = {
        loc
        for (loc, _), row_keys in zip(rows, keys, strict=True)
        if any(_APPEALS in k for k in row_keys)
    }
    order = list(dict.fromkeys(loc for loc, _ in rows))
    return tables | {
        after
        for before, after in itertools.pairwise(order)
        if before in tables and next_page(before, after)
    }


def _appeal_cells(rows, keys, section: str, catalogue: Catalogue) -> list[RawCell]:
    tables = _appeal_tables(rows, keys)
    candidates = [
        row for loc, row in rows if loc in tables and len(row) >= 15 and _value_like(row[-15:])
    ]
    if not candidates:
        return []
    positions = catalogue.positional("national", "appeals")
    return [
        RawCell(section, "", p.column_as_printed, p.column_as_printed, cell.text, cell.locator,
                table="appeals", position=p.position, ocr=cell.ocr)
        for p, cell in zip(positions, candidates[-1][-15:], strict=True)
    ]  # fmt: skip


def _proactive_cells(rows, keys, section: str, catalogue: Catalogue) -> list[RawCell]:
    out, caption, measures = [], "", []
    for (_, row), row_keys in zip(rows, keys, strict=True):
        if not row:
            continue
        first = row[0].text.strip()
        if _PROACTIVE_CAPTION in row_keys[0]:
            caption, measures = first, []
        elif not caption:
            continue
        elif any(stop in k for k in row_keys for stop in _PROACTIVE_STOPS):
            break  # table 三 begins
        elif normalise_label(first) == "信息内容":
            measures = [c.text.strip() for c in row[1:]]
        elif measures and len(row) == len(measures) + 1:
            out += [
                RawCell(
                    section,
                    caption,
                    first,
                    measure,
                    cell.text,
                    cell.locator,
                    table="proactive",
                    ocr=cell.ocr,
                )
                for measure, cell in zip(measures, row[1:], strict=True)
            ]
    return out


def layout(cells: list[RawCell], catalogue: Catalogue) -> str:
    """national_2019 or national_2021, from table 二's measures, else from （六）'s rows."""
    measures = {
        catalogue.proactive_code("national", "measure", c.column)
        for c in cells
        if c.table == "proactive"
    }
    if measures & _MEASURES_2021:
        return "national_2021"
    if measures & _MEASURES_2019:
        return "national_2019"
    other = {catalogue.lookup("national", c.group, c.label) for c in cells if c.table == "requests"}
    one_row, three_rows = catalogue.role_code("other_one_row"), catalogue.role("other_three_rows")
    return "national_2019" if one_row in other and not other & set(three_rows) else "national_2021"


def parse(document: Document, catalogue: Catalogue) -> ParsedTable:
    """Every value cell of tables 二, 三 and 四 with its labels as printed."""
    rows = _rows(document)
    keys = [[_key(c) for c in row] for _, row in rows]  # each table's pass looks at them all
    cells, errors = each_table(
        (
            (
                "table 二",
                lambda: _proactive_cells(rows, keys, "二、主动公开政府信息情况", catalogue),
            ),
            ("table 三", lambda: _request_cells(rows, keys, "三、收到和处理政府信息公开申请情况")),
            (
                "table 四",
                lambda: _appeal_cells(
                    rows, keys, "四、政府信息公开行政复议、行政诉讼情况", catalogue
                ),
            ),
        )
    )
    return ParsedTable(layout(cells, catalogue), tuple(cells), errors)
