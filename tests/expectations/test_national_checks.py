"""National-form checks through the real GE checkpoints: real reports, and copies built to break
each identity (one value changed in the observations of 淮安市 2024, which passes every check)."""

from __future__ import annotations

import pandas as pd
import pytest

from expectations.runner import validate
from expectations.suites import all_suites
from tests.conftest import FIXTURES
from transforms.catalogue import default
from transforms.checks.evaluations import combine
from transforms.checks.identities import evaluate_rules
from transforms.checks.narrative import evaluate_narrative
from transforms.checks.semantic import evaluate_semantic
from transforms.run.incremental import ingest_files

FILES = [
    "huaian_shi_2024.pdf",
    "huaian_hongze_qu_2023.pdf",
    "huaian_hongze_qu_2024.pdf",
    "pingtan_2020_national_flat.txt",
    "pingtan_2021_national_flat.txt",
    "pingtan_shenpiju_2025_national2021.html",
    "national2021_blank_form.docx",
]
# Changes (indicator, breakdown, delta) that keep every other identity whole → what must fail.
BREAKS = {
    "i1": (  # one more carried forward, total column kept in step: I3 holds
        [
            ("requests.carried_forward", "natural_person", 1),
            ("requests.carried_forward", "total", 1),
        ],
        {("national_i1_balance", "natural_person"), ("national_i1_balance", "total")},
    ),
    "i2": (  # one more granted than the outcomes allow, row total kept in step
        [("requests.granted", "business", 1), ("requests.granted", "total", 1)],
        {("national_i2_outcomes_2021", "business"), ("national_i2_outcomes_2021", "total")},
    ),
    "i3": (  # one request moved between two outcome rows of a column: columns still add up
        [
            ("requests.granted", "natural_person", -1),
            ("requests.partially_granted", "natural_person", 1),
        ],
        {
            ("national_i3_columns", "row requests.granted"),
            ("national_i3_columns", "row requests.partially_granted"),
        },
    ),
    "appeals": (
        [("appeals.litigation_direct.pending", "total", 3)],
        {("national_appeals_litigation_direct", "total")},
    ),
}


def _checks(reports, obs, tmp_path, claims=None) -> pd.DataFrame:
    cat = default()
    narrative = evaluate_narrative(claims, obs, cat) if claims is not None else obs.iloc[:0]
    evaluations = [evaluate_rules(obs, reports, cat), evaluate_semantic(obs, reports, cat)]
    frames = {
        "evaluations": combine(*evaluations, *([narrative] if claims is not None else [])),
        "observations": obs,
        "reports": reports[reports["status"] == "parsed"],
    }
    checks = validate(frames, all_suites(cat), None)
    names = dict(zip(reports["report_id"], reports["source_file"], strict=True))
    return checks.assign(report=checks["report_id"].map(names))


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    reports, obs, claims = ingest_files([FIXTURES / f for f in FILES], FIXTURES, default())
    return reports, obs, _checks(reports, obs, tmp_path_factory.mktemp("x"), claims)


def _failed(checks: pd.DataFrame, report: str) -> pd.DataFrame:
    return checks[(checks["report"] == report) & (checks["passed"] == False)]  # noqa: E712


def test_reports_are_read_with_body_year_and_layout(real):
    reports, _, _ = real
    got = reports.set_index("source_file")[["status", "body", "report_year", "template"]]
    assert got.loc["huaian_shi_2024.pdf"].tolist() == [
        "parsed",
        "淮安市人民政府",
        2024,
        "national_2021",
    ]
    assert (
        got.loc["huaian_hongze_qu_2023.pdf", "template"] == "national_2021"
    )  # one-row （六）, 2021 table 二
    assert got.loc["pingtan_2020_national_flat.txt", "template"] == "national_2019"


def test_huaian_2024_passes_every_check(real):
    _, _, checks = real
    assert _failed(checks, "huaian_shi_2024.pdf").empty


def test_hongze_2023_fails_exactly_its_two_appeal_totals(real):
    _, _, checks = real
    assert_hongze_2023_defects(_failed(checks, "huaian_hongze_qu_2023.pdf"))


def assert_hongze_2023_defects(failed: pd.DataFrame) -> None:
    """洪泽区 2023's two table 四 totals that do not add up, and no other failure (its scanned
    copy must show them too: tests/expectations/test_scanned_checks.py)."""
    failed = failed.set_index("check_id")
    assert set(failed.index) == {
        "national_appeals_review",
        "national_appeals_litigation_after_review",
    }
    assert failed.loc["national_appeals_review", ["actual", "expected"]].tolist() == [0, 11]
    assert failed.loc[
        "national_appeals_litigation_after_review", ["actual", "expected"]
    ].tolist() == [0, 5]


