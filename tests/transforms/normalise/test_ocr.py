"""Settling OCR numbers with the identities, on cells built to break them: table 四's review
row (总计 = 维持 + 纠正 + 其他 + 尚未审结)."""

from __future__ import annotations

import dataclasses

import pytest

from transforms.catalogue import default
from transforms.extract.readers import OcrRead
from transforms.extract.templates import ParsedTable, RawCell
from transforms.normalise.rows import observations
from transforms.schemas import AMBIGUOUS, OCR_CONFIRMED, OCR_UNCONFIRMED

SURE, UNSURE = 96.0, 60.0


def _review(*cells: tuple[str, float, tuple[str, ...]], sealed: tuple[int, ...] = ()):
    """The 15 cells of table 四: the review group's five as given (those at the `sealed`
    indexes under a seal), the rest sure zeros."""
    given = list(cells) + [("0", SURE, ())] * (15 - len(cells))
    positions = default().positional("national", "appeals")
    raw = tuple(
        RawCell("四", "", p.column_as_printed, p.column_as_printed, text, f"cell {p.position}",
                table="appeals", position=p.position, ocr=OcrRead(conf, alts, i in sealed))
        for i, (p, (text, conf, alts)) in enumerate(zip(positions, given, strict=True))
    )  # fmt: skip
    obs = observations(ParsedTable("national_2021", raw), "r", default())
    return obs.set_index("indicator").loc[lambda f: f.index.str.startswith("appeals.review.")]


def test_an_identity_that_holds_confirms_every_cell_of_it():
    got = _review(
        ("3", SURE, ()), ("1", UNSURE, ()), ("0", SURE, ()), ("0", SURE, ()), ("4", SURE, ())
    )
    assert set(got["value_status"]) == {OCR_CONFIRMED}
    assert got["evidence"].str.contains("confirmed by national_appeals_review").all()
    assert got.loc["appeals.review.corrected", "value"] == 1


def test_a_sure_number_is_kept_where_the_identity_fails():
    got = _review(
        ("3", SURE, ()), ("1", SURE, ()), ("0", SURE, ()), ("0", SURE, ()), ("5", SURE, ())
    )
    assert set(got["value_status"]) == {OCR_UNCONFIRMED}
    assert got.loc["appeals.review.total", "value"] == 5  # never corrected
    assert "contradicted by national_appeals_review" in got.loc["appeals.review.total", "evidence"]


def test_a_confident_number_under_a_seal_no_identity_can_judge_is_ambiguous():
    # 维持 "9" read with confidence 96 through a seal's red, 纠正 unreadable: no identity can
    # judge the 9; a digit under a seal is never taken on OCR's confidence alone (a 0 under a
    # seal reads as 9 with confidence 91). Before: ocr_unconfirmed 9, "sure".
    got = _review(
        ("9", SURE, ()), ("人", 40.0, ()), ("0", SURE, ()), ("0", SURE, ()), ("4", SURE, ()),
        sealed=(0,),
    )  # fmt: skip
    row = got.loc["appeals.review.upheld"]
    assert row["value_status"] == AMBIGUOUS and row["value"] != row["value"]
    assert row["evidence"].startswith("OCR read '9' (confidence 96, under a seal), unsure; ")


def test_a_number_under_a_seal_is_confirmed_by_an_identity_that_holds():
    got = _review(
        ("3", SURE, ()), ("1", SURE, ()), ("0", SURE, ()), ("0", SURE, ()), ("4", SURE, ()),
        sealed=(0,),
    )  # fmt: skip
    row = got.loc["appeals.review.upheld"]
    assert (row["value"], row["value_status"]) == (3, OCR_CONFIRMED)
    assert (
        "under a seal" in row["evidence"]
        and "confirmed by national_appeals_review" in (row["evidence"])
    )


def test_an_unsure_digit_is_settled_by_the_one_reading_that_fits():
    got = _review(
        ("3", SURE, ()),
        ("7", UNSURE, ("7", "1")),
        ("0", SURE, ()),
        ("0", SURE, ()),
        ("4", SURE, ()),
    )
    row = got.loc["appeals.review.corrected"]
    assert (row["value"], row["value_status"]) == (1, OCR_CONFIRMED)
    assert "its reading '1' settled by national_appeals_review" in row["evidence"]


def test_an_unsure_digit_no_identity_settles_is_ambiguous_with_its_readings():
    got = _review(
        ("3", SURE, ()),
        ("7", UNSURE, ("7", "8")),
        ("0", SURE, ()),
        ("0", SURE, ()),
        ("4", SURE, ()),
    )
    row = got.loc["appeals.review.corrected"]
    assert row["value_status"] == AMBIGUOUS and row["value"] != row["value"]  # NaN: no value
    assert row["evidence"].endswith("readings: 7 | 8")


