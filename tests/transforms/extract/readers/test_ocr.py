"""The OCR reader on a scanned copy of a real report (洪泽区 2023, national 2021 form): the
cells of tables 三 and 四 it gives, through the national parser and normalise, are the values
the text-layer reader gets from the source PDF, each marked as read by OCR."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from devtools import scans
from tests.conftest import FIXTURES
from transforms.catalogue import default
from transforms.extract.readers import ReadError, ocr, read_document
from transforms.extract.templates import parse_document
from transforms.normalise.rows import observations
from transforms.schemas import (
    AMBIGUOUS,
    BLANK,
    NUMBER,
    OCR_CONFIRMED,
    OCR_UNCONFIRMED,
    UNREADABLE,
)

SCAN = FIXTURES / "scanned" / "huaian_hongze_qu_2023.pdf"
SOURCE = FIXTURES / "huaian_hongze_qu_2023.pdf"
TABLES = r"^(?:requests|appeals)\."


def _observations(path: Path):
    document = read_document(path, path.read_bytes())
    table = parse_document(document, default())
    return document, table, observations(table, "r", default())


@pytest.fixture(scope="module")
def scanned():
    return _observations(SCAN)


def _values(obs) -> dict[tuple[str, str], float]:
    coded = obs[obs["indicator"].notna() & obs["indicator"].str.match(TABLES)]
    return {
        (i, b): v
        for i, b, v in zip(coded["indicator"], coded["breakdown"], coded["value"], strict=True)
    }


def test_tables_three_and_four_are_the_text_layers_values(scanned):
    _, table, obs = scanned
    expected = _values(_observations(SOURCE)[2])
    assert len(expected) == 176
    assert table.template == "national_2021"
    assert _values(obs) == expected


def test_every_number_is_marked_as_read_by_ocr(scanned):
    _, _, obs = scanned
    statuses = set(obs["value_status"])
    assert NUMBER not in statuses
    assert statuses <= {OCR_CONFIRMED, OCR_UNCONFIRMED}
    confirmed = obs[obs["value_status"] == OCR_CONFIRMED]
    assert confirmed["evidence"].str.contains("confirmed by national_").all()


def test_the_defective_appeal_totals_stay_as_printed_and_unconfirmed(scanned):
    _, _, obs = scanned
    got = obs.set_index("indicator")
    for code in ("appeals.review.total", "appeals.litigation_after_review.total"):
        assert got.loc[code, "value"] == 0
        assert got.loc[code, "value_status"] == OCR_UNCONFIRMED
        assert "contradicted by national_appeals_" in got.loc[code, "evidence"]


def test_cells_have_page_and_box_as_locator(scanned):
    document, _, obs = scanned
    row = obs.set_index("indicator").loc["requests.new_received"].iloc[0]
    assert row["locator"].startswith("page 3, table 2, row ")
    assert row["locator"].endswith(" at 150 dpi") and ", box " in row["locator"]
    assert any("洪泽区人民政府" in line for line in document.lines[:3])


def test_a_hundred_page_scan_is_stopped_by_the_time_bound(monkeypatch, tmp_path):
    """100 pages (one scanned page, repeated): pages are rendered one at a time and the file's
    time bound stops the reading, with what was read kept and the stop said."""
    import psutil

    page = scans.scanned_pages(SOURCE.read_bytes(), (4,), 0.5)[0]
    scan = tmp_path / "long.pdf"
    page.save(scan, "PDF", save_all=True, append_images=[page] * 99, resolution=150)
    monkeypatch.setattr(ocr, "FILE_SECONDS", 4.0)
    before = psutil.Process().memory_info().rss
    document = read_document(scan, scan.read_bytes())
    grown = psutil.Process().memory_info().rss - before
    assert len(document.errors) == 1
    assert document.errors[0].endswith("on: not read, past the 4 s OCR bound")
    assert document.tables  # the pages read before the bound keep their tables
    assert grown < 300 * 2**20


def test_the_page_bound_stops_the_file(monkeypatch):
    monkeypatch.setattr(ocr, "MAX_PAGES", 1)
    document = read_document(SCAN, SCAN.read_bytes())
    assert document.errors == ("page 2 on: not read, past the 1-page OCR bound",)
    assert not document.tables  # page 1 is prose only


def test_missing_tesseract_model_is_a_read_error(monkeypatch):
    monkeypatch.setattr(ocr, "TESSDATA_DIRS", ("/nonexistent",))
    with pytest.raises(ReadError, match=r"^scanned PDF: OCR needs Tesseract's Chinese model"):
        read_document(SCAN, SCAN.read_bytes())


@pytest.mark.parametrize(
    ("angle", "seal", "least"),
    [
        (-3.0, None, 176),
        (2.5, (560, 960), 174),  # the seal over table 四's numbers: one or two of them unsure
    ],
)
def test_turned_and_sealed_scans_give_no_wrong_number(tmp_path, angle, seal, least):
    """Pages 3–4 (tables 三 and 四) of the source PDF, scanned turned by a few degrees, one with
    a red seal over the numbers: every cell is the text layer's value, or marked."""
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(scans.scanned(SOURCE.read_bytes(), (3, 4), angle, seal))
    expected = _values(_observations(SOURCE)[2])
    obs = _observations(scan)[2]
    read = _read_values(obs[obs["indicator"].notna() & obs["indicator"].str.match(TABLES)])
    exact = [k for k, v in expected.items() if k in read and read[k][0] == v]
    wrong = [
        k for k in read if k in expected and read[k][0] == read[k][0] and read[k][0] != expected[k]
    ]
    assert not wrong
    assert len(exact) >= least
    assert {s for k, (_, s) in read.items() if k not in exact} <= {AMBIGUOUS, UNREADABLE, BLANK}


