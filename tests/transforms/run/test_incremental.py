"""`incremental.likely_changed`: the guess the command makes before a run, whether it will read
files (it then imports Great Expectations while Prefect starts). Compared: the paths and sizes
under the raw folder and the reports published."""

from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.parquet as pq

from tests.paths import FIXTURES
from transforms.run.incremental import likely_changed

SEED = FIXTURES / "changchun_2012_jilin.txt"


def _publish(curated, rows) -> None:
    """A reports.parquet of (source_file, size_bytes, status) rows."""
    curated.mkdir(exist_ok=True)
    columns = {"source_file": [], "size_bytes": [], "status": []}
    for row in rows:
        for values, value in zip(columns.values(), row, strict=True):
            values.append(value)
    pq.write_table(pa.table(columns), curated / "reports.parquet")


def test_the_same_paths_and_sizes_are_no_change(tmp_path):
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    shutil.copy(SEED, raw / "a.txt")
    size = SEED.stat().st_size
    _publish(curated, [("a.txt", size, "parsed"), ("gone.txt", 10, "withdrawn")])
    assert not likely_changed(raw, curated)
    (raw / "a.txt").write_bytes(SEED.read_bytes() + b"\n")  # edited: another size
    assert likely_changed(raw, curated)
    (raw / "a.txt").write_bytes(SEED.read_bytes())
    shutil.copy(SEED, raw / "b.txt")  # added
    assert likely_changed(raw, curated)
    (raw / "b.txt").unlink()
    (raw / "a.txt").unlink()  # removed
    assert likely_changed(raw, curated)


def test_nothing_published_is_a_change(tmp_path):
    (tmp_path / "raw").mkdir()
    shutil.copy(SEED, tmp_path / "raw" / "a.txt")
    assert likely_changed(tmp_path / "raw", tmp_path / "curated")
    (tmp_path / "curated").mkdir()
    (tmp_path / "curated" / "reports.parquet").write_bytes(b"not parquet")
    assert likely_changed(tmp_path / "raw", tmp_path / "curated")
