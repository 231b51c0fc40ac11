"""The whole 平潭 series (2011–2025, with gaps): every file read, cross-year pairs checked."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import FIXTURES
from transforms.catalogue import default
from transforms.checks.crossyear import evaluate_cross_year
from transforms.checks.narrative import evaluate_narrative
from transforms.run.incremental import ingest_files

FILES = [
    *sorted(FIXTURES.glob("fujian_pingtan_*_flat.txt")),
    *sorted(FIXTURES.glob("pingtan_20*_national_flat.txt")),
    FIXTURES / "fujian_pingtan_2014_yaodian_letter.txt",
    FIXTURES / "pingtan_2013_dishuiju_no_table.txt",
]


@pytest.fixture(scope="module")
def series():
    reports, obs, claims = ingest_files(FILES, FIXTURES, default())
    return reports, obs, evaluate_cross_year(reports, obs, default()), claims


def test_every_report_is_read_and_the_others_say_why(series):
    reports, *_ = series
    status = dict(zip(reports["source_file"], reports["status"], strict=True))
    assert status.pop("fujian_pingtan_2014_yaodian_letter.txt") == "no_template"  # a letter
    assert status.pop("pingtan_2013_dishuiju_no_table.txt") == "no_template"  # prose only
    assert set(status.values()) == {"parsed"}
    assert len(status) == 13


def _pairs(reports: pd.DataFrame, ev: pd.DataFrame) -> set[tuple[str, int]]:
    ids = reports.set_index("report_id")
    return {(ids.loc[r, "body"], int(ids.loc[r, "report_year"])) for r in ev["report_id"]}


def test_cross_year_pairs_are_the_consecutive_years_of_one_body(series):
    reports, _, ev, _ = series
    later_years = {year for _, year in _pairs(reports, ev)}
    # main body: 2013→2014→2015, 2017→2018, 2020→2021→2022 (no 2016, 2019, 2023, 2024);
    # 平潭县: 2011→2012→2013
    assert later_years == {2012, 2013, 2014, 2015, 2018, 2021, 2022}


def test_cumulative_totals_roll_forward_spot_checked_by_hand(series):
    reports, _, ev, _ = series
    ids = reports.set_index("report_id")
    cumulative = ev[ev["rule_id"] == "cross_year_cumulative"].assign(
        year=lambda f: f["report_id"].map(ids["report_year"])
    )
    received_2014 = cumulative[
        (cumulative["year"] == 2014) & (cumulative["breakdown"] == "row fujian.requests.received")
    ]
    assert received_2014[["expected", "actual", "violation"]].values.tolist() == [[1.0, 1.0, 0.0]]
    assert (cumulative["violation"].dropna() == 0).all()  # every evaluable pair holds
    carry = ev[ev["rule_id"] == "cross_year_carry_over"]
    assert len(carry) == 14 and (carry["violation"] == 0).all()  # 2020→2021→2022, 7 columns


def test_the_only_prose_contradiction_is_the_known_one(series):
    # MANIFEST: 2013 管委会 table 72804 vs text 4970. Sentences about 审批 applications
    # (受理申请121510件), 12345 complaints (办结15042件) or 行政复议申请 must not be read as
    # disclosure requests.
    reports, obs, _, claims = series
    ev = evaluate_narrative(claims, obs, default())
    failed = ev[ev["violation"] > 0].merge(reports[["report_id", "source_file"]], on="report_id")
    assert failed[["source_file", "rule_id", "expected", "actual"]].values.tolist() == [
        ["fujian_pingtan_2013_main_flat.txt", "narrative_proactive_year", 72804.0, 4970.0]
    ]
