"""The nianbao flow: raw files → long Parquet → Great Expectations → DuckDB, then alerts.

scan (what changed) → parse (workers read, normalise and check each report, writing Parquet to
the run's spool; GE judges the spool as it is written) → check (GE over the rest of the spool;
checks spanning reports; the tables staged out of core) → report (findings, quality page, the
alert recorded `pending`) → publish (warehouse, Parquet and manifest in one step) → send
alerts. An unchanged raw folder re-publishes the same tables with the new run's row. The tasks
are in `flows.tasks`; the environment is read once, in `flows.settings`. Progress goes to the
logger `nianbao.progress`, which the CLI shows.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from prefect.exceptions import TerminationSignal
from prefect.utilities.annotations import quote

from flows import tasks
from flows.settings import Settings
from flows.tasks import Run
from transforms import catalogue as catalogue_module
from transforms.quality.summary import RunSummary, summarise
from transforms.run import corrections as run_corrections
from transforms.run import history as runs
from transforms.run import incremental, outputs
from transforms.run.lock import run_lock
from transforms.store import curated, remote, tables


def _run(run: Run) -> RunSummary:
    tables.lean_arrow_memory()
    if leftovers := curated.clear_leftovers(run.curated):
        tasks.progress.info("removed %d files left by an interrupted run", len(leftovers))
    if run.publish_to:
        tasks.fetch_state(run)
    previous, todo, damaged, written, corrections_changed = tasks.scan(run).take()
    files = runs.FileCounts(
        len(todo.paths), todo.files_new, todo.files_changed, todo.files_removed, len(todo.to_read)
    )
    error = "damaged state, rebuilt: " + "; ".join(damaged) if damaged else None
    with outputs.Workspace(run.curated, run.run_id) as ws:
        before = outputs.previous_failed(ws.con, previous)
        if not todo.changed and not corrections_changed and not previous.reports.empty:
            tasks.progress.info("no changes: the published tables stand")
            reports, parquet = previous.reports, curated.published(run.curated)
            n_observations = curated.row_count(parquet["observations"])
            found = outputs.tallies(  # the failed rows are those published: read above
                ws.con, parquet["check_results"], n_observations, failed=before
            )
            status, frames, stamp, replaced = "no_changes", {}, None, None
        else:
            if run.runner == "dask":  # submits its chunks as tasks itself
                fresh, validation = tasks.parse_distributed(run, todo, ws).take()
            else:
                fresh, validation = tasks.parse(run, quote(todo), ws).take()
            assembled = incremental.assemble_reports(todo, fresh, run.raw, previous)
            del fresh  # its rows are in assembled.reports
            reports = assembled.reports
            parquet, found, replaced = tasks.check(
                run, ws, quote(previous), quote(assembled), quote(written), quote(validation)
            ).take()
            status, stamp = "completed", run.run_id
            frames = {"reports": reports, **curated.catalogue_frames(catalogue_module.default())}
    try:
        row = tasks.run_row(run, files, reports, found.checks, status, error=error)
        row, alerts, alert = tasks.report(run, reports, found.failed, before, previous.reports, row)
        small = tasks.write_parquet(
            tasks.with_history(run, frames, row, alerts), run.curated, stamp
        )
    except BaseException:
        curated.discard({t: p for t, p in parquet.items() if p.name != f"{t}.parquet"})
        raise
    parquet = {**parquet, **small}
    unchanged = small if status == "no_changes" else None  # only runs and alerts are new
    warehouse = tasks.publish_warehouse(
        parquet, run.curated, run.run_id, unchanged, quote(replaced)
    )
    if run.publish_to:
        warehouse = tasks.upload_outputs(run, [f"{name}.parquet" for name in parquet])
    tasks.send_alerts(run)  # only now: the data is out whatever the sinks do
    if alert is not None:
        tasks.artifact(alert.markdown())
    tasks.progress.info("done")
    docs = str(run.curated / "data_docs" / "index.html")
    corrections = run_corrections.tally(run.curated / "corrections.parquet")
    return summarise(
        row, reports, found.observations, found.checks, str(warehouse), docs, corrections
    )


@flow(name="nianbao", log_prints=False)
def nianbao_pipeline(
    raw_dir: str = "data/raw",
    curated_dir: str = "data/curated",
    full_refresh: bool = False,
    config_file: str | None = None,
    wait: bool = False,
    runner: str = "local",
    corrections_file: str | None = None,
) -> RunSummary:
    """Read what changed under raw_dir, check it, publish the warehouse under curated_dir (a
    folder, or a filesystem URL such as s3://bucket/prefix: see `transforms.store.remote`), and
    alert on new findings (sinks from config_file / NIANBAO_* environment variables). One run
    at a time per curated folder: another run refuses (RunLocked), or queues when `wait`.
    runner "dask" submits the parse stage to the flow's task runner in chunks; use the flow from
    `flows.runners.with_dask`, which sets a DaskTaskRunner. corrections_file: the analysts'
    corrections (default: NIANBAO_CORRECTIONS, else corrections.csv beside raw_dir; none if
    missing)."""
    started = runs.now()
    raw = Path(raw_dir).resolve()
    remote_target = remote.is_remote(curated_dir)
    run = Run(
        run_id=runs.new_run_id(started),
        started=started,
        raw=raw,
        curated=remote.staging_dir(curated_dir) if remote_target else Path(curated_dir).resolve(),
        full_refresh=full_refresh,
        settings=Settings.load(config_file, raw=raw, corrections_file=corrections_file),
        runner=runner,
        publish_to=curated_dir if remote_target else None,
    )
    with run_lock(run.curated, run.run_id, wait):
        try:
            return _run(run)
        except (Exception, KeyboardInterrupt, TerminationSignal) as exc:  # SIGINT, SIGTERM too
            tasks.record_failure(run, exc)
            raise
