"""Generic label | value tables: every pair captured, known labels mapped, the rest findings."""

from __future__ import annotations

from pathlib import Path

from expectations.runner import validate
from expectations.suites import observation_suite
from transforms.catalogue import default
from transforms.run.incremental import ingest_files

PAGE = """甘肃省某某县2015年政府信息公开工作年度报告
| 指标 | 数值 |
|---|---|
| 主动公开信息数 | 120 |
| 政府信息公开申请数 | 15 |
| 网上申请数 | 5 |
| 某某未知指标 | 3 |
| 行政复议数 | — |
"""


def test_every_pair_is_kept_and_only_unique_labels_are_mapped(tmp_path: Path):
    (tmp_path / "gansu.md").write_text(PAGE, encoding="utf-8")
    reports, obs, _ = ingest_files([tmp_path / "gansu.md"], tmp_path, default())
    assert reports[["status", "template", "body", "report_year"]].values.tolist() == [
        ["parsed", "generic_indicator_value", "甘肃省某某县", 2015]
    ]
    got = dict(
        zip(
            obs["label_as_printed"],
            obs["indicator"].astype(object).where(obs["indicator"].notna(), None),
            strict=True,
        )
    )
    assert got["主动公开信息数"] == "fujian.proactive.total"  # known to one family only
    assert got["政府信息公开申请数"] == "jilin.requests.received"
    assert got["网上申请数"] is None  # Jilin and Fujian both print it: not guessed
    assert got["某某未知指标"] is None
    blank = obs.set_index("label_as_printed").loc["行政复议数"]
    assert blank["value_status"] == "blank" and blank["locator"] == "line 8, col 2"

    checks = validate({"observations": obs}, (observation_suite(default()),), None)
    unmapped = checks.set_index("check_id").loc["obs_indicator_known"]
    assert unmapped["kind"] == "unmapped_label" and unmapped["actual"] == 2
    assert "某某未知指标 printed '3' (number, line 7, col 2)" in unmapped["message"]
