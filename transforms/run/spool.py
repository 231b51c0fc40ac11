"""The parse stage's output, written where it is made: each worker reads a batch of files,
checks each report it read, and writes the batch's rows as Parquet itself.

In: a `Batch` (paths, the raw folder, the size cap, the spool folder, the batch's name).
Out: the batch's `reports` rows, returned to the caller (small: one dict per file), and up to
three Parquet files in the spool folder, `<name>.observations.parquet`,
`<name>.claims.parquet` and `<name>.evaluations.parquet`: the observations and narrative claims
of every report read (schemas OBSERVATIONS and NARRATIVE_CLAIMS), and the evaluations of every
check that concerns one report (schemas.EVALUATIONS: identities, semantic, completeness,
narrative), each row with a `_src` column naming the file it came from. The run keeps the
rows of the files that are not duplicates (`_src`), so nothing else of a report passes through
the parent process.

Why batches: a check costs ~40 ms of pandas set-up per call whatever its size, so checking
reports one by one would cost more than reading them; and one process per file would be worse.
Why single files for PDF and office formats: they take up to seconds each, so a batch of them
would run into the per-item time limit. A batch the pool stopped (time, memory, crash) is read
again one file per item (`Batch.split`), so only the file at fault gets the bound's reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from transforms import catalogue as catalogue_module
from transforms import schemas
from transforms.catalogue import Catalogue
from transforms.checks.completeness import evaluate_completeness
from transforms.checks.evaluations import combine, evaluation_frame
from transforms.checks.identities import evaluate_rules
from transforms.checks.narrative import evaluate_narrative
from transforms.checks.semantic import evaluate_semantic
from transforms.normalise.rows import observations_frame
from transforms.run.ingest import FileResult, bounds_exceeded, ingest_file, source_name
from transforms.run.pool import Bounds, Failed, map_bounded, run_inline

SOURCE = "_src"  # the spool column naming the row's file (reports.source_file)
PARTS = {  # spool part → its schema (plus SOURCE)
    "observations": schemas.OBSERVATIONS,
    "claims": schemas.NARRATIVE_CLAIMS,
    "evaluations": schemas.EVALUATIONS,
}
BATCHED_FORMATS = {"txt", "text", "md", "html", "htm", "shtml", "xhtml", "csv"}
# a worker holds a batch's frames and checks at once: 4,000 synthetic files on 2 workers peaked at
# 468-482 MiB (the two) in batches of 100, 543-556 in batches of 200, in the same time (13-15 s)
MAX_BATCH_FILES = 100
MAX_BATCH_BYTES = 4 * 2**20


@dataclass(frozen=True)
class Batch:
    paths: tuple[Path, ...]
    raw_dir: Path
    max_bytes: int
    spool_dir: Path
    name: str

    def split(self) -> list[Batch]:
        """One batch per file, to find the one that ran past a bound."""
        return [
            Batch((p,), self.raw_dir, self.max_bytes, self.spool_dir, f"{self.name}-{i}")
            for i, p in enumerate(self.paths)
        ]


def batches(
    paths: Sequence[Path],
    raw_dir: Path,
    max_bytes: int,
    spool_dir: Path,
    workers: int,
    prefix: str = "",
) -> list[Batch]:
    """Consecutive runs of `paths` (their order kept): text and HTML files up to
    MAX_BATCH_FILES / MAX_BATCH_BYTES a batch, and small enough that every worker gets several
    batches; every other file a batch of its own."""
    per_batch = max(1, min(MAX_BATCH_FILES, len(paths) // max(1, 8 * workers)))
    out: list[list[Path]] = []
    size = 0
    for path in paths:
        weight = _size(path)
        last = out[-1] if out else None
        if (
            _single(path)
            or last is None
            or _single(last[0])
            or len(last) >= per_batch
            or size + weight > MAX_BATCH_BYTES
        ):
            out.append([path])
            size = weight
        else:
            last.append(path)
            size += weight
    return [
        Batch(tuple(group), raw_dir, max_bytes, spool_dir, f"{prefix}b{i:06d}")
        for i, group in enumerate(out)
    ]


def _single(path: Path) -> bool:
    return path.suffix.lower().lstrip(".") not in BATCHED_FORMATS


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def read_batch(batch: Batch) -> list[dict]:
    """Read, normalise and check every file of the batch (in a worker process); write the
    spool parts; return the reports rows in the batch's order. Never raises for a bad file."""
    catalogue = catalogue_module.default()
    results = [ingest_file(p, batch.raw_dir, catalogue, batch.max_bytes) for p in batch.paths]
    write_parts(batch.spool_dir, batch.name, results, catalogue)
    return [r.report for r in results]


