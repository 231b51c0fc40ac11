"""Counts are kept exactly to every printed digit (18 and 20 digits here) through Parquet and
the DuckDB warehouse (`value_exact`, DECIMAL(38,6)); DOUBLE `value` would round them. Such a
count is also a semantic_plausible_value finding: no body prints ten billion of anything."""

from __future__ import annotations

import duckdb
import pyarrow.parquet as pq

from flows.pipeline import nianbao_pipeline
from tests.conftest import mutate_lines

TRAINING = 63  # the seed's line of 举办培训次数 (108), a cell no identity adds up
EIGHTEEN, TWENTY = "123456789012345678", "12345678901234567891"


def test_long_counts_keep_every_digit_in_parquet_and_the_warehouse(
    prefect_api, tmp_path, seed_text
):
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    (raw / "a.txt").write_text(mutate_lines(seed_text, {TRAINING: EIGHTEEN}), encoding="utf-8")
    (raw / "b.txt").write_text(mutate_lines(seed_text, {TRAINING: TWENTY}), encoding="utf-8")
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    parquet = pq.read_table(curated / "observations.parquet").to_pylist()
    printed = {
        str(r["value_exact"].normalize())
        for r in parquet
        if r["indicator"] == "jilin.training.sessions"
    }
    assert printed == {EIGHTEEN, TWENTY}
    assert float(EIGHTEEN) != int(EIGHTEEN)  # what a DOUBLE would have kept
    con = duckdb.connect(str(curated / "warehouse.duckdb"), read_only=True)
    try:
        stored = con.execute(
            "SELECT r.source_file, CAST(CAST(o.value_exact AS HUGEINT) AS VARCHAR)"
            " FROM observations o JOIN reports r USING (report_id)"
            " WHERE o.indicator = 'jilin.training.sessions' ORDER BY 1"
        ).fetchall()
        flagged = con.execute(
            "SELECT source_file FROM findings WHERE check_id = 'semantic_plausible_value'"
            " ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    assert stored == [("a.txt", EIGHTEEN), ("b.txt", TWENTY)]
    assert flagged == [("a.txt",), ("b.txt",)]
