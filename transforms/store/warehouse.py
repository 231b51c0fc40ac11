"""Publish the DuckDB warehouse from the curated Parquet files.

In: the Parquet paths (one per table in `schemas.TABLES`). Out: `warehouse.duckdb`, with
explicit DDL from the schemas, the analyst views, and a comment on every table, view and column.

Safety: the new file is built beside the old one and renamed into place (an atomic rename on
one file system) together with the run's Parquet files and the manifest (`curated.commit`): a
reader holding the old file keeps reading the old state, a run killed while building leaves
every previous output whole, and a build that fails (a full disk) replaces nothing. The file is
written with storage compatibility v1.4.0, so DuckDB 1.4+ clients (what many analysts have) open
it as well as 2.x. Nothing from a report is ever pasted into SQL: data enters only as our own
Parquet files, read by DuckDB with the path as a query parameter.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa

from transforms import schemas
from transforms.store import curated

WAREHOUSE_NAME = "warehouse.duckdb"
STORAGE_COMPATIBILITY = "v1.4.0"

DUCKDB_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.int32(): "INTEGER",
    pa.float64(): "DOUBLE",
    pa.decimal128(38, 6): "DECIMAL(38,6)",
    pa.bool_(): "BOOLEAN",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
}

_APPEAL_COLUMNS = ",\n".join(
    f"max(value) FILTER (WHERE indicator = 'appeals.{g}.{o}') AS {g}_{o}"
    for g in ("review", "litigation_direct", "litigation_after_review")
    for o in ("upheld", "corrected", "other", "pending", "total")
)

VIEWS = {  # created in this order (later views read earlier ones)
    "core_indicators": (
        "Harmonised core indicators, comparable across every template: one row per report read "
        "(status parsed or partial) and core indicator. value is the sum of the mapped indicators "
        "(core_indicator_map) and NULL when any of them is blank or was not found.",
        """
        WITH parts AS (
            SELECT core_indicator, template, count(*) AS n_parts
            FROM core_indicator_map GROUP BY core_indicator, template
        )
        SELECT r.report_id, r.body, r.report_year, m.core_indicator AS indicator,
               CASE WHEN count(o.value) = any_value(p.n_parts) THEN sum(o.value) END AS value
        FROM reports r
        JOIN core_indicator_map m ON m.template = r.template
        JOIN parts p ON p.core_indicator = m.core_indicator AND p.template = m.template
        LEFT JOIN observations o
               ON o.report_id = r.report_id AND o.indicator = m.indicator
              AND o.breakdown = m.breakdown
        WHERE r.status IN ('parsed', 'partial')
        GROUP BY r.report_id, r.body, r.report_year, m.core_indicator
        """,
        {
            "report_id": "The report (reports.report_id).",
            "body": "Issuing body as named in the report.",
            "report_year": "The year reported on.",
            "indicator": "Harmonised code: requests_received, requests_completed, "
            "requests_granted, requests_partially_granted, review_cases, litigation_cases.",
            "value": "The harmonised value; NULL when a part is blank or missing (never a guess).",
        },
    ),
    "body_year_series": (
        "Each core indicator per body per year, with the change from the body's previous year "
        "(NULL when that year has no report: gaps are not bridged). Bodies are as printed in "
        "the reports' titles.",
        """
        SELECT body, report_year, indicator, value,
               CASE WHEN lag(report_year) OVER w = report_year - 1
                    THEN value - lag(value) OVER w END AS change_from_previous_year
        FROM core_indicators
        WINDOW w AS (PARTITION BY body, indicator ORDER BY report_year)
        """,
        {
            "body": "Issuing body as named in the report.",
            "report_year": "The year reported on.",
            "indicator": "Harmonised core indicator code.",
            "value": "The value that year (NULL when blank or unreadable).",
            "change_from_previous_year": "value minus the previous year's value; NULL when the "
            "previous year has no report or either value is NULL.",
        },
    ),
    "requests_matrix": (
        "National table 三 as printed: one row per report and request row (requests.<row>), the "
        "seven applicant columns as columns. NULL where a cell is blank or unreadable.",
        """
        SELECT o.report_id, r.body, r.report_year, o.indicator,
               any_value(o.label_as_printed) AS label_as_printed,
               max(value) FILTER (WHERE breakdown = 'natural_person') AS natural_person,
               max(value) FILTER (WHERE breakdown = 'business') AS business,
               max(value) FILTER (WHERE breakdown = 'research') AS research,
               max(value) FILTER (WHERE breakdown = 'social_welfare') AS social_welfare,
               max(value) FILTER (WHERE breakdown = 'legal_service') AS legal_service,
               max(value) FILTER (WHERE breakdown = 'other_org') AS other_org,
               max(value) FILTER (WHERE breakdown = 'total') AS total
        FROM observations o JOIN reports r USING (report_id)
        WHERE o.indicator LIKE 'requests.%'
        GROUP BY o.report_id, r.body, r.report_year, o.indicator
        """,
        {
            "report_id": "The report.",
            "body": "Issuing body.",
            "report_year": "The year reported on.",
            "indicator": "The table 三 row (requests.<row>).",
            "label_as_printed": "The row label as printed.",
            "natural_person": "The natural_person column.",
            "business": "The business column.",
            "research": "The research column.",
            "social_welfare": "The social_welfare column.",
            "legal_service": "The legal_service column.",
            "other_org": "The other_org column.",
            "total": "The total column.",
        },
    ),
    "appeals": (
        "National table 四 wide: one row per report, the 15 numbers as columns "
        "(<group>_<outcome>: review, litigation_direct, litigation_after_review × upheld, "
        "corrected, other, pending, total).",
        """
        SELECT o.report_id, r.body, r.report_year,
               """
        + _APPEAL_COLUMNS
        + """
        FROM observations o JOIN reports r USING (report_id)
        WHERE o.indicator LIKE 'appeals.%'
        GROUP BY o.report_id, r.body, r.report_year
        """,
        {
            "report_id": "The report.",
            "body": "Issuing body.",
            "report_year": "The year reported on.",
            "review_upheld": "appeals.review.upheld.",
            "review_corrected": "appeals.review.corrected.",
            "review_other": "appeals.review.other.",
            "review_pending": "appeals.review.pending.",
            "review_total": "appeals.review.total.",
            "litigation_direct_upheld": "appeals.litigation_direct.upheld.",
            "litigation_direct_corrected": "appeals.litigation_direct.corrected.",
            "litigation_direct_other": "appeals.litigation_direct.other.",
            "litigation_direct_pending": "appeals.litigation_direct.pending.",
            "litigation_direct_total": "appeals.litigation_direct.total.",
            "litigation_after_review_upheld": "appeals.litigation_after_review.upheld.",
            "litigation_after_review_corrected": "appeals.litigation_after_review.corrected.",
            "litigation_after_review_other": "appeals.litigation_after_review.other.",
            "litigation_after_review_pending": "appeals.litigation_after_review.pending.",
            "litigation_after_review_total": "appeals.litigation_after_review.total.",
        },
    ),
    "findings": (
        "Every failed check with the report's body, year and source file, the evidence (message, "
        "expected, actual) and where it was printed. Not evaluable checks are not findings.",
        """
        SELECT r.body, r.report_year, r.source_file, c.report_id, c.check_id, c.kind,
               c.severity, c.breakdown, c.expected, c.actual, c.message, c.locator
        FROM check_results c JOIN reports r USING (report_id)
        WHERE c.passed = false
        """,
        {
            "body": "Issuing body.",
            "report_year": "The year reported on.",
            "source_file": "The raw file.",
            "report_id": "The report.",
            "check_id": "The rule or check that failed.",
            "kind": "identity | semantic | narrative | cross_year | structure | completeness | "
            "unmapped_label | metadata.",
            "severity": "error | warning.",
            "breakdown": "The column (or row) checked.",
            "expected": "What the rule expects.",
            "actual": "What was printed.",
            "message": "The finding in words.",
            "locator": "Where the values were printed.",
        },
    ),
    "report_quality": (
        "One row per raw file: its status, how many checks ran and failed, and how many cells "
        "were blank, ambiguous, unreadable or carried an unknown label.",
        """
        SELECT r.report_id, r.source_file, r.body, r.report_year, r.template, r.status,
               r.n_values,
               (SELECT count(*) FROM check_results c
                 WHERE c.report_id = r.report_id AND c.passed IS NOT NULL) AS checks_run,
               (SELECT count(*) FROM check_results c
                 WHERE c.report_id = r.report_id AND c.passed = false) AS checks_failed,
               (SELECT count(*) FROM observations o
                 WHERE o.report_id = r.report_id AND o.value_status = 'blank') AS blank_cells,
               (SELECT count(*) FROM observations o
                 WHERE o.report_id = r.report_id AND o.value_status = 'ambiguous')
                 AS ambiguous_cells,
               (SELECT count(*) FROM observations o
                 WHERE o.report_id = r.report_id
                   AND o.value_status IN ('unreadable', 'approximate')) AS unreadable_cells,
               (SELECT count(*) FROM observations o
                 WHERE o.report_id = r.report_id AND o.indicator IS NULL) AS unmapped_labels
        FROM reports r
        """,
        {
            "report_id": "The report.",
            "source_file": "The raw file.",
            "body": "Issuing body.",
            "report_year": "The year reported on.",
            "template": "Template family.",
            "status": "What became of the file (reports.status).",
            "n_values": "Table values captured.",
            "checks_run": "Checks evaluated.",
            "checks_failed": "Checks failed (findings).",
            "blank_cells": "Cells printed blank (not zeros).",
            "ambiguous_cells": "Flattened cells with more than one valid split.",
            "unreadable_cells": "Cells that are not a number (or only an approximate one).",
            "unmapped_labels": "Cells whose label the catalogue does not know.",
        },
    ),
}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ddl(name: str, schema: pa.Schema) -> str:
    cols = ", ".join(
        f'"{f.name}" {DUCKDB_TYPES[f.type]}{"" if f.nullable else " NOT NULL"}' for f in schema
    )
    return f'CREATE TABLE "{name}" ({cols})'


def _comment_table(con: duckdb.DuckDBPyConnection, name: str, schema: pa.Schema) -> None:
    con.execute(f'COMMENT ON TABLE "{name}" IS {_quote(schemas.description(schema))}')
    for f in schema:
        con.execute(f'COMMENT ON COLUMN "{name}"."{f.name}" IS {_quote(schemas.description(f))}')


def _load_table(con: duckdb.DuckDBPyConnection, name: str, path: Path) -> None:
    """DuckDB reads the Parquet file itself (in parallel); the path is a query parameter and
    the columns are named, so the file's column order cannot shift values."""
    schema = schemas.TABLES[name]
    con.execute(_ddl(name, schema))
    columns = ", ".join(f'"{f.name}"' for f in schema)
    con.execute(
        f'INSERT INTO "{name}" ({columns}) SELECT {columns} FROM read_parquet(?)', [str(path)]
    )