def write_parts(
    spool_dir: Path, name: str, results: Iterable[FileResult], catalogue: Catalogue
) -> None:
    """The spool parts of the reports read among `results` (the first file of each report id:
    a later one of the same content is a duplicate and has no rows)."""
    read, seen = [], set()
    for r in results:
        if r.report["status"] in schemas.REPORT_READ and r.report["report_id"] not in seen:
            seen.add(r.report["report_id"])
            read.append(r)
    if not read:
        return
    frames = report_frames(read, catalogue)
    source = {r.report["report_id"]: r.report["source_file"] for r in read}
    for part, frame in frames.items():
        if frame.empty:
            continue
        frame = frame.assign(**{SOURCE: frame["report_id"].map(source)})
        table = pa.Table.from_pandas(frame, schema=spool_schema(part), preserve_index=False)
        target = spool_dir / f"{name}.{part}.parquet"
        temp = target.with_name(f".{target.name}.tmp")
        pq.write_table(table, temp, compression="zstd")
        temp.replace(target)  # whole or absent: a worker killed mid-write leaves only .tmp


def spool_schema(part: str) -> pa.Schema:
    return PARTS[part].append(pa.field(SOURCE, pa.string(), nullable=False))


def report_frames(read: list[FileResult], catalogue: Catalogue) -> dict[str, pd.DataFrame]:
    """Observations, claims and the one-report evaluations of the reports read."""
    reports = schemas.to_frame([r.report for r in read], schemas.REPORTS)
    observations = observations_frame(row for r in read for row in r.rows)
    claims = schemas.to_frame([c for r in read for c in r.claims], schemas.NARRATIVE_CLAIMS)
    return {
        "observations": observations,
        "claims": claims,
        "evaluations": evaluate_report_checks(reports, observations, claims, catalogue),
    }


def evaluate_report_checks(
    reports: pd.DataFrame, observations: pd.DataFrame, claims: pd.DataFrame, catalogue: Catalogue
) -> pd.DataFrame:
    """The evaluations of every check that concerns one report at a time."""
    if reports.empty:
        return evaluation_frame([])
    return combine(
        evaluate_rules(observations, reports, catalogue),
        evaluate_semantic(observations, reports, catalogue),
        evaluate_completeness(observations, reports, catalogue),
        evaluate_narrative(claims, observations, catalogue),
    )


class ReportRows(Mapping[str, dict]):
    """source_file → the file's `reports` row, held in Arrow, a table per batch: at 100,000
    files the rows as dicts took ~110 MB of the flow's process through the parse, in Arrow
    ~22 MB. A row is read back with the rest of its batch, and the last batch read is kept, so
    reading the rows in the order they were added (`incremental.assemble_reports` follows the
    paths, as the batches do) makes each batch's dicts once, one batch at a time."""

    def __init__(self) -> None:
        self._tables: list[pa.Table] = []
        self._where: dict[str, tuple[int, int]] = {}  # source_file → (table, row)
        self._read: tuple[int, list[dict]] = (-1, [])

    def add(self, sources: Sequence[str], rows: Sequence[dict]) -> None:
        if len(sources) != len(rows):
            raise ValueError(f"{len(rows)} reports rows for {len(sources)} files")
        table = len(self._tables)
        self._tables.append(pa.Table.from_pylist(list(rows), schema=schemas.REPORTS))
        self._where.update((source, (table, i)) for i, source in enumerate(sources))

    def update(self, other: ReportRows) -> None:
        """`other`'s rows added (a later row of the same file replaces the earlier)."""
        offset = len(self._tables)
        self._tables += other._tables
        self._where.update((s, (t + offset, i)) for s, (t, i) in other._where.items())

    def __getitem__(self, source: str) -> dict:
        table, i = self._where[source]
        if self._read[0] != table:
            self._read = (table, self._tables[table].to_pylist())
        return self._read[1][i]

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


def discard_parts(batch: Batch) -> None:
    """Whatever a stopped batch wrote (it may have been killed between two parts)."""
    for part in PARTS:
        (batch.spool_dir / f"{batch.name}.{part}.parquet").unlink(missing_ok=True)


def parse_to_spool(
    paths: Sequence[Path],
    raw_dir: Path,
    max_bytes: int,
    spool_dir: Path,
    bounds: Bounds | None,
    on_progress: Callable[[int, int], None] | None = None,
    prefix: str = "",
    on_written: Callable[[str], None] | None = None,
) -> ReportRows:
    """Read `paths` in batches in worker processes (in this process when `bounds` is None),
    their rows written to `spool_dir`; return source_file → the file's `reports` row. A batch
    the pool stopped is read again one file per item, so that only the file at fault gets the
    bound's reason (its row says which bound). Never raises for a file. `on_written(name)`
    is told each batch whose parts are written, whole (`<name>.<part>.parquet`)."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    workers = bounds.worker_count if bounds else 1
    todo = batches(paths, raw_dir, max_bytes, spool_dir, workers, prefix)
    rows = ReportRows()
    while todo:
        retry: list[Batch] = []
        run = map_bounded(read_batch, todo, bounds, chunk_size=1) if bounds else None
        for i, result in run or run_inline(read_batch, todo):
            batch = todo[i]
            if isinstance(result, Failed) and len(batch.paths) > 1:
                discard_parts(batch)
                retry += batch.split()
                continue
            if isinstance(result, Failed):
                discard_parts(batch)
                path = batch.paths[0]
                result = [bounds_exceeded(path, raw_dir, max_bytes, result.reason).report]
            elif on_written:
                on_written(batch.name)
            rows.add([source_name(path, raw_dir) for path in batch.paths], result)
            if on_progress:
                on_progress(len(rows), len(paths))
        todo = retry
    return rows
