"""Every check, run through the real Great Expectations checkpoints on data built to break it.

One corpus: the seed report (consistent) plus one copy per check, each changed so that exactly
that check fails. One validation run over all of them; each test asserts which checks failed
for which report, and that nothing else did.
"""

from __future__ import annotations

import pandas as pd
import pytest

from expectations.runner import validate
from expectations.suites import all_suites
from tests.conftest import mutate_lines
from transforms.catalogue import default
from transforms.checks.identities import evaluate_rules
from transforms.run.incremental import ingest_files

# Line numbers of the seed's cells. Each case: {line: new cell text} → the one check that fails.
BREAKS = {
    "jilin_j1_staff": {59: "753"},  # 兼职人员数 752 → 753
    "jilin_j2_proactive_by_level": {89: "13293"},
    "jilin_j2_proactive_by_content": {117: "67117"},
    "jilin_j2_proactive_totals_agree": {93: "391292", 117: "67117"},
    "jilin_j3_reading_room_items": {145: "95444"},
    "jilin_j4_electronic_reading_rooms": {133: "1509"},
    "jilin_j5_request_channels": {208: "81"},
    "jilin_j6_answer_outcomes": {221: "10095"},
    "jilin_j6_answered_le_received": {196: "10200", 200: "4620"},
    "jilin_j7_refusal_reasons": {245: "21"},
    "jilin_j8_fee_parts": {293: "5"},
    "jilin_j9_review_accepted": {259: "1"},
    "jilin_j9_review_concluded": {263: "1"},
    "jilin_j9_review_outcomes": {267: "1"},
    "obs_value_present": {59: "—"},
    "obs_value_non_negative": {67: "-5"},
    "obs_indicator_known": {58: "2.兼职人员总数"},
}
JUST_HOLDS = {  # on the boundary: every check passes
    "boundary_electronic_equals_all": {133: "1508"},
    "boundary_answered_equals_received": {196: "10254", 200: "4674"},
}


@pytest.fixture(scope="module")
def results(tmp_path_factory, seed_text):
    raw = tmp_path_factory.mktemp("raw")
    (raw / "seed.txt").write_text(seed_text, encoding="utf-8")
    for name, changes in {**BREAKS, **JUST_HOLDS}.items():
        (raw / f"{name}.txt").write_text(mutate_lines(seed_text, changes), encoding="utf-8")
    untitled = seed_text.split("\n", 1)[1].replace("长春市2012年政府信息公开", "2012年政府信息公开")
    (raw / "no_title.txt").write_text(untitled, encoding="utf-8")
    cat = default()
    reports, obs, _ = ingest_files(sorted(raw.iterdir()), raw, cat)
    frames = {
        "evaluations": evaluate_rules(obs, reports, cat),
        "observations": obs,
        "reports": reports[reports["status"] == "parsed"],
    }
    checks = validate(frames, all_suites(cat), tmp_path_factory.mktemp("docs"))
    names = dict(
        zip(reports["report_id"], reports["source_file"].str.removesuffix(".txt"), strict=True)
    )
    return checks.assign(report=checks["report_id"].map(names))


def _failed(results: pd.DataFrame, report: str) -> dict[str, pd.Series]:
    rows = results[(results["report"] == report) & (results["passed"] == False)]  # noqa: E712
    return {r["check_id"]: r for _, r in rows.iterrows()}


def test_the_seed_passes_every_check(results):
    seed = results[results["report"] == "seed"]
    assert len(seed) == 23
    assert seed["passed"].all(), seed[~seed["passed"]]["message"].tolist()


def test_every_jilin_rule_has_a_case_built_to_break_it():
    assert {r.rule_id for r in default().rules_for("jilin_pre2019")} <= set(BREAKS)


@pytest.mark.parametrize("check_id", sorted(BREAKS))
def test_each_break_fails_exactly_its_check(results, check_id):
    assert set(_failed(results, check_id)) == {check_id}


@pytest.mark.parametrize("case", sorted(JUST_HOLDS))
def test_boundary_cases_pass(results, case):
    assert _failed(results, case) == {}


def test_failed_identity_names_expected_actual_and_locator(results):
    row = _failed(results, "jilin_j1_staff")["jilin_j1_staff"]
    assert (row["expected"], row["actual"]) == (1857, 1856)
    assert row["kind"] == "identity" and row["breakdown"] == "total"
    assert "兼职人员数: line 59" in row["locator"]


def test_a_blank_is_its_own_finding_not_a_zero(results):
    row = _failed(results, "obs_value_present")["obs_value_present"]
    assert row["kind"] == "completeness" and row["locator"] == "line 59"
    assert "2.兼职人员数 printed '—' (blank, line 59)" in row["message"]
    staff = results[
        (results["report"] == "obs_value_present") & (results["check_id"] == "jilin_j1_staff")
    ]
    assert staff["passed"].isna().all()  # not evaluable, and not computed with a zero


def test_an_unknown_label_is_reported_with_its_locator(results):
    row = _failed(results, "obs_indicator_known")["obs_indicator_known"]
    assert "2.兼职人员总数" in row["message"] and row["locator"] == "line 59"


def test_a_report_without_a_title_is_a_metadata_finding(results):
    assert set(_failed(results, "no_title")) == {"report_body_found", "report_year_found"}
