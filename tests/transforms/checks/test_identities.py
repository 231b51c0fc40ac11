"""The arithmetic of the identities, without Great Expectations (which judges it later)."""

import math

import pytest

from tests.conftest import mutate_lines
from transforms.catalogue import default
from transforms.checks.identities import evaluate_rules
from transforms.run.incremental import ingest_files


@pytest.fixture
def evaluate(tmp_path, seed_text):
    def run(changes):
        (tmp_path / "r.txt").write_text(mutate_lines(seed_text, changes), encoding="utf-8")
        reports, obs, _ = ingest_files([tmp_path / "r.txt"], tmp_path, default())
        return evaluate_rules(obs, reports, default()).set_index("rule_id")

    return run


def test_seed_holds_every_rule(evaluate):
    ev = evaluate({})
    assert set(ev.index) == {r.rule_id for r in default().rules_for("jilin_pre2019")}
    assert (ev["violation"] == 0).all()


def test_sum_rule_reports_expected_and_actual(evaluate):
    row = evaluate({59: "753"}).loc["jilin_j1_staff"]
    assert (row["actual"], row["expected"], row["violation"]) == (1856, 1857, 1)
    assert "兼职人员数 753" in row["message"] and "≠" in row["message"]


def test_inequality_holds_with_slack_and_fails_above(evaluate):
    ev = evaluate({133: "1508"})  # electronic == all reading points: still holds
    assert ev.loc["jilin_j4_electronic_reading_rooms", "violation"] == 0
    ev = evaluate({133: "1509"})
    assert ev.loc["jilin_j4_electronic_reading_rooms", "violation"] == 1


def test_blank_makes_a_rule_not_evaluable_never_zero(evaluate):
    row = evaluate({59: ""}).loc["jilin_j1_staff"]
    assert math.isnan(row["violation"]) and math.isnan(row["expected"])
    assert row["message"] == "not evaluated: 兼职人员数 is blank (line 59)"