def test_an_unsure_digit_in_a_table_defect_is_kept_and_the_defect_stays():
    # 10 + x + 0 + 0 = 0 fails for every x: the failure is the table's, not the reading's
    got = _review(
        ("10", SURE, ()), ("1", UNSURE, ()), ("0", SURE, ()), ("0", SURE, ()), ("0", SURE, ())
    )
    row = got.loc["appeals.review.corrected"]
    assert (row["value"], row["value_status"]) == (1, OCR_UNCONFIRMED)
    assert "fails whatever it reads" in row["evidence"]


@pytest.mark.parametrize("text", ["", "x7"])
def test_ink_ocr_cannot_read_is_not_a_blank(text):
    got = _review((text, 10.0, ()))
    assert got.loc["appeals.review.upheld", "value_status"] == "unreadable"


def test_numbers_a_parser_found_in_ocr_text_lines_are_ocr_numbers_too():
    """A scan's table printed without ruling lines is parsed from the OCR text lines: those
    cells carry no OCR confidence, so each is unsure; identities of several unsure cells vouch
    for none of them, so none is taken."""
    from tests.conftest import FIXTURES
    from transforms.extract.readers import read_document
    from transforms.extract.templates import parse_document

    path = FIXTURES / "pingtan_2021_national_flat.txt"
    text = read_document(path, path.read_bytes())
    scan = dataclasses.replace(text, ocr=True)
    obs = observations(parse_document(scan, default()), "r", default())
    numbers = obs[obs["raw_value"].str.fullmatch(r"\d+")]
    assert len(numbers) > 100
    assert set(numbers["value_status"]) == {AMBIGUOUS}
    assert numbers["evidence"].str.contains("no confidence known").any()


def test_two_unsure_cells_that_balance_confirm_nothing():
    # 87 misread "8" twice, as 维持 and as 总计: the identity holds, and vouches for neither
    got = _review(
        ("8", UNSURE, ()), ("0", SURE, ()), ("0", SURE, ()), ("0", SURE, ()), ("8", UNSURE, ())
    )
    assert got.loc[["appeals.review.upheld", "appeals.review.total"], "value_status"].tolist() == [
        AMBIGUOUS,
        AMBIGUOUS,
    ]
    assert got.loc["appeals.review.other", "value_status"] == OCR_UNCONFIRMED


def _fujian_requests(total: tuple[str, float, tuple[str, ...]]):
    """The 公安局 2018 form's request rows (总数 ≥ 当面 + 网上 + 信函, a bound: no equality
    holds them), the total as given, the channels read sure as 0, 0 and 1."""
    part = "受理政府信息公开申请总数"
    zero, one = ("0", SURE, ()), ("1", SURE, ())
    rows = [("", part, total), (part, "其中：1.当面申请数", zero), (part, "2.网上申请数", zero),
            (part, "3.信函申请数", one)]  # fmt: skip
    raw = tuple(
        RawCell("政府信息公开情况统计表", group, label, "2017年度", text, f"row {i}",
                ocr=OcrRead(conf, alts))
        for i, (group, label, (text, conf, alts)) in enumerate(rows, 1)
    )  # fmt: skip
    obs = observations(ParsedTable("fujian_pre2019", raw), "r", default())
    return obs.set_index("indicator")


def test_a_bound_that_holds_confirms_nothing():
    got = _fujian_requests(("1", SURE, ()))
    assert set(got["value_status"]) == {OCR_UNCONFIRMED}
    assert got["evidence"].str.endswith("no identity confirms it").all()


def test_a_bound_settles_no_unsure_digit():
    # 7 or 1: both are at least 0 + 0 + 1, so the bound cannot tell them apart
    got = _fujian_requests(("7", UNSURE, ("7", "1")))
    row = got.loc["fujian.requests.received"]
    assert row["value_status"] == AMBIGUOUS and row["value"] != row["value"]
    assert row["evidence"].endswith("no identity can settle it; readings: 7 | 1")


def test_a_bound_a_sure_total_falls_short_of_is_a_contradiction():
    got = _fujian_requests(("0", SURE, ()))
    assert got.loc["fujian.requests.received", "value"] == 0  # kept as read
    assert (
        "contradicted by fujian_f2_listed_channels_le_three"
        in (got.loc["fujian.requests.received", "evidence"])
    )
