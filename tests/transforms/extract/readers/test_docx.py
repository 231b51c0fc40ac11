"""The Word reader on the blank national 2021 form and on documents built here.

The form (national2021_blank_form.docx, a re-typed blank copy of the 2021 form from
github.com/zxj6827111-blip/govnianbao, not a government-issued file) has 3 tables with gridSpan
and vMerge merges and value cells left empty (some hold only full-width spaces).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from tests.conftest import FIXTURES
from transforms.extract.readers import Document, ReadError, Table, read_document
from transforms.extract.readers import docx as docx_reader
from transforms.extract.readers.docx import read

FORM = FIXTURES / "national2021_blank_form.docx"


def _texts(table: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.rows]


def _built(build) -> bytes:
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _read_built(build) -> Document:
    return read(Path("x.docx"), _built(build))


@pytest.fixture(scope="module")
def form() -> Document:
    return read_document(FORM, FORM.read_bytes())


# --- the blank national form ------------------------------------------------------------------


def test_form_has_the_three_tables_of_the_2021_layout(form):
    assert (form.encoding, form.file_format) == ("docx", "word")
    assert [t.locator for t in form.tables] == ["table 1", "table 2", "table 3"]
    assert [(len(t.rows), {len(r) for r in t.rows}) for t in form.tables] == [
        (14, {4}),  # 二: unlike the 2025 HTML page it has a 规章 row
        (28, {10}),
        (4, {15}),
    ]
    assert [row[0].text for row in form.tables[0].rows[2:4]] == ["规章", "行政规范性文件"]


def test_form_value_cells_are_empty_strings(form):
    """Some value cells hold only full-width spaces (　　): whitespace, so ""."""
    requests = form.tables[1]
    values = [row[c] for row in requests.rows[3:] for c in range(3, 10)]
    assert len(values) == 25 * 7 and {c.text for c in values} == {""}
    assert len({c.locator for c in values}) == 25 * 7  # every value its own cell
    assert {c.text for c in form.tables[2].rows[3]} == {""}
    assert [c.text for c in form.tables[0].rows[2]] == ["规章", "", "", ""]


def test_form_merged_cells_repeat_one_cell(form):
    requests = form.tables[1]
    corner = requests.rows[0][0]
    assert corner.text == "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    assert all(row[c] is corner for row in requests.rows[:3] for c in range(3))
    assert requests.rows[1][3] is requests.rows[2][3] and requests.rows[1][3].text == "自然人"
    results = requests.rows[5][0]
    assert (results.text, results.locator) == ("三、本年度办理结果", "table 2, row 6, col 1")
    assert all(row[0] is results for row in requests.rows[5:27])  # vMerge over 22 rows
    withheld = [row for row in requests.rows if row[1].text == "（三）不予公开"]
    assert [row[2].text[:2] for row in withheld] == [f"{n}." for n in range(1, 9)]
    assert len({row[1].locator for row in withheld}) == 1  # one vMerge cell
    new = requests.rows[3]
    assert [c.text for c in new[:3]] == ["一、本年新收政府信息公开申请数量"] * 3
    assert len({c.locator for c in new[:3]}) == 1  # gridSpan="3"
    licences = form.tables[0].rows[6]  # 行政许可: one value cell spanning three columns
    assert licences[0].text == "行政许可" and licences[1] is licences[2] is licences[3]


def test_form_cells_keep_line_breaks_as_typed(form):
    review = form.tables[2]
    assert review.rows[1][1].text == "结果\n纠正"
    assert review.rows[1][0].text == "结果维持"  # typed on one line, unlike its neighbours
    assert [c.text for c in form.tables[1].rows[2][4:6]] == ["商业\n企业", "科研\n机构"]


def test_form_grid_agrees_with_python_docx_row_cells(form):
    """python-docx's own merge expansion (row.cells, same `_tc` = same cell) gives the same
    grid on this well-formed form; the reader builds it from the XML to also survive gridBefore
    and a vMerge "continue" with nothing above."""
    word = docx.Document(str(FORM))
    for table, ours in zip(word.tables, form.tables, strict=True):
        for row, our_row in zip(table.rows, ours.rows, strict=True):
            cells = row.cells
            assert len(cells) == len(our_row)
            for i in range(len(cells)):
                for j in range(i + 1, len(cells)):
                    assert (cells[i]._tc is cells[j]._tc) == (our_row[i] is our_row[j])
            assert [c.text for c in our_row] == [
                "\n".join(x.strip() for x in c.text.split("\n") if x.strip()) for c in cells
            ]


def test_form_lines_interleave_paragraphs_and_table_rows(form):
    lines = form.lines
    assert lines[0] == "政府信息公开工作年度报告格式模板"
    headings = [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",  # the HTML page says 行政复议与行政诉讼
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    order = [lines.index(h) for h in headings]
    assert order == sorted(order)
    first_row = lines.index("一、本年新收政府信息公开申请数量")
    assert order[2] < first_row < order[3]
    assert lines.index("第二十条第（一）项") == order[1] + 1
    assert "信息内容 本年制发件数 本年废止件数 现行有效件数" in lines
    assert "自然人 法人或其他组织 总计" in lines
    # a merged cell is read once, in its first row
    assert [x for x in lines if "三、本年度办理结果" in x] == ["三、本年度办理结果 （一）予以公开"]
    assert "（三）不予公开 1.属于国家秘密" in lines and "2.其他法律行政法规禁止公开" in lines
    assert lines.count("（文字描述）") == 2
    assert all("\n" not in x and x == x.strip() and x for x in lines)


# --- built documents --------------------------------------------------------------------------


def test_merged_cells_and_row_lines():
    def build(document):
        document.add_paragraph("标题")
        table = document.add_table(rows=3, cols=3)
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row.cells):
                cell.text = f"{r}{c}"
        table.cell(0, 0).merge(table.cell(1, 1)).text = "合并"
        document.add_paragraph("后记")

    doc = _read_built(build)
    (table,) = doc.tables
    assert _texts(table) == [["合并", "合并", "02"], ["合并", "合并", "12"], ["20", "21", "22"]]
    merged = table.rows[0][0]
    assert merged.locator == "table 1, row 1, col 1"
    assert all(table.rows[r][c] is merged for r in (0, 1) for c in (0, 1))
    assert table.rows[1][2].locator == "table 1, row 2, col 3"
    assert doc.lines == ("标题", "合并 02", "12", "20 21 22", "后记")


def _skip_first_column(row) -> None:
    """Make a row start in the second grid column (w:gridBefore), as Word does for rows drawn
    shorter than the table."""
    tr = row._tr
    tr.remove(tr.tc_lst[0])
    tr.get_or_add_trPr().append(parse_xml(f'<w:gridBefore {nsdecls("w")} w:val="1"/>'))


def test_rows_starting_late_are_shifted_and_padded():
    def build(document):
        table = document.add_table(rows=2, cols=3)
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row.cells):
                cell.text = f"{r}{c}"
        _skip_first_column(table.rows[1])

    (table,) = _read_built(build).tables
    assert _texts(table) == [["00", "01", "02"], ["", "11", "12"]]
    assert [c.locator for c in table.rows[1]] == [f"table 1, row 2, col {c}" for c in (1, 2, 3)]


def test_vertical_merge_continue_with_nothing_above_is_a_cell_of_its_own():
    def build(document):
        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text, table.cell(0, 1).text = "a", "b"
        tc_pr = table.cell(0, 0)._tc.get_or_add_tcPr()
        tc_pr.append(parse_xml(f'<w:vMerge {nsdecls("w")} w:val="continue"/>'))

    data = _built(build)
    with pytest.raises(ValueError):  # python-docx's row.cells gives up here
        docx.Document(io.BytesIO(data)).tables[0].rows[0].cells  # noqa: B018
    assert _texts(read(Path("x.docx"), data).tables[0]) == [["a", "b"]]


def test_nested_table_line_breaks_and_content_controls():
    def build(document):
        table = document.add_table(rows=1, cols=2)
        outer = table.cell(0, 0)
        outer.text = "外"
        inner = outer.add_table(rows=1, cols=2)
        inner.cell(0, 0).text, inner.cell(0, 1).text = "规章", "1"
        run = table.cell(0, 1).paragraphs[0].add_run("结果")
        run.add_break()
        run.add_text("纠正")
        body_paragraph = document.add_paragraph("第一行")
        body_paragraph.runs[0].add_break()
        body_paragraph.runs[0].add_text("第二行")
        sdt = parse_xml(
            f"<w:sdt {nsdecls('w')}><w:sdtContent><w:p><w:r><w:t>控件里的段落</w:t></w:r>"
            "</w:p></w:sdtContent></w:sdt>"
        )
        document.element.body.insert(len(document.element.body) - 1, sdt)  # before sectPr

    doc = _read_built(build)
    assert [t.locator for t in doc.tables] == ["table 1", "table 2"]
    assert _texts(doc.tables[0]) == [["外\n规章\n1", "结果\n纠正"]]
    assert _texts(doc.tables[1]) == [["规章", "1"]]
    assert doc.tables[1].rows[0][1].locator == "table 2, row 1, col 2"
    assert doc.lines == ("外规章1 结果纠正", "第一行", "第二行", "控件里的段落")


def test_not_a_zip_is_not_a_word_file():
    with pytest.raises(ReadError, match=r"^not a Word \.docx file: not a zip package"):
        read_document(Path("x.docx"), b"just text, not a zip")


def test_an_ole_file_is_named_for_what_it_is():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    with pytest.raises(ReadError, match=r"^not a Word \.docx file: an OLE compound file \("):
        read(Path("x.docx"), ole)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, content in files.items():
            package.writestr(name, content)
    return buffer.getvalue()


def test_a_zip_that_is_not_word_is_not_a_word_file():
    with pytest.raises(ReadError, match=r"^not a Word \.docx file: "):
        read(Path("x.docx"), _zip({"hello.txt": b"a zip, but not Word"}))


def test_broken_document_xml_is_not_a_word_file():
    with zipfile.ZipFile(io.BytesIO(_built(lambda d: d.add_paragraph("x")))) as package:
        files = {name: package.read(name) for name in package.namelist()}
    files["word/document.xml"] = b"<w:document><w:body><w:p>"
    with pytest.raises(ReadError, match=r"^not a Word \.docx file: "):
        read(Path("x.docx"), _zip(files))


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET", encoding="utf-8")
    with zipfile.ZipFile(io.BytesIO(_built(lambda d: d.add_paragraph("x")))) as package:
        files = {name: package.read(name) for name in package.namelist()}
    files["word/document.xml"] = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file://{secret}">]>'
        f"<w:document {nsdecls('w')}><w:body><w:p><w:r><w:t>a&e;b</w:t></w:r></w:p>"
        "</w:body></w:document>"
    ).encode()
    doc = read(Path("x.docx"), _zip(files))
    assert doc.lines == ("a",)  # the entity is left unresolved (Word never writes a DOCTYPE)


def test_a_package_that_unpacks_too_large_is_refused_unread(monkeypatch):
    monkeypatch.setattr(docx_reader, "_MAX_UNZIPPED", 1000)
    with pytest.raises(ReadError, match=r"^too large: the \.docx unpacks to \d+ bytes$"):
        read(Path("x.docx"), FORM.read_bytes())
