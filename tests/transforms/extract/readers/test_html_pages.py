"""The HTML reader on report pages as they are really published and saved.

Fixtures (tests/fixtures/html_pages/, built by its make_pages.py from the three real 平潭
fragments in tests/fixtures/): whole pages saved by a browser or a crawler (a `<!-- saved from
url=… -->` line before <html>, nav menus, 当前位置 breadcrumbs, a sidebar of other reports,
信息公开 metadata tables, share bars, iframes, noscript, footer layout tables, scripts holding
<table> markup in strings), an old CMS page laid out in tables and encoded GBK, a CMS content
field with no <html>/<body> starting with a comment and a <style> block, and the national
tables re-typed with numbers split over <span>/<font> runs, <th> headers and no <tbody>.

Each page must give exactly what its bare fragment gives: the same statistics tables cell for
cell, the same observations, the same body and year; the national ones every cell of the hand
transcription (tests/fixtures/expected/pingtan_shenpiju_2025_national2021.json) exact.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.expected_cells import compare, load
from transforms.catalogue import default
from transforms.extract.metadata import report_metadata
from transforms.extract.readers import Document, Table, read_document
from transforms.extract.readers.html import read
from transforms.run.ingest import ingest_file

PAGES = FIXTURES / "html_pages"
NATIONAL = FIXTURES / "pingtan_shenpiju_2025_national2021.html"
FUJIAN_2018 = FIXTURES / "fujian_pingtan_2018_gonganju.html"
FUJIAN_2013 = FIXTURES / "fujian_pingtan_2013_jingjifazhanju.html"
TRUTH = FIXTURES / "expected" / "pingtan_shenpiju_2025_national2021.json"
BARE = {  # saved page → the bare fragment it wraps
    "national2021_zfwz_saved.html": NATIONAL,
    "national2021_layout_gbk.html": NATIONAL,
    "national2021_content_field.html": NATIONAL,
    "national2021_spans.html": NATIONAL,
    "fujian2018_xxgk_saved.html": FUJIAN_2018,
    "fujian2013_center_saved.html": FUJIAN_2013,
}
WHOLE_PAGES = (  # the pages that carry the report's title block (the content fields do not)
    "national2021_zfwz_saved.html",
    "national2021_layout_gbk.html",
    "fujian2018_xxgk_saved.html",
    "fujian2013_center_saved.html",
)
SAVED_FROM = b"<!-- saved from url=("
OBSERVED = ["indicator", "breakdown", "value", "value_status"]
# text that only the page chrome holds: never a line, never a table of the report
HIDDEN_TEXT = ("浏览次数", "纠错", "您的浏览器不支持", "_trs_ready", "MM_swapImage", "留言")


def _read(path: Path) -> Document:
    return read_document(path, path.read_bytes())


def _texts(table: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.rows]


def _ingest(path: Path):
    return ingest_file(path, path.parent, default())


@pytest.fixture(scope="module")
def catalogue():
    return default()


# --- whole pages and fragments give what the bare fragment gives ------------------------------


@pytest.mark.parametrize("name", sorted(BARE))
def test_statistics_tables_come_out_cell_for_cell_as_from_the_bare_fragment(name):
    page, bare = _read(PAGES / name), _read(BARE[name])
    assert page.errors == (), f"{name}: {page.errors}"
    grids = [_texts(t) for t in page.tables]
    for table in bare.tables:
        assert _texts(table) in grids, f"{name}: {table.locator} of the fragment not read alike"


@pytest.mark.parametrize("name", sorted(BARE))
def test_page_gives_the_same_observations_as_the_bare_fragment(name):
    page, bare = _ingest(PAGES / name), _ingest(BARE[name])
    assert page.report["status"] == "parsed", f"{name}: {page.report['error']}"
    assert page.report["template"] == bare.report["template"]
    got = page.observations[OBSERVED].reset_index(drop=True)
    want = bare.observations[OBSERVED].reset_index(drop=True)
    assert got.to_dict("records") == want.to_dict("records"), name


@pytest.mark.parametrize("name", sorted(n for n in BARE if n.startswith("national")))
def test_national_pages_read_every_transcribed_cell_exactly(name):
    comparison = compare(_ingest(PAGES / name).observations, load(TRUTH))
    assert comparison.not_exact() == {}, f"{name}: {comparison.not_exact()}"
    assert comparison.counts == {"exact": 190}


@pytest.mark.parametrize("name", WHOLE_PAGES)
def test_whole_page_gives_the_body_and_year_of_the_bare_fragment(name):
    page, bare = _ingest(PAGES / name), _ingest(BARE[name])
    assert (page.report["body"], page.report["report_year"]) == (
        bare.report["body"],
        bare.report["report_year"],
    ), name
    assert bare.report["body"] is not None, f"{name}: the fragment names its body"


# --- page chrome ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in WHOLE_PAGES if n != "fujian2013_center_saved.html"])
def test_chrome_text_is_read_as_lines_and_scripts_iframes_noscript_are_not(name):
    doc = _read(PAGES / name)
    assert not [line for line in doc.lines if any(t in line for t in HIDDEN_TEXT)], name
    cells = {c.text for t in doc.tables for row in t.rows for c in row}
    assert not [c for c in cells if any(t in c for t in (*HIDDEN_TEXT, "分享到", "99"))], name
    assert any(line.startswith(("当前位置", "您现在的位置")) for line in doc.lines), name
    assert any("网站标识码" in line for line in doc.lines), name  # footer kept as text


def test_saved_page_with_a_comment_before_html_is_read():
    """The `<!-- saved from url=… -->` line before <html> has no parent element: dropping it
    made lxml raise an AssertionError with no message, and the report failed."""
    for name in ("national2021_zfwz_saved.html", "fujian2018_xxgk_saved.html"):
        data = (PAGES / name).read_bytes()
        assert data.startswith(SAVED_FROM), name
        assert _ingest(PAGES / name).report["status"] == "parsed", name


def test_zfwz_page_tables_are_metadata_statistics_footer_in_page_order():
    doc = _read(PAGES / "national2021_zfwz_saved.html")
    firsts = [t.rows[0][0].text for t in doc.tables]
    assert firsts == [
        "索引号：",  # the 信息公开 metadata table
        "第二十条第（一）项",
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
        "行政复议",
        "主办单位：平潭综合实验区党工委管委会办公室",  # the footer layout table
    ]
    assert [t.locator for t in doc.tables] == [f"table {n}" for n in range(1, 6)]


def test_sidebar_of_other_reports_before_the_title_does_not_give_the_year():
    """The sidebar lists the 2024, 2023 … reports before the article; the metadata table says
    "名　　称：…2025年…" and the article title follows: the title read is the article's."""
    lines = _read(PAGES / "national2021_zfwz_saved.html").lines
    sidebar = lines.index("平潭综合实验区行政审批局2024年政府信息公开工作年度报告")
    title = lines.index("平潭综合实验区行政审批局2025年政府信息公开工作年度报告")
    assert sidebar < title and lines[sidebar - 1] == "政府信息公开年报"
    assert report_metadata(lines) == ("平潭综合实验区行政审批局", 2025)
    assert report_metadata(lines[: title - 1] + lines[title:]) == ("平潭综合实验区行政审批局", 2025)


