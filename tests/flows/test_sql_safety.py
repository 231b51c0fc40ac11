"""`nianbao sql` reads and cannot write: every attack on a real warehouse leaves no file written.

The warehouse is built once by the real pipeline (a Jilin text report and a national-form PDF).
Each attack runs as a real `nianbao sql` process; the folder around the warehouse (the curated
folder, a folder outside it, the process's working directory) is compared byte for byte before
and after.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import FIXTURES, SEED
from transforms import schemas
from transforms.catalogue import default
from transforms.store.sql import QueryFailed, RefusedQuery, check_read_only, connect, run_query
from transforms.store.warehouse import VIEWS, WAREHOUSE_NAME

NIANBAO = Path(sys.executable).parent / "nianbao"


@pytest.fixture(scope="module")
def site(prefect_api, tmp_path_factory):
    """A real warehouse in <root>/curated, an empty <root>/outside, a working dir <root>/cwd."""
    from flows.pipeline import nianbao_pipeline

    root = tmp_path_factory.mktemp("sql_site")
    raw = root / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw)
    shutil.copy(FIXTURES / "huaian_hongze_qu_2023.pdf", raw)
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(root / "curated"))
    (root / "outside").mkdir()
    (root / "outside" / "secret.csv").write_text("token\nhunter2\n", encoding="utf-8")
    (root / "cwd").mkdir()
    return root


def _snapshot(root: Path) -> dict[str, str]:
    """Every file under root with the SHA-256 of its bytes (directories too, as 'dir')."""
    return {
        str(p.relative_to(root)): "dir"
        if p.is_dir()
        else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
    }


def _nianbao_sql(site: Path, query: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(NIANBAO), "sql", query, "--curated", str(site / "curated")],
        cwd=site / "cwd",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


ATTACKS = {  # name → (query with {curated}/{outside} filled in, what the refusal must name)
    "copy_to_file": (
        "COPY (SELECT * FROM reports) TO '{outside}/leak.csv'",
        "COPY statement writes or reads a file",
    ),
    "copy_relative": ("COPY (SELECT 1 AS x) TO 'leak.csv'", "COPY statement"),
    "copy_over_curated_reports": (
        "COPY (SELECT 1 AS x) TO '{curated}/reports.parquet' (FORMAT parquet)",
        "COPY statement",
    ),
    "export_database": ("EXPORT DATABASE '{outside}/dump'", "EXPORT statement writes"),
    "second_statement": (
        "SELECT 1; COPY (SELECT 1 AS x) TO '{outside}/second.csv'",
        "exactly one statement, this has 2 (SELECT, COPY)",
    ),
    "attach_then_write": (
        "ATTACH '{outside}/other.duckdb' AS other; CREATE TABLE other.t AS FROM reports",
        "exactly one statement",
    ),
    "attach": ("ATTACH '{outside}/other.duckdb' AS other", "ATTACH statement opens another"),
    "install": ("INSTALL httpfs", "installs or loads an extension"),
    "load": ("LOAD httpfs", "installs or loads an extension"),
    "load_file": ("LOAD '{outside}/evil.duckdb_extension'", "installs or loads an extension"),
    "set_external_access": ("SET enable_external_access = true", "SET statement changes"),
    "reset_lock": ("RESET lock_configuration", "SET statement changes"),
    "create_temp_table": ("CREATE TEMP TABLE t AS SELECT 1", "CREATE statement creates"),
    "pragma_enable_profiling": ("PRAGMA enable_profiling", "PRAGMA enable_profiling is not"),
    "pragma_profiling_output": (
        "PRAGMA profiling_output = '{outside}/profile.txt'",
        "SET statement changes",
    ),
    "pragma_import_database": ("PRAGMA import_database('{outside}')", "PRAGMA import_database"),
    "explain_analyze_copy": (
        "EXPLAIN ANALYZE COPY (SELECT 1 AS x) TO '{outside}/explained.csv'",
        "COPY statement",
    ),
    "explain_commented_analyze_copy": (
        "EXPLAIN /* x */ ANALYZE (FORMAT json) COPY (SELECT 1) TO '{outside}/e.csv'",
        "COPY statement",
    ),
    "explain_analyse_copy": (
        "EXPLAIN ANALYSE COPY (SELECT 1 AS x) TO '{outside}/explained.csv'",
        "COPY statement",
    ),
    "call_checkpoint": ("CALL checkpoint()", "CALL statement"),
    "insert": ("INSERT INTO reports SELECT * FROM reports", "INSERT statement writes rows"),
    "drop": ("DROP TABLE reports", "DROP statement"),
}

FILE_READS = {  # a read of a file or URL outside the warehouse: refused by the connection
    "read_csv_etc_passwd": "SELECT * FROM read_csv('/etc/passwd')",
    "read_text_outside": "SELECT content FROM read_text('{outside}/secret.csv')",
    "read_parquet_curated": "SELECT count(*) FROM read_parquet('{curated}/reports.parquet')",
    "replacement_scan_curated": "FROM '{curated}/observations.parquet'",
    "glob": "SELECT * FROM glob('{outside}/*')",
}


def _fill(site: Path, query: str) -> str:
    return query.format(curated=site / "curated", outside=site / "outside")


@pytest.mark.parametrize("name", ATTACKS)
def test_an_attack_is_refused_and_writes_nothing(site, name):
    query, why = ATTACKS[name]
    before = _snapshot(site)
    done = _nianbao_sql(site, _fill(site, query))
    assert done.returncode == 1, done.stdout
    assert why in done.stderr
    assert "read-only" in done.stderr or "one statement" in done.stderr
    assert done.stdout == ""
    assert _snapshot(site) == before


@pytest.mark.parametrize("name", FILE_READS)
def test_a_file_outside_the_warehouse_cannot_be_read(site, name):
    before = _snapshot(site)
    done = _nianbao_sql(site, _fill(site, FILE_READS[name]))
    assert done.returncode == 1, done.stdout
    assert "file system operations are disabled by configuration" in done.stderr
    assert "no other file or URL is opened" in done.stderr
    assert "hunter2" not in done.stdout + done.stderr and "root:" not in done.stdout
    assert _snapshot(site) == before


def test_a_url_is_never_fetched(site):
    """httpfs is neither loaded nor auto-loaded, and external access is off: no connection."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        done = _nianbao_sql(site, f"SELECT * FROM read_csv('http://127.0.0.1:{port}/x.csv')")
        assert done.returncode == 1
        assert "disabled by configuration" in done.stderr
        with pytest.raises(BlockingIOError):  # nobody connected (the kernel would have queued it)
            listener.accept()


