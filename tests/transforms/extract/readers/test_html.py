"""The HTML reader on three published 平潭 pages and on built pages.

Real pages (copies of the pages in the changwu/pingtan-gov-zwgk-archive, title block to end of
the article body, three wrapper divs left unclosed):
- 2025 行政审批局, national 2021 form: clean TRS_Editor tables with rowspan/colspan, vertical
  headers printed one <p> per character;
- 2018 公安局, Fujian pre-2019 form: Word-pasted markup, <!--[if !supportLists]--> comments;
- 2013 经济发展局, Fujian pre-2019 form: Word-pasted inline styles, &nbsp; paragraphs.
The expected values were read off the pages as printed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from transforms.extract.readers import Document, ReadError, Table, read_document
from transforms.extract.readers.html import read

PAGE_2025 = FIXTURES / "pingtan_shenpiju_2025_national2021.html"
PAGE_2018 = FIXTURES / "fujian_pingtan_2018_gonganju.html"
PAGE_2013 = FIXTURES / "fujian_pingtan_2013_jingjifazhanju.html"
PAGES = (PAGE_2025, PAGE_2018, PAGE_2013)
NEW = "一、本年新收政府信息公开申请数量"


def _read(path: Path) -> Document:
    return read_document(path, path.read_bytes())


def _page(html: str, encoding: str = "utf-8") -> Document:
    return read(Path("x.html"), html.encode(encoding))


def _texts(table: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.rows]


def _row(table: Table, label: str):
    return next(row for row in table.rows if label in {c.text for c in row})


def _position(locator: str) -> tuple[int, int]:
    r, c = re.search(r"row (\d+), col (\d+)$", locator).groups()
    return int(r) - 1, int(c) - 1


@pytest.fixture(scope="module")
def page_2025() -> Document:
    return _read(PAGE_2025)


# --- the 2025 national-form page --------------------------------------------------------------


def test_2025_page_has_three_tables_shaped_like_the_form(page_2025):
    assert page_2025.encoding == "utf-8" and page_2025.file_format == "html"
    assert [t.locator for t in page_2025.tables] == ["table 1", "table 2", "table 3"]
    assert [(len(t.rows), {len(r) for r in t.rows}) for t in page_2025.tables] == [
        (13, {4}),  # 二: four blocks of 第二十条 (no 规章 row: only 行政规范性文件)
        (28, {10}),  # 三: 3 header rows + 25 rows; 3 label columns + 7 value columns
        (4, {15}),  # 四: 3 header rows + 1 row of 15 numbers
    ]


def test_2025_requests_rows_are_three_label_slots_then_seven_values(page_2025):
    requests = page_2025.tables[1]
    new = _row(requests, NEW)
    assert [c.text for c in new] == [NEW] * 3 + ["6", "0", "0", "0", "0", "0", "6"]
    assert len({c.locator for c in new[:3]}) == 1  # one cell, colspan="3"
    assert new[0].locator == "table 2, row 4, col 1"
    assert [c.locator for c in new[3:]] == [f"table 2, row 4, col {c}" for c in range(4, 11)]
    withheld = _row(requests, "8.属于行政查询事项")
    assert [c.text for c in withheld[3:]] == ["3", "0", "0", "0", "0", "0", "3"]
    not_held = _row(requests, "1.本机关不掌握相关政府信息")
    assert [c.text for c in not_held[3:]] == ["3", "0", "0", "0", "0", "0", "3"]
    total = _row(requests, "（七）总计")
    assert [c.text for c in total[1:]] == ["（七）总计"] * 2 + ["6", "0", "0", "0", "0", "0", "6"]


def test_2025_vertical_headers_keep_one_character_a_line(page_2025):
    requests = page_2025.tables[1]
    assert requests.rows[1][3].text == "自\n然\n人"
    assert re.sub(r"\s", "", requests.rows[1][3].text) == "自然人"
    assert requests.rows[2][3] is requests.rows[1][3]  # rowspan="2"
    results = requests.rows[5][0]
    assert results.text == "\n".join("三、本年度办理结果")
    assert results.locator == "table 2, row 6, col 1"
    assert all(row[0] is results for row in requests.rows[5:27])  # rowspan="22"
    assert requests.rows[27][0].text == "四、结转下年度继续办理"


def test_2025_header_block_spans_three_rows_and_three_columns(page_2025):
    corner = page_2025.tables[1].rows[0][0]
    assert corner.text.startswith("（本列数据的勾稽关系为")
    slots = [row[c] for row in page_2025.tables[1].rows[:3] for c in range(3)]
    assert all(slot is corner for slot in slots)
    assert [c.text for c in page_2025.tables[1].rows[2][3:]] == [
        "自\n然\n人",
        "商业\n企业",
        "科研\n机构",
        "社会\n公益\n组织",
        "法律\n服务\n机构",
        "其他",
        "总计",
    ]


def test_2025_proactive_single_values_span_three_columns(page_2025):
    """In blocks (五), (六), (八) the one value is a cell with colspan="3": the grid repeats it,
    the locator tells the parser it is one number."""
    proactive = page_2025.tables[0]
    assert _texts(proactive)[2] == ["行政规范性文件", "3", "0", "24"]
    licences = _row(proactive, "行政许可")
    assert [c.text for c in licences] == ["行政许可", "0", "0", "0"]
    assert len({c.locator for c in licences[1:]}) == 1
    assert _texts(proactive)[11][1] == "本年收费金额（单位：万元）"


def test_2025_review_table_is_fifteen_zeros(page_2025):
    review = page_2025.tables[2]
    assert [c.text for c in review.rows[3]] == ["0"] * 15
    assert len({c.locator for c in review.rows[3]}) == 15
    assert review.rows[1][1].text == "结果\n纠正" and review.rows[2][1] is review.rows[1][1]


def test_2025_lines_read_the_page_with_one_line_per_table_row(page_2025):
    lines = page_2025.lines
    assert lines[0] == "平潭综合实验区行政审批局2025年政府信息公开工作年度报告"
    assert lines[1] == "来源：区行政审批局 时间：2026-01-30 16:07"  # two <span>s: one line
    assert all("\n" not in line and line == line.strip() for line in lines)
    assert "一、本年新收政府信息公开申请数量 6 0 0 0 0 0 6" in lines
    assert "（四）无法提供 1.本机关不掌握相关政府信息 3 0 0 0 0 0 3" in lines
    assert "0 " * 14 + "0" in lines
    assert "自然人 法人或其他组织 总计" in lines  # a cell's own lines joined without a break
    order = [
        lines.index("三、收到和处理政府信息公开申请情况"),
        lines.index("一、本年新收政府信息公开申请数量 6 0 0 0 0 0 6"),
        lines.index("四、政府信息公开行政复议与行政诉讼情况"),
        lines.index("六、其他需要报告的事项"),
    ]
    assert order == sorted(order)
    assert not any("avalon" in line or "ms-click" in line for line in lines)


# --- the Fujian pages -------------------------------------------------------------------------


def test_2018_word_pasted_page():
    doc = _read(PAGE_2018)
    assert len(doc.tables) == 1
    table = _texts(doc.tables[0])
    assert len(table) == 17 and {len(r) for r in table} == {4}
    assert table[0] == ["指 标 名 称", "单位", "2017年度", "历年累计"]  # as printed: 2017 in 2018
    assert table[4] == ["受理政府信息公开申请总数", "条", "1", "3"]
    assert table[12] == ["4.其他类型答复数", "条", "0", "0"]  # &nbsp; indent stripped
    assert doc.lines[1] == "来源： 时间：2019-01-16 09:40"  # 来源 is an unrendered binding
    assert doc.lines[7:9] == ("平潭综合实验区公安局2018年", "政府信息公开工作报告")  # <br/>
    assert "一、 概述" in doc.lines  # the list number was inside <!--[if !supportLists]-->
    assert "2018年，未收到公民提出的公开政府信息申请。" in doc.lines  # two spans, one line
    assert "受理政府信息公开申请总数 条 1 3" in doc.lines
    assert doc.lines[-1] == "接受行政申诉、举报数 件 0 0"
    assert not any("supportLists" in line or "font-family" in line for line in doc.lines)


def test_2013_word_pasted_page():
    doc = _read(PAGE_2013)
    assert len(doc.tables) == 1
    assert _texts(doc.tables[0])[:3] == [
        ["指标名称", "计量单位", "年末统计"],
        ["主动公开信息数", "条", "128"],
        ["其中：1、网站公开", "条", "128"],
    ]
    assert len(doc.tables[0].rows) == 8
    assert doc.lines[0] == "平潭综合实验区经济发展局2013年度政府信息公开报告"
    assert "2013年度政府信息公开情况统计表" in doc.lines
    assert doc.lines[-1] == "3、电子邮件申请数 条 0"
    assert not any("FONT-FAMILY" in line or "\u00a0" in line for line in doc.lines)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_every_slot_holds_the_cell_anchored_at_its_locator(path):
    """A merged cell's locator is its top-left slot; every slot it covers lies below/right of
    that slot and holds the very same cell; padding cells locate themselves."""
    for t, table in enumerate(_read(path).tables, start=1):
        assert table.locator == f"table {t}"
        assert len({len(row) for row in table.rows}) == 1
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row):
                assert cell.locator.startswith(f"table {t}, row ")
                r0, c0 = _position(cell.locator)
                assert r0 <= r and c0 <= c
                assert table.rows[r0][c0] is cell


# --- built pages ------------------------------------------------------------------------------

SPANS = """<html><body><p>title</p><table>
<tr><td rowspan="2" colspan="2">A</td><td>B</td></tr>
<tr><td>C</td><td>D</td></tr>
<tr><td>E</td></tr>
<tr><td rowspan="9">F</td><td>&nbsp;</td><td>G</td></tr></table></body></html>"""


def test_rowspan_colspan_grid_pads_rows_and_cuts_spans_at_the_end():
    doc = _page(SPANS)
    (table,) = doc.tables
    assert _texts(table) == [
        ["A", "A", "B", ""],
        ["A", "A", "C", "D"],
        ["E", "", "", ""],
        ["F", "", "G", ""],  # rowspan="9" on the last row covers that row only
    ]
    a = table.rows[0][0]
    assert {table.rows[r][c] is a for r in (0, 1) for c in (0, 1)} == {True}
    assert a.locator == "table 1, row 1, col 1"
    assert table.rows[1][3].locator == "table 1, row 2, col 4"  # D: after the rowspan slots
    assert table.rows[2][3].locator == "table 1, row 3, col 4"  # padding
    assert table.rows[3][1].text == ""  # &nbsp;
    assert doc.lines == ("title", "A B", "C D", "E", "F G")


def test_rowspan_zero_runs_to_the_end_and_huge_spans_are_capped():
    doc = _page(
        "<table><tr><td rowspan=0>A</td><td colspan=99999999999>B</td></tr>"
        "<tr><td>1</td></tr><tr><td>2</td></tr></table>"
    )
    rows = doc.tables[0].rows
    assert [r[0].text for r in rows] == ["A", "A", "A"]
    assert len(rows[0]) == 1001  # colspan is at most 1000


def test_nested_tables_are_tables_of_their_own():
    doc = _page(
        "<table><tr><td><p>报告</p><table><tr><td>规章</td><td>1</td></tr></table></td>"
        "<td>x</td></tr></table><table><tr><td>last</td></tr></table>"
    )
    assert [t.locator for t in doc.tables] == ["table 1", "table 2", "table 3"]
    assert _texts(doc.tables[0]) == [["报告\n规章\n1", "x"]]
    assert _texts(doc.tables[1]) == [["规章", "1"]]
    assert doc.tables[1].rows[0][1].locator == "table 2, row 1, col 2"
    assert _texts(doc.tables[2]) == [["last"]]
    # a row holding a table is layout: read block by block, the inner rows one line each
    assert doc.lines == ("报告", "规章 1", "x", "last")


def test_broken_unclosed_markup_is_repaired():
    doc = _page(
        "<div><div><p>政府信息公开<b>年度<p>报告<table><tr><td>规章<td>1<tr><td>文件<td>2"
        "</table><p>end</span></div></div></div></div>"
    )
    assert _texts(doc.tables[0]) == [["规章", "1"], ["文件", "2"]]
    assert doc.lines == ("政府信息公开年度", "报告", "规章 1", "文件 2", "end")


def test_word_exported_markup():
    doc = _page(
        """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
        <style>p.MsoNormal {font-family: 宋体}</style><script>var x = "不是正文";</script></head>
        <body><div class=WordSection1>
        <p class=MsoNormal style='margin-left:21pt'><!--[if !supportLists]--><span>一、<span
        style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp; </span></span><!--[endif]-->总体情况
        <o:p></o:p></p>
        <p class=MsoNormal>本年度共收到申请<span lang=EN-US>6</span>件，较上年
        增加<span>2</span>件。<o:p>&nbsp;</o:p></p>
        <table><tr><td><p>自</p><p>然</p><p>人</p></td><td><p><o:p>&nbsp;</o:p></p></td>
        <td>6<br>件</td></tr></table></div></body></html>"""
    )
    # Word hard-wraps its source: a newline inside a paragraph is a space, not a break
    assert doc.lines == (
        "一、 总体情况",
        "本年度共收到申请6件，较上年 增加2件。",
        "自然人 6件",
    )
    assert _texts(doc.tables[0]) == [["自\n然\n人", "", "6\n件"]]


def test_gb18030_page_declared_gb2312():
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "</head><body><p>王𫖯 政府信息公开工作年度报告</p><table><tr><td>规章</td><td>1</td>"
        "</tr></table></body></html>"
    )
    doc = _page(html, "gb18030")  # 𫖯 is not in GB2312 or GBK: the page is really GB18030
    assert doc.encoding == "gb18030"
    assert doc.lines[0] == "王𫖯 政府信息公开工作年度报告"
    assert _texts(doc.tables[0]) == [["规章", "1"]]


def test_encodings_from_bom_detection_and_stale_declarations():
    body = "<p>政府信息公开工作年度报告</p>"
    assert read(Path("x.html"), "\ufeff".encode() + body.encode()).encoding == "utf-8-sig"
    undeclared_gbk = read(Path("x.html"), body.encode("gbk"))
    assert undeclared_gbk.encoding == "gb18030"
    assert undeclared_gbk.lines == ("政府信息公开工作年度报告",)
    stale = read(Path("x.html"), ('<meta charset="gb2312">' + body).encode("utf-8"))
    assert stale.encoding == "utf-8 (page declares gb18030)"
    assert stale.lines == ("政府信息公开工作年度报告",)
    wrong = read(Path("x.html"), ('<meta charset="utf-8">' + body).encode("gbk"))
    assert wrong.encoding == "gb18030 (page declares utf-8)"
    assert wrong.lines == ("政府信息公开工作年度报告",)


def test_xhtml_page_with_an_xml_declaration():
    doc = _page('<?xml version="1.0" encoding="utf-8"?>\n<html><body><p>报告</p></body></html>')
    assert doc.lines == ("报告",)


@pytest.mark.parametrize(
    "html",
    [
        "<html><body></body></html>",
        "<html><body><script>var a = 1;</script><style>p {}</style></body></html>",
        "<p>&nbsp;</p><table><tr><td>&nbsp;</td><td>\u3000</td></tr></table>",
        "<html><head><title>只有标题</title></head></html>",
    ],
)
def test_page_without_text_is_an_error(html):
    with pytest.raises(ReadError, match=r"^no text in the HTML page$"):
        _page(html)


def test_binary_file_is_not_html():
    data = bytes(range(256)) * 64
    with pytest.raises(ReadError, match=r"^not HTML: "):
        read(Path("x.html"), data)


def test_pathological_table_is_refused_and_the_rest_of_the_page_kept():
    rows = "<tr><td colspan=1000>x</td></tr>" * 1500
    doc = _page(f"<p>报告</p><table>{rows}</table><table><tr><td>规章</td><td>1</td></tr></table>")
    assert doc.errors == (
        "table 1: ReadError: table too large: table 1 has more than 1000000 cells",
    )
    assert [t.locator for t in doc.tables] == ["table 2"]  # numbered as on the page
    assert doc.lines[0] == "报告" and doc.lines[-1] == "规章 1"


def test_nesting_deeper_than_libxml2_reads_is_an_error_not_a_silently_empty_page():
    assert _page("<div>" * 250 + "深" + "</div>" * 250).lines == ("深",)
    with pytest.raises(ReadError, match=r"^not HTML: Excessive depth"):
        _page("<span>" * 300 + "深<p>after</p>")
