"""The correction_current check: one evaluation per row of corrections.csv.

In: the corrections table (`transforms.normalise.corrections.resolve`) and the name of the
corrections file. Out: rows of schema `schemas.EVALUATIONS`, judged by the identity suite:
violation 0 for an applied correction, 1 for a stale or invalid one, whose message says why.
A row is on the report of the file it names (its report_id; the file as written when there is
no such report, the corrections file itself for a row naming none), keyed by the cell it
corrects so that a standing stale correction is not new in the next run.
"""

from __future__ import annotations

import pandas as pd

from transforms.checks.evaluations import evaluation_frame
from transforms.schemas import records

CHECK_ID = "correction_current"


def _number(text: str | None) -> float:
    try:
        return float(text) if text else float("nan")
    except ValueError:
        return float("nan")


def _row(r: dict, file_name: str) -> dict:
    where = f"{file_name} line {r['line']}"
    cell = f"cell {r['indicator']}[{r['breakdown']}]" if r["indicator"] else f"line {r['line']}"
    return {
        "report_id": r["report_id"] or r["source_file"] or file_name,
        "rule_id": CHECK_ID,
        "check": CHECK_ID,
        "breakdown": cell,
        "op": "=",
        "expected": r["value_corrected"],
        "actual": _number(r["printed_value"]),
        "violation": float(r["status"] != "applied"),
        "message": f"correction on {where} is {r['status']}: {r['status_reason']}",
        "locator": where if r["locator"] is None else f"{where}; {r['locator']}",
    }


def evaluate_corrections(corrections: pd.DataFrame, file_name: str) -> pd.DataFrame:
    """One evaluation of correction_current per row of the corrections table."""
    return evaluation_frame([_row(r, file_name) for r in records(corrections)])