CONNECTION_ATTACKS = [  # the statement check bypassed: the connection alone must hold
    "COPY (SELECT * FROM reports) TO '{outside}/leak.csv'",
    "COPY (SELECT 1 AS x) TO '{curated}/reports.parquet' (FORMAT parquet)",
    "EXPORT DATABASE '{outside}/dump'",
    "ATTACH '{outside}/other.duckdb' AS other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "RESET enable_external_access",
    "SET temp_directory = '{outside}'",
    "PRAGMA profiling_output = '{outside}/profile.txt'",
    "SELECT * FROM enable_logging(storage := 'file', storage_path := '{outside}/log')",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_parquet('{curated}/reports.parquet')",
    "INSERT INTO reports SELECT * FROM reports",
    "CREATE TABLE t AS SELECT 1",
    "DETACH warehouse",
    "ATTACH '{curated}/warehouse.duckdb' AS again",
]


@pytest.mark.parametrize("query", CONNECTION_ATTACKS)
def test_the_connection_alone_refuses_writes_and_files(site, query):
    before = _snapshot(site)
    con = connect(site / "curated" / WAREHOUSE_NAME)
    try:
        with pytest.raises(duckdb.Error):
            con.execute(_fill(site, query))
        # the settings are still in force after the attempt
        settings = dict(
            con.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access',"
                " 'lock_configuration', 'autoload_known_extensions', 'temp_directory')"
            ).fetchall()
        )
    finally:
        con.close()
    assert settings == {
        "enable_external_access": "false",
        "lock_configuration": "true",
        "autoload_known_extensions": "false",
        "temp_directory": "",
    }
    assert _snapshot(site) == before


def test_every_table_and_view_reads_with_external_access_off(site):
    """The views read tables, never Parquet files by path, so none breaks."""
    path = site / "curated" / WAREHOUSE_NAME
    counts = {}
    for name in [*schemas.TABLES, *VIEWS]:
        out = run_query(path, f'SELECT count(*) AS n FROM "{name}"')
        counts[name] = int(out.split("│")[-2].strip())
    assert counts["reports"] == 2 and counts["observations"] > 55
    assert counts["findings"] == 2  # the PDF's two failed appeals totals
    assert counts["appeals"] == 1 and counts["requests_matrix"] > 0
    # one row per core indicator each report's template maps (Jilin seed, national 2021 PDF)
    mapped = {t: 0 for t in ("jilin_pre2019", "national_2021")}
    for core in default().core_indicators:
        for template in set(mapped) & set(default().core_templates(core.code)):
            mapped[template] += 1
    assert counts["core_indicators"] == sum(mapped.values()) and counts["report_quality"] == 2


