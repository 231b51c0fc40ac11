import pytest

from transforms.extract.cells import ANNOTATED, APPROXIMATE, BLANK, NUMBER, UNREADABLE, parse_cell


@pytest.mark.parametrize(
    ("text", "value", "status"),
    [
        ("1856", 1856, NUMBER),
        ("0", 0, NUMBER),
        ("11398889", 11398889, NUMBER),
        ("5949.088667", 5949.088667, NUMBER),
        ("１２３４", 1234, NUMBER),  # full-width digits
        ("1,234", 1234, NUMBER),
        ("１，２３４", 1234, NUMBER),  # full-width thousands separator
        (" 752 ", 752, NUMBER),
        ("1234①", 1234, ANNOTATED),  # footnote stripped before NFKC, not read as 12341
        ("22（其中修订16件）", 22, ANNOTATED),
        ("251000元", 251000, ANNOTATED),
        ("0件", 0, ANNOTATED),
        ("-3", -3, NUMBER),  # printed negative: kept, flagged by the non-negative check
    ],
)
def test_numbers_are_read_exactly(text, value, status):
    cell = parse_cell(text)
    assert (cell.value, cell.status) == (value, status)


@pytest.mark.parametrize("text", ["", "\u00a0", "&nbsp;", "—", "-", "/", "无", "暂无", None])
def test_blanks_are_not_zero(text):
    cell = parse_cell(text)
    assert cell.status == BLANK
    assert cell.value is None


@pytest.mark.parametrize("text", ["4000余", "约300", "近300", "超2300"])
def test_approximations_are_not_values(text):
    assert parse_cell(text) == parse_cell(text)  # deterministic
    assert parse_cell(text).status == APPROXIMATE
    assert parse_cell(text).value is None


@pytest.mark.parametrize("text", ["1,23", "12abc", "见附件", "1.2.3", "10/20"])
def test_unreadable_cells_are_marked_not_guessed(text):
    cell = parse_cell(text)
    assert cell.status == UNREADABLE
    assert cell.value is None
