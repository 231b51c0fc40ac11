"""State files verified before use, and publishing as one atomic step. Real files, real
processes, real faults (bytes flipped, a file-size limit, SIGKILL).

- a damaged state file (bytes flipped inside a column chunk) is named by the next run, which
  reads every raw file again and ends where a full refresh does;
- a damaged runs or alerts history is kept aside and a new one started;
- a write refused at the first Parquet file, a middle one, the warehouse or the manifest leaves
  every output the previous run's, byte for byte;
- a kill -9 during the flip is finished by the next run: every output is then the new run's.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flows.pipeline import nianbao_pipeline
from tests.conftest import FIXTURES, SEED, warehouse_tables
from transforms import schemas
from transforms.store import curated

ROOT = Path(__file__).parents[2]
OUTPUTS = [f"{t}.parquet" for t in schemas.TABLES] + ["warehouse.duckdb", "manifest.json"]
ALL_TABLES = tuple(schemas.TABLES)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in OUTPUTS}


def _flip_bytes(path: Path) -> None:
    """Flip 4 bytes in the middle of the file's largest column chunk (the middle of the file
    when it has no rows)."""
    meta = pq.ParquetFile(path).metadata
    chunks = [meta.row_group(0).column(c) for c in range(meta.num_columns)] if meta.num_rows else []
    data = bytearray(path.read_bytes())
    if chunks:
        chunk = max(chunks, key=lambda c: c.total_compressed_size)
        start = chunk.dictionary_page_offset or chunk.data_page_offset
        middle = start + chunk.total_compressed_size // 2
    else:
        middle = len(data) // 2
    for i in range(4):
        data[middle + i] ^= 0xFF
    path.write_bytes(bytes(data))


def _progress() -> tuple[logging.Handler, list[str]]:
    messages: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: messages.append(record.getMessage())
    logging.getLogger("nianbao.progress").addHandler(handler)
    logging.getLogger("nianbao.progress").setLevel(logging.INFO)
    return handler, messages


def _run(raw: Path, folder: Path) -> list[str]:
    handler, messages = _progress()
    try:
        nianbao_pipeline(raw_dir=str(raw), curated_dir=str(folder))
    finally:
        logging.getLogger("nianbao.progress").removeHandler(handler)
    return messages


@pytest.fixture(scope="module")
def published(prefect_api, tmp_path_factory):
    """A raw folder and the outputs of a run over it (every file read: a full refresh)."""
    raw = tmp_path_factory.mktemp("raw")
    shutil.copy(SEED, raw / "seed.txt")
    shutil.copy(FIXTURES / "huaian_hongze_qu_2023.pdf", raw)
    base = tmp_path_factory.mktemp("base")
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(base))
    return raw, base, warehouse_tables(base / "warehouse.duckdb")


# one bulk table, the key table and a catalogue table: the check is the same for each of
# curated.REBUILT (a full run each; all seven took 40 s)
SAMPLED = ("reports", "observations", "indicators")


def test_the_sampled_tables_are_rebuilt_ones():
    assert set(SAMPLED) <= set(curated.REBUILT)


@pytest.mark.parametrize("table", SAMPLED)
def test_a_damaged_state_file_is_named_and_rebuilt_from_the_raw_files(published, tmp_path, table):
    raw, base, expected = published
    folder = tmp_path / "curated"
    shutil.copytree(base, folder)
    _flip_bytes(folder / f"{table}.parquet")
    messages = _run(raw, folder)
    assert [m for m in messages if "damaged state" in m and f"{table}.parquet" in m]
    assert warehouse_tables(folder / "warehouse.duckdb") == expected  # as a full refresh
    last = curated.load_history(folder, "runs").iloc[-1]
    assert last["status"] == "completed" and f"{table}.parquet" in last["error"]
    assert last["files_read"] == 2  # every raw file read again
    files = curated.read_manifest(folder)
    assert (
        curated.damage(
            folder / f"{table}.parquet", schemas.TABLES[table], files[f"{table}.parquet"]
        )
        is None
    )
    assert "damaged state" not in " ".join(_run(raw, folder))  # and the next run is quiet


def test_a_truncated_observations_file_is_rebuilt_too(published, tmp_path):
    raw, base, expected = published
    folder = tmp_path / "curated"
    shutil.copytree(base, folder)
    path = folder / "observations.parquet"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    messages = _run(raw, folder)
    assert [m for m in messages if "observations.parquet is" in m]
    assert warehouse_tables(folder / "warehouse.duckdb") == expected


@pytest.mark.parametrize("history", ["runs", "alerts"])
def test_a_damaged_history_is_kept_aside_and_a_new_one_started(published, tmp_path, history):
    raw, base, expected = published
    folder = tmp_path / "curated"
    shutil.copytree(base, folder)
    damaged = (folder / f"{history}.parquet").read_bytes()
    _flip_bytes(folder / f"{history}.parquet")
    flipped = (folder / f"{history}.parquet").read_bytes()
    assert flipped != damaged
    messages = _run(raw, folder)
    aside = list(folder.glob(f"{history}.parquet.damaged-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == flipped  # kept, never deleted
    assert [m for m in messages if f"{history}.parquet" in m and "new" in m and "history" in m]
    runs = curated.load_history(folder, "runs")
    assert f"{history}.parquet" in runs.iloc[-1]["error"]
    assert len(runs) == (1 if history == "runs" else 2)  # a fresh runs history holds this run
    assert warehouse_tables(folder / "warehouse.duckdb") == expected
    assert len(warehouse_tables(folder / "warehouse.duckdb", ("runs",))["runs"]) == len(runs)


# --- one atomic step ---------------------------------------------------------------------------

PUBLISH = """
import resource, signal, sys
from pathlib import Path
from transforms import schemas
from transforms.store import curated
from transforms.store import warehouse
source, folder, limit, stage = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
frames = {t: curated.read_table(source / f"{t}.parquet", schemas.TABLES[t]) for t in schemas.TABLES}
def limited():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    if stage == "manifest":  # everything built beside first, then only the manifest is left
        staged = curated.file_names(curated.stage_all(frames, folder, "new-run"))
        building = folder / f".warehouse.duckdb.{__import__('os').getpid()}.building"
        warehouse._build(building, {t: folder / staged[f"{t}.parquet"].name for t in frames})
        limited()
        curated.commit(folder, {**staged, "warehouse.duckdb": building}, "new-run")
    else:
        limited()
        warehouse.publish(curated.stage_all(frames, folder, "new-run"), folder, "new-run")