ANALYST_READS = {  # query → a pattern of the printed result
    "WITH f AS (SELECT check_id FROM findings) SELECT count(*) AS n FROM f": r"│\s+2 │",
    "FROM findings SELECT check_id ORDER BY check_id": "national_appeals_review",
    "DESCRIBE findings": "check_id",
    "SHOW TABLES": "report_quality",
    "SUMMARIZE observations": "value_status",
    "SELECT count(*) AS n FROM duckdb_columns() WHERE comment IS NOT NULL": r"│\s+[1-9]\d+ │",
    "PRAGMA table_info('reports')": "source_file",
    "EXPLAIN SELECT * FROM core_indicators": "physical_plan",
    "EXPLAIN ANALYZE SELECT count(*) FROM observations": "analyzed_plan",
    "PIVOT reports ON status IN ('parsed') USING count(*)": "parsed",
    "VALUES (1, 'a')": "a",
    "SELECT 1 AS one; -- a trailing comment": "one",
}


@pytest.mark.parametrize("query", ANALYST_READS)
def test_an_analyst_read_works(site, query):
    out = run_query(site / "curated" / WAREHOUSE_NAME, query)
    assert re.search(ANALYST_READS[query], out), out


def test_nianbao_sql_process_prints_a_read(site):
    before = _snapshot(site)
    done = _nianbao_sql(
        site,
        "WITH f AS (SELECT source_file FROM findings) "
        "SELECT source_file, count(*) AS n FROM f GROUP BY ALL",
    )
    assert done.returncode == 0, done.stderr
    assert "huaian_hongze_qu_2023.pdf" in done.stdout and re.search(r"│\s+2 │", done.stdout)
    done = _nianbao_sql(site, "SHOW TABLES")
    assert done.returncode == 0, done.stderr
    assert all(name in done.stdout for name in [*schemas.TABLES, *VIEWS])
    assert _snapshot(site) == before


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("SELECT 1", "SELECT"),
        ("  -- why\nSELECT 1;", "SELECT"),
        (";;SELECT 1;;", "SELECT"),
        ("DESCRIBE reports", "SELECT"),
        ("SUMMARIZE reports", "SELECT"),
        ("EXPLAIN (FORMAT json) SELECT 1", "EXPLAIN"),
        ('PRAGMA "show_tables"', "PRAGMA"),
    ],
)
def test_reads_pass_the_statement_check(sql, kind):
    assert check_read_only(sql) == kind


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("", "no SQL statement"),
        ("-- only a comment", "no SQL statement"),
        ("SELECT 1; SELECT 2", "exactly one statement, this has 2 (SELECT, SELECT)"),
        ("PREPARE p AS SELECT 1", "PREPARE statement"),
        ("SET VARIABLE x = 1", "SET statement"),
        ("USE memory", "SET statement"),
        ("BEGIN", "TRANSACTION statement"),
        ("CHECKPOINT", "CALL statement"),
        ("VACUUM", "VACUUM statement"),
        ("CREATE MACRO m() AS 1", "CREATE statement"),
        ("PIVOT reports ON status USING count(*)", "MULTI statement"),
        ("COMMENT ON TABLE reports IS 'x'", "ALTER statement"),
        ("UPDATE EXTENSIONS", "UNKNOWN statement"),
    ],
)
def test_other_statements_are_refused(sql, why):
    with pytest.raises(RefusedQuery, match="refused") as refused:
        check_read_only(sql)
    assert why in str(refused.value)


@pytest.mark.parametrize(
    "sql", ["EXPLAIN", "EXPLAIN EXPLAIN ANALYZE COPY (SELECT 1) TO 'x.csv'", "SELECT 1 INTO x"]
)
def test_sql_duckdb_cannot_parse_fails_without_running(sql):
    with pytest.raises(QueryFailed, match="syntax error"):
        check_read_only(sql)


def test_a_query_runs_while_the_process_has_the_warehouse_open(site):
    """DuckDB refuses a second connection to an open file with another config: we attach."""
    path = site / "curated" / WAREHOUSE_NAME
    other = duckdb.connect(str(path), read_only=True)
    try:
        assert re.search(r"│\s+2 │", run_query(path, "SELECT count(*) AS n FROM findings"))
        assert other.execute("SELECT count(*) FROM findings").fetchone() == (2,)
    finally:
        other.close()
