"""Corrections in a run: corrections.csv judged against the staged observations, the corrected
values checked again, and whether the file changed since the last run.

In: the corrections as read (`normalise.corrections.Written`), the run's reports, the staged
observations file, a GE `Validator`. Out: the `corrections` table staged beside its name, and
the check_results rows of value set `corrected` in the spool: the correction_current check of
every row, and every one-report check (identities, semantic, completeness) of each report with
an applied correction, on its corrected values. The narrative checks compare the prose with the
table as printed and are not run again; nor are the checks spanning reports.

Everything here is recomputed in every run that publishes (a few reports' rows: those named),
from the current corrections.csv: so a run changes the warehouse when only corrections.csv
changed (`changed`), and an incremental run and a full refresh give the same tables.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from transforms import schemas
from transforms.catalogue import Catalogue
from transforms.checks.completeness import evaluate_completeness
from transforms.checks.corrections import evaluate_corrections
from transforms.checks.evaluations import combine
from transforms.checks.identities import evaluate_rules
from transforms.checks.semantic import evaluate_semantic
from transforms.normalise import corrections as model
from transforms.store import curated, tables

CORRECTED = "corrected"  # check_results.value_set of the checks run here


def changed(previous: curated.Previous, written: model.Written) -> bool:
    """Whether corrections.csv differs from the one the published state was built with
    (no file, an empty file and a header alone are all no corrections)."""
    path = previous.path("corrections")
    if path is None or not path.exists():
        return not written.empty
    try:
        before = curated.read_table(path, schemas.CORRECTIONS)
    except (OSError, pa.ArrowException):
        return True
    if before.empty or written.empty:
        return before.empty != written.empty
    return set(before["file_sha256"]) != {written.digest}


def tally(path: Path) -> dict[str, int]:
    """status → rows of a published corrections table (what the run's summary says of them;
    none where there is no such file)."""
    if not path.exists():
        return {}
    statuses = curated.read_table(path, schemas.CORRECTIONS)["status"]
    return {str(k): int(v) for k, v in statuses.value_counts().items()}


def _observations_of(con, observations: Path, report_ids: list[str]) -> pd.DataFrame:
    """Every observation of these reports from the staged file, in the table's order."""
    con.register("corrected_ids", pa.table({"v": pa.array(report_ids, pa.string())}))
    sql = (
        f"SELECT {tables.columns(schemas.OBSERVATIONS)} FROM read_parquet(?, "
        "file_row_number = true) WHERE report_id IN (SELECT v FROM corrected_ids) "
        "ORDER BY file_row_number"
    )
    table = con.sql(sql, params=[str(observations)]).to_arrow_table()
    return table.rename_columns(schemas.OBSERVATIONS.names).cast(schemas.OBSERVATIONS).to_pandas()


def corrected_checks(
    observations: pd.DataFrame, corrections: pd.DataFrame, reports: pd.DataFrame, cat: Catalogue
) -> pd.DataFrame:
    """The evaluations of every one-report check of the reports with an applied correction,
    on their corrected values."""
    fixed = model.corrected_observations(observations, corrections)
    named = reports[reports["report_id"].isin(set(fixed["report_id"]))]
    return combine(
        evaluate_rules(fixed, named, cat),
        evaluate_semantic(fixed, named, cat),
        evaluate_completeness(fixed, named, cat),
    )


def stage_corrections(
    con, written: model.Written, observations: Path, reports, catalogue, validator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the corrections table, the check_results rows of value set corrected)."""
    rows = model.judged_rows(written, catalogue)
    named = model.reports_named(rows, reports)
    ids = sorted({r["report_id"] for r in named.values()})
    cells = _observations_of(con, observations, ids)
    table = model.resolve(written, reports, cells[list(model.CELL_COLUMNS)], catalogue)
    evaluations = combine(
        evaluate_corrections(table, written.name),
        corrected_checks(cells, table, reports, catalogue),
    )
    checks = validator.check({"evaluations": evaluations})
    return table, checks.assign(value_set=CORRECTED)
