"""The PDF reader and the national parser on PDFs printed by a browser (headless Chromium).

Fixtures in tests/fixtures/pdf_browser/ (made by its make.py, each with its expected cells):
the 平潭 2025 fragment as published in derived/ (US Letter) and printed again on A4 with table 三
and 四 forced onto new pages; a national table 三/四 built from the 淮安市 2024 values printed on a
narrow page (labels wrapping over up to 18 lines, rows cut by the page break, header rows repeated
on every page), on A4 split over pages with the header repeated, and with no ruling lines.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import paths
from tests.expected_cells import compare, load
from tests.transforms.extract.readers.test_pdf import _pdf, _stream_object
from transforms.catalogue import default
from transforms.extract.readers import Document, ReadError
from transforms.extract.readers.pdf import read
from transforms.extract.templates import national
from transforms.run.ingest import ingest_file

FIXTURES = paths.FIXTURES / "pdf_browser"
RULED = (
    "pingtan_2025_chromium_letter",
    "pingtan_2025_a4_break",
    "huaian_narrow",
    "huaian_thead_a4",
)
BORDERLESS = "huaian_borderless_a4"
_RADICAL = re.compile(r"[\u2e80-\u2eff\u2f00-\u2fdf]")


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    return {
        name: read(FIXTURES / f"{name}.pdf", (FIXTURES / f"{name}.pdf").read_bytes())
        for name in (*RULED, BORDERLESS)
    }


@pytest.fixture(scope="module")
def comparisons():
    catalogue = default()
    out = {}
    for name in (*RULED, BORDERLESS):
        path = FIXTURES / f"{name}.pdf"
        result = ingest_file(path, FIXTURES, catalogue)
        out[name] = (result.report, compare(result.observations, load(path.with_suffix(".json"))))
    return out


def _table(document: Document, locator: str):
    return next(t for t in document.tables if t.locator == locator)


def _compact(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("name", RULED)
def test_ruled_browser_pdfs_read_every_cell_exactly(comparisons, name):
    report, comparison = comparisons[name]
    assert report["status"] == "parsed", (name, report["error"])
    assert comparison.wrong() == {}, name
    assert dict(comparison.counts) == {"exact": 190}, (name, comparison.not_exact())


def test_borderless_pdf_is_read_from_its_text(comparisons, documents):
    """No ruling lines: no grid is found and table 三 is read from the text lines, where labels
    that wrap put their lines above and below the numbers (a label cut at its line end is
    known by its beginning, `Catalogue.lookup_cut`)."""
    assert documents[BORDERLESS].tables == ()
    _, comparison = comparisons[BORDERLESS]
    assert comparison.counts == {"exact": 190}, comparison.not_exact()


@pytest.mark.parametrize("name", (*RULED, BORDERLESS))
def test_radicals_in_the_text_layer_become_the_ideographs_printed(documents, name):
    """Chromium's CJK fonts map 一 to the Kangxi radical ⼀ (U+2F00), 民 to ⺠ (U+2EA0)…"""
    document = documents[name]
    assert not _RADICAL.search(document.text), name
    cells = [c.text for t in document.tables for row in t.rows for c in row]
    assert not [text for text in cells if _RADICAL.search(text)], name


def test_page_break_without_a_border_keeps_the_cut_cells(documents):
    """The derived print of table 三 continues on page 4 with no top border; the first row and
    the rowspan label 三、本年度办理结果 (its bottom border cut at the page end) are cells."""
    letter = documents["pingtan_2025_chromium_letter"]
    first = _table(letter, "page 4, table 1").rows[0]
    assert _compact(first[2].text) == "2.没有现成信息需要另行制作"
    assert [c.text for c in first[3:]] == ["0"] * 7
    assert first[3].locator == "page 4, table 1, row 1, col 4"
    results = _table(letter, "page 3, table 1").rows[5][0]
    assert (_compact(results.text), results.locator) == (
        "三、本年度办理结果",
        "page 3, table 1, row 6, col 1",
    )


def test_table_4_cut_by_the_page_break_takes_its_data_row_from_the_next_page(documents):
    parsed = national.parse(documents["pingtan_2025_chromium_letter"], default())
    appeals = [c for c in parsed.cells if c.table == "appeals"]
    assert [c.position for c in appeals] == list(range(1, 16))
    assert {c.locator.split(", row")[0] for c in appeals} == {"page 5, table 1"}


def test_a_row_cut_by_the_page_break_is_joined_with_its_values(documents):
    """huaian_narrow prints 5.要求行政机关确认或重新出具已获取信息 over pages 3 and 4: "5.要\\n求行"
    and the values on page 3, the rest of the label under the repeated header on page 4."""
    parsed = national.parse(documents["huaian_narrow"], default())
    cells = [c for c in parsed.cells if c.table == "requests"]
    confirm = [c for c in cells if _compact(c.label) == "5.要求行政机关确认或重新出具已获取信息"]
    assert [c.text for c in confirm] == ["1", "0", "0", "0", "0", "0", "1"]
    assert confirm[0].locator == "page 3, table 1, row 10, col 4"
    fee = [c for c in cells if _compact(c.label).startswith("2.申请人逾期未按收费通知")]
    assert _compact(fee[0].label).endswith("行政机关不再处理其政府信息公开申请")
    assert [c.text for c in fee] == ["6", "0", "0", "0", "0", "0", "6"]
    # no label fragment became a row of its own
    assert all(re.match(r"[0-9（一二三四]", _compact(c.label)) for c in cells)


def test_header_rows_repeated_on_each_page_are_not_rows_of_values(documents):
    document = documents["huaian_thead_a4"]
    pages = [t for t in document.tables if "自然人" in _compact(t.rows[2][3].text)]
    assert len(pages) >= 2  # the header printed on every page of table 三
    rows = [c for c in national.parse(document, default()).cells if c.table == "requests"]
    assert len(rows) == 25 * 7


def _two_page_pdf(second_page_content: bytes) -> bytes:
    text = b"BT /F1 24 Tf 72 700 Td (Hello page one) Tj ET"
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
    page += b" /Resources << /Font << /F1 5 0 R >> >> /Contents %d 0 R >>"
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>",
            page % 4,
            _stream_object(text),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            page % 7,
            second_page_content,
        ]
    )


def test_a_page_pdfminer_cannot_read_loses_only_that_page():
    """Page 2's content stream is not LZW data: pdfminer raises on it. Page 1 is kept and the
    failure is listed for page 2 (text and tables), worded by transforms.extract.readers.failure."""
    bad = b"<< /Length 5 /Filter /LZWDecode >>\nstream\nabcde\nendstream"
    document = read(Path("two.pdf"), _two_page_pdf(bad))
    assert document.lines == ("Hello page one",)
    assert len(document.errors) == 2
    assert document.errors[0].startswith("page 2 (text): PdfminerException: ")
    assert document.errors[1].startswith("page 2 (tables): PdfminerException: ")


def test_a_pdf_whose_every_page_fails_is_unreadable():
    bad = b"<< /Length 5 /Filter /LZWDecode >>\nstream\nabcde\nendstream"
    data = _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            bad,
        ]
    )

    with pytest.raises(ReadError, match=r"^not a readable PDF: the file is damaged \(page 1 "):
        read(Path("one.pdf"), data)
