"""The views that the people who receive the findings need, as one Excel workbook
(`nianbao export --xlsx FILE`).

In: a published warehouse (opened read-only, locked down as for `nianbao sql`). Out: an .xlsx
file with one sheet per view in `SHEETS`, every row and value of the view in a stable order;
two header rows, Chinese (`headers.csv`) above the view's own column name (the English
header, as in SQL and docs/warehouse.md), frozen, with filters on every column. The file is
written beside its name and renamed into place, so a reader never sees half a workbook.

Cells hold the values as DuckDB returns them: numbers as numbers (a count displays as 12, an
amount as 12.5), NULL as an empty cell, never a 0. Text Excel cannot hold is marked, not
dropped: control characters become U+FFFD, and a text longer than an Excel cell (32,767
characters) is cut with a note saying so.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from transforms.store import sql

HEADERS_CSV = Path(__file__).with_name("headers.csv")
EXCEL_CELL_LIMIT = 32_767


@dataclass(frozen=True)
class Sheet:
    view: str
    title: str  # the sheet's tab (at most 31 characters)
    order: str  # ORDER BY: the same rows in the same order on every export


SHEETS = (
    Sheet("core_indicators", "core_indicators 核心指标", "body, report_year, indicator, report_id"),
    Sheet(
        "findings",
        "findings 问题清单",
        "body, report_year, source_file, check_id, breakdown, value_set",
    ),
    Sheet("report_quality", "report_quality 报告质量", "source_file, report_id"),
)


class ExportError(RuntimeError):
    """The workbook cannot be written (no warehouse, a view missing); says why."""


def headers() -> dict[str, str]:
    """column name → its Chinese label, from headers.csv (the English header is the column's
    own name, as in SQL and docs/warehouse.md)."""
    with HEADERS_CSV.open(encoding="utf-8", newline="") as f:
        return {row["column"]: row["label_zh"] for row in csv.DictReader(f)}


def read_sheets(warehouse: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """view → (column names, rows in the sheet's order), read from the warehouse read-only."""
    if not warehouse.is_file():
        raise ExportError(f"no warehouse at {warehouse}; run `nianbao run` first")
    con = sql.connect(warehouse)
    try:
        out = {}
        for sheet in SHEETS:
            try:
                relation = con.sql(f'SELECT * FROM "{sheet.view}" ORDER BY {sheet.order}')
            except duckdb.CatalogException as exc:
                raise ExportError(f"the warehouse has no view {sheet.view}: {exc}") from exc
            out[sheet.view] = (list(relation.columns), relation.fetchall())
        return out
    finally:
        con.close()


def export_xlsx(warehouse: Path, target: Path) -> dict[str, int]:
    """Write the workbook to `target`; return the rows written per view."""
    from openpyxl import Workbook

    data = read_sheets(warehouse)
    labels = headers()
    book = Workbook()
    book.remove(book.active)
    for sheet in SHEETS:
        columns, rows = data[sheet.view]
        _write_sheet(book.create_sheet(sheet.title), columns, rows, labels)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        book.save(partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return {view: len(rows) for view, (_, rows) in data.items()}


def _write_sheet(ws, columns: list[str], rows: list[tuple], labels: dict) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws.append([labels.get(c, c) for c in columns])
    ws.append(columns)
    for cell in (*ws[1], *ws[2]):
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_cell(v) for v in row])
    ws.freeze_panes = "A3"
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A2:{last}{len(rows) + 2}"
    for index, column in enumerate(columns, start=1):
        width = max(len(column), 2 * len(labels.get(column, "")), 8)
        ws.column_dimensions[get_column_letter(index)].width = min(width + 2, 60)


def _cell(value):
    if not isinstance(value, str):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if len(text) > EXCEL_CELL_LIMIT:
        note = f" … (cut: {len(text)} characters; the whole text is in the warehouse)"
        text = text[: EXCEL_CELL_LIMIT - len(note)] + note
    return text
