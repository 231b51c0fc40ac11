"""The nianbao flow: raw files → long Parquet → Great Expectations → DuckDB, then alerts.

Alerts go out only after the data is published (Parquet, the warehouse, a remote target): the run
records them `pending` with its data, sends them within the alerting deadlines, then publishes
their outcome. No sink, however slow, holds back the data or the run lock for long.

Each task is one arrow of the data flow and calls `transforms` or `expectations`; the flow strings
them together. Runs are incremental: a file whose content (and the parser version) is unchanged
since the last run is not read again, its rows and checks are reused; checks that span reports
(cross-year) are recomputed whenever anything changed. Tasks pass frames in memory and are never
cached by Prefect (its input-keyed cache hashes whole frames and keys files on their path, not
content); `transforms.incremental` decides what is unchanged, on content hashes.

Progress goes to the standard logger `nianbao.progress`, which the CLI shows; Prefect collects it
too where PREFECT_LOGGING_EXTRA_LOGGERS includes `nianbao`.
"""

from __future__ import annotations

import logging
import os
import signal
from dataclasses import dataclass
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import TerminationSignal
from prefect.runtime import flow_run

from expectations.preload import preload
from expectations.runner import validate
from expectations.suites import all_suites
from transforms import catalogue as catalogue_module
from transforms.checks.completeness import evaluate_completeness
from transforms.checks.crossyear import evaluate_conflicts, evaluate_cross_year
from transforms.checks.evaluations import combine
from transforms.checks.identities import evaluate_rules
from transforms.checks.narrative import evaluate_narrative
from transforms.checks.semantic import evaluate_semantic
from transforms.quality import alerting, findings
from transforms.quality.alerts import AlertConfig
from transforms.quality.report import render_quality_report, write_quality_report
from transforms.quality.summary import RunSummary, summarise
from transforms.run import history as runs
from transforms.run import incremental
from transforms.run.ingest import (
    discover,
    max_file_bytes,
    parse_bounds,
    parse_files,
    parser_version,
)
from transforms.run.lock import run_lock
from transforms.store import curated, remote
from transforms.store.warehouse import WAREHOUSE_NAME as WAREHOUSE
from transforms.store.warehouse import publish

progress = logging.getLogger("nianbao.progress")
DASK_CHUNK = 200  # files per Dask task: few enough tasks for Prefect, enough to spread


@dataclass(frozen=True)
class Run:
    """Who this run is: its id, start, folders and options."""

    run_id: str
    started: object  # datetime (UTC)
    raw: Path
    curated: Path
    full_refresh: bool
    config: AlertConfig
    runner: str = "local"  # local: worker processes with bounds; dask: chunks on the task runner
    publish_to: str | None = None  # a remote curated URL; `curated` is then its staging folder


@task(cache_policy=NO_CACHE)
def scan(run: Run):
    """Load the last published state, verified, and decide which files must be read. A damaged
    state file is named here and rebuilt from the raw files (nothing is reused); a damaged
    history is kept aside and a new one started. What was found goes to the run's row."""
    progress.info("looking for changes under %s", run.raw)
    previous = curated.load_previous(run.curated, values=False)  # the bulk only if needed
    damaged = (*previous.damaged, *curated.check_history(run.curated))
    for note in damaged:
        progress.warning("damaged state: %s", note)
    paths = discover(run.raw)
    reuse_from = incremental.Previous.empty() if run.full_refresh else previous
    todo = incremental.plan(
        paths, run.raw, reuse_from, catalogue_module.default(), max_file_bytes()
    )
    progress.info(
        "files: %d seen, %d new, %d changed, %d removed; %d to read",
        len(todo.paths),
        todo.files_new,
        todo.files_changed,
        todo.files_removed,
        len(todo.to_read),
    )
    return previous, todo, damaged


def _files_read(done: int, total: int) -> None:
    if done == total or done % 100 == 0:
        progress.info("reading files: %d/%d", done, total)


@task(cache_policy=NO_CACHE)
def parse(todo, raw: Path) -> dict:
    """Read and parse the files that changed, in worker processes with per-file bounds."""
    if not todo.to_read:
        return {}
    preload()  # GE's import overlaps the parse, which runs in worker processes
    progress.info("reading files: 0/%d", len(todo.to_read))
    return parse_files(todo.to_read, raw, parse_bounds(), on_progress=_files_read)


