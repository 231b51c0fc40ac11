"""The flow's tasks: each one arrow of the data flow, calling `transforms` and `expectations`.

Tasks pass small things (the plan, the reports frame, file paths, counts): the rows of the
reports live in Parquet (the parse workers' spool, the staged tables), never in the flow. They
are never cached by Prefect (its input-keyed cache keys files on their path, not content);
`transforms.run.incremental` decides what is unchanged, on content hashes.
"""

from __future__ import annotations

import logging
import signal
from dataclasses import dataclass
from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import TerminationSignal
from prefect.runtime import flow_run

from expectations.preload import preload
from expectations.runner import Validator
from expectations.suites import all_suites
from flows.settings import Settings
from transforms import catalogue as catalogue_module
from transforms.normalise.corrections import read_corrections
from transforms.quality import alerting, findings
from transforms.quality.report import render_quality_report, write_quality_report
from transforms.run import corrections as run_corrections
from transforms.run import history as runs
from transforms.run import incremental, outputs, spool
from transforms.run.ingest import discover, parser_version
from transforms.store import curated, remote
from transforms.store.warehouse import WAREHOUSE_NAME as WAREHOUSE
from transforms.store.warehouse import publish, replace_tables

progress = logging.getLogger("nianbao.progress")
DASK_CHUNK = 200  # files per Dask task: few enough tasks for Prefect, enough to spread


class Held:
    """A task's result passed back as it is. Prefect walks through every list, dict and
    dataclass a task returns or takes (looking for futures and states): seconds for a plan or a
    parse result of 100,000 files. It does not walk into a plain object like this one, nor into
    an argument wrapped in `prefect.utilities.annotations.quote`. Prefect also keeps every
    object a task returned until the flow run ends (`EngineContext.run_results`): `take` hands
    the value over and drops it from here, so what the flow lets go of is freed (the parse
    result of 100,000 files is ~300 MB of dicts)."""

    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value

    def take(self):
        value, self.value = self.value, None
        return value


@dataclass(frozen=True)
class Run:
    """Who this run is: its id, start, folders and options."""

    run_id: str
    started: object  # datetime (UTC)
    raw: Path
    curated: Path
    full_refresh: bool
    settings: Settings
    runner: str = "local"  # local: worker processes with bounds; dask: chunks on the task runner
    publish_to: str | None = None  # a remote curated URL; `curated` is then its staging folder

    @property
    def config(self):
        return self.settings.alerts


@task(cache_policy=NO_CACHE)
def scan(run: Run):
    """Load the last published state, verified (its reports only: the rest is read from its
    files when needed), and decide which files must be read; read corrections.csv and say
    whether it changed since the published state. A damaged state file is named here
    and rebuilt from the raw files (nothing is reused); a damaged history is kept aside."""
    progress.info("looking for changes under %s", run.raw)
    previous = curated.load_previous(run.curated, values=False, checks=False)
    damaged = (*previous.damaged, *curated.check_history(run.curated))
    for note in damaged:
        progress.warning("damaged state: %s", note)
    paths = discover(run.raw)
    reuse_from = incremental.Previous.empty() if run.full_refresh else previous
    catalogue = catalogue_module.default()
    todo = incremental.plan(paths, run.raw, reuse_from, catalogue, run.settings.max_file_bytes)
    written = read_corrections(run.settings.corrections, run.settings.corrections_named)
    if corrections_changed := run_corrections.changed(previous, written):
        progress.info(
            "corrections changed: %s (%d rows)", run.settings.corrections, len(written.rows)
        )
    progress.info(
        "files: %d seen, %d new, %d changed, %d removed; %d to read",
        len(todo.paths),
        todo.files_new,
        todo.files_changed,
        todo.files_removed,
        len(todo.to_read),
    )
    return Held((previous, todo, damaged, written, corrections_changed))


def _progress(total: int):
    """A progress callback: a line per hundred files read or so, and one at the end."""
    shown = [0]

    def files_read(done: int, _total: int) -> None:
        if done == total or done - shown[0] >= 100:
            shown[0] = done
            progress.info("reading files: %d/%d", done, total)

    return files_read


@task(cache_policy=NO_CACHE)
def parse(run: Run, todo, ws: outputs.Workspace) -> Held:
    """Read, normalise and check the files that changed, in worker processes with per-file
    bounds; the workers write the rows to the spool, and GE judges them as they come
    (`outputs.BackgroundValidation`). Returns (source_file → reports row, the validation)."""
    if not todo.to_read:
        return Held(({}, None))
    preload()  # GE's import overlaps the parse, which runs in worker processes
    validation = outputs.BackgroundValidation(_validator(run), ws.dir, todo.first_reads)
    progress.info("reading files: 0/%d", len(todo.to_read))
    try:
        rows = spool.parse_to_spool(
            todo.to_read, run.raw, run.settings.max_file_bytes, ws.dir, run.settings.bounds,
            on_progress=_progress(len(todo.to_read)), on_written=validation.written,
        )  # fmt: skip
    except BaseException:
        validation.stop()
        raise
    return Held((rows, validation))


def _validator(run: Run) -> Validator:
    return Validator(all_suites(catalogue_module.default()), run.curated / "data_docs")


