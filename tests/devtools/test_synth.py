"""The synthetic corpus read back by the pipeline's own transforms: every value exact, every
injected defect found by the check the truth names, on the report it names, nothing else.

The corpus is generated into a temporary folder (no Prefect, no GE: the evaluation rows a GE
suite judges are built with the transforms directly; a failed check is an evaluation row with
violation > 0, a completeness finding an observation whose value_status is not a read number).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from devtools.synth import DEFAULT_FORMATS, generate
from transforms import catalogue
from transforms.catalogue import default
from transforms.checks.completeness import evaluate_completeness
from transforms.checks.crossyear import evaluate_cross_year
from transforms.checks.evaluations import combine
from transforms.checks.identities import evaluate_rules
from transforms.checks.narrative import evaluate_narrative
from transforms.checks.semantic import evaluate_semantic
from transforms.extract.cells import READ_STATUSES
from transforms.run.incremental import ingest_files
from transforms.run.ingest import discover

TEMPLATES = {"jilin_pre2019", "fujian_pre2019", "national_2019", "national_2021"}
DEFECT_KINDS = {"wrong_total", "blank_cell", "prose_mismatch", "broken_carry_over", "ambiguous_run"}


def _read_back(out: Path) -> dict:
    """Ingest out/reports and evaluate every check, as flows/pipeline.py strings them."""
    raw, cat = out / "reports", catalogue.default()
    reports, obs, claims = ingest_files(discover(raw), raw, cat)
    evaluations = combine(
        evaluate_rules(obs, reports, cat),
        evaluate_semantic(obs, reports, cat),
        evaluate_completeness(obs, reports, cat),
        evaluate_narrative(claims, obs, cat),
        evaluate_cross_year(reports, obs, cat),
    )
    files = dict(zip(reports["report_id"], reports["source_file"], strict=True))
    obs = obs.assign(file=obs["report_id"].map(files))
    failed = evaluations[evaluations["violation"] > 0].assign(
        file=lambda f: f["report_id"].map(files)
    )
    found = {(r.file, r.check, r.rule_id, r.breakdown or "") for r in failed.itertuples()}
    missing = obs[~obs["value_status"].isin(READ_STATUSES)]
    found |= {(r.file, "obs_value_present", r.indicator, r.breakdown) for r in missing.itertuples()}
    truth = {
        name: pd.read_csv(out / "truth" / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in ("values", "defects", "reports")
    }
    return {
        "reports": reports,
        "obs": obs,
        "found": found,
        "values": truth["values"],
        "defects": truth["defects"],
        "listed": truth["reports"],
    }


def _expected(defects: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    return {(r.file, r.check_id, r.rule_id, r.breakdown) for r in defects.itertuples()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("synth")
    summary = generate(60, out, seed=3, defect_rate=0.3)
    return {"summary": summary, **_read_back(out)}


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("synth_office")
    generate(10, out, seed=3, defect_rate=0.5, formats=("pdf", "docx"))
    return _read_back(out)


def test_the_corpus_covers_every_template_default_format_and_defect_kind(corpus):
    summary = corpus["summary"]
    assert summary.reports == 60
    assert set(summary.by_template) == TEMPLATES
    assert set(summary.by_format) == set(DEFAULT_FORMATS)
    assert set(summary.by_defect) == DEFECT_KINDS
    assert set(corpus["reports"]["status"]) == {"parsed"}


def test_every_value_is_read_exactly_or_with_the_truths_status(corpus):
    obs = corpus["obs"][["file", "indicator", "breakdown", "value", "value_status"]]
    both = corpus["values"].merge(
        obs, on=["file", "indicator", "breakdown"], how="outer", indicator=True
    )
    assert both["_merge"].eq("both").all(), both[both["_merge"] != "both"].head()
    assert (both["value_status_x"] == both["value_status_y"]).all()
    numbers = both[both["value_x"] != ""]
    assert (numbers["value_x"].astype(float) == numbers["value_y"]).all()
    assert both.loc[both["value_x"] == "", "value_y"].isna().all()
    assert set(both["value_status_x"]) >= {"number", "blank", "derived_from_flattened", "ambiguous"}


def test_every_injected_defect_is_found_on_its_report(corpus):
    injected = corpus["defects"][corpus["defects"]["injected"] == "true"]
    assert set(injected["defect_kind"]) == DEFECT_KINDS
    assert _expected(injected) <= corpus["found"]


def test_nothing_else_is_flagged(corpus):
    defects = corpus["defects"]
    assert corpus["found"] == _expected(defects)
    natural = defects[defects["injected"] == "false"]  # flattened runs no identity can split
    assert set(natural["check_id"]) <= {"obs_value_present"}


def test_every_label_and_column_is_known_and_every_report_named(corpus):
    obs, reports = corpus["obs"], corpus["reports"]
    assert obs["indicator"].notna().all() and obs["breakdown"].notna().all()
    assert not obs.duplicated(["report_id", "indicator", "breakdown"]).any()
    assert not (obs["value"] < 0).any()
    assert reports["body"].notna().all() and reports["report_year"].notna().all()


def test_bodies_years_and_templates_are_the_truths(corpus):
    merged = corpus["reports"].merge(corpus["listed"], left_on="source_file", right_on="file")
    assert len(merged) == 60
    assert (merged["body_x"] == merged["body_y"]).all()
    assert (merged["report_year_x"].astype(int) == merged["report_year_y"].astype(int)).all()
    assert (merged["template_x"] == merged["template_y"]).all()


def test_pdf_and_word_reports_are_read_as_exactly(office):
    both = office["values"].merge(
        office["obs"][["file", "indicator", "breakdown", "value", "value_status"]],
        on=["file", "indicator", "breakdown"],
        how="outer",
        indicator=True,
    )
    assert both["_merge"].eq("both").all()
    assert (both["value_status_x"] == both["value_status_y"]).all()
    numbers = both[both["value_x"] != ""]
    assert (numbers["value_x"].astype(float) == numbers["value_y"]).all()
    assert {f.rsplit(".", 1)[1] for f in office["values"]["file"]} == {"pdf", "docx"}
    assert office["found"] == _expected(office["defects"])


def test_the_same_seed_writes_the_same_bytes(tmp_path):
    formats = ("text", "flat", "html", "docx", "pdf")
    for name in ("a", "b"):
        generate(12, tmp_path / name, seed=5, defect_rate=0.5, formats=formats)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.*"))
    assert len(files) == 12 + 3
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    generate(12, tmp_path / "c", seed=6, formats=formats)
    assert (tmp_path / "a/truth/values.csv").read_bytes() != (
        tmp_path / "c/truth/values.csv"
    ).read_bytes()


def test_formats_are_selectable_and_checked(tmp_path):
    summary = generate(5, tmp_path / "pdf", seed=2, formats=("pdf",))
    assert summary.by_format == {"pdf": 5}
    assert {p.suffix for p in summary.reports_dir.iterdir()} == {".pdf"}
    with pytest.raises(ValueError, match="formats"):
        generate(1, tmp_path / "bad", formats=("xls",))


def test_without_defects_only_the_flattened_runs_are_findings(tmp_path):
    summary = generate(30, tmp_path, seed=9, defect_rate=0.0)
    defects = pd.read_csv(summary.truth_dir / "defects.csv", dtype=str, keep_default_na=False)
    assert summary.defects == 0 and set(defects["injected"]) <= {"false"}
    found = _read_back(tmp_path)["found"]
    assert found == _expected(defects)


def test_flattened_table_four_is_found_after_table_three_not_after_the_prose():
    # Found by this corpus: prose in 一、总体情况 saying "…结转下年度继续办理" and then "行政复议"
    # made the flattened parser read table 四 from table 三's （七）总计 run.
    from transforms.extract.readers import Document
    from transforms.extract.templates import national_flat

    prose = "一、总体情况 本年度共收到政府信息公开申请5件，1件结转下年度继续办理。发生行政复议1件。"
    table_three = (
        "三、收到和处理政府信息公开申请情况 一、本年新收政府信息公开申请数量5000005"
        "二、上年结转政府信息公开申请数量0000000三、本年度办理结果（一）予以公开4000004"
        "（七）总计4000004四、结转下年度继续办理1000001"
    )
    table_four = (
        " 四、政府信息公开行政复议、行政诉讼情况 行政复议行政诉讼结果维持结果纠正其他结果尚未审结"
        "总计未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正"
        "其他结果尚未审结总计100010000000000 五、存在的主要问题"
    )
    document = Document((prose + " " + table_three + table_four,), "utf-8", "text")
    appeals = [c for c in national_flat.parse(document, default()).cells if c.table == "appeals"]
    assert [c.text for c in appeals] == ["1", "0", "0", "0", "1"] + ["0"] * 10
    assert {c.status for c in appeals} == {"derived_from_flattened"}
