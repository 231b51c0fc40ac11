"""Every national-form fixture, in every shape it is published in, against its hand transcription.

For each file: it is read (never `failed`), at least 97% of the cells of tables 三 and 四 are
exact, none is wrong, and every cell that is not exact is either marked (ambiguous, unreadable)
or listed by the report's `table_incomplete` finding: nothing is silently lost or wrong.
The fixtures are real reports (or real tools' renderings of them); each shape's own tests pin
its details, this test holds the whole corpus to the same bar.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import FIXTURES
from tests.expected_cells import compare, load
from transforms import catalogue
from transforms.completeness import evaluate_completeness
from transforms.ingest import ingest_file

EXPECTED = FIXTURES / "expected"
SHENPIJU = EXPECTED / "pingtan_shenpiju_2025_national2021.json"
DEPARTMENTS = EXPECTED / "pingtan_departments.json"

# (fixture, transcription): the fixture's own stem picks its report in a corpus file
CORPUS: list[tuple[str, Path]] = [
    ("huaian_shi_2024.pdf", EXPECTED / "huaian_shi_2024.json"),
    ("huaian_hongze_qu_2023.pdf", EXPECTED / "huaian_hongze_qu_2023.json"),
    ("huaian_hongze_qu_2024.pdf", EXPECTED / "huaian_hongze_qu_2024.json"),
    ("huaian_shi_2024.md", EXPECTED / "huaian_shi_2024.json"),
    ("huaian_shi_2024_cells.txt", EXPECTED / "huaian_shi_2024.json"),
    ("pingtan_shenpiju_2025_national2021.html", SHENPIJU),
]
SHARE = 0.97


def _files(folder: str, pattern: str, truth: Path) -> list[tuple[str, Path]]:
    return [(f"{folder}/{p.name}", truth) for p in sorted((FIXTURES / folder).glob(pattern))]


def _truth(fixture: str, truth: Path) -> dict:
    stem = Path(fixture).stem
    return load(truth, stem) if truth == DEPARTMENTS else load(truth)


@pytest.mark.parametrize(("fixture", "truth"), CORPUS, ids=[f for f, _ in CORPUS])
def test_every_cell_is_exact_marked_or_listed_as_not_found(fixture, truth):
    cat = catalogue.default()
    path = FIXTURES / fixture
    result = ingest_file(path, path.parent, cat)
    report = result.report
    assert report["status"] in ("parsed", "partial"), f"{fixture}: {report['error']}"
    outcome = compare(result.observations, _truth(fixture, truth))
    assert not outcome.wrong(), f"{fixture}: wrong cells {outcome.wrong()}"
    assert outcome.exact_share >= SHARE, f"{fixture}: {outcome.counts} {outcome.not_exact()}"
    verdict = evaluate_completeness(result.observations, pd.DataFrame([report]), cat)
    assert verdict["actual"].tolist() == [outcome.counts["missing"]], (
        f"{fixture}: table_incomplete says {verdict['message'].tolist()}, "
        f"the transcription misses {outcome.counts['missing']}"
    )
