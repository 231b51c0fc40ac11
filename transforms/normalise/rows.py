"""Normalise: a parsed table's printed cells → long observations with catalogue codes.

In: `ParsedTable` (labels and cells as printed), the report id and the catalogue. Out: a
DataFrame in the `observations` schema. Labels the catalogue does not know keep their row with
indicator NULL, so that a check can report them with their locator; nothing is dropped.

How a cell finds its code depends on the table it came from:
- label tables (Jilin, national 三): the row label (and its group) through the aliases, the
  column header through the column mapping;
- national 二: `proactive.<item>.<measure>` from the row label and the column header;
- national 四: the position in the printed row;
- generic label/value tables: the label, where exactly one template family knows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache

import pandas as pd
import pyarrow as pa

from transforms import schemas
from transforms.catalogue import Catalogue
from transforms.extract.cells import DERIVED, UNREADABLE, Cell, parse_cell
from transforms.extract.templates import ParsedTable, RawCell
from transforms.extract.templates.generic import TEMPLATE as GENERIC
from transforms.normalise.ocr import settle
from transforms.schemas import OCR_UNCONFIRMED, READ_STATUSES


def _code(
    cell: RawCell, template: str, catalogue: Catalogue, appeals: dict[int, str]
) -> tuple[str | None, str | None]:
    """(indicator, breakdown) of one printed cell, None where the catalogue does not know it.
    `appeals`: position → indicator of the template's table 四 (looked up once per table)."""
    if cell.table == "appeals":
        return appeals.get(cell.position), "total"
    if cell.table == "proactive":
        item = catalogue.proactive_code(template, "item", cell.label)
        measure = catalogue.proactive_code(template, "measure", cell.column)
        code = f"proactive.{item}.{measure}"
        return (code if code in catalogue.codes else None), "total"
    if template == GENERIC:
        return catalogue.lookup_any(cell.label), "total"
    code = catalogue.lookup(template, cell.group, cell.label)
    code = code or catalogue.lookup_cut(template, cell.label)
    if code is None and cell.ocr is not None:  # a label read by OCR, a character or two off
        code = catalogue.lookup_nearest(template, cell.group, cell.label)
    return code, catalogue.breakdown(template, cell.column)


def _judged(cell: RawCell) -> Cell:
    """The parser's judgement where it made one (flattened splits), else the cell's own; a
    number OCR read is `ocr_unconfirmed` until `settle` judges it with the identities."""
    judged = _printed(cell)
    if cell.ocr is None:
        return judged
    if judged.status in READ_STATUSES:
        return Cell(judged.value, OCR_UNCONFIRMED, judged.note, judged.exact)
    if not cell.text.strip() and cell.ocr.confidence is not None:
        return Cell(None, UNREADABLE, "ink in the cell that OCR could not read")
    return judged


def _printed(cell: RawCell) -> Cell:
    if cell.status is None:
        return parse_cell(cell.text)
    if cell.status == DERIVED:
        split = parse_cell(cell.text)
        return Cell(split.value, DERIVED, cell.note, split.exact)
    return Cell(None, cell.status, cell.note)


def observations(table: ParsedTable, report_id: str, catalogue: Catalogue) -> pd.DataFrame:
    """One row per printed value cell, coded where the catalogue knows the label."""
    return observations_frame(observation_rows(table, report_id, catalogue))


def observation_rows(table: ParsedTable, report_id: str, catalogue: Catalogue) -> list[tuple]:
    """The rows of `observations`, as tuples in schema order: a parse worker keeps its reports'
    rows so and types them once per batch (`observations_frame`): a frame per report cost
    more than the parsing."""
    appeals = {p.position: p.indicator for p in catalogue.positional(table.template, "appeals")}
    coded = [_code(cell, table.template, catalogue, appeals) for cell in table.cells]
    judged = [_judged(cell) for cell in table.cells]
    if any(cell.ocr is not None for cell in table.cells):
        judged = _settled(table, coded, judged, catalogue)
    rows = []
    for cell, (code, breakdown), parsed in zip(table.cells, coded, judged, strict=True):
        unit = catalogue.indicator(code).unit if code else None
        rows.append(
            (report_id, code, breakdown, parsed.value, _exact(parsed.exact), parsed.status,
             cell.text, cell.label, cell.group, cell.column, cell.section, unit, cell.locator,
             parsed.note or None)
        )  # fmt: skip
    return rows


def _settled(table: ParsedTable, coded: list, judged: list[Cell], catalogue: Catalogue) -> list:
    """The OCR numbers of a scanned report judged with the form's identities."""
    read = [(c, b, j.value, j.status) for (c, b), j in zip(coded, judged, strict=True)]
    decided = settle(table.cells, read, catalogue.rules_for(table.template))
    return [
        Cell(d.value, d.status, d.note, d.exact) if (d := decided.get(i)) else j
        for i, j in enumerate(judged)
    ]


def observations_frame(rows: Iterable[tuple]) -> pd.DataFrame:
    """Rows of `observation_rows` (of any number of reports) → a frame in the schema."""
    names = schemas.OBSERVATIONS.names
    columns = list(zip(*rows, strict=True))
    if not columns:
        return schemas.empty_frame(schemas.OBSERVATIONS)
    return columns_frame(dict(zip(names, map(list, columns), strict=True)), schemas.OBSERVATIONS)


_EXACT_LIMIT = Decimal(10) ** (schemas.EXACT.precision - schemas.EXACT.scale)


# Memoised: a Decimal is immutable, and most printed numbers ("0", "1", "12") recur in every
# report. A small cache: 65,536 entries (and their keys) hold ~15 MB in each worker for the
# life of the parse (tracemalloc), 4,096 under 1 MB.
@lru_cache(maxsize=4096)
def _exact(digits: str | None) -> Decimal | None:
    """The printed number as a Decimal for `value_exact`; None past what DECIMAL(38,6) holds
    (such a number is a semantic_plausible_value finding anyway), never rounded to fit."""
    if digits is None:
        return None
    number = Decimal(digits)
    fits = abs(number) < _EXACT_LIMIT and -number.as_tuple().exponent <= schemas.EXACT.scale
    return number if fits else None


def columns_frame(columns: dict[str, list], schema: pa.Schema) -> pd.DataFrame:
    """Columns (name → values) → the same frame as `to_frame` of the rows, without building a
    dict per row (the cheaper shape for code that makes thousands of rows)."""
    return pa.Table.from_pydict(columns, schema=schema).to_pandas()
