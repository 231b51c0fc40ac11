"""The scanned copy of 洪泽区 2023 through ingest and the checks: OCR must not hide the
report's printed defects (its two table 四 totals that do not add up), nor add any."""

from __future__ import annotations

from tests.conftest import FIXTURES
from tests.expectations.test_national_checks import _checks, _failed, assert_hongze_2023_defects
from transforms.catalogue import default
from transforms.run.incremental import ingest_files

SCAN = FIXTURES / "scanned" / "huaian_hongze_qu_2023.pdf"


def test_the_scan_fails_exactly_the_two_appeal_totals_of_the_printed_table(tmp_path):
    reports, obs, _ = ingest_files([SCAN], FIXTURES, default())
    assert reports.set_index("source_file").loc["scanned/huaian_hongze_qu_2023.pdf"][
        ["status", "body", "report_year", "template"]
    ].tolist() == ["parsed", "洪泽区人民政府", 2023, "national_2021"]
    checks = _checks(reports, obs, tmp_path)
    assert_hongze_2023_defects(_failed(checks, "scanned/huaian_hongze_qu_2023.pdf"))
