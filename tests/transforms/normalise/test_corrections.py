"""corrections.csv read and judged: every row applied, stale or invalid with a reason naming it.

The cells are those of the seed report (长春市 2012, real) as the parser reads them, so that a
correction is judged against printed values, not against values made up for the test.
"""

from __future__ import annotations

import hashlib
import shutil

import pandas as pd
import pytest

from tests.conftest import SEED
from transforms.catalogue import default
from transforms.normalise import corrections as c
from transforms.run.incremental import ingest_files

HEADER = ",".join(c.FIELDS)
FILE = "changchun_2012.txt"


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    shutil.copy(SEED, raw / FILE)
    reports, obs, _ = ingest_files([raw / FILE], raw, default())
    return reports, obs, hashlib.sha256(SEED.read_bytes()).hexdigest()


def _written(tmp_path, *lines: str, name: str = "corrections.csv") -> c.Written:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return c.read_corrections(path)


def _cell(obs: pd.DataFrame, code: str) -> pd.Series:
    return obs[(obs["indicator"] == code) & (obs["breakdown"] == "total")].iloc[-1]


def _judged(seed, tmp_path, *lines: str) -> pd.DataFrame:
    reports, obs, _ = seed
    written = _written(tmp_path, *lines)
    cells = obs[list(c.CELL_COLUMNS)]
    return c.resolve(written, reports, cells, default()).set_index("line")


def _row(sha: str, code: str, printed: str, corrected: str, **fields) -> str:
    row = {
        "source_file": FILE,
        "sha256": sha,
        "indicator": code,
        "breakdown": "total",
        "printed_value": printed,
        "corrected_value": corrected,
        "reason": "misprint",
        "source": "the parts of the table",
        "author": "analyst",
        "date": "2026-12-04",
        **fields,
    }
    return ",".join(row[f] for f in c.FIELDS)


def test_a_correction_of_the_value_printed_applies_and_names_the_cell(seed, tmp_path):
    _, obs, sha = seed
    staff = _cell(obs, "jilin.staff.part_time")
    printed = str(int(staff["value"]))
    table = _judged(seed, tmp_path, _row(sha, "jilin.staff.part_time", printed, "753"))
    row = table.loc[2]
    assert (row["status"], row["value_corrected"]) == ("applied", 753.0)
    assert row["report_id"] == staff["report_id"] and row["locator"] == staff["locator"]
    fixed = c.corrected_observations(obs, table.reset_index())
    assert _cell(fixed, "jilin.staff.part_time")["value"] == 753.0
    assert _cell(obs, "jilin.staff.part_time")["value"] == staff["value"]  # printed untouched


def test_a_correction_of_another_printed_value_or_file_is_stale(seed, tmp_path):
    _, obs, sha = seed
    printed = str(int(_cell(obs, "jilin.staff.part_time")["value"]))
    table = _judged(
        seed,
        tmp_path,
        _row(sha, "jilin.staff.part_time", str(int(printed) + 1), "753"),
        _row("0" * 64, "jilin.staff.full_time", "1", "2"),
        _row(sha, "jilin.staff.total", "1", "2", source_file="gone.txt"),
    )
    assert list(table["status"]) == ["stale"] * 3
    assert f"is printed {printed}" in table.loc[2, "status_reason"]
    assert "the file changed: its sha256 is now " + sha in table.loc[3, "status_reason"]
    assert "no file 'gone.txt'" in table.loc[4, "status_reason"]
    assert c.corrected_observations(obs, table.reset_index()).empty  # nothing applied


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"corrected_value": "abc"}, "corrected_value 'abc' is not a number"),
        ({"corrected_value": "-1"}, "is not a number of zero or more"),
        ({"corrected_value": "12.5"}, "is not a whole number, and persons are counted"),
        ({"indicator": "jilin.no_such_code"}, "indicator 'jilin.no_such_code' is not in"),
        ({"sha256": "abc"}, "sha256 'abc' is not 64 hex digits"),
        ({"date": "4.12.2026"}, "date '4.12.2026' is not a date YYYY-MM-DD"),
        ({"reason": "", "author": ""}, "missing reason, author"),
        ({"printed_value": "seven"}, "printed_value 'seven' is not a number"),
        ({"breakdown": "no_such_column"}, "the report prints no cell"),
    ],
)
def test_a_malformed_row_is_invalid_and_says_why(seed, tmp_path, fields, why):
    _, _, sha = seed
    table = _judged(seed, tmp_path, _row(sha, "jilin.staff.part_time", "752", "753", **fields))
    assert table.loc[2, "status"] == "invalid"
    assert why in table.loc[2, "status_reason"]


def test_an_amount_may_be_corrected_to_a_fraction(seed, tmp_path):
    _, obs, sha = seed
    printed = str(int(_cell(obs, "jilin.fees.total")["value"]))
    table = _judged(seed, tmp_path, _row(sha, "jilin.fees.total", printed, "12.5"))
    assert (table.loc[2, "status"], table.loc[2, "value_corrected"]) == ("applied", 12.5)


def test_the_same_cell_corrected_twice_is_applied_neither_time(seed, tmp_path):
    _, _, sha = seed
    first = _row(sha, "jilin.staff.part_time", "752", "753")
    table = _judged(seed, tmp_path, first, first.replace(",753,", ",754,"))
    assert list(table["status"]) == ["invalid", "invalid"]
    assert "corrected on lines 2, 3" in table.loc[3, "status_reason"]


def test_the_file_as_a_whole_wrong_is_one_invalid_row_on_line_1(tmp_path):
    bad_header = tmp_path / "a.csv"
    bad_header.write_text("file,value\nx,1\n", encoding="utf-8")
    (row,) = c.read_corrections(bad_header).rows
    assert row["line"] == 1 and "the header must be source_file,sha256," in row["problem"]
    not_text = tmp_path / "b.csv"
    not_text.write_bytes(HEADER.encode() + b"\n\xff\xfe\x00")
    assert "is not UTF-8 text" in c.read_corrections(not_text).rows[0]["problem"]
    short = _written(tmp_path, "x.txt,abc", name="c.csv")
    assert short.rows[0]["problem"] == "2 fields, the header has 10"
    assert c.read_corrections(tmp_path / "missing.csv") == c.NO_CORRECTIONS
    (named,) = c.read_corrections(tmp_path / "missing.csv", must_exist=True).rows
    assert named["problem"] == f"there is no file {tmp_path / 'missing.csv'}"  # a typo shows


def test_rows_keep_their_line_in_the_file(tmp_path):
    written = _written(tmp_path, "", '"a\nb.txt",' + "0" * 64 + ",x,total,1,2,r,,me,2026-01-01")
    assert [r["line"] for r in written.rows] == [3]  # an empty line 2; a quoted newline
