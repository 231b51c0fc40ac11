"""The nightly schedule: the served deployment and prefect.yaml, registered with a real Prefect
API (the test harness) and read back, with their next start times in Asia/Shanghai."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import yaml

from flows.cli import main
from flows.schedule import next_runs, nightly_deployment

ROOT = Path(__file__).resolve().parents[2]
# 2026-01-01 00:00 UTC is 08:00 in Shanghai: the next 02:00 there is on 2 January.
START = datetime(2026, 1, 1, tzinfo=UTC)
EXPECTED = ["2026-01-02T02:00:00+08:00", "2026-01-03T02:00:00+08:00", "2026-01-04T02:00:00+08:00"]


def _read_back(name: str):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_deployment_by_name(name)


def test_the_served_deployment_runs_at_two_in_shanghai(prefect_api, tmp_path):
    deployment = nightly_deployment(raw_dir=str(tmp_path / "raw"), curated_dir="data/curated")
    deployment.apply()
    stored = _read_back("nianbao/nightly")
    schedule = stored.schedules[0].schedule
    assert (schedule.cron, schedule.timezone) == ("0 2 * * *", "Asia/Shanghai")
    assert stored.parameters["raw_dir"] == str(tmp_path / "raw")  # absolute, not cwd-relative
    assert [d.isoformat() for d in next_runs(deployment, 3, START)] == EXPECTED


def test_prefect_yaml_deploys_the_same_schedule(prefect_api):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate

    with get_client(sync_client=True) as client:
        if not [p for p in client.read_work_pools() if p.name == "nianbao"]:
            client.create_work_pool(WorkPoolCreate(name="nianbao", type="process"))
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "NIANBAO_HOME": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--all"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    stored = _read_back("nianbao/nightly")
    schedule = stored.schedules[0].schedule
    assert (schedule.cron, schedule.timezone) == ("0 2 * * *", "Asia/Shanghai")
    assert stored.entrypoint == "flows/pipeline.py:nianbao_pipeline"
    declared = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    assert declared["deployments"][0]["schedules"][0]["cron"] == "0 2 * * *"


def test_serve_prints_next_runs_for_an_overridden_schedule(capsys):
    assert (
        main(["serve", "--cron", "30 1 * * 1", "--timezone", "Europe/Berlin", "--next", "2"]) == 0
    )
    lines = capsys.readouterr().out.split()
    assert len(lines) == 2 and all(
        line.endswith(("T01:30:00+01:00", "T01:30:00+02:00")) for line in lines
    )
    assert [datetime.fromisoformat(x).weekday() for x in lines] == [0, 0]


def test_serve_refuses_a_bad_cron_with_exit_2(capsys):
    assert main(["serve", "--cron", "every night", "--next", "1"]) == 2
    assert 'Invalid cron string: "every night"' in capsys.readouterr().err
