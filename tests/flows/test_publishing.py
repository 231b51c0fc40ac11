"""Publishing safely: readers keep the previous state during a run, and a run killed while
publishing leaves the previous warehouse whole. Real processes, real signals."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from flows.pipeline import nianbao_pipeline
from tests.conftest import FIXTURES, SEED
from transforms.store import warehouse

NIANBAO = Path(sys.executable).parent / "nianbao"
READER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
query = "SELECT count(*), sum(value) FROM observations"
print(con.execute(query).fetchone(), flush=True)
while not __import__("os").path.exists(sys.argv[2]):
    time.sleep(0.05)
print(con.execute(query).fetchone(), flush=True)
"""


def _state(path: Path) -> tuple:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT count(*), sum(value) FROM observations").fetchone()
    finally:
        con.close()


@pytest.fixture
def built(prefect_api, tmp_path):
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    shutil.copy(SEED, raw)
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    return raw, curated, _state(curated / "warehouse.duckdb")


def test_a_reader_holding_the_warehouse_keeps_the_previous_state(built, tmp_path):
    raw, curated, before = built
    done = tmp_path / "run-finished"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(curated / "warehouse.duckdb"), str(done)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    first = reader.stdout.readline().strip()
    shutil.copy(FIXTURES / "huaian_hongze_qu_2023.pdf", raw)
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))  # publishes while it reads
    done.touch()
    second = reader.stdout.readline().strip()
    assert reader.wait(timeout=60) == 0
    assert first == second == str(before)  # the reader's view did not change under it
    assert _state(curated / "warehouse.duckdb")[0] == before[0] + 184  # new readers see the run


def _kill_while_publishing(raw: Path, curated: Path, env: dict) -> bool:
    """Start a run, SIGKILL it the moment its new warehouse file appears; True if caught."""
    run = subprocess.Popen(
        [str(NIANBAO), "run", "--raw", str(raw), "--curated", str(curated)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while run.poll() is None and time.monotonic() < deadline:
        if any(curated.glob(".warehouse.duckdb.*.building")):
            os.kill(run.pid, signal.SIGKILL)
            run.wait()
            return True
        time.sleep(0.001)
    run.wait()
    return False


def test_a_run_killed_while_publishing_leaves_the_previous_warehouse(built, prefect_api):
    raw, curated, before = built
    for name in (
        "huaian_shi_2024.pdf",
        "huaian_hongze_qu_2024.pdf",
        "pingtan_2021_national_flat.txt",
    ):
        shutil.copy(FIXTURES / name, raw)
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "CI": "true"}
    caught = any(_kill_while_publishing(raw, curated, env) for _ in range(5))
    assert caught, "the run was never caught while publishing"
    assert _state(curated / "warehouse.duckdb") == before  # whole, and still the old state
    assert any(curated.glob(".warehouse.duckdb.*.building"))  # the half-built file is left …
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    assert not any(curated.glob(".warehouse.duckdb.*.building"))  # … and cleared by the next run
    assert _state(curated / "warehouse.duckdb")[0] == before[0] + 200 + 186 + 200


def test_a_killed_build_leaves_nothing_after_the_next_clearing(tmp_path):
    """The half-built file and DuckDB's spill folder beside it (a build past its memory bound
    spills there) of a process that is gone are removed; a live process' are kept."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    built = tmp_path / f".warehouse.duckdb.{dead.pid}.building"
    spill = tmp_path / f"{built.name}.tmp"
    live = tmp_path / f".warehouse.duckdb.{os.getpid()}.building"
    built.write_bytes(b"half")
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"spilled")
    live.write_bytes(b"mine")
    removed = warehouse.clear_stale_builds(tmp_path)
    assert sorted(removed) == sorted([built, spill])
    assert not built.exists() and not spill.exists() and live.exists()
