"""Where the parse stage runs: worker processes on this machine (default), or a Dask cluster.

`with_dask(address)` is the main flow with prefect-dask's DaskTaskRunner: the parse stage is
submitted as chunks of files (not one task per report: Prefect costs milliseconds per task) to
the cluster at `address`, or to a local cluster (one worker process per core) when no address
is given. Everything else runs in the flow's process. On Dask the per-file time and memory
bounds of the local pool do not apply; Dask's worker memory limits do. Dask workers must have
nianbao installed (the same version: results are keyed on its parser version).
"""

from __future__ import annotations

import os

from prefect_dask import DaskTaskRunner

from flows.pipeline import nianbao_pipeline


def dask_task_runner(address: str | None = None) -> DaskTaskRunner:
    if address:
        return DaskTaskRunner(address=address)
    workers = max(1, os.cpu_count() or 1)
    return DaskTaskRunner(
        cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True}
    )


def with_dask(address: str | None = None):
    """The main flow with its tasks submitted to Dask (call it with runner="dask")."""
    return nianbao_pipeline.with_options(task_runner=dask_task_runner(address))
