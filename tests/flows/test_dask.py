"""The parse stage on a Dask cluster (prefect-dask's task runner, a real 2-worker LocalCluster)
gives exactly the tables of the default runner."""

from __future__ import annotations

import shutil

import pytest
from distributed import LocalCluster

from flows.pipeline import nianbao_pipeline
from flows.runners import with_dask
from tests.conftest import FIXTURES, SEED, warehouse_tables


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


def test_dask_runner_gives_the_default_runners_tables(prefect_api, cluster, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw)
    for name in (
        "huaian_hongze_qu_2023.pdf",
        "pingtan_2021_national_flat.txt",
        "pingtan_2022_national_flat.txt",
        "fujian_pingtan_2018_gonganju.html",
    ):
        shutil.copy(FIXTURES / name, raw)  # fmt: skip
    local = nianbao_pipeline(raw_dir=str(raw), curated_dir=str(tmp_path / "local"))
    dask = with_dask(cluster.scheduler_address)(
        raw_dir=str(raw), curated_dir=str(tmp_path / "dask"), runner="dask"
    )
    assert dask.files_read == local.files_read == 5
    assert warehouse_tables(tmp_path / "dask" / "warehouse.duckdb") == warehouse_tables(
        tmp_path / "local" / "warehouse.duckdb"
    )
    ran = cluster.scheduler.task_prefixes["parse_chunk"].state_counts  # on the cluster
    assert ran["memory"] == 5  # five files, five chunks, each computed on a Dask worker
