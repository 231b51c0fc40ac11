"""The PDF reader on three published Jiangsu reports (national 2021 form) and on broken files.

The expected numbers were read off the rendered pages and cross-checked with the arithmetic of
the form. Table 三 has 3 label columns then 7 value columns (自然人, 商业企业, 科研机构,
社会公益组织, 法律服务机构, 其他, 总计); table 四 has one row of 15 numbers.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import struct
from pathlib import Path

import pdfplumber
import pytest

from tests import paths
from transforms.extract.readers import Document, ReadError, Table, TableCell, read_document
from transforms.extract.readers.pdf import read

FIXTURES = paths.FIXTURES
PDFS = ("huaian_shi_2024", "huaian_hongze_qu_2023", "huaian_hongze_qu_2024")

NEW = "一、本年新收政府信息公开申请数量"
CARRIED = "二、上年结转政府信息公开申请数量"
RESULTS = "三、本年度办理结果"  # the vertical label "三\n、\n本\n年…" with whitespace removed
FORWARD = "四、结转下年度继续办理"
OPEN = "（一）予以公开"
PART = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
NOT_OPEN = "（三）不予公开"
CANNOT = "（四）无法提供"
NOT_HANDLED = "（五）不予处理"
OTHER = "（六）其他处理"
TOTAL = "（七）总计"
C1, C2, C3 = "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"
H1, H2, H3 = "1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物"
H4, H5 = "4.无正当理由大量反复申请", "5.要求行政机关确认或重新出具已获取信息"
N1, N3, N4 = "1.属于国家秘密", "3.危及“三安全一稳定”", "4.保护第三方合法权益"
N2_TYPO = "2.其他法律行政止公开"  # sic: the 洪泽区 reports print 行政止 for 行政法规禁止
O1 = "1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
O2 = "2、申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
N5, N6, N7, N8 = (
    "5.属于三类内部事务信息",
    "6.属于四类过程性信息",
    "7.属于行政执法案卷",
    "8.属于行政查询事项",
)

# Table 三 as printed: ((page, table on the page, row), three label cells with whitespace
# removed, the seven value cells). An empty label is the piece of a merged label cell that the
# page break cut off (the label itself is printed on the previous page).
TABLE_3 = {
    "huaian_shi_2024": [
        ((4, 2, 4), (NEW, NEW, NEW), "3001 53 0 0 61 4 3119"),
        ((4, 2, 5), (CARRIED, CARRIED, CARRIED), "34 0 0 0 0 0 34"),
        ((4, 2, 6), (RESULTS, OPEN, OPEN), "1288 21 0 0 50 3 1362"),
        ((4, 2, 7), (RESULTS, PART, PART), "447 7 0 0 0 0 454"),
        ((4, 2, 8), (RESULTS, NOT_OPEN, N1), "2 0 0 0 0 0 2"),
        ((4, 2, 9), (RESULTS, NOT_OPEN, "2.其他法律行政法规禁止公开"), "30 1 0 0 0 0 31"),
        ((4, 2, 10), (RESULTS, NOT_OPEN, N3), "5 0 0 0 0 0 5"),
        ((4, 2, 11), (RESULTS, NOT_OPEN, N4), "6 0 0 0 0 0 6"),
        ((4, 2, 12), (RESULTS, NOT_OPEN, N5), "7 1 0 0 0 0 8"),
        ((4, 2, 13), (RESULTS, NOT_OPEN, N6), "12 0 0 0 0 0 12"),
        ((4, 2, 14), (RESULTS, NOT_OPEN, N7), "9 0 0 0 0 0 9"),
        ((4, 2, 15), (RESULTS, NOT_OPEN, N8), "105 0 0 0 0 0 105"),
        # the cell "（四）无法提供" is cut by the page break: "（四）无" | "法提供"
        ((4, 2, 16), (RESULTS, "（四）无", C1), "746 12 0 0 10 1 769"),
        ((5, 1, 1), ("", "法提供", C2), "11 0 0 0 0 0 11"),
        ((5, 1, 2), ("", "法提供", C3), "1 0 0 0 0 0 1"),
        ((5, 1, 3), ("", NOT_HANDLED, H1), "56 6 0 0 0 0 62"),
        ((5, 1, 4), ("", NOT_HANDLED, H2), "25 0 0 0 0 0 25"),
        ((5, 1, 5), ("", NOT_HANDLED, H3), "0 0 0 0 0 0 0"),
        ((5, 1, 6), ("", NOT_HANDLED, H4), "0 0 0 0 0 0 0"),
        ((5, 1, 7), ("", NOT_HANDLED, H5), "1 0 0 0 0 0 1"),
        ((5, 1, 8), ("", OTHER, O1), "67 3 0 0 1 0 71"),
        ((5, 1, 9), ("", OTHER, O2), "6 0 0 0 0 0 6"),
        ((5, 1, 10), ("", OTHER, "3、其他"), "108 2 0 0 0 0 110"),
        ((5, 1, 11), ("", TOTAL, TOTAL), "2932 53 0 0 61 4 3050"),
        ((5, 1, 12), (FORWARD, FORWARD, FORWARD), "103 0 0 0 0 0 103"),
    ],
    "huaian_hongze_qu_2023": [
        ((3, 2, 4), (NEW, NEW, NEW), "21 0 0 0 0 0 21"),
        ((3, 2, 5), (CARRIED, CARRIED, CARRIED), "0 0 0 0 0 0 0"),
        ((3, 2, 6), (RESULTS, OPEN, OPEN), "0 0 0 0 0 0 0"),
        ((3, 2, 7), (RESULTS, PART, PART), "4 0 0 0 0 0 4"),
        ((3, 2, 8), (RESULTS, NOT_OPEN, N1), "1 0 0 0 0 0 1"),
        ((3, 2, 9), (RESULTS, NOT_OPEN, N2_TYPO), "0 0 0 0 0 0 0"),
        ((3, 2, 10), (RESULTS, NOT_OPEN, N3), "0 0 0 0 0 0 0"),
        ((3, 2, 11), (RESULTS, NOT_OPEN, N4), "0 0 0 0 0 0 0"),
        ((3, 2, 12), (RESULTS, NOT_OPEN, N5), "0 0 0 0 0 0 0"),
        ((3, 2, 13), (RESULTS, NOT_OPEN, N6), "1 0 0 0 0 0 1"),
        ((3, 2, 14), (RESULTS, NOT_OPEN, N7), "1 0 0 0 0 0 1"),
        ((3, 2, 15), (RESULTS, NOT_OPEN, N8), "0 0 0 0 0 0 0"),
        ((3, 2, 16), (RESULTS, CANNOT, C1), "10 0 0 0 0 0 10"),
        ((3, 2, 17), (RESULTS, CANNOT, C2), "3 0 0 0 0 0 3"),
        ((4, 1, 1), ("", "", C3), "0 0 0 0 0 0 0"),
        ((4, 1, 2), ("", NOT_HANDLED, H1), "1 0 0 0 0 0 1"),
        ((4, 1, 3), ("", NOT_HANDLED, H2), "0 0 0 0 0 0 0"),
        ((4, 1, 4), ("", NOT_HANDLED, H3), "0 0 0 0 0 0 0"),
        ((4, 1, 5), ("", NOT_HANDLED, H4), "0 0 0 0 0 0 0"),
        ((4, 1, 6), ("", NOT_HANDLED, H5), "0 0 0 0 0 0 0"),
        # （六）其他处理 is one row (2019 shape); its third label cell is a separate empty cell
        ((4, 1, 7), ("", OTHER, ""), "0 0 0 0 0 0 0"),
        ((4, 1, 8), ("", TOTAL, ""), "21 0 0 0 0 0 21"),
        ((4, 1, 9), (FORWARD, FORWARD, FORWARD), "0 0 0 0 0 0 0"),
    ],
    "huaian_hongze_qu_2024": [
        ((3, 2, 4), (NEW, NEW, NEW), "95 0 0 0 0 0 95"),
        ((3, 2, 5), (CARRIED, CARRIED, CARRIED), "0 0 0 0 0 0 0"),
        ((3, 2, 6), (RESULTS, OPEN, OPEN), "50 0 0 0 0 0 50"),
        ((3, 2, 7), (RESULTS, PART, PART), "9 0 0 0 0 0 9"),
        ((3, 2, 8), (RESULTS, NOT_OPEN, N1), "0 0 0 0 0 0 0"),
        ((3, 2, 9), (RESULTS, NOT_OPEN, N2_TYPO), "0 0 0 0 0 0 0"),
        ((3, 2, 10), (RESULTS, NOT_OPEN, N3), "1 0 0 0 0 0 1"),
        ((3, 2, 11), (RESULTS, NOT_OPEN, N4), "0 0 0 0 0 0 0"),
        ((3, 2, 12), (RESULTS, NOT_OPEN, N5), "0 0 0 0 0 0 0"),
        ((3, 2, 13), (RESULTS, NOT_OPEN, N6), "1 0 0 0 0 0 1"),
        ((3, 2, 14), (RESULTS, NOT_OPEN, N7), "1 0 0 0 0 0 1"),
        ((3, 2, 15), (RESULTS, NOT_OPEN, N8), "0 0 0 0 0 0 0"),
        ((3, 2, 16), (RESULTS, CANNOT, C1), "31 0 0 0 0 0 31"),
        ((4, 1, 1), ("", "", C2), "1 0 0 0 0 0 1"),
        ((4, 1, 2), ("", "", C3), "0 0 0 0 0 0 0"),
        ((4, 1, 3), ("", NOT_HANDLED, H1), "1 0 0 0 0 0 1"),
        ((4, 1, 4), ("", NOT_HANDLED, H2), "0 0 0 0 0 0 0"),
        ((4, 1, 5), ("", NOT_HANDLED, H3), "0 0 0 0 0 0 0"),
        ((4, 1, 6), ("", NOT_HANDLED, H4), "0 0 0 0 0 0 0"),
        ((4, 1, 7), ("", NOT_HANDLED, H5), "0 0 0 0 0 0 0"),
        ((4, 1, 8), ("", OTHER, ""), "0 0 0 0 0 0 0"),
        ((4, 1, 9), ("", TOTAL, ""), "95 0 0 0 0 0 95"),
        ((4, 1, 10), (FORWARD, FORWARD, FORWARD), "0 0 0 0 0 0 0"),
    ],
}

# Table 四: (page, table on the page), the 15 numbers of its data row (row 4): 行政复议 维持 纠正
# 其他 尚未审结 总计 | 未经复议直接起诉 the same five | 复议后起诉 the same five.
TABLE_4 = {
    "huaian_shi_2024": ((5, 2), "72 64 178 37 351 13 4 8 1 26 12 1 1 6 20"),
    "huaian_hongze_qu_2023": ((4, 2), "10 1 0 0 0 0 0 0 0 0 5 0 0 0 0"),
    "huaian_hongze_qu_2024": ((4, 2), "1 1 0 0 2 1 0 0 0 1 2 0 1 0 3"),
}
# Table 四 totals that do not equal their parts, as printed: (group, sum of parts, printed total).
TABLE_4_DEFECTS = {
    "huaian_shi_2024": [],
    "huaian_hongze_qu_2023": [("行政复议", 11, 0), ("复议后起诉", 5, 0)],
    "huaian_hongze_qu_2024": [],
}
TABLE_4_GROUPS = ("行政复议", "未经复议直接起诉", "复议后起诉")

# The tables found on each page: one-column grids (shaded prose paragraphs) are not tables.
_HONGZE_TABLES = ["page 2, table 1", "page 3, table 1", "page 3, table 2"]
TABLE_LOCATORS = {
    "huaian_shi_2024": [
        "page 3, table 1",
        "page 4, table 1",
        "page 4, table 2",
        "page 5, table 1",
        "page 5, table 2",
    ],
    "huaian_hongze_qu_2023": [*_HONGZE_TABLES, "page 4, table 1", "page 4, table 2"],
    "huaian_hongze_qu_2024": [*_HONGZE_TABLES, "page 4, table 1", "page 4, table 2"],
}

_FOOTER = re.compile(r"\s*[-—]\s*\d+\s*[-—]\s*|\s*第\s*\d+\s*页\s*")
# A text line ending in seven numbers (a table 三 row as pdfplumber's page text prints it).
_SEVEN_NUMBERS = re.compile(r"(?:.*[^\d\s])?\s*(\d+(?: \d+){6})")


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    """Each fixture read once for the whole module."""
    return {
        name: read(FIXTURES / f"{name}.pdf", (FIXTURES / f"{name}.pdf").read_bytes())
        for name in PDFS
    }


def _table(document: Document, page: int, number: int) -> Table:
    locator = f"page {page}, table {number}"
    return next(t for t in document.tables if t.locator == locator)


def _cell(document: Document, page: int, number: int, row: int, col: int) -> TableCell:
    return _table(document, page, number).rows[row - 1][col - 1]


def _compact(text: str) -> str:
    return "".join(text.split())


def _numbers(values: str) -> list[int]:
    return [int(v) for v in values.split()]


# --- the real reports ------------------------------------------------------------------------


@pytest.mark.parametrize("name", PDFS)
def test_document_fields(documents, name):
    document = documents[name]
    assert (document.encoding, document.file_format) == ("pdf", "pdf")
    assert [t.locator for t in document.tables] == TABLE_LOCATORS[name]
    assert "政府信息公开工作年度报告" in document.text


@pytest.mark.parametrize("name", PDFS)
def test_table_3_rows_as_printed(documents, name):
    for (page, number, row), labels, values in TABLE_3[name]:
        cells = _table(documents[name], page, number).rows[row - 1]
        assert len(cells) == 10, (page, number, row)
        assert tuple(_compact(c.text) for c in cells[:3]) == labels, (page, number, row)
        assert " ".join(c.text for c in cells[3:]) == values, (page, number, row)
        assert cells[3].locator == f"page {page}, table {number}, row {row}, col 4"


@pytest.mark.parametrize("name", PDFS)
def test_table_3_header_rows(documents, name):
    first = TABLE_3[name][0][0]
    header = _table(documents[name], first[0], first[1]).rows[:3]
    assert first[2] == 4  # three header rows, then 一、本年新收
    assert [_compact(c.text) for c in header[2][3:]] == [
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    ]
    assert {c.text for c in header[0][3:]} == {"申请人情况"}
    assert {c.text for c in header[1][4:9]} == {"法人或其他组织"}


@pytest.mark.parametrize("name", PDFS)
def test_table_3_expected_numbers_keep_the_form_identities(name):
    """The literal data above is checked by the form's arithmetic, so a misread number shows."""
    rows = TABLE_3[name]
    values = [_numbers(v) for _, _, v in rows]
    for numbers in values:
        assert sum(numbers[:6]) == numbers[6]
    firsts = [labels[0] for _, labels, _ in rows]
    new, carried, forward = (values[firsts.index(label)] for label in (NEW, CARRIED, FORWARD))
    total_at = next(i for i, (_, labels, _) in enumerate(rows) if labels[1] == TOTAL)
    total = values[total_at]
    outcomes = values[2:total_at]  # every row between 二、上年结转 and （七）总计 is a leaf
    for col in range(7):
        assert new[col] + carried[col] == total[col] + forward[col]
        assert sum(o[col] for o in outcomes) == total[col]


