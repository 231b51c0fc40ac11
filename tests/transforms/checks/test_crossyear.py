"""Cross-year checks on the 平潭 series (2020, 2021, 2022, then a gap to 2025)."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES
from transforms.catalogue import default
from transforms.checks.crossyear import body_key, evaluate_cross_year
from transforms.run.incremental import ingest_files

YEARS = ["2020", "2021", "2022", "2025"]


@pytest.fixture(scope="module")
def series():
    files = [FIXTURES / f"pingtan_{y}_national_flat.txt" for y in YEARS]
    reports, obs, _ = ingest_files(files, FIXTURES, default())
    return reports, obs


def _year(reports, year: int) -> str:
    return reports.loc[reports["report_year"] == year, "report_id"].item()


def test_consecutive_years_are_paired_and_gaps_are_not(series):
    reports, obs = series
    ev = evaluate_cross_year(reports, obs, default())
    assert {int(reports.set_index("report_id").loc[r, "report_year"]) for r in ev["report_id"]} == {
        2021,
        2022,
    }
    carry = ev[ev["rule_id"] == "cross_year_carry_over"]
    assert len(carry) == 14 and (carry["violation"] == 0).all()  # 7 columns × 2 pairs
    assert (
        "pingtan_2022_national_flat.txt, 2022 against pingtan_2021_national_flat.txt, 2021"
        in carry["message"].iloc[-1]
    )


def test_a_broken_carry_over_names_both_reports(series):
    reports, obs = series
    obs = obs.copy()
    hit = (
        (obs["report_id"] == _year(reports, 2022))
        & (obs["indicator"] == "requests.carried_over")
        & (obs["breakdown"].isin(["natural_person", "total"]))
    )
    obs.loc[hit, "value"] += 2
    ev = evaluate_cross_year(reports, obs, default())
    failed = ev[ev["violation"] > 0]
    assert failed[["rule_id", "breakdown", "expected", "actual"]].values.tolist() == [
        ["cross_year_carry_over", "natural_person", 1.0, 3.0],
        ["cross_year_carry_over", "total", 1.0, 3.0],
    ]
    assert "2022 against pingtan_2021" in failed["message"].iloc[0]


def test_in_force_documents_roll_forward_as_a_soft_check(series):
    reports, obs = series
    ev = evaluate_cross_year(reports, obs, default())
    in_force = ev[ev["rule_id"] == "cross_year_in_force"]
    # 2021 → 2022 only: the 2020 report uses the 2019 form, which has no 现行有效件数
    assert set(in_force["report_id"]) == {_year(reports, 2022)}


@pytest.mark.parametrize(
    ("printed", "key"),
    [
        ("平潭综合实验区管委会", "平潭综合实验区"),
        ("淮安市人民政府", "淮安市"),
        (" 长春市 ", "长春市"),
        (None, None),
    ],
)
def test_body_keys(printed, key):
    assert body_key(printed) == key
