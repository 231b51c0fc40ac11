"""Prose ↔ table: claims extracted from real reports, and prose edited to contradict the table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import FIXTURES, SEED
from transforms.catalogue import default
from transforms.checks.narrative import evaluate_narrative
from transforms.run.ingest import ingest_file


def _evaluate(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    result = ingest_file(path, path.parent, default())
    claims = pd.DataFrame(list(result.claims))
    return claims, evaluate_narrative(claims, result.observations, default()).set_index("rule_id")


def _edited(tmp_path, old: str, new: str) -> Path:
    text = SEED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "edited.txt"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_seed_prose_restates_its_table_without_a_failure():
    claims, ev = _evaluate(SEED)
    assert len(ev) == 52 and (ev["violation"] == 0).all()
    parts = ev.loc["narrative_parts_within_total"]  # 391291 = 332160 + 45839 + 13292; 10348 = …
    assert parts[["expected", "actual"]].values.tolist() == [[391291, 391291], [10348, 10348]]
    online = ev.loc["narrative_requests_online_percent"]
    assert online["actual"] == 46.1 and round(online["expected"], 2) == 46.08  # 4768 / 10348
    row = claims.set_index("pattern_id").loc["proactive_own_level"]
    assert (row["number"], row["percent"], row["locator"]) == (332160, 84.89, "line 12, char 47")
    line = SEED.read_text(encoding="utf-8").split("\n")[11]
    assert line[46:].startswith("332160条，占比84.89%")


def test_approximations_are_kept_but_never_checked():
    claims, ev = _evaluate(SEED)
    granted = claims.set_index("pattern_id").loc["requests_granted"]  # 10094件，约占98%
    assert granted["percent_approximate"] and "narrative_requests_granted_percent" not in ev.index
    hits = claims[claims["number"] == 20_610_000]  # 网站点击次数约2061万余次
    assert len(hits) == 1 and hits["approximate"].all() and hits["pattern_id"].isna().all()


@pytest.mark.parametrize(
    ("old", "new", "rule", "expected", "actual"),
    [
        ("已答复10254件", "已答复10255件", "narrative_requests_answered", 10254, 10255),
        (
            "网上申请数4768件，占46.1%",
            "网上申请数4768件，占47.1%",
            "narrative_requests_online_percent",
            None,
            47.1,
        ),
        ("否决公开137件", "否决公开173件", "narrative_requests_refused", 137, 173),
    ],
)
def test_prose_edited_to_contradict_fails_exactly_that_claim(
    tmp_path, old, new, rule, expected, actual
):
    _, ev = _evaluate(_edited(tmp_path, old, new))
    failed = ev[ev["violation"] > 0]
    assert list(failed.index) == [rule]
    assert failed.loc[rule, "actual"] == actual
    if expected is not None:
        assert failed.loc[rule, "expected"] == expected


def test_hongze_2024_prose_17_against_table_95():
    _, ev = _evaluate(FIXTURES / "huaian_hongze_qu_2024.pdf")
    row = ev.loc["narrative_received"]
    assert (row["expected"], row["actual"]) == (95, 17)
    assert "differs from the table (95)" in row["message"]


def test_received_including_carried_over_is_accepted_and_named(tmp_path):
    pdf_text = (FIXTURES / "huaian_shi_2024.md").read_text(encoding="utf-8")
    path = tmp_path / "huaian.md"  # 3119 new + 34 carried over = 3153
    path.write_text(pdf_text.replace("申请 3119 件", "申请 3153 件", 1), encoding="utf-8")
    _, ev = _evaluate(path)
    row = ev.loc["narrative_received"]
    assert row["violation"] == 0
    assert (
        "read as requests.new_received + requests.carried_over (3153), not 3119" in row["message"]
    )


def test_all_completed_phrase_is_checked_against_carried_forward(tmp_path):
    text = (FIXTURES / "huaian_shi_2024.md").read_text(encoding="utf-8")
    path = tmp_path / "huaian.md"
    path.write_text(text.replace("均在法定期限内予以答复", "所有申请均已办结", 1), encoding="utf-8")
    _, ev = _evaluate(path)
    row = ev.loc["narrative_all_completed"]
    assert (row["expected"], row["violation"]) == (103, 103)  # 103 carried forward
    assert "contradicts the table" in row["message"]


def test_a_table_headed_with_another_year_is_a_semantic_finding(tmp_path):
    from transforms.checks.semantic import evaluate_semantic
    from transforms.run.incremental import ingest_files

    path = _edited(tmp_path, "\t2012年发生数\n\n\t人员配置", "\t2011年发生数\n\n\t人员配置")
    reports, obs, _ = ingest_files([path], tmp_path, default())
    ev = evaluate_semantic(obs, reports, default()).set_index("rule_id")
    row = ev.loc["semantic_table_year"]
    assert row["violation"] == 1 and "not the report year 2012" in row["message"]
    assert "2011年发生数" in row["message"]


def test_fujian_2018_police_table_contradicts_its_prose_and_its_year():
    from transforms.checks.semantic import evaluate_semantic
    from transforms.run.incremental import ingest_files

    path = FIXTURES / "fujian_pingtan_2018_gonganju.html"
    _, ev = _evaluate(path)
    row = ev.loc["narrative_none_received"]  # prose: 2018年，未收到公民提出的公开政府信息申请
    assert (row["expected"], row["actual"], row["violation"]) == (1, 0, 1)
    assert ev.loc["narrative_no_appeals", "violation"] == 0
    assert ev.loc["narrative_proactive_year", "violation"] == 0  # 2018年度…主动公开政府信息181条
    reports, obs, _ = ingest_files([path], path.parent, default())
    year = (
        evaluate_semantic(obs, reports, default()).set_index("rule_id").loc["semantic_table_year"]
    )
    assert year["violation"] == 1 and "2017年度" in year["message"]


def test_parts_listed_after_qizhong_may_not_exceed_the_total(tmp_path):
    _, ev = _evaluate(_edited(tmp_path, "当面申请数5190件", "当面申请数5290件"))
    failed = ev[ev["violation"] > 0]
    assert sorted(failed.index) == [  # and 5290 / 10348 is no longer the printed 50%
        "narrative_parts_within_total",
        "narrative_requests_in_person",
        "narrative_requests_in_person_percent",
    ]
    parts = failed.loc["narrative_parts_within_total"]
    assert (parts["expected"], parts["actual"]) == (10348, 10448)
    assert (
        "4768 + 5290 + 80 + 310 = 10448件, more than the stated total 10348件" in parts["message"]
    )
