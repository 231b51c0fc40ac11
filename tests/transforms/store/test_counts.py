"""Counts look like counts (issue 15 item 6): whole numbers as BIGINT in the views, amounts with
their decimals, and a count printed with a fraction never rounded: NULL in the views, the
number kept in observations, and a semantic_whole_count finding saying where.

The report is the seed (长春市 2012, real), with its 政府信息公开申请数 10348 (line 196) printed
as 10348.5 and, in a second copy, its fees (元, an amount) as 12.5.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import mutate_lines
from transforms import schemas
from transforms.catalogue import default
from transforms.checks.semantic import evaluate_semantic
from transforms.run.incremental import ingest_files
from transforms.store import curated, warehouse


def _fees_line(text: str) -> int:
    lines = text.split("\n")
    label = next(i for i, line in enumerate(lines) if "与信息公开事务相关的收费金额" in line)
    return label + 2  # the cell follows its label (1-based)


@pytest.fixture(scope="module")
def published(tmp_path_factory, seed_text):
    raw = tmp_path_factory.mktemp("raw")
    (raw / "fraction.txt").write_text(mutate_lines(seed_text, {196: "10348.5"}), "utf-8")
    fees = mutate_lines(seed_text, {_fees_line(seed_text): "12.5"})
    (raw / "fees.txt").write_text(fees.replace("2012年", "2013年"), "utf-8")  # another report
    cat = default()
    reports, obs, claims = ingest_files(sorted(raw.iterdir()), raw, cat)
    frames = {name: schemas.empty_frame(schema) for name, schema in schemas.TABLES.items()}
    frames |= {"reports": reports, "observations": obs, "narrative_claims": claims}
    frames |= curated.catalogue_frames(cat)
    folder = tmp_path_factory.mktemp("curated")
    path = warehouse.publish(curated.write_all(frames, folder), folder)
    return reports.set_index("source_file")["report_id"], obs, path


def _ask(path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_a_count_printed_with_a_fraction_is_kept_flagged_and_never_rounded(published):
    ids, obs, path = published
    fraction = ids["fraction.txt"]
    printed = obs[(obs["report_id"] == fraction) & (obs["indicator"] == "jilin.requests.received")]
    assert list(printed["value"]) == [10348.5]  # kept as printed
    core = _ask(
        path,
        "SELECT value, amount FROM core_indicators WHERE report_id = ? "
        "AND indicator = 'requests_received'",
        [fraction],
    )
    assert core == [(None, None)]  # not 10348, not 10349


def test_the_fraction_is_a_finding_that_names_the_cell(published):
    ids, obs, _ = published
    cat = default()
    report = schemas.to_frame(
        [{"report_id": ids["fraction.txt"], "source_file": "fraction.txt", "sha256": "",
          "size_bytes": 0, "file_format": "text", "body": "长春市", "report_year": 2012,
          "template": "jilin_pre2019", "status": "parsed", "n_values": 0,
          "parser_version": ""}],
        schemas.REPORTS,
    )  # fmt: skip
    rows = evaluate_semantic(obs, report, cat).set_index("rule_id")
    row = rows.loc["semantic_whole_count"]
    assert row["violation"] == 1 and "jilin.requests.received '10348.5'" in row["message"]
    assert row["locator"] == "line 196"
    whole = evaluate_semantic(obs[obs["report_id"] == ids["fees.txt"]], report, cat)
    assert "semantic_whole_count" not in set(whole["rule_id"])  # 12.5 元 is an amount


def test_an_amount_keeps_its_decimals_and_counts_are_bigint(published):
    ids, _, path = published
    fees = _ask(
        path,
        "SELECT value, amount FROM core_indicators WHERE report_id = ? "
        "AND indicator = 'disclosure_fees_yuan'",
        [ids["fees.txt"]],
    )
    assert fees == [(None, 12.5)]
    types = {
        (view, column): kind
        for view, column, kind in _ask(
            path,
            "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE "
            "(table_name, column_name) IN (('core_indicators', 'value'), "
            "('core_indicators', 'amount'), ('core_indicators', 'value_corrected'), "
            "('body_year_series', 'value'), ('body_year_series', 'amount'), "
            "('requests_matrix', 'total'), ('appeals', 'review_total'))",
        )
    }
    assert types == {
        ("core_indicators", "value"): "BIGINT",
        ("core_indicators", "amount"): "DOUBLE",
        ("core_indicators", "value_corrected"): "BIGINT",
        ("body_year_series", "value"): "BIGINT",
        ("body_year_series", "amount"): "DOUBLE",
        ("requests_matrix", "total"): "BIGINT",
        ("appeals", "review_total"): "BIGINT",
    }
    received = _ask(
        path,
        "SELECT value FROM core_indicators WHERE report_id = ? AND indicator = 'requests_received'",
        [ids["fees.txt"]],
    )
    assert received == [(10348,)] and isinstance(received[0][0], int)