@pytest.mark.parametrize("name", PDFS)
def test_table_3_geometry_agrees_with_page_text(documents, name):
    """Cells read from the ruling lines show the same numbers, in the same order, as the text."""
    document = documents[name]
    in_text = [m.group(1) for line in document.lines if (m := _SEVEN_NUMBERS.fullmatch(line))]
    assert in_text == [values for _, _, values in TABLE_3[name]]


@pytest.mark.parametrize("name", PDFS)
def test_table_4_row(documents, name):
    (page, number), values = TABLE_4[name]
    table = _table(documents[name], page, number)
    assert len(table.rows) == 4
    assert all(len(row) == 15 for row in table.rows)
    assert " ".join(c.text for c in table.rows[3]) == values
    assert [_compact(table.rows[1][c].text) for c in (0, 5, 10)] == [
        "结果维持",
        *TABLE_4_GROUPS[1:],
    ]
    assert values in documents[name].lines  # the text layer prints the same row


@pytest.mark.parametrize("name", PDFS)
def test_table_4_totals_fail_only_where_the_report_prints_them_wrong(name):
    numbers = _numbers(TABLE_4[name][1])
    defects = []
    for group, start in zip(TABLE_4_GROUPS, (0, 5, 10), strict=True):
        parts, total = sum(numbers[start : start + 4]), numbers[start + 4]
        if parts != total:
            defects.append((group, parts, total))
    assert defects == TABLE_4_DEFECTS[name]


