"""Text shapes of the national form read by the flattened-text parser: the 平潭 department
series (site text, glued runs, （六） printed with one value cell over its three sub-rows) and
text converted from the Jiangsu PDFs (pdftotext -layout, pdfminer's pdf2txt, and the artefacts
OCR/Markdown tools leave: labels and numbers on separate lines, one number per line, Markdown
mini-tables with placeholder headers, page footers and a stray header row inside the table)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.expected_cells import compare, load
from transforms.catalogue import default
from transforms.run.ingest import ingest_file

DEPARTMENTS = FIXTURES / "pingtan_departments"
SHAPES = FIXTURES / "text_shapes"
TRUTH = FIXTURES / "expected"


def _compare(path: Path, truth: dict):
    result = ingest_file(path, path.parent, default())
    assert result.observations is not None, f"{path.name}: {result.report}"
    return result, compare(result.observations, truth)


@pytest.mark.parametrize("path", sorted(DEPARTMENTS.glob("*.txt")), ids=lambda p: p.stem)
def test_department_series_reads_as_transcribed(path):
    _, comparison = _compare(path, load(TRUTH / "pingtan_departments.json", path.stem))
    assert comparison.wrong() == {}, f"{path.name}: wrong cells"
    assert comparison.exact_share == 1.0, f"{path.name}: {comparison.not_exact()}"


def test_spanned_other_handling_rows_are_zero_only_where_the_span_holds_zero(tmp_path):
    """230 with its spanned （六） cell edited to hold 1 (and the totals with it): the 1 is
    printed once for three sub-rows, so no sub-row may claim it; its zeros hold for all three."""
    text = (DEPARTMENTS / "230_pingtan_shichangjianduguanliju_2021.txt").read_text("utf-8")
    edits = (
        ("申请数量5000005", "申请数量6000006"),
        ("其政府信息公开申请00000002.", "其政府信息公开申请10000012."),
        ("（七）总计5000005", "（七）总计6000006"),
    )
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "230_edited.txt"
    path.write_text(text, encoding="utf-8")
    obs = ingest_file(path, tmp_path, default()).observations.set_index(["indicator", "breakdown"])
    for row in ("other_overdue_correction", "other_overdue_fee", "other_other"):
        for column in ("natural_person", "total"):
            cell = obs.loc[(f"requests.{row}", column)]
            assert cell["value_status"] == "ambiguous", f"{row}/{column} must be marked"
            assert "spans the rows" in cell["evidence"]
        assert obs.loc[(f"requests.{row}", "business"), "value"] == 0, f"{row}/business"
    assert obs.loc[("requests.completed_total", "total"), "value"] == 6


@pytest.mark.parametrize(
    "name",
    [
        "huaian_hongze_qu_2024_pdftotext_layout.txt",  # pdftotext -layout
        "huaian_hongze_qu_2024_label_lines.txt",  # labels, then numbers (one per line too)
        "huaian_hongze_qu_2024_md_minitables.md",  # | 数据1 | … | 数据7 | tables, labels outside
    ],
)
def test_converted_pdf_text_reads_every_cell(name):
    _, comparison = _compare(SHAPES / name, load(TRUTH / "huaian_hongze_qu_2024.json"))
    assert comparison.wrong() == {}, f"{name}: wrong cells"
    assert comparison.exact_share >= 0.97, f"{name}: {comparison.not_exact()}"


def test_label_lines_fixture_has_the_artefacts_it_claims():
    text = (SHAPES / "huaian_hongze_qu_2024_label_lines.txt").read_text("utf-8")
    for artefact in ("— 5 —", "第 3 页", "申请人情况\n自然人\n法人或其他组织\n总计", "\n95\n0\n"):
        assert artefact in text, artefact


def test_text_printed_column_by_column_is_marked_never_placed():
    """pdfminer prints the table column by column: a run of seven that fits a label there may
    be seven numbers of other rows, so table 三 is marked, not guessed."""
    result, comparison = _compare(
        SHAPES / "huaian_hongze_qu_2024_pdfminer.txt", load(TRUTH / "huaian_hongze_qu_2024.json")
    )
    assert comparison.wrong() == {}, "pdfminer text: wrong cells"
    obs = result.observations
    requests = obs[obs["indicator"].str.startswith("requests.", na=False)]
    assert set(requests["value_status"]) <= {"ambiguous", "unreadable"}
    ambiguous = requests[requests["value_status"] == "ambiguous"]
    assert ambiguous["evidence"].str.contains("placement not certain|prints no digits").all()
