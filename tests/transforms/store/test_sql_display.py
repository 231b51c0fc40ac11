"""How `nianbao sql` prints numbers (issue 15, item 6): a count as 12, an amount as 12.5."""

from __future__ import annotations

import re

import duckdb
import pyarrow as pa

from transforms.store.sql import counts_as_integers, run_query


def _warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE observations AS SELECT indicator, unit, v::DOUBLE AS value FROM (VALUES "
        "('requests.new_received', 'requests', 12.0), "
        "('proactive.fees.amount_10k_yuan', '10k_yuan', 12.5), "
        "('requests.granted', 'requests', NULL)) t(indicator, unit, v)"
    )
    con.close()
    return path


def _cells(out: str) -> list[str]:
    """The printed cells, row by row, after the header and the type row."""
    rows = [line for line in out.splitlines() if line.startswith("│")][2:]
    return [cell.strip() for line in rows for cell in line.split("│")[1:-1]]


def test_a_count_prints_as_12_and_an_amount_as_12_5(tmp_path):
    path = _warehouse(tmp_path)
    count = run_query(path, "SELECT value FROM observations WHERE unit = 'requests'")
    assert _cells(count) == ["12", "NULL"] and "12.0" not in count
    amount = run_query(path, "SELECT value FROM observations WHERE unit = '10k_yuan'")
    assert _cells(amount) == ["12.5"]
    both = run_query(
        path,
        "SELECT sum(value) FILTER (unit = 'requests') AS n, "
        "sum(value) FILTER (unit = '10k_yuan') AS fee FROM observations",
    )
    assert _cells(both) == ["12", "12.5"]


def test_a_column_with_any_fraction_keeps_every_decimal(tmp_path):
    """One column holding counts and amounts stays DOUBLE: nothing is rounded."""
    out = run_query(_warehouse(tmp_path), "SELECT value FROM observations ORDER BY value")
    assert _cells(out) == ["12.0", "12.5", "NULL"]


def test_only_whole_numbers_a_double_holds_exactly_become_integers():
    table = pa.table(
        {
            "count": [12.0, 0.0, None],
            "amount": [12.5, 1.0, None],
            "big": [2.0**53, 1.0, None],  # past 2⁵³ a DOUBLE is no longer exact: left alone
            "nan": [float("nan"), 1.0, None],
            "empty": pa.array([None, None, None], pa.float64()),
            "text": ["a", "b", None],
        }
    )
    shown = counts_as_integers(table)
    assert [str(f.type) for f in shown.schema] == [
        "int64",
        "double",
        "double",
        "double",
        "double",
        "string",
    ]
    assert shown["count"].to_pylist() == [12, 0, None]
    assert re.fullmatch(r"12\.5", str(shown["amount"][0]))
