"""Corrections end to end: corrections.csv through the real flow on real reports.

洪泽区 2023 (PDF) prints 行政复议 总计 0 beside parts that add up to 11 (national_appeals_review
fails, as printed). Nights, one curated folder:

0. no corrections file
1. only corrections.csv is new: 洪泽区's total corrected 0 → 11; the seed's 兼职人员 752 → 760
   (which breaks the seed's staff identity on the corrected values); a row with a corrected
   value that is not a number
2. the seed file changes (its 752 printed as 753): its correction is stale
3. nothing changes
4. corrections.csv is not a corrections file at all
"""

from __future__ import annotations

import hashlib
import shutil

import duckdb
import pytest

from flows.pipeline import nianbao_pipeline
from tests.conftest import FIXTURES, SEED, mutate_lines, warehouse_tables
from transforms.normalise.corrections import FIELDS

HONGZE = "huaian_hongze_qu_2023.pdf"
SEED_FILE = "changchun_2012.txt"


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(raw) -> list[str]:
    hongze, seed = _sha(raw / HONGZE), _sha(raw / SEED_FILE)
    return [
        ",".join(FIELDS),
        f"{HONGZE},{hongze},appeals.review.total,total,0,11,"
        "总计 printed 0; 维持 10 + 纠正 1 = 11,the parts of the row,analyst,2026-12-04",
        f"{SEED_FILE},{seed},jilin.staff.part_time,total,752,760,"
        "a test of a correction that breaks an identity,,analyst,2026-12-04",
        f"{HONGZE},{hongze},appeals.review.upheld,total,10,abc,typo,,analyst,2026-12-04",
    ]


QUERIES = {  # what each night's warehouse says (the curated folder is the last night's)
    "corrections": "SELECT line, status || ': ' || status_reason FROM corrections",
    "core": "SELECT r.source_file, c.value, c.value_corrected, c.corrected FROM core_indicators c "
    "JOIN reports r USING (report_id) WHERE indicator = 'review_cases'",
    "layer": "SELECT value, value_corrected, correction_line FROM observations_corrected "
    "WHERE indicator = 'appeals.review.total'",
    "printed": "SELECT value FROM observations WHERE indicator = 'appeals.review.total'",
    "appeals": "SELECT review_total, corrected_cells FROM appeals",
    "series": "SELECT value, corrected FROM body_year_series WHERE indicator = 'review_cases' "
    "AND body LIKE '%洪泽%'",
    "checks": "SELECT r.source_file, c.check_id, c.value_set, c.passed FROM check_results c "
    "LEFT JOIN reports r USING (report_id) WHERE c.check_id IN ('national_appeals_review', "
    "'jilin_j1_staff') OR c.kind = 'correction' ORDER BY ALL",
    "findings": "SELECT source_file, breakdown, value_set, message FROM findings "
    "WHERE check_id = 'correction_current' ORDER BY locator",
}


def _ask(curated) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(curated / "warehouse.duckdb"), read_only=True)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in QUERIES.items()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def nights(prefect_api, tmp_path_factory):
    base = tmp_path_factory.mktemp("corrections")
    raw, curated, corrections = base / "raw", base / "curated", base / "corrections.csv"
    raw.mkdir()
    shutil.copy(FIXTURES / HONGZE, raw)
    seed = SEED.read_text(encoding="utf-8")
    (raw / SEED_FILE).write_text(seed, encoding="utf-8")
    out = []

    def night(**kwargs):
        summary = nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated), **kwargs)
        said = _ask(curated)
        tables = warehouse_tables(curated / "warehouse.duckdb")
        out.append({"summary": summary, "tables": tables, **said})
        out[-1]["corrections"] = dict(said["corrections"])

    night()  # 0: corrections.csv beside the raw folder is the default: there is none
    corrections.write_text("\n".join(_rows(raw)) + "\n", encoding="utf-8")
    night()  # 1
    (raw / SEED_FILE).write_text(mutate_lines(seed, {59: "753"}), encoding="utf-8")
    night()  # 2
    night()  # 3
    night(corrections_file=str(FIXTURES / "changchun_2012_jilin.txt"))  # 4: not a CSV of them
    return {"nights": out, "raw": raw, "curated": curated, "corrections": corrections}


def _printed(tables) -> list[tuple]:
    return [row for row in tables["check_results"] if row[-1] == "printed"]