@pytest.mark.parametrize("name", PDFS)
def test_every_row_is_as_wide_as_its_table_and_merged_slots_point_to_their_origin(documents, name):
    pattern = re.compile(r"(page \d+, table \d+), row (\d+), col (\d+)")
    for table in documents[name].tables:
        width = len(table.rows[0])
        assert width > 1
        for r, row in enumerate(table.rows, 1):
            assert len(row) == width, table.locator
            for c, cell in enumerate(row, 1):
                where, origin_r, origin_c = pattern.fullmatch(cell.locator).groups()
                assert where == table.locator
                origin_r, origin_c = int(origin_r), int(origin_c)
                assert origin_r <= r and origin_c <= c  # a merged cell starts above or left
                assert table.rows[origin_r - 1][origin_c - 1] == cell


def test_merged_cells_carry_the_locator_of_the_cell_they_come_from(documents):
    shi = documents["huaian_shi_2024"]
    corner = _cell(shi, 4, 2, 1, 1)
    assert corner.locator == "page 4, table 2, row 1, col 1"
    assert corner.text.startswith("（本列数据的勾稽关系为")
    assert all(_cell(shi, 4, 2, r, c) == corner for r in (1, 2, 3) for c in (1, 2, 3))
    assert _cell(shi, 4, 2, 3, 4).locator == "page 4, table 2, row 2, col 4"  # 自然人, vertical
    assert _cell(shi, 4, 2, 2, 9).locator == "page 4, table 2, row 2, col 5"  # 法人或其他组织
    results = _cell(shi, 4, 2, 16, 1)
    assert (results.text, results.locator) == (
        "三、\n本\n年\n度\n办\n理\n结\n果",
        "page 4, table 2, row 6, col 1",
    )
    assert _cell(shi, 4, 2, 4, 3).locator == "page 4, table 2, row 4, col 1"  # 一、本年新收
    assert _cell(shi, 5, 1, 11, 3).locator == "page 5, table 1, row 11, col 2"  # （七）总计
    assert _cell(shi, 5, 1, 11, 1).locator == "page 5, table 1, row 1, col 1"  # cut 三、 label
    assert _cell(shi, 5, 2, 1, 15).locator == "page 5, table 2, row 1, col 6"  # 行政诉讼
    assert _cell(shi, 5, 2, 3, 5).locator == "page 5, table 2, row 2, col 5"  # 行政复议 总计


