"""The nightly schedule: a Prefect deployment of the main flow on a cron schedule.

Default: every day at 02:00 Asia/Shanghai (`DEFAULT_CRON`, `DEFAULT_TIMEZONE`). `nianbao serve`
serves it from this process against whatever Prefect API is configured (a local
`prefect server start`, Prefect Cloud); `prefect.yaml` declares the same deployment for
`prefect deploy` with a work pool. People who want no Prefect server run `nianbao run` from cron
or a systemd timer instead (README).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from flows.pipeline import nianbao_pipeline

DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEPLOYMENT_NAME = "nightly"


def nightly_deployment(
    cron: str = DEFAULT_CRON,
    timezone: str = DEFAULT_TIMEZONE,
    raw_dir: str = "data/raw",
    curated_dir: str = "data/curated",
    name: str = DEPLOYMENT_NAME,
) -> RunnerDeployment:
    """The main flow as a deployment on `cron` in `timezone`, with absolute folders (a served
    run must not depend on the worker's working directory)."""
    return nianbao_pipeline.to_deployment(
        name=name,
        schedule=Cron(cron, timezone=timezone),
        parameters={
            "raw_dir": str(Path(raw_dir).resolve()),
            "curated_dir": str(Path(curated_dir).resolve()),
        },
        description="nianbao nightly run: read what changed, check it, publish, alert.",
    )


def next_runs(deployment: RunnerDeployment, n: int = 3, start: datetime | None = None) -> list:
    """The next `n` start times of the deployment's schedule, in its time zone, computed by the
    same code Prefect's scheduler uses."""
    from prefect.server.schemas.schedules import CronSchedule

    client_side = deployment.schedules[0].schedule
    schedule = CronSchedule(cron=client_side.cron, timezone=client_side.timezone)
    return asyncio.run(schedule.get_dates(n=n, start=start))


def serve(deployment: RunnerDeployment) -> None:
    """Serve the deployment from this process until interrupted (Prefect's runner)."""
    from prefect import serve as prefect_serve

    prefect_serve(deployment)
