"""`table_incomplete` on a real national report, and on copies of its cells with parts removed;
`partial` reports: one table's parser failing keeps the rest of the report."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import FIXTURES, SEED
from tests.expected_cells import compare, load
from transforms import catalogue
from transforms.checks.completeness import CHECK_ID, evaluate_completeness
from transforms.extract.templates import national
from transforms.run.incremental import ingest_files
from transforms.run.ingest import ingest_file

PAGE = FIXTURES / "pingtan_shenpiju_2025_national2021.html"
HONGZE_2023 = FIXTURES / "huaian_hongze_qu_2023.pdf"  # （六）其他处理 printed as one row


@pytest.fixture(scope="module")
def cat():
    return catalogue.default()


@pytest.fixture(scope="module")
def page(cat):
    reports, obs, _ = ingest_files([PAGE], PAGE.parent, cat)
    return reports, obs


def _verdict(reports: pd.DataFrame, obs: pd.DataFrame, cat) -> dict:
    rows = evaluate_completeness(obs, reports, cat)
    assert list(rows["check"]) == [CHECK_ID] * len(reports)
    return rows.iloc[0].to_dict()


def test_a_complete_report_holds(page, cat):
    verdict = _verdict(*page, cat)
    assert (verdict["violation"], verdict["actual"]) == (0.0, 0.0), verdict["message"]


def test_one_row_form_of_other_handling_is_complete_too(cat):
    reports, obs, _ = ingest_files([HONGZE_2023], HONGZE_2023.parent, cat)
    assert "requests.other" in set(obs["indicator"])
    assert _verdict(reports, obs, cat)["violation"] == 0.0


def test_a_missing_row_is_listed_by_its_printed_label(page, cat):
    reports, obs = page
    cut = obs[obs["indicator"] != "requests.granted"]
    verdict = _verdict(reports, cut, cat)
    assert (verdict["violation"], verdict["actual"]) == (1.0, 7.0)
    assert verdict["message"] == "table 三 rows not found: 予以公开"


def test_missing_cells_of_a_row_name_their_columns(page, cat):
    reports, obs = page
    gone = (obs["indicator"] == "requests.new_received") & obs["breakdown"].isin(
        ["research", "total"]
    )
    verdict = _verdict(reports, obs[~gone], cat)
    assert verdict["actual"] == 2.0
    assert (
        verdict["message"]
        == "table 三 cells not found: 本年新收政府信息公开申请数量 [research, total]"
    )


def test_a_missing_table_is_named_whole(page, cat):
    reports, obs = page
    verdict = _verdict(reports, obs[~obs["indicator"].str.startswith("appeals.", na=False)], cat)
    assert (verdict["actual"], verdict["message"]) == (
        15.0,
        "table 四 not found (none of its 15 cells)",
    )
    nothing = obs.iloc[0:0]
    verdict = _verdict(reports, nothing, cat)
    assert verdict["actual"] == 25 * 7 + 15
    assert verdict["message"] == (
        "table 三 not found (none of its 25 rows); table 四 not found (none of its 15 cells)"
    )


def test_blank_and_marked_cells_count_as_found(page, cat):
    reports, obs = page
    marked = obs.assign(
        value=obs["value"].where(obs["indicator"] != "requests.granted"),
        value_status=obs["value_status"].where(obs["indicator"] != "requests.granted", "blank"),
    )
    assert _verdict(reports, marked, cat)["violation"] == 0.0


def test_only_national_reports_that_were_read_are_judged(page, cat):
    reports, obs, _ = ingest_files([SEED], SEED.parent, cat)  # Jilin: no tables 三/四
    assert evaluate_completeness(obs, reports, cat).empty
    national_reports, national_obs = page
    unread = national_reports.assign(status="unreadable")
    assert evaluate_completeness(national_obs, unread, cat).empty


# --- partial reports ----------------------------------------------------------------------------


def _raise_without_message(*_args, **_kwargs):
    raise ValueError()


def test_one_tables_parser_failing_keeps_the_others(monkeypatch, cat):
    monkeypatch.setattr(national, "_appeal_cells", _raise_without_message)
    result = ingest_file(PAGE, PAGE.parent, cat)
    report = result.report
    assert report["status"] == "partial"
    assert report["error"] == "table 四: ValueError: (raised without a message)"
    assert (report["body"], report["report_year"]) == ("平潭综合实验区行政审批局", 2025)
    truth = load(FIXTURES / "expected" / "pingtan_shenpiju_2025_national2021.json")
    outcomes = compare(result.observations, truth)
    assert outcomes.counts == {"exact": 175, "missing": 15}, outcomes.not_exact()
    assert not outcomes.wrong()
    assert result.claims, "the prose is kept"
    reports = pd.DataFrame([report])
    verdict = _verdict(reports, result.observations, cat)
    assert verdict["message"] == "table 四 not found (none of its 15 cells)"


def test_a_parser_failing_whole_keeps_metadata_and_prose(monkeypatch, cat):
    def broken(_document, _catalogue=None):
        raise KeyError("row")

    monkeypatch.setattr(national, "parse", broken)
    result = ingest_file(PAGE, PAGE.parent, cat)
    assert result.report["status"] == "partial"
    assert result.report["error"] == "statistics tables (national): KeyError: 'row'"
    assert result.report["template"] == "national"
    assert result.report["body"] == "平潭综合实验区行政审批局"
    assert result.observations.empty and result.claims


def test_a_reader_failing_is_a_failed_file_with_its_reason(monkeypatch, cat):
    from transforms.extract.readers import html

    def broken(_path, _data):
        raise AssertionError

    monkeypatch.setattr(html, "read", broken)
    result = ingest_file(PAGE, PAGE.parent, cat)
    assert result.report["status"] == "failed"
    assert result.report["error"] == (
        "reader error: the file: AssertionError: (raised without a message)"
    )


def test_a_template_detection_failing_is_a_failed_file_that_keeps_its_title(monkeypatch, cat):
    def broken(_document):
        raise RuntimeError("detect")

    monkeypatch.setattr(national, "detect", broken)
    result = ingest_file(PAGE, PAGE.parent, cat)
    assert result.report["status"] == "failed"
    assert result.report["error"] == "parser error: template detection: RuntimeError: detect"
    assert result.report["body"] == "平潭综合实验区行政审批局"