def test_cells_the_pdf_draws_differently_from_how_it_looks(documents):
    """WPS exports draw the Word cell structure with white fills: a header that looks like one
    cell (行政诉讼) is two, the first empty; where no border is drawn at all there is no cell."""
    hongze = documents["huaian_hongze_qu_2023"]
    row = _table(hongze, 4, 2).rows[0]
    assert [c.text for c in row[5:9]] == ["", "", "", "行政诉讼"]
    assert row[6].locator == "page 4, table 2, row 1, col 6"
    assert row[14].locator == "page 4, table 2, row 1, col 9"
    # 信息内容 on page 3 has no top border (the table continues from page 2): no cell there
    assert _cell(hongze, 3, 1, 1, 1) == TableCell("", "page 3, table 1, row 1, col 1")
    assert _cell(hongze, 3, 1, 1, 2).text == "本年处理决定数量"


@pytest.mark.parametrize("name", PDFS)
def test_page_footers_are_dropped(documents, name):
    lines = documents[name].lines
    assert not [line for line in lines if _FOOTER.fullmatch(line)]
    assert "- 1 -" not in lines and "- 3 -" not in lines


def test_lines_are_the_page_text_in_reading_order(documents):
    lines = documents["huaian_shi_2024"].lines
    assert lines[:2] == ("淮安市人民政府", "2024 年政府信息公开工作年度报告")
    # the last line of page 1 is followed by the first line of page 2, the footer between gone
    at = lines.index("业用工和促进返乡人员就业创业专项活动”“建设‘四最’一流")
    assert lines[at + 1] == "营商环境高质量推进产业发展”“加快建设长三角北部重要产业"
    assert "一、本年新收政府信息公开申请数量 3001 53 0 0 61 4 3119" in lines