def test_the_2025_html_page_passes_every_check(real):
    _, _, checks = real
    page = checks[checks["report"] == "pingtan_shenpiju_2025_national2021.html"]
    assert len(page) > 40 and page["passed"].all()


def test_the_blank_word_form_gives_blank_findings_and_no_arithmetic(real):
    _, _, checks = real
    form = checks[checks["report"] == "national2021_blank_form.docx"].set_index("check_id")
    assert form.loc["obs_value_present", "passed"] == False  # noqa: E712
    assert form.loc["obs_value_present", "actual"] == 200
    identities = form[form["kind"] == "identity"]
    assert len(identities) > 0 and identities["passed"].isna().all()  # not evaluable, not zero
    assert set(form[form["passed"] == False].index) == {  # noqa: E712
        "obs_value_present",
        "report_body_found",
        "report_year_found",
    }


def test_hongze_2024_tables_pass_and_its_prose_fails(real):
    _, _, checks = real
    failed = _failed(checks, "huaian_hongze_qu_2024.pdf")
    assert failed[["check_id", "kind", "expected", "actual"]].values.tolist() == [
        ["narrative_received", "narrative", 95.0, 17.0]  # prose: 受理…申请 17 件; table 三: 95
    ]
    assert "受理政府信息公开申请 17 件" in failed["message"].iloc[0]


def test_huaian_2024_prose_restates_its_tables(real):
    _, _, checks = real
    prose = checks[(checks["report"] == "huaian_shi_2024.pdf") & (checks["kind"] == "narrative")]
    assert len(prose) >= 12 and prose["passed"].all()
    ids = set(prose["check_id"])
    assert {"narrative_received", "narrative_completed", "narrative_carried_over"} <= ids
    assert {
        "narrative_carried_forward",
        "narrative_review_total",
        "narrative_litigation_upheld",
    } <= ids


def test_pingtan_2020_outcomes_do_not_add_up_in_two_columns(real):
    _, _, checks = real
    failed = _failed(checks, "pingtan_2020_national_flat.txt")
    i2 = failed[failed["check_id"] == "national_i2_outcomes_2019"]
    assert set(i2["breakdown"]) == {"natural_person", "total"}
    assert set(failed["check_id"]) == {"national_i2_outcomes_2019", "obs_value_present"}


def test_ambiguous_cells_are_findings_with_their_candidates(real):
    _, _, checks = real
    row = (
        _failed(checks, "pingtan_2021_national_flat.txt")
        .set_index("check_id")
        .loc["obs_value_present"]
    )
    assert row["actual"] == 4  # three table 二 cells ambiguous, one 万元 amount unreadable
    assert (
        "行政规范性文件 printed '693665' (ambiguous, line 10, chars 2119-2124 [本年制发件数])"
        in row["message"]
    )


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_each_national_identity_broken_fails_exactly_it(real, tmp_path, case):
    reports, obs, _ = real
    changes, expected = BREAKS[case]
    report_id = reports.set_index("source_file").loc["huaian_shi_2024.pdf", "report_id"]
    reports = reports[reports["report_id"] == report_id]
    obs = obs[obs["report_id"] == report_id].copy()
    for indicator, breakdown, delta in changes:
        hit = (obs["indicator"] == indicator) & (obs["breakdown"] == breakdown)
        assert hit.sum() == 1
        obs.loc[hit, "value"] += delta
    failed = _failed(_checks(reports, obs, tmp_path), "huaian_shi_2024.pdf")
    assert set(map(tuple, failed[["check_id", "breakdown"]].values.tolist())) == expected


def _huaian(real):
    reports, obs, _ = real
    report_id = reports.set_index("source_file").loc["huaian_shi_2024.pdf", "report_id"]
    return reports[reports["report_id"] == report_id].copy(), obs[
        obs["report_id"] == report_id
    ].copy()


def test_a_town_reporting_rules_is_a_semantic_finding(real, tmp_path):
    reports, obs = _huaian(real)
    reports["body"] = "某某镇人民政府"
    failed = _failed(_checks(reports, obs, tmp_path), "huaian_shi_2024.pdf").set_index("check_id")
    assert list(failed.index) == ["semantic_town_rules"]
    assert failed.loc["semantic_town_rules", "actual"] == 2  # issued 1, in force 11
    assert failed.loc["semantic_town_rules", "kind"] == "semantic"


def test_a_yuan_amount_in_the_10k_yuan_column_is_a_semantic_finding(real, tmp_path):
    reports, obs = _huaian(real)
    fees = obs["indicator"] == "proactive.fees.amount_10k_yuan"
    obs.loc[fees, "raw_value"] = "961716000元"
    failed = _failed(_checks(reports, obs, tmp_path), "huaian_shi_2024.pdf")
    assert failed["check_id"].tolist() == ["semantic_fees_in_10k_yuan"]
    assert "'961716000元': a yuan amount in a 万元 column" in failed["message"].iloc[0]