def test_changing_only_corrections_csv_rebuilds_the_warehouse(nights):
    first, second = nights["nights"][:2]
    assert first["corrections"] == {}
    s = second["summary"]
    assert (s.status, s.files_read, s.files_changed) == ("completed", 0, 0)
    assert s.corrections == {"applied": 2, "invalid": 1}
    assert "corrections:       3 (2 applied, 1 invalid)" in s.lines()
    assert first["summary"].corrections == {}
    assert second["tables"]["corrections"] != first["tables"]["corrections"]


def test_a_fixed_misprint_changes_the_corrected_values_not_the_printed_ones(nights):
    first, second = nights["nights"][:2]
    assert second["corrections"][2].startswith("applied: appeals.review.total[total] printed 0")
    assert (HONGZE, 0, 11, True) in second["core"]
    assert (HONGZE, 0, 0, False) in first["core"]
    # printed everywhere else: the table, the wide view (which counts its corrected cells)
    assert second["layer"] == [(0.0, 11.0, 2)]
    assert second["printed"] == first["printed"] == [(0.0,)]
    assert second["appeals"] == [(0, 1)] and first["appeals"] == [(0, 0)]
    assert second["series"] == [(11, True)]  # the series uses the corrected values, and says so
    assert first["series"] == [(0, False)]


def test_checks_run_on_both_value_sets_and_the_printed_ones_do_not_change(nights):
    first, second = nights["nights"][:2]
    assert _printed(second["tables"]) == first["tables"]["check_results"]
    assert _printed(first["tables"]) == first["tables"]["check_results"]
    checks = {c[:3]: c[3] for c in second["checks"] if c[1] != "correction_current"}
    assert checks == {
        (HONGZE, "national_appeals_review", "printed"): False,
        (HONGZE, "national_appeals_review", "corrected"): True,  # the correction fixes it
        (SEED_FILE, "jilin_j1_staff", "printed"): True,
        (SEED_FILE, "jilin_j1_staff", "corrected"): False,  # 760 breaks 专职 + 兼职 = 总数
    }


def test_a_malformed_row_is_a_finding_naming_its_line(nights):
    second = nights["nights"][1]
    assert second["corrections"][4] == (
        "invalid: corrected_value 'abc' is not a number of zero or more"
    )
    ((source, cell, value_set, message),) = second["findings"]
    assert (source, cell, value_set) == (HONGZE, "cell appeals.review.upheld[total]", "corrected")
    assert message.startswith("correction on corrections.csv line 4 is invalid: corrected_value")


def test_a_correction_of_a_changed_file_is_stale_and_a_finding(nights):
    third = nights["nights"][2]
    s = third["summary"]
    assert (s.files_changed, s.files_read) == (1, 1)
    assert third["corrections"][3].startswith("stale: the file changed: its sha256 is now ")
    assert third["corrections"][2].startswith("applied")
    assert [f[:3] for f in third["findings"]] == [
        (SEED_FILE, "cell jilin.staff.part_time[total]", "corrected"),
        (HONGZE, "cell appeals.review.upheld[total]", "corrected"),
    ]
    assert "corrections.csv line 3 is stale: the file changed" in third["findings"][0][3]
    seed_checks = {c[1:3] for c in third["checks"] if c[0] == SEED_FILE}
    assert seed_checks == {("jilin_j1_staff", "printed"), ("correction_current", "corrected")}


def test_unchanged_corrections_and_files_are_no_change(nights):
    third, fourth = nights["nights"][2:4]
    assert fourth["summary"].status == "no_changes"
    assert fourth["tables"] == third["tables"]


def test_the_incremental_state_equals_a_full_refresh(nights, tmp_path):
    refreshed = tmp_path / "curated"
    shutil.copytree(nights["curated"], refreshed)
    summary = nianbao_pipeline(
        raw_dir=str(nights["raw"]),
        curated_dir=str(refreshed),
        full_refresh=True,
        corrections_file=str(nights["corrections"]),
    )
    assert summary.files_read == 2
    # the state of night 3 (night 4 read another corrections file)
    assert warehouse_tables(refreshed / "warehouse.duckdb") == nights["nights"][3]["tables"]


def test_a_file_that_is_not_a_corrections_csv_is_one_finding_not_a_crash(nights):
    fifth = nights["nights"][4]
    assert fifth["summary"].status == "completed"
    assert fifth["corrections"] == {
        1: "invalid: changchun_2012_jilin.txt: the header must be " + ",".join(FIELDS)
    }
    assert [f[:3] for f in fifth["findings"]] == [
        ("changchun_2012_jilin.txt", "line 1", "corrected")
    ]
    assert fifth["series"] == [(0, False)]  # nothing applied
