"""Completeness: which rows and columns of the national tables 三 and 四 were not found.

In: observations, reports and the catalogue. Out: one evaluation row per national-form report
(schema `schemas.EVALUATIONS`): `table_incomplete` holds (violation 0) when every
cell of table 三 (every row × the 7 applicant columns) and all 15 cells of table 四 were read,
printed blank or marked; it fails (violation 1, `actual` = the number of cells not found) when
some are absent, and its message lists them by row and column as the form prints them.

A cell that is absent was not found by the parser: the file may print it in a shape the
parser does not read. It is never filled in, and the identities that need it are not evaluated;
this finding says what is missing so that nobody takes the report for complete.

（六）其他处理 is one row in the 2019 form and three in the 2021 form, and real 2021-era reports
still print one: either shape counts as complete.
"""

from __future__ import annotations

import pandas as pd

from transforms.catalogue import Catalogue
from transforms.checks.evaluations import evaluation_frame
from transforms.schemas import REPORT_READ, column_lists

CHECK_ID = "table_incomplete"
_FAMILY = "national"
_REQUESTS, _APPEALS = "requests.", "appeals."
_WHOLE_TABLE_3 = 23  # rows of table 三 in the one-row （六） shape
_APPEAL_CELLS = 15


def _form(catalogue: Catalogue) -> tuple[list[str], list[str], list[str]]:
    """(table 三 rows, its breakdowns, table 四 cells) of the national form, in form order."""
    codes = [i.code for i in catalogue.indicators if i.template == _FAMILY]
    rows = [c for c in codes if c.startswith(_REQUESTS)]
    columns = list(dict.fromkeys(c.breakdown for c in catalogue.columns if c.template == _FAMILY))
    return rows, columns, [c for c in codes if c.startswith(_APPEALS)]


def _expected_rows(rows: list[str], printed: set[str], catalogue: Catalogue) -> list[str]:
    """The form's rows with （六） in the shape the report printed (three rows when neither)."""
    one_row, three_rows = catalogue.role_code("other_one_row"), catalogue.role("other_three_rows")
    if one_row in printed and not printed.intersection(three_rows):
        return [r for r in rows if r not in three_rows]
    return [r for r in rows if r != one_row]


def _missing_requests(
    rows, columns, found: set[tuple[str, str]], catalogue: Catalogue
) -> list[tuple[str, list[str]]]:
    """(row, the breakdowns of it not found) for every row of table 三 that lacks a cell."""
    printed = {code for code, _ in found}
    out = []
    for row in _expected_rows(rows, printed, catalogue):
        absent = [b for b in columns if (row, b) not in found]
        if absent:
            out.append((row, absent))
    return out


def _message(missing_3, columns, missing_4, catalogue: Catalogue) -> str:
    def label(code: str) -> str:
        return catalogue.indicator(code).label_zh

    parts = []
    whole = [r for r, absent in missing_3 if len(absent) == len(columns)]
    if whole and len(whole) == len(missing_3) and len(whole) >= _WHOLE_TABLE_3:
        parts.append(f"table 三 not found (none of its {len(whole)} rows)")
    elif whole:
        parts.append("table 三 rows not found: " + ", ".join(label(r) for r in whole))
    some = [(r, absent) for r, absent in missing_3 if len(absent) < len(columns)]
    if some:
        cells = "; ".join(f"{label(r)} [{', '.join(absent)}]" for r, absent in some)
        parts.append(f"table 三 cells not found: {cells}")
    if len(missing_4) == _APPEAL_CELLS:
        parts.append("table 四 not found (none of its 15 cells)")
    elif missing_4:
        parts.append("table 四 cells not found: " + ", ".join(label(c) for c in missing_4))
    return "; ".join(parts)


def _row(report_id: str, n_missing: int, message: str) -> dict:
    return {
        "report_id": report_id,
        "rule_id": CHECK_ID,
        "check": CHECK_ID,
        "breakdown": "total",
        "op": "=",
        "expected": 0.0,
        "actual": float(n_missing),
        "violation": float(n_missing > 0),
        "message": message,
        "locator": None,
    }


def evaluate_completeness(
    observations: pd.DataFrame, reports: pd.DataFrame, catalogue: Catalogue
) -> pd.DataFrame:
    """One `table_incomplete` row per national-form report that was read."""
    rows, columns, appeals = _form(catalogue)
    read = reports[reports["status"].isin(REPORT_READ)]
    national = read[read["template"].map(catalogue.family, na_action="ignore").eq(_FAMILY)]
    coded = observations[observations["indicator"].notna() & observations["breakdown"].notna()]
    found: dict[str, set[tuple[str, str]]] = {}
    for report_id, code, breakdown in zip(
        *column_lists(coded, ["report_id", "indicator", "breakdown"]), strict=True
    ):
        found.setdefault(report_id, set()).add((code, breakdown))
    out = []
    for report_id in national["report_id"].tolist():
        cells = found.get(report_id, set())
        missing_3 = _missing_requests(rows, columns, cells, catalogue)
        missing_4 = [c for c in appeals if (c, "total") not in cells]
        n_missing = sum(len(absent) for _, absent in missing_3) + len(missing_4)
        message = (
            _message(missing_3, columns, missing_4, catalogue)
            if n_missing
            else "every row and column of tables 三 and 四 was found"
        )
        out.append(_row(report_id, n_missing, message))
    return evaluation_frame(out)