@task(cache_policy=NO_CACHE)
def parse_chunk(paths: list[Path], raw: Path) -> dict:
    """One chunk of the parse stage on a Dask worker (a process already: parsed in it)."""
    return parse_files(paths, raw, None)


def _parse_distributed(todo, raw: Path) -> dict:
    """The parse stage as chunks submitted to the flow's task runner (Dask: `flows.runners`)."""
    paths = list(todo.to_read)
    if not paths:
        return {}
    size = max(1, min(DASK_CHUNK, -(-len(paths) // 8)))
    futures = [parse_chunk.submit(paths[i : i + size], raw) for i in range(0, len(paths), size)]
    fresh, total = {}, len(paths)
    progress.info("reading files: 0/%d (on Dask, %d chunks)", total, len(futures))
    for future in futures:
        fresh.update(future.result())
        _files_read(len(fresh), total)
    return fresh


@task(cache_policy=NO_CACHE)
def reconcile(ingested):
    progress.info("checking identities and the prose")
    catalogue = catalogue_module.default()
    reports, observations, claims = incremental.fresh_frames(ingested)
    live_reports = incremental.live_reports(ingested)
    return combine(
        evaluate_rules(observations, reports, catalogue),
        evaluate_semantic(observations, reports),
        evaluate_completeness(observations, reports, catalogue),
        evaluate_narrative(claims, observations, catalogue),
        evaluate_cross_year(live_reports, ingested.observations),
        evaluate_conflicts(live_reports),
    )


@task(cache_policy=NO_CACHE)
def run_expectations(evaluations, ingested, docs_dir: Path):
    progress.info("running Great Expectations suites")
    reports, observations, _ = incremental.fresh_frames(ingested)
    frames = {"evaluations": evaluations, "observations": observations, "reports": reports}
    return validate(frames, all_suites(catalogue_module.default()), docs_dir)


@task(cache_policy=NO_CACHE)
def write_parquet(frames: dict, curated_dir: Path, run_id: str | None):
    """Each table beside its final name: nothing is published until `publish_warehouse`."""
    progress.info("writing Parquet")
    return curated.stage_all(frames, curated_dir, run_id)


@task(cache_policy=NO_CACHE)
def publish_warehouse(parquet: dict, curated_dir: Path, run_id: str | None) -> Path:
    """The warehouse built beside its name, then it, the staged Parquet files and the manifest
    published in one step: every output is this run's, or all stay the previous run's."""
    progress.info("publishing the DuckDB warehouse")
    return publish(parquet, curated_dir, run_id)


@task(cache_policy=NO_CACHE)
def report(run: Run, ingested, check_results, previous, row: dict):
    """Mark what is new, write the HTML quality report, and make the alert on what is new: it
    joins the alerts history as `pending`, sent after publishing (`send_alerts`)."""
    marked = findings.mark_new(
        findings.findings(ingested.reports, check_results),
        findings.findings(previous.reports, previous.check_results)
        if not previous.reports.empty
        else None,
    )
    row = {**row, "checks_newly_failed": int(marked["is_new"].sum()) if len(marked) else 0}
    html = render_quality_report(row, marked, ingested.reports)
    page = write_quality_report(html, run.curated, run.run_id)
    link = run.config.report_link(page)
    if run.publish_to and not run.config.report_base_url:
        link = f"{remote.shown(run.publish_to).rstrip('/')}/quality/{page.name}"
    row["quality_report"] = link
    history = curated.load_history(run.curated, "alerts")
    alert = alerting.new_findings_alert(
        run.run_id, runs.now(), marked, {"files_seen": row["files_seen"]}, link
    )
    if alert is None:
        progress.info("no new findings: no alert")
        return row, history, None
    if not run.config.sinks_configured:
        progress.info("alert recorded (no sink configured): %s", alert.title())
    return row, alerting.pending(history, alert, run.config, run.run_id), alert


@task(cache_policy=NO_CACHE)
def send_alerts(run: Run) -> None:
    """With the data published: deliver every pending and undelivered alert (the earlier runs'
    first) within the alerting deadlines, then publish the outcome in alerts.parquet and the
    warehouse's alerts table. Recording it may fail without failing the run: the data is out,
    and the rows left `pending` are sent again by the next run."""
    outcome = alerting.send(curated.load_history(run.curated, "alerts"), run.config, run.run_id)
    _announce(outcome)
    if not outcome.deliveries:
        return
    try:
        written = alerting.rewrite(run.curated, outcome.alerts)
        if run.publish_to:
            remote.upload(run.curated, run.publish_to, [p.name for p in written])
    except Exception:
        progress.exception("could not record the alerts' delivery; the next run sends them again")


def _announce(outcome) -> None:
    for alert_id, d in outcome.deliveries:
        state = "delivered" if d.delivered else f"NOT delivered ({d.error})"
        progress.info("alert %s to %s %s: %s", alert_id, d.sink, d.target, state)


def _artifact(markdown: str) -> None:
    create_markdown_artifact(markdown=markdown, key="nianbao-alert", description="nianbao alert")


def _checks(run: Run, previous, ingested):
    evaluations = reconcile(ingested)
    new_checks = run_expectations(evaluations, ingested, run.curated / "data_docs")
    return incremental.merge_checks(previous, ingested, new_checks)


def _run(run: Run) -> RunSummary:
    leftovers = curated.clear_leftovers(run.curated)
    if leftovers:
        progress.info("removed %d files left by an interrupted run", len(leftovers))
    if run.publish_to:
        fetch_state(run)
    previous, todo, damaged = scan(run)
    files = runs.FileCounts(
        len(todo.paths), todo.files_new, todo.files_changed, todo.files_removed, len(todo.to_read)
    )
    if not todo.changed and not previous.reports.empty:
        return _unchanged(run, previous, files, damaged)
    if not previous.values_loaded:
        previous = curated.load_previous(run.curated)
    distributed = run.runner == "dask"
    fresh = _parse_distributed(todo, run.raw) if distributed else parse(todo, run.raw)
    ingested = incremental.assemble(todo, fresh, run.raw, previous)
    check_results = _checks(run, previous, ingested)
    row = _row(run, files, ingested.reports, check_results, "completed", error=_noted(damaged))
    row, alerts, alert = report(run, ingested, check_results, previous, row)
    frames = {
        "reports": ingested.reports,
        "observations": ingested.observations,
        "check_results": check_results,
        "narrative_claims": ingested.claims,
        **curated.catalogue_frames(catalogue_module.default()),
    }
    parquet = write_parquet(_with_history(run, frames, row, alerts), run.curated, run.run_id)
    n_observations = len(ingested.observations)
    return _publish(run, parquet, alert, row, ingested.reports, n_observations, check_results)


def _noted(damaged: tuple) -> str | None:
    """Damaged state files, for `runs.error` of a run that completed all the same."""
    return "damaged state, rebuilt: " + "; ".join(damaged) if damaged else None


def _unchanged(run: Run, previous, files: runs.FileCounts, damaged: tuple) -> RunSummary:
    """Nothing changed under the raw folder: the published tables stand; only the run history
    (and any alert re-sent) is written, and the warehouse rebuilt from the same Parquet."""
    progress.info("no changes: the published tables stand")
    reports, check_results = previous.reports, previous.check_results
    ingested = incremental.Ingested(reports, previous.observations, previous.claims)
    row = _row(run, files, reports, check_results, "no_changes", error=_noted(damaged))
    row, alerts, alert = report(run, ingested, check_results, previous, row)
    history = write_parquet(_with_history(run, {}, row, alerts), run.curated, None)
    parquet = {**curated.published(run.curated), **history}
    n_observations = curated.row_count(parquet["observations"])
    return _publish(run, parquet, alert, row, reports, n_observations, check_results)


def _row(run: Run, files: runs.FileCounts, reports, check_results, status: str, **extra) -> dict:
    return runs.run_row(
        run.run_id,
        run.started,
        files,
        reports,
        check_results,
        status=status,
        full_refresh=run.full_refresh,
        flow_run_id=flow_run.get_id(),
        parser_version=parser_version(catalogue_module.default()),
        **extra,
    )


def _with_history(run: Run, frames: dict, row: dict, alerts) -> dict:
    return {
        **frames,
        "runs": runs.append(curated.load_history(run.curated, "runs"), row),
        "alerts": alerts,
    }


def _publish(run: Run, parquet: dict, alert, row: dict, reports, n_obs: int, checks) -> RunSummary:
    warehouse = publish_warehouse(parquet, run.curated, run.run_id)
    if run.publish_to:
        warehouse = upload_outputs(run, [f"{name}.parquet" for name in parquet])
    send_alerts(run)  # only now: the data is out whatever the sinks do
    if alert is not None:
        _artifact(alert.markdown())
    progress.info("done")
    docs = run.curated / "data_docs" / "index.html"
    return summarise(row, reports, n_obs, checks, str(warehouse), str(docs))


@task(cache_policy=NO_CACHE)
def fetch_state(run: Run) -> None:
    """A remote target: its previous state into the staging folder."""
    fetched = remote.download_state(run.publish_to, run.curated)
    progress.info("fetched %d state files from %s", len(fetched), remote.shown(run.publish_to))


@task(cache_policy=NO_CACHE)
def upload_outputs(run: Run, parquet_files: list[str]) -> str:
    """A remote target: Parquet, quality reports, then the warehouse, each object whole."""
    progress.info("uploading to %s", remote.shown(run.publish_to))
    quality = [f"quality/quality-{run.run_id}.html", "quality_report.html"]
    uploaded = remote.upload(run.curated, run.publish_to, [*parquet_files, *quality, WAREHOUSE])
    return uploaded[-1]


def _failure_words(exc: BaseException) -> str:
    """What ended the run, for the runs row: a signal by its name, an error by type and text."""
    if isinstance(exc, TerminationSignal):
        return f"stopped by {signal.Signals(exc.signal).name}"
    if isinstance(exc, KeyboardInterrupt):
        return "stopped by SIGINT"
    return f"{type(exc).__name__}: {exc}"


def _record_failure(run: Run, exc: BaseException) -> None:
    """A failed run still leaves its row in runs.parquet and raises a pipeline_failed alert; the
    previous warehouse stays as it was. Failing to record it must not hide the first error."""
    try:
        _write_failure(run, _failure_words(exc))
    except Exception:
        progress.exception("could not record the failed run")


def _write_failure(run: Run, error: str) -> None:
    """The failed row and the alert (`pending`) first, then the sending, then its outcome in
    alerts.parquet; the warehouse is the previous run's and stays so."""
    alert = alerting.failure_alert(run.run_id, runs.now(), error)
    alerts = alerting.pending(
        curated.load_history(run.curated, "alerts"), alert, run.config, run.run_id
    )
    row = _row(run, runs.FileCounts(), None, None, "failed", error=error)
    run.curated.mkdir(parents=True, exist_ok=True)
    history = {"runs": runs.append(curated.load_history(run.curated, "runs"), row)}
    curated.write_all({**history, "alerts": alerts}, run.curated)
    if run.publish_to:
        remote.upload(run.curated, run.publish_to, ["runs.parquet", "alerts.parquet"])
    outcome = alerting.send(alerts, run.config, run.run_id)
    _announce(outcome)
    if outcome.deliveries:
        curated.write_all({"alerts": outcome.alerts}, run.curated)
        if run.publish_to:
            remote.upload(run.curated, run.publish_to, ["alerts.parquet"])
    _artifact(alert.markdown())


@flow(name="nianbao", log_prints=False)
def nianbao_pipeline(
    raw_dir: str = "data/raw",
    curated_dir: str = "data/curated",
    full_refresh: bool = False,
    config_file: str | None = None,
    wait: bool = False,
    runner: str = "local",
) -> RunSummary:
    """Read what changed under raw_dir, check it, publish the warehouse under curated_dir (a
    folder, or a filesystem URL such as s3://bucket/prefix: see `transforms.remote`), and
    alert on new findings (sinks from config_file / NIANBAO_* environment variables). One run
    at a time per curated folder: another run refuses (RunLocked), or queues when `wait`.
    runner "dask" submits the parse stage to the flow's task runner in chunks; use the flow from
    `flows.runners.with_dask`, which sets a DaskTaskRunner."""
    started = runs.now()
    run = Run(
        run_id=runs.new_run_id(started),
        started=started,
        raw=Path(raw_dir).resolve(),
        curated=remote.staging_dir(curated_dir)
        if remote.is_remote(curated_dir)
        else Path(curated_dir).resolve(),
        full_refresh=full_refresh,
        config=AlertConfig.load(Path(config_file) if config_file else None, os.environ),
        runner=runner,
        publish_to=curated_dir if remote.is_remote(curated_dir) else None,
    )
    with run_lock(run.curated, run.run_id, wait):
        try:
            return _run(run)
        except (Exception, KeyboardInterrupt, TerminationSignal) as exc:  # SIGINT, SIGTERM too
            _record_failure(run, exc)
            raise