except curated.WriteFailed as exc:
    print(exc)
    sys.exit(7)
"""


@pytest.fixture(scope="module")
def newer(published, tmp_path_factory):
    """The outputs of a later run, which the faulty publishing below attempts to publish."""
    raw, base, _ = published
    later_raw = tmp_path_factory.mktemp("later_raw")
    shutil.copytree(raw, later_raw, dirs_exist_ok=True)
    shutil.copy(FIXTURES / "huaian_shi_2024.pdf", later_raw)
    later = tmp_path_factory.mktemp("later")
    shutil.copytree(base, later, dirs_exist_ok=True)
    nianbao_pipeline(raw_dir=str(later_raw), curated_dir=str(later))
    return later_raw, later


@pytest.mark.parametrize(
    ("limit", "stage", "failing"),
    [
        (2_000, "stage", "reports.parquet"),  # the first Parquet file
        (18_000, "stage", "observations.parquet"),  # a middle one: reports was written
        (200_000, "stage", "warehouse.duckdb"),  # every Parquet file fits, the warehouse not
        (200, "manifest", "manifest.json"),  # everything built; the manifest refused
    ],
)
def test_a_write_refused_at_any_file_replaces_no_output(
    published, newer, tmp_path, limit, stage, failing
):
    _, base, _ = published
    later_raw, later = newer
    folder = tmp_path / "curated"
    shutil.copytree(base, folder)
    snapshot = _snapshot(folder)
    done = subprocess.run(
        [sys.executable, "-c", PUBLISH, str(later), str(folder), str(limit), stage],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 7, done.stderr
    assert failing in done.stdout and "the previous outputs are intact" in done.stdout
    assert _snapshot(folder) == snapshot  # every output the previous run's, byte for byte
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".") and "lock" not in p.name]
    _run(later_raw, folder)  # the next run succeeds
    assert warehouse_tables(folder / "warehouse.duckdb") == warehouse_tables(
        later / "warehouse.duckdb"
    )


KILL_IN_FLIP = """
import os, signal, sys
from pathlib import Path
from transforms import schemas
from transforms.store import curated
from transforms.store import warehouse
source, folder, after = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
frames = {t: curated.read_table(source / f"{t}.parquet", schemas.TABLES[t]) for t in schemas.TABLES}
real, done = os.replace, []
def replace(src, dst):  # the real rename, then SIGKILL once `after` outputs were renamed
    real(src, dst)
    if Path(dst).parent == folder and not Path(dst).name.startswith("."):
        done.append(dst)
        if len(done) == after:
            os.kill(os.getpid(), signal.SIGKILL)
os.replace = replace
warehouse.publish(curated.stage_all(frames, folder, "new-run"), folder, "new-run")
"""


@pytest.mark.parametrize("after", [1, 5, 10])  # 1: the journal; 10: all but the manifest
def test_a_kill_9_during_the_flip_is_finished_by_the_next_run(published, newer, tmp_path, after):
    _, base, _ = published
    later_raw, later = newer
    folder = tmp_path / "curated"
    shutil.copytree(base, folder)
    killed = subprocess.run(
        [sys.executable, "-c", KILL_IN_FLIP, str(later), str(folder), str(after)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert killed.returncode == -9, killed.stderr
    assert (folder / curated.JOURNAL).exists()  # killed in the middle of the flip
    curated.clear_leftovers(folder)  # what the next run does first, under the lock
    assert not (folder / curated.JOURNAL).exists()
    files = curated.read_manifest(folder)
    for name in OUTPUTS[:-1]:  # every output the new run's, as the manifest names it
        path = folder / name
        schema = schemas.TABLES.get(path.stem)
        if schema is not None:
            assert curated.damage(path, schema, files[name]) is None, name
    assert curated.stamp(folder / "observations.parquet") == "new-run"
    expected = warehouse_tables(later / "warehouse.duckdb", ALL_TABLES)
    assert warehouse_tables(folder / "warehouse.duckdb", ALL_TABLES) == expected
    assert files["warehouse.duckdb"]["size"] == (folder / "warehouse.duckdb").stat().st_size
    assert "damaged state" not in " ".join(_run(later_raw, folder))  # the next run trusts it
