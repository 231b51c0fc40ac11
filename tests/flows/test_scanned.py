"""A scanned report through the whole pipeline: the 洪泽区 2023 scan (image-only PDF) lands in
the warehouse with its values marked as read by OCR, and its two printed table-四 defects are
findings, as they are from the text-layer PDF."""

from __future__ import annotations

import shutil

import duckdb

from flows.pipeline import nianbao_pipeline
from tests.conftest import FIXTURES


def test_a_scan_is_read_by_ocr_and_keeps_its_findings(prefect_api, tmp_path):
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    shutil.copy(FIXTURES / "scanned" / "huaian_hongze_qu_2023.pdf", raw)
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    con = duckdb.connect(str(curated / "warehouse.duckdb"), read_only=True)
    try:
        findings = con.sql(
            "SELECT check_id, expected, actual FROM findings WHERE kind = 'identity' ORDER BY 1"
        ).fetchall()
        statuses = dict(
            con.sql("SELECT value_status, count(*) FROM observations GROUP BY 1").fetchall()
        )
        report = con.sql("SELECT status, body, report_year, encoding FROM reports").fetchall()
    finally:
        con.close()
    assert findings == [
        ("national_appeals_litigation_after_review", 5, 0),
        ("national_appeals_review", 11, 0),
    ]
    assert report == [("parsed", "洪泽区人民政府", 2023, "ocr")]
    assert set(statuses) == {"ocr_confirmed", "ocr_unconfirmed"}