def test_gbk_page_declared_gb2312_is_read_as_gb18030():
    path = PAGES / "national2021_layout_gbk.html"
    data = path.read_bytes()
    assert b"charset=gb2312" in data[:1024]
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    doc = _read(path)
    assert doc.encoding == "gb18030"
    assert "平潭综合实验区行政审批局2025年政府信息公开工作年度报告" in doc.lines


def test_statistics_tables_nested_in_a_layout_table_are_tables_of_their_own():
    doc = _read(PAGES / "national2021_layout_gbk.html")
    layout = doc.tables[1]  # nav column | content column
    assert "一、本年新收政府信息公开申请数量" in layout.rows[0][1].text
    bare = [_texts(t) for t in _read(NATIONAL).tables]
    assert [_texts(t) for t in doc.tables if _texts(t) in bare] == bare
    assert "一、本年新收政府信息公开申请数量 6 0 0 0 0 0 6" in doc.lines


def test_content_field_starting_with_a_comment_and_a_style_block():
    path = PAGES / "national2021_content_field.html"
    assert path.read_bytes().startswith("<!-- 正文开始 --><style".encode())
    doc = _read(path)
    assert doc.lines[0].startswith("根据《中华人民共和国政府信息公开条例》")
    assert not any("TRS_Editor" in line or "margin-top" in line for line in doc.lines)
    assert report_metadata(doc.lines) == (None, None)  # no title in a content field: not guessed


