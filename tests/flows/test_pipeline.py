"""End to end: the real Prefect flow on real files into tmp_path, then SQL against DuckDB."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from flows.pipeline import nianbao_pipeline
from tests.conftest import DATA_TABLES, FIXTURES, SEED
from tests.transforms.store.test_core_indicators import PRINTED
from transforms import schemas
from transforms.catalogue import default
from transforms.store.warehouse import VIEWS

CORE = PRINTED[SEED.name]  # as printed in the seed's statistics table (its prose says the same)

# core_indicators rows of the two reports read: one per core indicator their templates map
CORE_ROWS = sum(
    len({"jilin_pre2019", "national_2021"} & set(default().core_templates(c.code)))
    for c in default().core_indicators
)


@pytest.fixture(scope="module")
def run(prefect_api, tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    shutil.copy(SEED, raw / "000_427c93e62b0b516a.txt")
    shutil.copy(SEED, raw / "copy of the seed.txt")  # same bytes: a duplicate row
    shutil.copy(FIXTURES / "huaian_hongze_qu_2023.pdf", raw)  # national form, two failed totals
    (raw / "empty.txt").write_bytes(b"")
    (raw / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 old Word")
    (raw / "子目录 with 'quotes'").mkdir()
    (raw / "子目录 with 'quotes'" / "只有正文.txt").write_text(
        "2013年度某县政府信息公开工作报告\n正文。\n", encoding="utf-8"
    )
    curated = tmp_path_factory.mktemp("curated")
    summary = nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    con = duckdb.connect(str(curated / "warehouse.duckdb"), read_only=True)
    yield summary, con, raw, curated
    con.close()


def _seed_id(con) -> str:
    return con.execute(
        "SELECT report_id FROM reports WHERE source_file = '000_427c93e62b0b516a.txt'"
    ).fetchone()[0]


def test_summary_counts(run):
    summary, *_ = run
    counts = (summary.files_seen, summary.reports_read, summary.reports_failed, summary.duplicates)
    assert counts == (6, 2, 3, 1)
    checks = (summary.observations, summary.checks_run, summary.checks_failed)
    # + table_incomplete of the national report; + body_unresolved of the seed, the national
    # report and 某县 (no_template: no division of that name, its one failure)
    assert checks == (55 + 184, 76 + 51 + 1 + 3, 2 + 1)


def test_every_raw_file_has_a_row_with_a_reason(run):
    _, con, raw, _ = run
    rows = dict(
        con.execute(
            "SELECT source_file, status || coalesce(': ' || error, '') FROM reports"
        ).fetchall()
    )
    files = {p.relative_to(raw).as_posix() for p in raw.rglob("*") if p.is_file()}
    assert set(rows) == files
    assert rows["empty.txt"] == "unreadable: empty file: no content to read"
    assert rows["old.doc"].startswith("unreadable: not a Word 97-2003 or WPS file")
    assert rows["copy of the seed.txt"].startswith(
        "duplicate: same content as 000_427c93e62b0b516a.txt"
    )
    assert rows["子目录 with 'quotes'/只有正文.txt"].startswith(
        "no_template: no known statistics table"
    )


def test_core_indicators_answer_sql(run):
    _, con, *_ = run
    got = dict(
        con.execute(
            "SELECT indicator, coalesce(value, amount) FROM core_indicators WHERE report_id = ?",
            [_seed_id(con)],
        ).fetchall()
    )
    assert got == CORE
    body_year = con.execute(
        "SELECT DISTINCT body, report_year FROM core_indicators ORDER BY 2"
    ).fetchall()
    assert body_year == [("长春市", 2012), ("洪泽区人民政府", 2023)]


def test_observations_hold_the_55_values(run):
    _, con, *_ = run
    n, n_values, statuses = con.execute(
        "SELECT count(*), count(value), list(DISTINCT value_status) FROM observations "
        "WHERE report_id = ?",
        [_seed_id(con)],
    ).fetchone()
    assert (n, n_values, statuses) == (55, 55, ["number"])
    assert con.execute(
        "SELECT value, locator FROM observations WHERE indicator = 'jilin.staff.part_time'"
    ).fetchone() == (752, "line 59")


def test_every_check_on_the_sample_passes(run):
    _, con, *_ = run
    rows = con.execute(
        "SELECT check_id, passed, message FROM check_results WHERE report_id = ?", [_seed_id(con)]
    ).fetchall()
    assert len(rows) == 77  # 24 table, structure and semantic checks, 52 of the prose, its body
    assert [r for r in rows if r[1] is not True] == []
    prose = [r for r in rows if r[0].startswith("narrative_")]
    assert len(prose) == 52


def test_every_table_view_and_column_is_commented(run):
    _, con, *_ = run
    uncommented = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND coalesce(comment, '') = ''"
    ).fetchall()
    assert uncommented == []
    tables = con.execute(
        "SELECT table_name, comment FROM duckdb_tables() "
        "UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE NOT internal"
    ).fetchall()
    assert {name for name, _ in tables} == {*schemas.TABLES, *VIEWS}
    assert all(comment for _, comment in tables)


def test_parquet_files_follow_the_schemas(run):
    *_, curated = run
    for name, schema in schemas.TABLES.items():
        assert (
            pq.read_schema(curated / f"{name}.parquet")
            .remove_metadata()
            .equals(schema.remove_metadata(), check_metadata=False)
        )


def test_warehouse_is_written_for_duckdb_1_4_clients(run):
    _, con, *_ = run
    tags = con.execute(
        "SELECT tags FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()[0]
    assert tags["storage_version"].startswith("v1.4.0")


def test_data_docs_are_built(run):
    *_, curated = run
    assert (curated / "data_docs" / "index.html").is_file()


def test_a_second_run_reads_nothing_and_gives_identical_tables(run, tmp_path):
    summary, con, raw, curated = run
    before = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in DATA_TABLES}
    again = nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    assert (again.status, again.files_seen, again.files_read, again.files_new) == (
        "no_changes",
        6,
        0,
        0,
    )
    assert (again.observations, again.checks_run, again.checks_failed) == (
        summary.observations,
        summary.checks_run,
        summary.checks_failed,
    )
    assert again.checks_newly_failed == 0
    # DuckDB shares one instance per path within a process, and the fixture holds the old file
    # open: read the new file through a copy, or this would compare the old state with itself.
    copy = tmp_path / "new.duckdb"
    shutil.copy(curated / "warehouse.duckdb", copy)
    fresh = duckdb.connect(str(copy), read_only=True)
    try:
        assert {
            t: fresh.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in DATA_TABLES
        } == before
        runs = fresh.execute("SELECT status, files_read FROM runs ORDER BY started_at").fetchall()
        assert runs == [("completed", 6), ("no_changes", 0)]
    finally:
        fresh.close()


def test_analyst_views_answer_sql(run):
    _, con, *_ = run
    findings = con.execute(
        "SELECT source_file, check_id, expected, actual FROM findings ORDER BY check_id"
    ).fetchall()
    assert findings == [
        (
            "子目录 with 'quotes'/只有正文.txt",
            "body_unresolved",
            1.0,
            0.0,
        ),  # 某县: no such division
        ("huaian_hongze_qu_2023.pdf", "national_appeals_litigation_after_review", 5.0, 0.0),
        ("huaian_hongze_qu_2023.pdf", "national_appeals_review", 11.0, 0.0),
    ]
    review = con.execute(
        "SELECT review_upheld, review_corrected, review_total FROM appeals"
    ).fetchall()
    assert review == [(10.0, 1.0, 0.0)]
    matrix = con.execute(
        "SELECT natural_person, total FROM requests_matrix "
        "WHERE indicator = 'requests.new_received'"
    ).fetchall()
    assert matrix == [(21.0, 21.0)]
    quality = dict(con.execute("SELECT source_file, checks_failed FROM report_quality").fetchall())
    assert quality["huaian_hongze_qu_2023.pdf"] == 2 and quality["empty.txt"] == 0
    series = con.execute(
        "SELECT count(*), count(change_from_previous_year) FROM body_year_series"
    ).fetchone()
    assert series == (CORE_ROWS, 0)  # each body's core indicators, no previous years


def test_nianbao_sql_reads_the_warehouse_read_only(run, capsys):
    from flows.cli import main

    *_, curated = run
    assert main(["sql", "SELECT count(*) AS n FROM findings", "--curated", str(curated)]) == 0
    assert re.search(r"│\s+3 │", capsys.readouterr().out)
    assert main(["sql", "DROP TABLE reports", "--curated", str(curated)]) == 1
    assert "read-only" in capsys.readouterr().err
    assert main(["sql", "SELECT 1", "--curated", str(curated / "nowhere")]) == 2


def test_the_data_dictionary_is_current():
    from transforms.catalogue import default
    from transforms.store.dictionary import render

    committed = (Path(__file__).parents[2] / "docs" / "warehouse.md").read_text(encoding="utf-8")
    assert committed == render(default()) + "\n", "run `nianbao docs` and commit docs/warehouse.md"


CORPUS = [
    "changchun_2012_jilin.txt",
    "huaian_shi_2024.pdf",
    "huaian_hongze_qu_2023.pdf",
    "huaian_hongze_qu_2024.pdf",
    "pingtan_2020_national_flat.txt",
    "pingtan_2021_national_flat.txt",
    "pingtan_2022_national_flat.txt",
    "pingtan_shenpiju_2025_national2021.html",
    "fujian_pingtan_2018_gonganju.html",
]


@pytest.fixture(scope="module")
def corpus_warehouse(prefect_api, tmp_path_factory):
    raw = tmp_path_factory.mktemp("corpus")
    for name in CORPUS:
        shutil.copy(FIXTURES / name, raw)
    (raw / "notes.tsv").write_text("not a report")
    curated = tmp_path_factory.mktemp("corpus_curated")
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    con = duckdb.connect(str(curated / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.mark.parametrize("number", range(1, 13))
def test_each_documented_question_is_answered_on_real_reports(corpus_warehouse, number):
    from transforms.store.dictionary import QUESTIONS

    question, sql = QUESTIONS[number - 1]
    rows = corpus_warehouse.execute(sql).fetchall()
    assert rows, f"question {number} ({question}) returned nothing"


def test_documented_answers_spot_checked(corpus_warehouse):
    from transforms.store.dictionary import QUESTIONS

    growth = dict(
        ((body, year), value)
        for body, year, value, _ in corpus_warehouse.execute(QUESTIONS[3][1]).fetchall()
    )
    assert growth[("平潭综合实验区", 2021)] == 70 and growth[("淮安市人民政府", 2024)] == 3119
    prose = corpus_warehouse.execute(QUESTIONS[5][1]).fetchall()
    assert {(r[0], r[1], r[3], r[4]) for r in prose} == {
        ("淮安市洪泽区人民政府", 2024, 95.0, 17.0),
        ("平潭综合实验区公安局", 2018, 1.0, 0.0),
    }


def test_a_duckdb_1_4_client_opens_the_warehouse(run, tmp_path):
    import subprocess
    import sys

    *_, curated = run
    target = tmp_path / "duckdb14"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--target", str(target), "duckdb>=1.4,<1.5"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if install.returncode != 0:
        pytest.skip(f"no DuckDB 1.4 client could be installed: {install.stderr[-300:]}")
    script = (
        "import sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=True);"
        "print(duckdb.__version__, con.execute('SELECT count(*) FROM observations').fetchone()[0],"
        "con.execute('SELECT count(*) FROM core_indicators').fetchone()[0])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(curated / "warehouse.duckdb")],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(target)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    version, observations, core = done.stdout.split()
    assert version.startswith("1.4.") and (int(observations), int(core)) == (239, CORE_ROWS)
