"""A run's processes end with it: SIGTERM and SIGINT stop it cleanly and record a failed run;
after `kill -9` of the run alone (not its process group), its parse workers and Prefect's
temporary server are stopped by the watchdog (`flows.reaper`) within seconds.

Real `nianbao run` processes on a raw folder slow enough to be caught while reading files."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import FIXTURES, SEED
from tests.servers import prefect_servers
from transforms.run import reaper
from transforms.store import curated

NIANBAO = Path(sys.executable).with_name("nianbao")
GONE_WITHIN = 10.0  # seconds: the bound for every process of a killed run


@pytest.fixture(scope="module")
def slow_raw(tmp_path_factory) -> Path:
    """160 distinct PDFs (one report with a different byte after %%EOF each): seconds of parsing
    on two workers, so that a signal lands while the run reads files (40 were read, and the
    run done, before the signal once, on a loaded machine). The runs are stopped early: the
    count costs only the files' writing."""
    raw = tmp_path_factory.mktemp("raw")
    pdf = (FIXTURES / "huaian_shi_2024.pdf").read_bytes()
    for i in range(160):
        (raw / f"copy_{i:02d}.pdf").write_bytes(pdf + f"\n%{i}\n".encode())
    shutil.copy(SEED, raw / "seed.txt")
    return raw


def _start(raw: Path, curated_dir: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [str(NIANBAO), "run", "--raw", str(raw), "--curated", str(curated_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**env, "CI": "true", "NIANBAO_WORKERS": "2"},
        start_new_session=True,  # its own group: a test's killpg never reaches pytest
    )


def _wait_for(run: subprocess.Popen, words: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    for line in run.stderr:
        if words in line:
            return
        assert time.monotonic() < deadline, f"no {words!r} line within {timeout} s"
    pytest.fail(f"the run ended before printing {words!r}")


def _tree(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def _left(processes: list[psutil.Process], within: float) -> list[str]:
    """The processes still alive after `within` seconds (zombies count as gone)."""
    deadline = time.monotonic() + within
    alive = processes
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    return [f"{p.pid} {' '.join(p.cmdline()[:4])}" for p in alive]


def _children_once_parsing(run: subprocess.Popen) -> list[psutil.Process]:
    """The run's descendants once its parse workers are up (the watchdog not among them)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        tree = [p for p in _tree(run.pid) if "transforms.run.reaper" not in " ".join(p.cmdline())]
        if len(tree) >= 2:  # the forkserver and at least one worker
            return tree
        time.sleep(0.1)
    pytest.fail("the parse workers did not start")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_run_records_it_failed_and_ends_its_children(
    prefect_api, slow_raw, tmp_path, signum
):
    run = _start(slow_raw, tmp_path / "curated", {**os.environ, "PREFECT_API_URL": prefect_api})
    try:
        _wait_for(run, "reading files")
        children = _children_once_parsing(run)
        assert run.poll() is None, "the run ended before the signal: make slow_raw slower"
        run.send_signal(signum)  # to the run alone, as `kill` or systemd's stop does
        code = run.wait(timeout=60)
        said = run.stderr.read()
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert code == 128 + signum, said
    assert _left(children, GONE_WITHIN) == []
    runs = curated.load_history(tmp_path / "curated", "runs")
    assert len(runs) == 1, said
    last = runs.iloc[-1]
    stopped = f"stopped by {signal.Signals(signum).name}"
    assert (last["status"], last["error"]) == ("failed", stopped)


def test_kill_9_of_the_run_alone_leaves_none_of_its_workers(prefect_api, slow_raw, tmp_path):
    run = _start(slow_raw, tmp_path / "curated", {**os.environ, "PREFECT_API_URL": prefect_api})
    try:
        _wait_for(run, "reading files")
        children = _children_once_parsing(run)
        run.kill()  # SIGKILL to the run's own process: no cleanup runs in it
        run.wait(timeout=10)
        assert _left(children, GONE_WITHIN) == []
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        run.wait()


def test_kill_9_of_the_run_alone_stops_its_temporary_prefect_server(slow_raw, tmp_path):
    """No PREFECT_API_URL: the run starts Prefect's temporary server (a uvicorn process)."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    run = _start(slow_raw, tmp_path / "curated", env)
    try:
        _wait_for(run, "reading files", timeout=180)
        servers = prefect_servers(run.pid)
        assert servers, "no temporary Prefect server among the run's processes"
        children = _children_once_parsing(run)
        run.kill()
        run.wait(timeout=10)
        assert _left(children + servers, GONE_WITHIN) == []
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        run.wait()


def test_the_watchdog_spares_a_reused_pid_and_exits_with_nothing_to_stop(tmp_path):
    """A run that ended normally leaves nothing: the watchdog finds no descendant and exits;
    a process it noted whose pid now belongs to another process is not signalled."""
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1.5)"])
    watchdog = reaper.start(parent.pid)
    assert watchdog is not None
    parent.wait()
    assert watchdog.wait(timeout=5) == 0
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        noted = {(stranger.pid, 0)}  # same pid, another start time: another process
        reaper.stop(noted)
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()
