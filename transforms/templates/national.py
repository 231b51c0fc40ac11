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
document order across tables); group labels printed once for several rows (rowspan). The layout
(2019 or 2021) is decided from the tables themselves, never from the year or cited notice.
"""

from __future__ import annotations

from transforms.catalogue import Catalogue, default
from transforms.cells import UNREADABLE, parse_cell
from transforms.labels import normalise_label
from transforms.readers import Document, TableCell
from transforms.templates import ParsedTable, RawCell, each_table, printed_cells

REQUEST_COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
_REQUESTS_START = "本年新收政府信息公开申请"
_REQUESTS_END = "结转下年度继续办理"
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
    return [(t.locator, printed_cells(r)) for t in document.tables for r in t.rows]


def _key(cell: TableCell) -> str:
    return normalise_label(cell.text)


def _value_like(cells: list[TableCell]) -> bool:
    return all(parse_cell(c.text).status != UNREADABLE for c in cells)


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


def _request_cells(rows, section: str) -> list[RawCell]:
    out, inside = [], False
    for _, row in rows:
        keys = " ".join(_key(c) for c in row)
        inside = inside or _REQUESTS_START in keys
        if not inside or len(row) < 8 or not _value_like(row[-7:]):
            continue
        group, label = _labels(row[:-7])
        if label:
            out += [
                RawCell(section, group, label, header, cell.text, cell.locator, table="requests")
                for header, cell in zip(REQUEST_COLUMNS, row[-7:], strict=True)
            ]
        if _REQUESTS_END in keys:
            break
    return out


def _appeal_cells(rows, section: str, catalogue: Catalogue) -> list[RawCell]:
    tables = {loc for loc, row in rows if any("行政复议" in _key(c) for c in row)}
    candidates = [
        row for loc, row in rows if loc in tables and len(row) >= 15 and _value_like(row[-15:])
    ]
    if not candidates:
        return []
    positions = catalogue.positional("national", "appeals")
    return [
        RawCell(section, "", p.column_as_printed, p.column_as_printed, cell.text, cell.locator,
                table="appeals", position=p.position)
        for p, cell in zip(positions, candidates[-1][-15:], strict=True)
    ]  # fmt: skip


def _proactive_cells(rows, section: str, catalogue: Catalogue) -> list[RawCell]:
    out, caption, measures = [], "", []
    for _, row in rows:
        if not row:
            continue
        first = row[0].text.strip()
        if _PROACTIVE_CAPTION in _key(row[0]):
            caption, measures = first, []
        elif not caption:
            continue
        elif any(stop in _key(c) for c in row for stop in _PROACTIVE_STOPS):
            break  # table 三 begins
        elif normalise_label(first) == "信息内容":
            measures = [c.text.strip() for c in row[1:]]
        elif measures and len(row) == len(measures) + 1:
            out += [
                RawCell(
                    section, caption, first, measure, cell.text, cell.locator, table="proactive"
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
    return (
        "national_2019"
        if "requests.other" in other and "requests.other_other" not in other
        else "national_2021"
    )


def parse(document: Document, catalogue: Catalogue | None = None) -> ParsedTable:
    """Every value cell of tables 二, 三 and 四 with its labels as printed."""
    catalogue = catalogue or default()
    rows = _rows(document)
    cells, errors = each_table(
        (
            ("table 二", lambda: _proactive_cells(rows, "二、主动公开政府信息情况", catalogue)),
            ("table 三", lambda: _request_cells(rows, "三、收到和处理政府信息公开申请情况")),
            (
                "table 四",
                lambda: _appeal_cells(rows, "四、政府信息公开行政复议、行政诉讼情况", catalogue),
            ),
        )
    )
    return ParsedTable(layout(cells, catalogue), tuple(cells), errors)