def _read_values(obs) -> dict[tuple[str, str], tuple[float, str]]:
    coded = obs[obs["indicator"].notna()]
    return {
        (i, b): (v, s)
        for i, b, v, s in zip(
            coded["indicator"], coded["breakdown"], coded["value"], coded["value_status"],
            strict=True,
        )
    }  # fmt: skip


def _exact_or_marked(source: Path, scan: Path) -> tuple[list, dict]:
    """(the cells of `scan` with the value `source` gives, the scan's observations), asserting
    that no other cell has a value: each is marked."""
    expected = {k: v for k, (v, s) in _read_values(_observations(source)[2]).items() if v == v}
    read = _read_values(_observations(scan)[2])
    exact = [k for k, v in expected.items() if k in read and read[k][0] == v]
    assert {read[k][1] for k in exact} <= {OCR_CONFIRMED, OCR_UNCONFIRMED}
    wrong = {k: (expected[k], read[k]) for k in expected if k in read and k not in exact
             and read[k][0] == read[k][0]}  # fmt: skip
    assert not wrong, f"{scan.name}: values unlike the source's {wrong}"
    assert {read[k][1] for k in expected if k in read and k not in exact} <= {
        AMBIGUOUS, UNREADABLE, BLANK,
    }  # fmt: skip
    return exact, read


@pytest.mark.parametrize(
    ("fragment", "angle", "least"),
    [
        ("2018_pingtan_gonganju_provincial_fragment.pdf", 2.0, 31),  # 32 values
        ("2013_pingtan_jingjifazhanju_provincial_fragment.pdf", -1.5, 7),  # 7 values
    ],
)
def test_scanned_fujian_pages_give_the_text_layers_values(tmp_path, fragment, angle, least):
    """Real 平潭 pages of the Fujian pre-2019 form (printed to PDF), scanned: their values are
    the text layer's, each checked by the form's identities or marked. (Before: every value
    ambiguous or unmapped, the template dropped what OCR said and 年末统计 read as 年未统计.)"""
    source = FIXTURES / "office" / fragment
    scan = tmp_path / fragment
    data = source.read_bytes()
    scan.write_bytes(scans.scanned(data, tuple(range(1, scans.page_count(data) + 1)), angle))
    exact, _ = _exact_or_marked(source, scan)
    assert len(exact) >= least, f"{fragment}: {len(exact)} exact"
    if fragment.startswith("2018"):
        # printed: 对申请的答复总数 0, its parts 1 + 0 + 0 + 0; the scan keeps the defect
        evidence = _observations(scan)[2].set_index(["indicator", "breakdown"])["evidence"]
        assert (
            "contradicted by fujian_f3_answer_outcomes_four [year]"
            in evidence[("fujian.requests.answered", "year")]
        )


@pytest.mark.parametrize(
    ("year", "least"),
    [("2011_county", 33), ("2014_main", 31), ("2017_main", 25)],  # of 34, 32 and 26 values
)
def test_scanned_fujian_tables_of_other_years_give_the_printed_values(year, least):
    """Tables of real 平潭 reports the OCR was not developed on (tests/fixtures/scanned/
    make_fujian.py: other row sets, one with a seal over the numbers): every value is what the
    report's text gives, or marked."""
    source = FIXTURES / f"fujian_pingtan_{year}_flat.txt"
    exact, read = _exact_or_marked(source, FIXTURES / "scanned" / f"fujian_pingtan_{year}_scan.pdf")
    assert len(exact) >= least, f"{year}: {len(exact)} exact"
    assert read[("fujian.proactive.total", "year")][1] == OCR_CONFIRMED  # 网站 + 政府公报


