"""The nightly quality page: what it shows, that it stands alone, escapes, caps and is written."""

from __future__ import annotations

import os
import re
from pathlib import Path

import lxml.html
import pandas as pd
import pytest

from transforms.quality import report as quality_report
from transforms.quality.report import render_quality_report, write_quality_report

HONGZE = "淮安市洪泽区"
PINGTAN = "平潭综合实验区"
LOCATOR = "page 4, table 1, row 3, col 2"
RUN = {
    "run_id": "20250301T020000Z",
    "started_at": "2025-03-01T02:00:00+08:00",
    "status": "completed",
    "files_seen": 5,
    "files_new": 2,
    "files_changed": 1,
    "files_removed": 0,
    "files_unreadable": 1,
    "reports_failed": 2,
    "checks_run": 380,
    "checks_failed": 5,
}  # checks_newly_failed left out on purpose: shown as a dash


def _finding(**overrides: object) -> dict:
    row = {
        "source_file": "hongze_2023.pdf",
        "body": HONGZE,
        "report_year": 2023,
        "check_id": "national_appeals_review",
        "kind": "identity",
        "severity": "error",
        "breakdown": "administrative_review",
        "expected": 11.0,
        "actual": 0.0,
        "message": "行政复议 结果合计 11 ≠ 0",
        "locator": LOCATOR,
        "is_new": False,
    }
    return {**row, **overrides}


def _findings(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(_finding()))
    return frame.astype(
        {"report_year": "Int64", "expected": "float64", "actual": "float64", "is_new": "bool"}
    )


FINDINGS = _findings(
    [
        _finding(is_new=True),
        _finding(
            source_file="hongze_2022.pdf",
            report_year=2022,
            expected=10348.0,
            actual=10347.0,
            locator="page 3, table 1, row 5, col 2",
        ),
        _finding(
            source_file="pingtan_2022.txt",
            body=PINGTAN,
            report_year=2022,
            expected=7.0,
            actual=9.0,
            locator="line 88",
        ),
        _finding(
            source_file="pingtan_2022.txt",
            body=PINGTAN,
            report_year=2022,
            check_id="narrative_percentage",
            kind="narrative",
            severity="warning",
            breakdown=None,
            expected=11.72,
            actual=11.7,
            message="占11.7% 与 表格 11.72% 不符",
            locator="line 12",
            is_new=True,
        ),
        _finding(
            source_file="scan_2021.pdf",
            body=None,
            report_year=None,
            check_id="file_unreadable",
            kind="file",
            breakdown=None,
            expected=None,
            actual=None,
            message="scanned PDF: no text layer (no OCR)",
            locator=None,
        ),
    ]
)
REPORTS = pd.DataFrame(
    {
        "report_id": ["r1", "r2", "r3", "r4", "r5", "r6"],
        "source_file": [
            "hongze_2023.pdf",
            "hongze_2022.pdf",
            "pingtan_2022.txt",
            "scan_2021.pdf",
            "notes.txt",
            "copy_of_pingtan_2022.txt",
        ],
        "status": ["parsed", "parsed", "parsed", "unreadable", "no_template", "duplicate"],
        "error": [None, None, None, "scanned PDF: no text layer (no OCR)", "no known table", None],
        "body": [HONGZE, HONGZE, PINGTAN, None, None, PINGTAN],
        "report_year": pd.array([2023, 2022, 2022, None, None, 2022], dtype="Int64"),
        "template": ["national_2021", "national_2021", "national_2021", None, None, None],
        "n_values": pd.array([120, 120, 118, None, None, None], dtype="Int64"),
    }
)


def _page(findings: pd.DataFrame = FINDINGS, reports: pd.DataFrame = REPORTS, run=RUN):
    html = render_quality_report(run, findings, reports)
    return html, lxml.html.document_fromstring(html)


def _rows(doc, section: str) -> list[list[str]]:
    trs = doc.xpath(f'//section[@id="{section}"]//tbody/tr')
    return [[td.text_content() for td in tr.xpath("./td")] for tr in trs]


