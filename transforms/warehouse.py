"""Publish the DuckDB warehouse from the curated Parquet files.

In: the Parquet paths (one per table in `schemas.TABLES`). Out: `warehouse.duckdb`, with
explicit DDL from the schemas, the analyst views, and a comment on every table, view and column.

Safety: the new file is built beside the old one and renamed into place (an atomic rename on
one file system): a reader holding the old file keeps reading the old state, and a run killed
while building leaves the previous warehouse whole. The file is written with storage
compatibility v1.4.0, so DuckDB 1.4+ clients (what many analysts have) open it as well as 2.x.
Nothing from a report is ever pasted into SQL: data enters only through registered Arrow tables.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from transforms import schemas

WAREHOUSE_NAME = "warehouse.duckdb"
STORAGE_COMPATIBILITY = "v1.4.0"

_DUCKDB_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.int32(): "INTEGER",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
}

VIEWS = {  # created in this order (later views read earlier ones)
    "core_indicators": (
        "Harmonised core indicators, comparable across every template: one row per parsed report "
        "and core indicator. value is the sum of the mapped indicators (core_indicator_map) and "
        "NULL when any of them is blank or not printed.",
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
        WHERE r.status = 'parsed'
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
}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ddl(name: str, schema: pa.Schema) -> str:
    cols = ", ".join(
        f'"{f.name}" {_DUCKDB_TYPES[f.type]}{"" if f.nullable else " NOT NULL"}' for f in schema
    )
    return f'CREATE TABLE "{name}" ({cols})'


def _comment_table(con: duckdb.DuckDBPyConnection, name: str, schema: pa.Schema) -> None:
    con.execute(f'COMMENT ON TABLE "{name}" IS {_quote(schemas.description(schema))}')
    for f in schema:
        con.execute(f'COMMENT ON COLUMN "{name}"."{f.name}" IS {_quote(schemas.description(f))}')


def _load_table(con: duckdb.DuckDBPyConnection, name: str, path: Path) -> None:
    schema = schemas.TABLES[name]
    con.execute(_ddl(name, schema))
    con.register("incoming", pq.read_table(path, schema=schema))
    con.execute(f'INSERT INTO "{name}" SELECT * FROM incoming')
    con.unregister("incoming")


def _create_views(con: duckdb.DuckDBPyConnection) -> None:
    for name, (comment, sql, columns) in VIEWS.items():
        con.execute(f'CREATE VIEW "{name}" AS {sql}')
        con.execute(f'COMMENT ON VIEW "{name}" IS {_quote(comment)}')
        for column, text in columns.items():
            con.execute(f'COMMENT ON COLUMN "{name}"."{column}" IS {_quote(text)}')


def publish(parquet: dict[str, Path], curated_dir: Path) -> Path:
    """Build the warehouse beside the old one from `parquet`, then swap it into place."""
    final = curated_dir / WAREHOUSE_NAME
    building = curated_dir / f".{WAREHOUSE_NAME}.{os.getpid()}.building"
    building.unlink(missing_ok=True)
    try:
        _build(building, parquet)
        _fsync(building)
    except BaseException:
        building.unlink(missing_ok=True)
        raise
    os.replace(building, final)
    return final


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


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