NATIONAL_SOURCE = FIXTURES / "pingtan_departments" / "208_pingtan_shehuishiyeju_2023.txt"
NATIONAL_SCAN = FIXTURES / "scanned" / "national_pingtan_2023_shehuishiyeju_scan.pdf"


@pytest.fixture(scope="module")
def national_scan():
    return _exact_or_marked(NATIONAL_SOURCE, NATIONAL_SCAN)


def test_a_scanned_report_on_the_real_blank_form_gives_its_values(national_scan):
    """A real 平潭 report's values typed into the real blank 2021 form (merged cells, wrapped
    labels, two-line headers), printed by LibreOffice and scanned with a seal over table 四
    (tests/fixtures/scanned/make_national.py): a layout the OCR was not developed on. Every
    value is what the report's text gives, or marked."""
    exact, _ = national_scan
    assert len(exact) >= 190, f"{len(exact)} of 194 exact"


def test_a_table_row_alone_on_the_next_page_is_read(national_scan):
    """Table 三's last row, 四、结转下年度继续办理, is printed alone at the top of page 3: a table
    one row high, too short for its vertical lines to count as ruling lines (before: no grid
    was found there and the row's 7 values were lost)."""
    _, read = national_scan
    obs = _observations(NATIONAL_SCAN)[2].set_index(["indicator", "breakdown"])
    for column in ("natural_person", "business", "total"):
        key = ("requests.carried_forward", column)
        assert read[key] == (0.0, OCR_CONFIRMED), key
        assert obs.loc[key, "locator"].startswith("page 3, table 1, row 1, "), key


def test_a_value_row_with_digits_ocr_could_not_read_keeps_every_cell(national_scan):
    """Table 四's one data row, a "1" under the seal read as "划": the row is still the table's
    values, each of its 15 cells kept, the one not read marked unreadable where it is printed
    (before: a row with a cell that is no number was not taken as values, and table 四 was lost
    whole); so is "|" read for table 三's 1."""
    _, read = national_scan
    obs = _observations(NATIONAL_SCAN)[2].set_index(["indicator", "breakdown"])
    appeals = [k for k in read if k[0].startswith("appeals.")]
    assert len(appeals) == 15
    # its part unread, the 4 beside it is sure but confirmed by nothing; under the seal too, the
    # 1 of 复议后起诉 is confirmed by its group's total
    assert read[("appeals.litigation_direct.total", "total")] == (4.0, OCR_UNCONFIRMED)
    sealed = ("appeals.litigation_after_review.upheld", "total")
    assert read[sealed] == (1.0, OCR_CONFIRMED)
    assert ", under a seal); confirmed by " in obs.loc[sealed, "evidence"]
    unread = {k for k in appeals if read[k][1] == UNREADABLE}
    for key in unread | {("requests.unavailable_not_held", "natural_person")}:
        assert read[key][1] == UNREADABLE, key
        assert obs.loc[key, "evidence"].startswith("not a number: "), key
        assert obs.loc[key, "locator"].startswith(("page 2, table 1", "page 3, table 2")), key
    assert {read[k][1] for k in appeals} <= {OCR_CONFIRMED, OCR_UNCONFIRMED, UNREADABLE}


def _page_with(lines: list[tuple[int, int, int, int]]) -> np.ndarray:
    """A white 600×1000 page image with black rectangles (x0, y0, x1, y1)."""
    page = np.full((600, 1000), 255, dtype=np.uint8)
    for x0, y0, x1, y1 in lines:
        page[y0:y1, x0:x1] = 0
    return page


def _found(page: np.ndarray) -> list[tuple[list[int], list[int]]]:
    ink = page < ocr.INK
    horizontal, vertical = ocr._runs(ink, ocr.MIN_LINE, 1), ocr._runs(ink, ocr.MIN_LINE, 0)
    return [(g.ys, g.xs) for g in ocr._grids(ink, horizontal, vertical)]


def test_a_table_one_row_high_is_a_grid():
    # a row 26 px high, its vertical lines shorter than a ruling line: left, label, two values
    rules = [(100, 100, 900, 102), (100, 126, 900, 128)]
    rules += [(x, 100, x + 2, 128) for x in (100, 500, 700, 898)]
    (ys, xs), = _found(_page_with(rules))  # fmt: skip
    assert len(ys) == 2 and len(xs) == 4
    assert all(abs(a - b) <= 2 for a, b in zip(xs, (100, 500, 700, 898), strict=True))


def test_strokes_between_two_rules_are_no_table():
    # two long rules 26 px apart (a heading underlined, a rule under it) with characters'
    # vertical strokes between them that stop short of both lines
    rules = [(100, 100, 900, 102), (100, 126, 900, 128)]
    rules += [(x, 105, x + 2, 122) for x in range(120, 880, 30)]
    assert _found(_page_with(rules)) == []
