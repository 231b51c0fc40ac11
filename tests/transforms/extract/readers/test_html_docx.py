"""HTML and Word readers on real published pages and the blank Word form, plus built cases."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from transforms.catalogue import default
from transforms.extract.readers import ReadError, read_document
from transforms.extract.templates import parse_document
from transforms.normalise.rows import observations

HTML_2025 = FIXTURES / "pingtan_shenpiju_2025_national2021.html"
DOCX_BLANK = FIXTURES / "national2021_blank_form.docx"


def _read(path: Path):
    return read_document(path, path.read_bytes())


def _grid(doc, t: int) -> list[list[str]]:
    return [[c.text for c in row] for row in doc.tables[t].rows]


def test_published_page_tables_expand_spans():
    doc = _read(HTML_2025)
    assert len(doc.tables) == 3
    assert doc.lines[0] == "平潭综合实验区行政审批局2025年政府信息公开工作年度报告"
    requests = doc.tables[1]
    assert {len(r) for r in requests.rows} == {10}  # every row as wide as the table
    new = next(r for r in requests.rows if r[0].text == "一、本年新收政府信息公开申请数量")
    assert [c.text for c in new[-7:]] == ["6", "0", "0", "0", "0", "0", "6"]
    assert new[0].locator == new[1].locator == new[2].locator  # one merged label cell
    headers = {c.text.replace("\n", "") for r in requests.rows[:3] for c in r}
    assert "自然人" in headers  # printed one <p> per character


def test_published_page_reads_completely_as_the_2021_form():
    table = parse_document(_read(HTML_2025), default())
    obs = observations(table, "r", default())
    assert table.template == "national_2021"
    assert len(obs) == 25 * 7 + 15 + 7  # table 二 prints no 规章 row
    assert obs["indicator"].notna().all() and set(obs["value_status"]) == {"number"}
    got = obs.set_index(["indicator", "breakdown"])["value"]
    assert got[("requests.new_received", "total")] == 6
    assert got[("requests.withheld_inquiry", "total")] == 3
    assert got[("requests.unavailable_not_held", "total")] == 3


def test_blank_word_form_is_the_2021_layout_with_every_cell_blank():
    doc = _read(DOCX_BLANK)
    assert [(len(t.rows), len(t.rows[0])) for t in doc.tables] == [(14, 4), (28, 10), (4, 15)]
    assert "三、收到和处理政府信息公开申请情况" in doc.lines
    table = parse_document(doc, default())
    obs = observations(table, "r", default())
    assert table.template == "national_2021"
    assert len(obs) == 25 * 7 + 15 + 10
    assert set(obs["value_status"]) == {"blank"} and obs["value"].isna().all()  # no invented zeros
    assert obs["indicator"].notna().all()


def test_word_vertical_merges_keep_one_cell():
    doc = _read(DOCX_BLANK)
    withheld = [r for r in doc.tables[1].rows if r[1].text.startswith("（三）不予公开")]
    assert len(withheld) == 8  # 1.属于国家秘密 … 8.属于行政查询事项
    assert len({r[1].locator for r in withheld}) == 1  # one vMerge cell, one locator
    assert len({r[0].locator for r in withheld}) == 1 and withheld[0][0].text.startswith("三")


SPANS = b"""<html><body><p>title</p><table>
<tr><td rowspan="2">A</td><td colspan="2">B</td></tr>
<tr><td>c1</td><td>c2<table><tr><td>inner</td></tr></table></td></tr>
<tr><td>&nbsp;</td><td>1</td><td>2</td></tr></table>"""


def test_rowspan_colspan_nested_and_nbsp():
    doc = read_document(Path("x.html"), SPANS)
    assert _grid(doc, 0) == [
        ["A", "B", "B"],
        ["A", "c1", "c2\ninner"],
        ["", "1", "2"],
    ]
    assert _grid(doc, 1) == [["inner"]]
    assert doc.tables[0].rows[0][1].locator == doc.tables[0].rows[0][2].locator


def test_broken_markup_and_declared_gb18030():
    page = (  # unclosed p, td, tr, table, div, body, html
        '<html><head><meta charset="gb2312"></head><body><div><p>政府信息公开'
        "<table><tr><td>规章<td>1"
    )
    doc = read_document(Path("x.htm"), page.encode("gb18030"))
    assert doc.encoding == "gb18030"
    assert _grid(doc, 0) == [["规章", "1"]]
    assert doc.lines[0] == "政府信息公开"


def test_page_without_text_is_an_error():
    with pytest.raises(ReadError, match="no text in the HTML page"):
        read_document(Path("x.html"), b"<html><body><script>var a;</script></body></html>")


def test_not_a_docx_is_an_error():
    with pytest.raises(ReadError, match=r"not a Word \.docx file"):
        read_document(Path("x.docx"), b"just text, not a zip")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "a zip, but not Word")
    with pytest.raises(ReadError, match=r"not a Word \.docx file"):
        read_document(Path("y.docx"), buffer.getvalue())
