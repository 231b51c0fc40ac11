"""Publishing a run that re-read a few reports: a copy of the published warehouse with only the
rows the run replaced (those of the re-read reports, of the checks spanning their bodies'
reports, and of the checks recomputed every run), equal to a warehouse built from the files;
past `REPLACED_SHARE` of the reports, or where the copy does not add up, a build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.pipeline import nianbao_pipeline
from tests.conftest import FIXTURES, SEED, mutate_lines, progress_messages, warehouse_tables
from transforms.store import curated, warehouse

# the Jilin seed, a Fujian body's reports of three years (cross-year checks span them), and
# two bodies' series of the national form: 18 reports, so that one body's three are under
# REPLACED_SHARE of them
REPORTS = [
    "fujian_pingtan_2011_county_flat.txt",
    "fujian_pingtan_2012_county_flat.txt",
    "fujian_pingtan_2013_county_flat.txt",
    "fujian_pingtan_2011_main_flat.txt",
    "fujian_pingtan_2013_main_flat.txt",
    "pingtan_2021_national_flat.txt",
    "pingtan_2022_national_flat.txt",
    *sorted(f"pingtan_departments/{p.name}" for p in (FIXTURES / "pingtan_departments").iterdir()),
]


def _run(raw: Path, folder: Path, full_refresh: bool = False) -> list[str]:
    with progress_messages() as messages:
        nianbao_pipeline(raw_dir=str(raw), curated_dir=str(folder), full_refresh=full_refresh)
    return messages


def _copies(published, tmp_path: Path) -> tuple[Path, Path]:
    """Copies of the published raw folder and outputs, for a test to change."""
    raw, base = published
    shutil.copytree(raw, tmp_path / "raw")
    shutil.copytree(base, tmp_path / "curated")
    return tmp_path / "raw", tmp_path / "curated"


@pytest.fixture(scope="module")
def published(prefect_api, tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    shutil.copy(SEED, raw / "seed.txt")
    for name in REPORTS:
        shutil.copy(FIXTURES / name, raw / Path(name).name)
    base = tmp_path_factory.mktemp("base")
    _run(raw, base)
    return raw, base


def _refreshed(raw: Path, folder: Path, tmp_path: Path) -> dict:
    """The data tables of a full refresh of `raw` over a copy of `folder`."""
    copy = tmp_path / "refreshed"
    shutil.copytree(folder, copy)
    _run(raw, copy, full_refresh=True)
    return warehouse_tables(copy / "warehouse.duckdb")


def test_a_run_that_changed_one_report_updates_a_copy_equal_to_a_build(
    published, tmp_path, seed_text
):
    raw, folder = _copies(published, tmp_path)
    # the Jilin seed's 兼职人员 752 → 753: rule jilin_j1_staff breaks
    (raw / "seed.txt").write_text(mutate_lines(seed_text, {59: "753"}), encoding="utf-8")
    messages = _run(raw, folder)
    assert "updating a copy of the warehouse: the rows of 1 reports replaced" in messages
    tables = warehouse_tables(folder / "warehouse.duckdb")
    failed = {(c[1], c[5]) for c in tables["check_results"] if c[5] is False}
    assert ("jilin_j1_staff", False) in failed  # the changed report's new failure is published
    assert tables == _refreshed(raw, folder, tmp_path)
    entry = curated.read_manifest(folder)[warehouse.WAREHOUSE_NAME]
    assert curated.damage_of_file(folder / warehouse.WAREHOUSE_NAME, entry) is None


def test_a_changed_report_of_a_series_replaces_the_checks_spanning_its_body(published, tmp_path):
    raw, folder = _copies(published, tmp_path)
    with (raw / "fujian_pingtan_2012_county_flat.txt").open("a", encoding="utf-8") as f:
        f.write("\n本年度没有收取信息公开费用。\n")
    messages = _run(raw, folder)
    assert any(m.startswith("updating a copy of the warehouse") for m in messages)
    assert warehouse_tables(folder / "warehouse.duckdb") == _refreshed(raw, folder, tmp_path)


def test_many_changed_reports_are_published_by_a_build(published, tmp_path):
    raw, folder = _copies(published, tmp_path)
    for name in REPORTS[:5]:  # 5 of 18: over REPLACED_SHARE
        with (raw / name).open("a", encoding="utf-8") as f:
            f.write("\n本年度没有收取信息公开费用。\n")
    messages = _run(raw, folder)
    assert not any(m.startswith("updating a copy") for m in messages)
    assert warehouse_tables(folder / "warehouse.duckdb") == _refreshed(raw, folder, tmp_path)


def test_a_copy_that_does_not_add_up_is_rebuilt(published, tmp_path):
    """Rows said kept that the staged file does not hold (a `Kept` that keeps every row of the
    copy while the staged file lost one report's): the copy's count differs, the warehouse is
    built from the files instead."""
    import duckdb

    _, base = published
    folder = tmp_path / "curated"
    shutil.copytree(base, folder)
    con = duckdb.connect()
    staged = curated.staging_path(folder / "observations.parquet")
    con.execute(
        "COPY (SELECT * FROM read_parquet(?) WHERE report_id <> (SELECT min(report_id) FROM "
        "read_parquet(?))) TO '" + str(staged) + "' (FORMAT parquet)",
        [str(folder / "observations.parquet")] * 2,
    )
    con.close()
    keep_all = warehouse.Kept("true", {}, 1)
    with progress_messages() as messages:
        warehouse.replace_tables(folder, {"observations": staged}, "r", {"observations": keep_all})
    assert "the updated copy differs from the staged files: rebuilt" in messages
    got = warehouse_tables(folder / "warehouse.duckdb", ("observations",))["observations"]
    assert len(got) == curated.row_count(folder / "observations.parquet")