def test_read_document_dispatches_pdf_files(documents):
    path = FIXTURES / "huaian_hongze_qu_2024.pdf"
    document = read_document(path, path.read_bytes())
    assert document == documents["huaian_hongze_qu_2024"]


# --- files that cannot be read -----------------------------------------------------------------


def test_truncated_pdf():
    data = (FIXTURES / "huaian_shi_2024.pdf").read_bytes()[:1000]
    with pytest.raises(ReadError, match=r"^not a readable PDF: the file ends too early"):
        read(Path("cut.pdf"), data)


def test_random_bytes_named_pdf():
    data = random.Random(0).randbytes(4096)
    with pytest.raises(ReadError, match=r"^not a readable PDF: .*not start with a PDF header"):
        read(Path("noise.pdf"), data)


def test_damaged_pdf_behind_a_valid_header():
    data = b"%PDF-1.7\n" + random.Random(1).randbytes(4096)
    with pytest.raises(ReadError, match=r"^not a readable PDF: the file is damaged"):
        read(Path("noise.pdf"), data)


def test_encrypted_pdf():
    data = _encrypted_pdf(user_password=b"secret", text=b"Hello")
    with pdfplumber.open(_stream(data), password="secret") as pdf:  # a real encrypted PDF
        assert pdf.pages[0].extract_text() == "Hello"
    with pytest.raises(ReadError, match=r"^encrypted PDF: "):
        read(Path("locked.pdf"), data)


