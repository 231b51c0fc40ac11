"""The OCR reader on a scanned copy of a real report (洪泽区 2023, national 2021 form): the
cells of tables 三 and 四 it gives, through the national parser and normalise, are the values
the text-layer reader gets from the source PDF, each marked as read by OCR."""

from __future__ import annotations

from pathlib import Path

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
    got = obs[obs["indicator"].notna() & obs["indicator"].str.match(TABLES)]
    read = {
        (i, b): (v, s)
        for i, b, v, s in zip(
            got["indicator"], got["breakdown"], got["value"], got["value_status"], strict=True
        )
    }
    exact = [k for k, v in expected.items() if k in read and read[k][0] == v]
    wrong = [
        k for k in read if k in expected and read[k][0] == read[k][0] and read[k][0] != expected[k]
    ]
    assert not wrong
    assert len(exact) >= least
    assert {s for k, (_, s) in read.items() if k not in exact} <= {AMBIGUOUS, UNREADABLE, BLANK}