def _bars(doc, chart: str) -> list[tuple[str, int]]:
    return [
        (
            g.xpath('./text[@class="label"]')[0].text_content(),
            int(g.xpath('./text[@class="count"]')[0].text_content()),
        )
        for g in doc.xpath(f'//svg[@id="{chart}"]/g[@class="bar"]')
    ]


def test_new_and_standing_findings_are_in_their_sections_with_the_evidence():
    _, doc = _page()
    new, standing = _rows(doc, "new"), _rows(doc, "standing")
    assert len(new) == 2 and len(standing) == 3
    hongze = next(r for r in new if r[7] == LOCATOR)
    assert HONGZE in hongze[0] and "2023" in hongze[0] and "hongze_2023.pdf" in hongze[0]
    assert hongze[1] == "national_appeals_reviewerror"
    assert hongze[2:7] == [
        "identity",
        "administrative_review",
        "11",
        "0",
        "行政复议 结果合计 11 ≠ 0",
    ]
    percentage = next(r for r in new if r[7] == "line 12")
    assert percentage[3:6] == ["—", "11.72", "11.7"]
    # error before warning, then by body (in code-point order: 平 before 淮), year, file
    assert [r[7] for r in standing] == ["line 88", "page 3, table 1, row 5, col 2", "—"]
    assert standing[1][4:6] == ["10348", "10347"]
    assert standing[2][0].startswith("— —") and "scan_2021.pdf" in standing[2][0]
    assert doc.xpath('//section[@id="new"]/h2')[0].text_content() == "New findings (2)"
    assert doc.xpath('//section[@id="standing"]/h2')[0].text_content() == "Standing findings (3)"


def test_the_page_is_declared_utf8_chinese_with_a_cjk_font_stack():
    html, doc = _page()
    assert doc.get("lang") == "zh-CN"
    assert doc.xpath("//meta/@charset") == ["utf-8"]
    assert (
        'font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif'
        in html
    )


def test_the_run_summary_shows_every_count_and_a_dash_for_a_missing_one():
    _, doc = _page()
    summary = dict(
        zip(
            [dt.text_content() for dt in doc.xpath('//dl[@class="summary"]/dt')],
            [dd.text_content() for dd in doc.xpath('//dl[@class="summary"]/dd')],
            strict=True,
        )
    )
    assert summary["run"] == "20250301T020000Z"
    assert summary["status"] == "completed"
    assert summary["files seen"] == "5" and summary["checks run"] == "380"
    assert summary["checks failed"] == "5" and summary["files unreadable"] == "1"
    assert summary["checks newly failed"] == "—"
    assert len(summary) == 12