def _create_views(con: duckdb.DuckDBPyConnection) -> None:
    for name, (comment, sql, columns) in VIEWS.items():
        con.execute(f'CREATE VIEW "{name}" AS {sql}')
        con.execute(f'COMMENT ON VIEW "{name}" IS {_quote(comment)}')
        for column, text in columns.items():
            con.execute(f'COMMENT ON COLUMN "{name}"."{column}" IS {_quote(text)}')


def publish(parquet: dict[str, Path], curated_dir: Path, run_id: str | None = None) -> Path:
    """Build the warehouse beside the old one from `parquet` (table → its file: published, or
    staged beside its name by `curated.stage_all`), then publish it and the staged files as one
    step (`curated.commit`). If anything fails before that, the staged files are removed and
    every output stays the previous run's."""
    final = curated_dir / WAREHOUSE_NAME
    clear_stale_builds(curated_dir)
    building = curated_dir / f".{WAREHOUSE_NAME}.{os.getpid()}.building"
    building.unlink(missing_ok=True)
    staged = {
        f"{name}.parquet": path for name, path in parquet.items() if path.name != f"{name}.parquet"
    }
    try:
        _build(building, parquet)
        curated.fsync(building)
    except BaseException as exc:
        building.unlink(missing_ok=True)
        building.with_name(building.name + ".wal").unlink(missing_ok=True)  # a failed commit's
        curated.discard(staged)
        if isinstance(exc, OSError) or _disk_error(exc):
            raise curated.WriteFailed(
                f"could not build {final}: {exc}; the previous outputs are intact"
            ) from exc
        raise
    curated.commit(curated_dir, {**staged, WAREHOUSE_NAME: building}, run_id)
    return final


def _disk_error(exc: BaseException) -> bool:
    """DuckDB reports a failed write (a full disk) as its own IOException, or as a
    TransactionException when the commit cannot write its log; not as an OSError."""
    return isinstance(exc, (duckdb.IOException, duckdb.TransactionException))


def _build(path: Path, parquet: dict[str, Path]) -> None:
    con = duckdb.connect(str(path), config={"storage_compatibility_version": STORAGE_COMPATIBILITY})
    try:
        for name in schemas.TABLES:
            _load_table(con, name, parquet[name])
        _create_views(con)
        for name, schema in schemas.TABLES.items():  # comments last: a later replace drops them
            _comment_table(con, name, schema)
        con.execute("CHECKPOINT")
    finally:
        con.close()


def process_alive(pid: int) -> bool:
    """Whether a process with this pid exists (someone else's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def clear_stale_builds(curated_dir: Path) -> list[Path]:
    """Remove half-built files left by runs that were killed (their process is gone)."""
    removed = []
    for leftover in curated_dir.glob(f".{WAREHOUSE_NAME}.*.building*"):
        pid = leftover.name.removeprefix(f".{WAREHOUSE_NAME}.").split(".")[0]
        if pid.isdigit() and not process_alive(int(pid)):
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed
