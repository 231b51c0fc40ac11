"""The nianbao flow: raw files → long Parquet → Great Expectations → DuckDB.

Each task is one arrow of the data flow and calls one function of `transforms` or
`expectations`; the flow strings them together. Tasks pass frames in memory and are never cached
(Prefect's input-keyed cache would hash whole frames, and key files on their path, not content).
Progress goes to the standard logger `nianbao.progress`, which the CLI shows; Prefect collects it
too where PREFECT_LOGGING_EXTRA_LOGGERS includes `nianbao`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from expectations.runner import validate
from expectations.suites import all_suites
from transforms import catalogue as catalogue_module
from transforms.crossyear import evaluate_cross_year
from transforms.curated import catalogue_frames, write_all
from transforms.ingest import discover, ingest_files
from transforms.narrative import evaluate_narrative
from transforms.reconcile import combine, evaluate_rules
from transforms.semantic import evaluate_semantic
from transforms.summary import RunSummary, summarise
from transforms.warehouse import publish

progress = logging.getLogger("nianbao.progress")


def _files_read(done: int, total: int) -> None:
    if done == total or done % 100 == 0:
        progress.info("reading files: %d/%d", done, total)


@task(cache_policy=NO_CACHE)
def ingest(raw_dir: Path):
    paths = discover(raw_dir)
    progress.info("reading files: 0/%d", len(paths))
    return ingest_files(paths, raw_dir, catalogue_module.default(), on_progress=_files_read)


@task(cache_policy=NO_CACHE)
def reconcile(observations, reports, claims):
    progress.info("checking identities and the prose")
    catalogue = catalogue_module.default()
    return combine(
        evaluate_rules(observations, reports, catalogue),
        evaluate_semantic(observations, reports),
        evaluate_narrative(claims, observations, catalogue),
        evaluate_cross_year(reports, observations),
    )


@task(cache_policy=NO_CACHE)
def run_expectations(evaluations, observations, reports, docs_dir: Path):
    progress.info("running Great Expectations suites")
    frames = {
        "evaluations": evaluations,
        "observations": observations,
        "reports": reports[reports["status"] == "parsed"],
    }
    return validate(frames, all_suites(catalogue_module.default()), docs_dir)


@task(cache_policy=NO_CACHE)
def write_parquet(frames: dict, curated_dir: Path):
    progress.info("writing Parquet")
    return write_all(frames, curated_dir)


@task(cache_policy=NO_CACHE)
def publish_warehouse(parquet: dict, curated_dir: Path) -> Path:
    progress.info("publishing the DuckDB warehouse")
    return publish(parquet, curated_dir)


@flow(name="nianbao", log_prints=False)
def nianbao_pipeline(raw_dir: str = "data/raw", curated_dir: str = "data/curated") -> RunSummary:
    """Read every report under raw_dir, check it, and publish the warehouse under curated_dir."""
    raw, curated = Path(raw_dir).resolve(), Path(curated_dir).resolve()
    reports, observations, claims = ingest(raw)
    evaluations = reconcile(observations, reports, claims)
    docs_dir = curated / "data_docs"
    check_results = run_expectations(evaluations, observations, reports, docs_dir)
    frames = {
        "reports": reports,
        "observations": observations,
        "check_results": check_results,
        "narrative_claims": claims,
        **catalogue_frames(catalogue_module.default()),
    }
    warehouse = publish_warehouse(write_parquet(frames, curated), curated)
    summary = summarise(
        reports, observations, check_results, str(warehouse), str(docs_dir / "index.html")
    )
    progress.info("done")
    return summary