def test_the_page_references_nothing_outside_itself():
    html, doc = _page()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*https?:""", html, re.IGNORECASE)
    assert not re.search(r"https?://", html)
    for forbidden in ("<script", "<link", "@import", "url(", "src=", "href="):
        assert forbidden not in html.lower(), forbidden
    assert doc.xpath("//script | //link | //img | //iframe | //object") == []
    assert len(doc.xpath("//style")) == 1


def test_charts_count_failed_checks_by_rule_body_and_year():
    _, doc = _page()
    assert _bars(doc, "chart-rule") == [
        ("national_appeals_review", 3),
        ("file_unreadable", 1),
        ("narrative_percentage", 1),
    ]
    assert _bars(doc, "chart-body") == [(PINGTAN, 2), (HONGZE, 2), ("body not found", 1)]
    assert _bars(doc, "chart-year") == [("2022", 3), ("2023", 1), ("no year", 1)]
    widths = doc.xpath('//svg[@id="chart-rule"]/g/rect/@width')
    assert widths == ["400", "133", "133"]  # bars scale to the largest count
    assert doc.xpath('//svg[@id="chart-rule"]/g/title/text()')[0] == "national_appeals_review: 3"


def test_the_body_chart_shows_the_top_15_and_says_how_many_more():
    rows = [
        _finding(body=f"测试县{i:02d}", source_file=f"f{i}_{k}.txt")
        for i in range(20)
        for k in range(20 - i)  # body i has 20 - i findings
    ]
    _, doc = _page(_findings(rows))
    bars = _bars(doc, "chart-body")
    assert len(bars) == 15
    assert bars[0] == ("测试县00", 20) and bars[-1] == ("测试县14", 6)
    note = doc.xpath('//svg[@id="chart-body"]/following-sibling::p')[0].text_content()
    assert note == "and 5 more bodies with 15 findings"  # 5 + 4 + 3 + 2 + 1


def test_a_long_label_is_cut_in_the_chart_but_kept_whole_in_its_title():
    long_body = "某某省某某市某某县某某乡镇人民政府办公室信息公开工作领导小组"
    _, doc = _page(_findings([_finding(body=long_body)]))
    label = _bars(doc, "chart-body")[0][0]
    assert label.endswith("…") and long_body.startswith(label[:-1]) and len(label) < len(long_body)
    assert doc.xpath('//svg[@id="chart-body"]/g/title/text()') == [f"{long_body}: 1"]


def test_untrusted_text_is_escaped_everywhere():
    hostile_file = "<script>alert(1)</script>.txt"
    hostile_message = "合计 </table><img src=x onerror=alert(1)> 不符"
    hostile_body = '<b onmouseover="x">洪泽</b>'
    findings = _findings(
        [_finding(source_file=hostile_file, message=hostile_message, body=hostile_body)]
    )
    reports = pd.DataFrame(
        {
            "report_id": ["r1"],
            "source_file": [hostile_file],
            "status": ["failed"],
            "error": [hostile_message],
            "body": [None],
            "report_year": pd.array([None], dtype="Int64"),
            "template": [None],
            "n_values": pd.array([None], dtype="Int64"),
        }
    )
    run = {**RUN, "run_id": "<i>run</i>"}
    html, doc = _page(findings, reports, run)
    assert doc.xpath("//script | //img | //b | //i") == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.txt" in html
    row = _rows(doc, "standing")[0]
    assert hostile_file in row[0] and hostile_body in row[0]
    assert row[6] == hostile_message
    assert _bars(doc, "chart-body") == [(hostile_body, 1)]
    not_read = doc.xpath('//section[@id="files"]//table')[1].xpath(".//tbody/tr")
    assert [td.text_content() for td in not_read[0].xpath("./td")] == [
        hostile_file,
        "failed",
        hostile_message,
    ]
    assert doc.xpath("//h1")[0].text_content() == "nianbao data quality — run <i>run</i>"
    assert len(doc.xpath("//table")) == 3  # the message's </table> closed nothing


def test_a_table_is_capped_at_1000_rows_and_says_how_many_more():
    rows = [_finding(source_file=f"r{i:04d}.txt", is_new=True) for i in range(1_500)]
    _, doc = _page(_findings(rows))
    assert len(_rows(doc, "new")) == 1_000
    more = doc.xpath('//section[@id="new"]/p[@class="more"]')[0].text_content()
    assert more.startswith("500 more findings not shown")
    assert "SELECT * FROM findings" in more
    assert doc.xpath('//section[@id="new"]/h2')[0].text_content() == "New findings (1,500)"
    assert _bars(doc, "chart-rule") == [("national_appeals_review", 1_500)]


def test_no_findings_says_so_instead_of_empty_tables_and_charts():
    _, doc = _page(_findings([]))
    assert doc.xpath('//section[@id="findings"]/p')[0].text_content() == "No findings"
    assert doc.xpath("//svg") == []
    assert doc.xpath('//section[@id="new"] | //section[@id="standing"]') == []
    assert "No findings" in render_quality_report({}, pd.DataFrame(), REPORTS)


def test_files_are_counted_by_status_and_unread_files_listed_with_their_error():
    _, doc = _page()
    tables = doc.xpath('//section[@id="files"]//table')
    counts = [[td.text_content() for td in tr.xpath("./td")] for tr in tables[0].xpath(".//tr")[1:]]
    assert counts == [
        ["parsed", "3"],
        ["duplicate", "1"],
        ["no_template", "1"],
        ["unreadable", "1"],
    ]
    unread = [[td.text_content() for td in tr.xpath("./td")] for tr in tables[1].xpath(".//tr")[1:]]
    assert unread == [
        ["notes.txt", "no_template", "no known table"],
        ["scan_2021.pdf", "unreadable", "scanned PDF: no text layer (no OCR)"],
    ]


def test_render_is_pure_and_deterministic():
    first, _ = _page()
    second, _ = _page()
    assert first == second
    assert FINDINGS["source_file"].tolist()[0] == "hongze_2023.pdf"  # the input was not sorted


def test_write_writes_the_run_page_and_the_latest_page(tmp_path: Path):
    page = write_quality_report("<p>一</p>", tmp_path, "run-1")
    assert page == tmp_path / "quality" / "quality-run-1.html"
    assert page.read_text(encoding="utf-8") == "<p>一</p>"
    write_quality_report("<p>二</p>", tmp_path, "run-2")
    assert (tmp_path / "quality_report.html").read_text(encoding="utf-8") == "<p>二</p>"
    assert page.read_text(encoding="utf-8") == "<p>一</p>"
    assert sorted(p.name for p in (tmp_path / "quality").iterdir()) == [
        "quality-run-1.html",
        "quality-run-2.html",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quality", "quality_report.html"]
    assert page.stat().st_mode & 0o777 == 0o644


def test_write_renames_a_temp_file_beside_each_target(tmp_path: Path, monkeypatch):
    renames: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def spy(src, dst):
        renames.append((Path(src), Path(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(quality_report.os, "replace", spy)
    write_quality_report("<p>x</p>", tmp_path, "run-1")
    assert [dst for _, dst in renames] == [
        tmp_path / "quality" / "quality-run-1.html",
        tmp_path / "quality_report.html",
    ]
    for src, dst in renames:
        assert src.parent == dst.parent and src.name.startswith(f".{dst.name}.")
        assert not src.exists()


def test_a_failed_write_leaves_the_previous_page_whole_and_no_temp_file(
    tmp_path: Path, monkeypatch
):
    write_quality_report("<p>old</p>", tmp_path, "run-1")

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(quality_report.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        write_quality_report("<p>new</p>", tmp_path, "run-2")
    assert (tmp_path / "quality_report.html").read_text(encoding="utf-8") == "<p>old</p>"
    assert sorted(p.name for p in (tmp_path / "quality").iterdir()) == ["quality-run-1.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quality", "quality_report.html"]


def test_write_keeps_the_30_newest_run_pages(tmp_path: Path):
    quality_dir = tmp_path / "quality"
    quality_dir.mkdir()
    for i in range(35):
        old = quality_dir / f"quality-old-{i:02d}.html"
        old.write_text("old", encoding="utf-8")
        os.utime(old, ns=(1_000_000_000 * (i + 1), 1_000_000_000 * (i + 1)))
    keep = quality_dir / "keep-me.txt"
    keep.write_text("not a run page", encoding="utf-8")
    write_quality_report("<p>new</p>", tmp_path, "new")
    pages = sorted(p.name for p in quality_dir.glob("quality-*.html"))
    assert len(pages) == 30
    assert "quality-new.html" in pages
    assert pages[1:] == [f"quality-old-{i:02d}.html" for i in range(6, 35)]
    assert keep.exists()


@pytest.mark.parametrize("bad", ["", "../escape", "a/b", ".hidden", "run id"])
def test_a_run_id_that_is_not_a_plain_file_name_is_refused(tmp_path: Path, bad: str):
    with pytest.raises(ValueError, match="cannot be used in a file name"):
        write_quality_report("<p>x</p>", tmp_path, bad)
    assert list(tmp_path.iterdir()) == []