@task(cache_policy=NO_CACHE)
def parse_chunk(paths: list[Path], raw: Path, max_bytes: int, spool_dir: Path, prefix: str):
    """One chunk of the parse stage on a Dask worker (a process already: parsed in it)."""
    return spool.parse_to_spool(paths, raw, max_bytes, spool_dir, None, prefix=prefix)


def parse_distributed(run: Run, todo, ws: outputs.Workspace) -> Held:
    """The parse stage as chunks submitted to the flow's task runner (Dask: `flows.runners`)."""
    paths = list(todo.to_read)
    if not paths:
        return Held(({}, None))
    size = max(1, min(DASK_CHUNK, -(-len(paths) // 8)))
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    max_bytes = run.settings.max_file_bytes
    futures = [
        parse_chunk.submit(chunk, run.raw, max_bytes, ws.dir, f"c{k:05d}-")
        for k, chunk in enumerate(chunks)
    ]
    fresh, files_read = spool.ReportRows(), _progress(len(paths))
    progress.info("reading files: 0/%d (on Dask, %d chunks)", len(paths), len(futures))
    for future in futures:
        fresh.update(future.result())
        files_read(len(fresh), len(paths))
    return Held((fresh, None))  # judged after the parse


@task(cache_policy=NO_CACHE)
def check(run: Run, ws: outputs.Workspace, previous, assembled, written, validation=None):
    """Great Expectations over the spool (but what `validation` judged during the parse),
    then the tables staged beside their names (nothing is published until
    `publish_warehouse`); the checks spanning reports on the way."""
    preload()  # started by the parse if it read files; GE's import overlaps the staging
    validator = validation.validator if validation else _validator(run)
    validated = validation.finish(assembled) if validation else None
    return Held(outputs.check_and_stage(
        ws, validator, previous, assembled, catalogue_module.default(), written, validated
    ))  # fmt: skip


@task(cache_policy=NO_CACHE)
def write_parquet(frames: dict, curated_dir: Path, run_id: str | None):
    """The small tables (reports, catalogue, history) beside their final names."""
    return curated.stage_all(frames, curated_dir, run_id)


@task(cache_policy=NO_CACHE)
def publish_warehouse(
    parquet: dict, curated_dir: Path, run_id: str | None, only=None, replaced=None
) -> Path:
    """The warehouse built beside its name, then it, the staged Parquet files and the manifest
    published in one step: every output is this run's, or all stay the previous run's. With
    `only` (the staged history of a run with no changes), the published warehouse is copied
    and only those tables replaced; with `replaced` (by table, the published rows the run
    kept: `warehouse.Kept`), a copy gets only the others replaced when the run re-read few
    reports."""
    progress.info("publishing the DuckDB warehouse")
    if only:
        return replace_tables(curated_dir, only, run_id)
    return publish(parquet, curated_dir, run_id, replaced)


@task(cache_policy=NO_CACHE)
def report(run: Run, reports, failed, previous_failed, previous_reports, row: dict):
    """Mark what is new, write the HTML quality report, and make the alert on what is new: it
    joins the alerts history as `pending`, sent after publishing (`send_alerts`)."""
    marked = findings.mark_new(
        findings.findings(reports, failed),
        None if previous_failed is None else findings.findings(previous_reports, previous_failed),
    )
    row = {**row, "checks_newly_failed": int(marked["is_new"].sum()) if len(marked) else 0}
    html = render_quality_report(row, marked, reports)
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


def artifact(markdown: str) -> None:
    create_markdown_artifact(markdown=markdown, key="nianbao-alert", description="nianbao alert")


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


def run_row(run: Run, files, reports, checks, status: str, **extra) -> dict:
    return runs.run_row(
        run.run_id,
        run.started,
        files,
        reports,
        checks,
        status=status,
        full_refresh=run.full_refresh,
        flow_run_id=flow_run.get_id(),
        parser_version=parser_version(catalogue_module.default()),
        **extra,
    )


def with_history(run: Run, frames: dict, row: dict, alerts) -> dict:
    return {
        **frames,
        "runs": runs.append(curated.load_history(run.curated, "runs"), row),
        "alerts": alerts,
    }


def failure_words(exc: BaseException) -> str:
    """What ended the run, for the runs row: a signal by its name, an error by type and text."""
    if isinstance(exc, TerminationSignal):
        return f"stopped by {signal.Signals(exc.signal).name}"
    if isinstance(exc, KeyboardInterrupt):
        return "stopped by SIGINT"
    return f"{type(exc).__name__}: {exc}"


def record_failure(run: Run, exc: BaseException) -> None:
    """A failed run still leaves its row in runs.parquet and raises a pipeline_failed alert; the
    previous warehouse stays as it was. Failing to record it must not hide the first error."""
    try:
        _write_failure(run, failure_words(exc))
    except Exception:
        progress.exception("could not record the failed run")


def _write_failure(run: Run, error: str) -> None:
    """The failed row and the alert (`pending`) first, then the sending, then its outcome in
    alerts.parquet; the warehouse is the previous run's and stays so."""
    alert = alerting.failure_alert(run.run_id, runs.now(), error)
    alerts = alerting.pending(
        curated.load_history(run.curated, "alerts"), alert, run.config, run.run_id
    )
    row = run_row(run, runs.FileCounts(), None, None, "failed", error=error)
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
    artifact(alert.markdown())