def test_numbers_split_over_runs_are_one_number():
    path = PAGES / "national2021_spans.html"
    raw = path.read_text("utf-8")
    assert "<font>2</font><span" in raw and "<tbody>" not in raw and "<th " in raw
    proactive = _read(path).tables[0]
    assert [c.text for c in proactive.rows[2]] == ["行政规范性文件", "3", "0", "24"]


# --- built pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("<span>1</span><span>2</span>", "12"),
        ("<font>1</font><font face=宋体>2</font><span></span>", "12"),
        ("&nbsp;&nbsp;<span>3</span>&nbsp;", "3"),
        ("<p>&nbsp;</p><p><span lang=EN-US>4</span><span lang=EN-US>5</span></p>", "45"),
        ("<p><b>1</b><i>0</i></p>", "10"),
    ],
)
def test_span_split_numbers_in_a_cell(cell, text):
    doc = read(Path("x.html"), f"<table><tr><th>规章</th><td>{cell}</td></tr></table>".encode())
    assert _texts(doc.tables[0]) == [["规章", text]]
    assert doc.lines == (f"规章 {text}",)


def test_fragment_starting_with_a_comment_is_read():
    doc = read(Path("x.html"), "<!-- 正文 --><p>报告</p><!-- x --><table><tr><td>1".encode())
    assert doc.lines == ("报告", "1") and _texts(doc.tables[0]) == [["1"]]


def test_one_table_that_cannot_be_built_does_not_lose_the_page(tmp_path):
    """A runaway table (rowspan × colspan past the reader's cap) before the real statistics
    tables: it is listed in Document.errors, the report is partial, every cell still read."""
    runaway = "<table><tr><td rowspan=1000 colspan=1000>x</td><td>y</td></tr>" + (
        "<tr><td>z</td></tr>" * 1000
    )
    path = tmp_path / "page.html"
    path.write_bytes(runaway.encode() + b"</table>" + NATIONAL.read_bytes())
    doc = _read(path)
    assert doc.errors == (
        "table 1: ReadError: table too large: table 1 has more than 1000000 cells",
    )
    assert [t.locator for t in doc.tables] == ["table 2", "table 3", "table 4"]
    result = _ingest(path)
    assert result.report["status"] == "partial"
    assert result.report["error"].startswith("table 1: ReadError: table too large")
    assert compare(result.observations, load(TRUTH)).counts == {"exact": 190}
    assert (result.report["body"], result.report["report_year"]) == (
        "平潭综合实验区行政审批局",
        2025,
    )


# --- metadata on page chrome ------------------------------------------------------------------

TITLE = "平潭综合实验区行政审批局2025年政府信息公开工作年度报告"
PROSE = "根据《中华人民共和国政府信息公开条例》要求，结合我局实际，编制本报告。" * 2


@pytest.mark.parametrize(
    "lines",
    [
        ("当前位置：首页 > 政府信息公开年报", "政府信息公开年报", TITLE, PROSE),
        ("平潭综合实验区2024年政府信息公开工作年度报告", TITLE, PROSE),
        ("名　　称：" + TITLE, "发布日期：2026-01-30", PROSE),
        (*(f"栏目{n}" for n in range(60)), TITLE, PROSE),  # a long nav before the title
        (TITLE, PROSE, "平潭综合实验区行政审批局2024年政府信息公开工作年度报告"),  # related list
    ],
    ids=["breadcrumb", "sidebar", "metadata-table", "long-nav", "related-after"],
)
def test_title_is_the_last_one_before_the_prose(lines):
    assert report_metadata(lines) == ("平潭综合实验区行政审批局", 2025)


def test_title_wrapped_over_two_lines_is_still_joined():
    assert report_metadata(("淮安市人民政府", "2024 年政府信息公开工作年度报告", PROSE)) == (
        "淮安市人民政府",
        2024,
    )