def test_scanned_pdf_without_text_layer_goes_to_ocr_which_finds_nothing_in_a_grey_square():
    image = b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray"
    image += b" /BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream"
    content = b"q 200 0 0 200 72 500 cm /Im1 Do Q"
    data = _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
            b" /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
            _stream_object(content),
            image,
        ]
    )
    with pdfplumber.open(_stream(data)) as pdf:
        assert len(pdf.pages[0].images) == 1
    with pytest.raises(
        ReadError, match=r"^scanned PDF with no text layer: OCR found no text on any page$"
    ):
        read(Path("scan.pdf"), data)


def test_pdf_without_pages():
    data = _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])
    with pytest.raises(ReadError, match=r"^not a readable PDF: it has no pages$"):
        read(Path("empty.pdf"), data)


# --- hand-made PDFs ----------------------------------------------------------------------------

_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def _stream_object(content: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)


def _pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF file of the given objects (numbered from 1, the first is the catalog)."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\n" % (len(objects) + 1, trailer)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _rc4(key: bytes, data: bytes) -> bytes:
    s, j = list(range(256)), 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _encrypted_pdf(user_password: bytes, text: bytes) -> bytes:
    """A one-page PDF encrypted with the standard security handler, RC4 40-bit (revision 2)."""
    padded = (user_password + _PAD)[:32]
    file_id, permissions = b"0123456789abcdef", -4
    owner = _rc4(hashlib.md5((b"owner" + _PAD)[:32]).digest()[:5], padded)
    key = hashlib.md5(padded + owner + struct.pack("<i", permissions) + file_id).digest()[:5]
    user = _rc4(key, _PAD)
    content = b"BT /F1 24 Tf 72 700 Td (" + text + b") Tj ET"
    # each object is encrypted with its own key; object 4 (generation 0) is the page content
    object_key = hashlib.md5(key + (4).to_bytes(3, "little") + b"\0\0").digest()[:10]
    encrypt = b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>" % (
        owner.hex().encode(),
        user.hex().encode(),
        permissions,
    )
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
            b" /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            _stream_object(_rc4(object_key, content)),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            encrypt,
        ],
        trailer=b"/Encrypt 6 0 R /ID [<%s> <%s>] "
        % (file_id.hex().encode(), file_id.hex().encode()),
    )
