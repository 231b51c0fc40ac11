"""Normalise: a parsed table's printed cells → long observations with catalogue codes.

In: `ParsedTable` (labels and cells as printed), the report id and the catalogue. Out: a
DataFrame in the `observations` schema. Labels the catalogue does not know keep their row with
indicator NULL, so that a check can report them with their locator; nothing is dropped.
"""

from __future__ import annotations

import pandas as pd

from transforms import schemas
from transforms.catalogue import Catalogue
from transforms.cells import parse_cell
from transforms.templates import ParsedTable


def observations(table: ParsedTable, report_id: str, catalogue: Catalogue) -> pd.DataFrame:
    """One row per printed value cell, coded where the catalogue knows the label."""
    rows = []
    for cell in table.cells:
        code = catalogue.lookup(table.template, cell.group, cell.label)
        parsed = parse_cell(cell.text)
        rows.append(
            {
                "report_id": report_id,
                "indicator": code,
                "breakdown": catalogue.breakdown(table.template, cell.column),
                "value": parsed.value,
                "value_status": parsed.status,
                "raw_value": cell.text,
                "label_as_printed": cell.label,
                "group_as_printed": cell.group,
                "section": cell.section,
                "unit": catalogue.indicator(code).unit if code else None,
                "locator": cell.locator,
            }
        )
    return to_frame(rows, schemas.OBSERVATIONS)


def to_frame(rows: list[dict], schema) -> pd.DataFrame:
    """Rows (dicts) → a pandas frame typed by `schema` (no inference)."""
    import pyarrow as pa

    return pa.Table.from_pylist(rows, schema=schema).to_pandas()
