"""The run's checks and tables, built from the spool and the last published state, out of core.

In: the spool folder the parse workers wrote (`transforms.run.spool`), the assembled reports
(`incremental.Assembled`), the last published state (`incremental.Previous`, its files), a GE
`Validator`. Out: check_results parts in the spool, then the observations, narrative_claims and
check_results files staged beside their final names (`store.tables.write_query`), and what the
run reports about them (`Tallies`: rows, check counts, the failed checks).

Nothing here holds the corpus: GE validates the spool a few batches at a time
(`GE_BATCH_ROWS`), most of them while the parse goes on (`BackgroundValidation`); checks that
span reports (cross-year, conflicts) read only the rows they need (`crossyear.NEEDED_*`) from
the staged observations; the tables are DuckDB queries streamed into the Parquet writer. The
rows come out in the order `incremental.canonical` gives the same rows in memory (tested
against the in-memory path: identical tables).
"""

from __future__ import annotations

import ctypes
import gc
import logging
import math
import queue
import shutil
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transforms import schemas
from transforms.catalogue import Catalogue
from transforms.checks import crossyear
from transforms.checks.bodies import evaluate_bodies
from transforms.normalise.bodies import resolve_reports
from transforms.normalise.corrections import NO_CORRECTIONS, Written
from transforms.quality.summary import CheckCounts
from transforms.run import spool
from transforms.run.corrections import stage_corrections
from transforms.run.incremental import (
    BODY_KIND,
    RESPAN_KINDS,
    SPAN_KINDS,
    Assembled,
    Previous,
    respanned,
)
from transforms.run.spool import SOURCE, spool_schema
from transforms.schemas import REPORT_READ
from transforms.store import curated, tables
from transforms.store.warehouse import Kept

progress = logging.getLogger("nianbao.progress")
# rows validated per GE batch. An evaluations checkpoint run costs ~0.8 s whatever its size
# (one expectation per check, each with its row condition), an observations one ~0.1 s: their
# batches are large, these small (GE's copies of 400,000 observations held ~140 MB)
GE_BATCH_ROWS = {"evaluations": 400_000, "observations": 150_000}
RELEASE_ROWS = 100_000  # rows dropped before their memory is given back (`release_memory`)
# reports whose cross-year rows are read at once (~25 rows each): at 100,000 reports, groups of
# 20,000 peaked 250 MB higher than groups of 10,000, in the same time (17-18.5 s)
SPAN_GROUP_REPORTS = 10_000
_OBS_READ = (  # what the observations suite judges, and what its messages name
    *("report_id", "indicator", "breakdown", "value", "value_status"),
    *("label_as_printed", "raw_value", "locator"),
)
CHECKS = "checks"  # the spool part of check_results rows
RUN_PART = "~"  # names of the spool parts the run writes itself (after the workers' "b…")


@dataclass(frozen=True)
class Tallies:
    """What the run says about its tables without loading them."""

    observations: int
    checks: CheckCounts
    failed: pd.DataFrame  # the failed check_results rows (schema CHECK_RESULTS)


def _parts(spool_dir: Path, part: str) -> list[Path]:
    return sorted(spool_dir.glob(f"*.{part}.parquet"))


def _batch_names(spool_dir: Path) -> list[str]:
    names = {
        p.name.split(".")[0]
        for part in ("evaluations", "observations")
        for p in _parts(spool_dir, part)
    }
    return sorted(names)


def _read_part(path: Path, part: str, columns: list[str], sources: frozenset[str]) -> pa.Table:
    """The rows of one spool part whose file is among `sources` (not a duplicate's); all rows
    of a part the run wrote itself (`RUN_PART`: the evaluations of checks spanning reports).
    The part's few files are looked up in `sources`, not its rows in an Arrow set of them all
    (built again for every part: ~20 ms at 100,000 files, a thousand parts)."""
    if path.name.startswith(RUN_PART):
        return pq.read_table(path, columns=columns, schema=spool.PARTS[part])
    table = pq.read_table(path, columns=[*columns, SOURCE], schema=spool_schema(part))
    present = pc.unique(table[SOURCE]).to_pylist()
    kept = [s for s in present if s in sources]
    if len(kept) < len(present):
        table = table.filter(pc.is_in(table[SOURCE], value_set=pa.array(kept, pa.string())))
    return table.drop_columns([SOURCE])


def _write(spool_dir: Path, name: str, part: str, rows: pd.DataFrame | pa.Table) -> None:
    """Rows of the run's own (schema `spool.PARTS[part]`, or CHECK_RESULTS) as a spool part."""
    schema = schemas.CHECK_RESULTS if part == CHECKS else spool.PARTS[part]
    if isinstance(rows, pd.DataFrame):
        rows = pa.Table.from_pandas(rows, schema=schema, preserve_index=False)
    _write_part(spool_dir / f"{name}.{part}.parquet", rows)


def _write_part(path: Path, rows: pa.Table) -> bool:
    """`rows` as a spool part at `path`, unless there are none; whether it was written."""
    if rows.num_rows:
        pq.write_table(rows, path, compression="zstd")
    return rows.num_rows > 0


Validated = dict[str, frozenset[str]]  # spool part → the batch names validated
_VALIDATED = {  # spool part → the columns GE judges and its messages name
    "evaluations": schemas.EVALUATIONS.names,
    "observations": [c for c in schemas.OBSERVATIONS.names if c in _OBS_READ],
}


class _Batches:
    """The spool parts of one kind (evaluations or observations), batch after batch, gathered
    into GE batches of about GE_BATCH_ROWS rows (a checkpoint run has a cost whatever its size,
    so batches are large; the rows stay in Arrow and GE gets a pandas copy of only the columns
    it judges). A batch's check_results rows go to the spool as
    `<first batch>~<part>.checks.parquet`. Batching changes no result: every row is judged on
    its own or per report, and a report's rows are all in one part.

    Evaluations are held with only the columns GE judges, and their check rows are made part
    by part after the verdict (`_results`): their messages are most of their bytes (a batch of
    400,000 with messages held 320 MB)."""

    def __init__(
        self, validator, spool_dir: Path, part: str, sources: frozenset[str], collect: bool = True
    ) -> None:
        self.validator, self.spool_dir = validator, spool_dir
        self.part, self.sources = part, sources
        self.collect = collect  # a full garbage collection after each batch (release_memory)
        self.by_part = part == "evaluations"
        self.columns = validator.columns(part) if self.by_part else _VALIDATED[part]
        self.group: list[tuple[str, pa.Table]] = []
        self.rows = 0
        self.validated: set[str] = set()  # batch names whose rows have their check rows
        self.written: list[Path] = []  # the checks parts written

    def _path(self, name: str) -> Path:
        return self.spool_dir / f"{name}.{self.part}.parquet"

    def add(self, name: str) -> None:
        if self._path(name).exists():
            table = _read_part(self._path(name), self.part, self.columns, self.sources)
            self.group.append((name, table))
            self.rows += table.num_rows
        else:
            self.validated.add(name)  # no rows of this kind: nothing to judge
        if self.rows >= GE_BATCH_ROWS[self.part]:
            self.flush()

    def flush(self) -> None:
        if not self.group:
            return
        batch = pa.concat_tables([t for _, t in self.group])
        target = self.spool_dir / f"{self.group[0][0]}~{self.part}.{CHECKS}.parquet"
        if self.by_part:
            verdicts = self.validator.judge(self.part, batch)
            del batch
            written = self._results(verdicts, target)
        else:
            written = _write_part(target, self.validator.check_table(self.part, batch))
            del batch
        self.written += [target] if written else []
        self.validated.update(n for n, _ in self.group)
        release_memory(self.rows, frames=self.collect)
        self.group, self.rows = [], 0

    def _results(self, verdicts, target: Path) -> bool:
        """The check rows of the group's parts, one part at a time, into `target` (not made
        when there are none)."""
        writer, offset = None, 0
        try:
            for name, _ in self.group:
                rows = _read_part(self._path(name), self.part, _VALIDATED[self.part], self.sources)
                checks = self.validator.results(self.part, rows, verdicts, offset)
                offset += rows.num_rows
                if checks.num_rows:
                    writer = writer or pq.ParquetWriter(target, checks.schema, compression="zstd")
                    writer.write_table(checks)
        finally:
            if writer is not None:
                writer.close()
        return writer is not None


def validate_spool(
    validator, spool_dir: Path, assembled: Assembled, validated: Validated | None = None
) -> None:
    """GE over every report read in this run: the evaluations (the workers' and the run's own
    parts), then the observations, a few spool parts at a time (`_Batches`), but the parts
    `validated` names (part → batch names: judged while the parse went on,
    `BackgroundValidation`); the reports suite over the run's fresh reports at once (their ids
    must be unique across them)."""
    sources = assembled.fresh_sources
    names = _batch_names(spool_dir)
    for part in _VALIDATED:
        batches = _Batches(validator, spool_dir, part, sources)
        for name in names:
            if validated is None or name not in validated[part]:
                batches.add(name)
        batches.flush()
    reports = assembled.reports
    fresh = reports[
        reports["status"].isin(REPORT_READ) & reports["report_id"].isin(assembled.fresh_ids)
    ]
    _write(spool_dir, f"{RUN_PART}reports", CHECKS, validator.check({"reports": fresh}))


class BackgroundValidation:
    """GE over the parse workers' spool parts while the parse goes on, in a thread of the
    flow's process: the parse runs in worker processes while this process waits, and GE run
    after the parse kept one core of two busy and the other idle (11.6-13.7 s of a
    10,000-report run; judged during the parse, 1.6-2.3 s are left after it, and the parse
    takes 3-4 s longer). `written(name)` hands over a batch the workers finished; full GE
    batches are validated as they fill up, what is left is validated after the parse with the
    run's own parts (`validate_spool`, told what was done by `finish`).

    The rows judged are those of the files the plan expects to keep (`Plan.first_reads`: not
    duplicates, by the hash taken before the parse). `finish` compares them with the files
    the run keeps (`Assembled.fresh_sources`); should they differ (a file changed between the
    plan and its parse), the check rows made here are removed and everything is validated
    again after the parse."""

    def __init__(self, validator, spool_dir: Path, expected: frozenset[str]) -> None:
        self.validator = validator
        self.expected = expected
        # no full collection after each batch: 0.2-0.4 s in a process that holds GE, some 120
        # times at 100,000 reports, with the GIL held that the pool's dispatch needs; the
        # batches' Arrow memory is given back all the same
        self._batches = {
            part: _Batches(validator, spool_dir, part, expected, collect=False)
            for part in _VALIDATED
        }
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="nianbao-validation", daemon=True)
        self._thread.start()

    def written(self, name: str) -> None:
        """A spool batch whose parts the workers wrote, whole."""
        self._queue.put(name)

    def _work(self) -> None:
        while (name := self._queue.get()) is not None:
            if self._error is not None:
                continue  # the failure is raised by `finish`; the parse goes on
            try:
                for batches in self._batches.values():
                    batches.add(name)
            except BaseException as exc:  # raised again in the flow's thread, by `finish`
                self._error = exc

    def stop(self) -> None:
        """Wait for the batches handed over so far to be validated (or given up)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def finish(self, assembled: Assembled) -> Validated | None:
        """After the parse: the parts validated here, or None (and their check rows removed)
        when the files kept are not those assumed. A failure inside GE is raised here."""
        self.stop()
        if self._error is not None:
            raise self._error
        if self._as_expected(assembled):
            return {part: frozenset(b.validated) for part, b in self._batches.items()}
        for batches in self._batches.values():
            for path in batches.written:
                path.unlink(missing_ok=True)
        return None

    def _as_expected(self, assembled: Assembled) -> bool:
        """True when the parts' rows filtered by the expected files are those of the files kept:
        every file kept was expected, and an expected file not kept has no rows (not read)."""
        actual = assembled.fresh_sources
        reports = assembled.reports
        read = set(reports.loc[reports["status"].isin(REPORT_READ), "source_file"])
        return actual <= self.expected and not (self.expected - actual) & read


def release_memory(rows: int, frames: bool = True) -> None:
    """Give the frames of `rows` rows just dropped back to the system: pandas leaves freed
    blocks in the allocator's arenas, and the next stage (DuckDB's sort) would count on top of
    them. Not for fewer than RELEASE_ROWS: a full collection costs ~0.1–0.5 s in a process
    that holds GE (more in a long-lived one), and a small batch has little to give back. With
    `frames` False (only Arrow batches were dropped: reference-counted, never in a cycle) the
    collection is skipped and only the allocators give their free pages back."""
    if rows < RELEASE_ROWS:
        return
    if frames:
        gc.collect()
    pa.default_memory_pool().release_unused()  # Arrow's allocator keeps freed pages too
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is reused, only not returned
        pass


def _stage(con, table: str, members: list[Member], order: str, target: Path, run_id) -> int:
    """`table` written to `target` from the union of `members` in canonical order, sorted a
    range of report ids at a time (`tables.write_sorted`: DuckDB's sort stays within its memory
    whatever the corpus); a write that fails leaves nothing (WriteFailed, as
    `curated.stage_all`)."""
    schema = schemas.TABLES[table]
    try:
        if members:
            union = "\nUNION ALL\n".join(m.sql for m in members)
            order = f"{order}, _o, _f, _r"
            in_order = _count([m for m in members if m.ordered])
            unordered = _count([m for m in members if not m.ordered])
            if unordered[0] <= tables.ROWS_PER_SORT:  # the published rows and a few new ones
                rows = _merge(con, members, union, order, schema, target, run_id)
                if rows is not None:
                    return rows
            ranges = tables.sort_ranges(in_order[0] + unordered[0], in_order[1] + unordered[1])
            split = unordered[0] > tables.ROWS_PER_SORT
            return tables.write_sorted(con, union, order, schema, target, run_id, ranges, split)
        empty = pa.Table.from_pandas(
            schemas.empty_frame(schema), schema=tables.stamped(schema, run_id), preserve_index=False
        )
        pq.write_table(empty, target, compression="zstd", write_page_checksum=True)
        return 0
    except BaseException as exc:
        target.unlink(missing_ok=True)
        if isinstance(exc, OSError) or "IO Error" in str(exc):
            raise curated.WriteFailed(
                f"could not write {table}.parquet in {target.parent}: "
                f"{getattr(exc, 'strerror', None) or exc}; the previous outputs are intact"
            ) from exc
        raise


class Member(NamedTuple):
    """One source of a table's rows: its SELECT, the files it reads, and whether their rows
    are in report_id order (a published table: then also the filter of its rows) or in none
    (spool parts)."""

    sql: str
    paths: list[Path]
    ordered: bool
    keep: str = "true"


def _merge(con, members: list[Member], union: str, order: str, schema, target, run_id):
    """`tables.write_merged` when the rows are one published file's and new ones: the
    published rows are not sorted again. None when it does not apply."""
    old = [m for m in members if m.ordered]
    if len(old) != 1 or len(old[0].paths) != 1:
        return None
    new = [m.sql for m in members if not m.ordered] or [f"SELECT * FROM ({old[0].sql}) WHERE false"]
    new_sql = "\nUNION ALL\n".join(new)
    return tables.write_merged(
        con, old[0].paths[0], old[0].keep, union, new_sql, order, schema, target, run_id
    )


def _count(members: list[Member]) -> tuple[int, int]:
    """(rows, uncompressed bytes) of the members' files before their filters (upper bounds),
    from the footers."""
    rows = size = 0
    for path in (p for m in members for p in m.paths):
        meta = pq.ParquetFile(path).metadata
        rows += meta.num_rows
        size += sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    return rows, size


def _old(previous: Previous, table: str, schema: pa.Schema, where: str) -> list[Member]:
    path = previous.path(table)
    if path is None or not path.exists():
        return []
    sql = (
        f"SELECT {tables.columns(schema)}, 0 AS _o, '' AS _f, file_row_number AS _r "
        f"FROM read_parquet({tables.parquet_list([path])}, file_row_number = true) WHERE {where}"
    )
    return [Member(sql, [path], ordered=True, keep=where)]


def _new(spool_dir: Path, part: str, schema: pa.Schema, where: str = "true") -> list[Member]:
    paths = _parts(spool_dir, part)
    if not paths:
        return []
    sql = (
        f"SELECT {tables.columns(schema)}, 1 AS _o, filename AS _f, file_row_number AS _r "
        f"FROM read_parquet({tables.parquet_list(paths)}, filename = true, "
        f"file_row_number = true) WHERE {where}"
    )
    return [Member(sql, paths, ordered=False)]


def stage_values(
    con, spool_dir: Path, previous: Previous, assembled: Assembled, curated_dir: Path, run_id
) -> tuple[dict[str, Path], int, dict[str, Kept]]:
    """observations and narrative_claims staged: the reused reports' rows from the last
    published files, the fresh reports' rows from the spool. Returns (staged files, rows of
    observations, the rows of each table kept from the published one)."""
    reused = Kept(
        "report_id IN (SELECT v FROM reused_ids)",
        {"reused_ids": assembled.reused_ids},
        len(assembled.fresh_ids),
    )
    reused.register(con)
    tables.register_ids(con, "fresh_sources", assembled.fresh_sources)
    fresh = f"{SOURCE} IN (SELECT v FROM fresh_sources)"
    staged, n_obs, replaced = {}, 0, {}
    for table, part, order in (
        ("observations", "observations", '"report_id" NULLS FIRST'),
        ("narrative_claims", "claims", '"report_id" NULLS FIRST, "claim_no" NULLS FIRST'),
    ):
        schema = schemas.TABLES[table]
        members = _old(previous, table, schema, reused.where)
        members += _new(spool_dir, part, schema, fresh)
        replaced[table] = reused
        staged[table] = curated.staging_path(curated_dir / f"{table}.parquet")
        try:
            rows = _stage(con, table, members, order, staged[table], run_id)
        except BaseException:
            curated.discard(staged)
            raise
        n_obs = rows if table == "observations" else n_obs
    return staged, n_obs, replaced


def spanning_evaluations(
    con, observations: Path, reports: pd.DataFrame, catalogue: Catalogue, respan: frozenset[str]
) -> Iterator[pd.DataFrame]:
    """Cross-year and conflict evaluations over the reports `respan` names (published with
    values; every report of each of their bodies: `incremental.respanned`), from the rows of
    the staged observations these checks read: the cross-year ones a group of bodies at a time
    (`SPAN_GROUP_REPORTS` reports; a body's reports are all in one group, as its pairs are),
    so that what is held does not grow with the corpus; then the conflicts, which read the
    reports only."""
    live = reports[reports["status"].isin(REPORT_READ) & reports["report_id"].isin(respan)]
    n_groups = max(1, math.ceil(len(live) / SPAN_GROUP_REPORTS))
    keys = live["body"].map(crossyear.body_key, na_action="ignore")
    group = keys.map(lambda key: zlib.crc32(key.encode("utf-8")) % n_groups, na_action="ignore")
    codes = ", ".join("'" + c + "'" for c in crossyear.needed_indicators(catalogue))
    cols = ", ".join(f'"{c}"' for c in crossyear.NEEDED_COLUMNS)
    files = tables.parquet_list([observations])
    sql = (
        f"SELECT {cols} FROM read_parquet({files}, file_row_number = true) "
        "WHERE report_id IN (SELECT v FROM span_ids) "
        f"AND (indicator IN ({codes}) OR breakdown = '{crossyear.CUMULATIVE}' "
        f"OR (breakdown = '{crossyear.YEAR}' AND report_id IN (SELECT report_id FROM "
        f"read_parquet({files}) WHERE breakdown = '{crossyear.CUMULATIVE}'))) "
        "ORDER BY file_row_number"  # the table's order: a cell printed twice, the last counts
    )
    for g in range(n_groups):
        members = live[group.eq(g).fillna(False).astype(bool)]  # no body: never paired
        if members.empty:
            continue
        tables.register_ids(con, "span_ids", members["report_id"])
        needed = con.sql(sql).to_arrow_table().to_pandas()
        yield crossyear.evaluate_cross_year(members, needed, catalogue)
        del needed
    yield crossyear.evaluate_conflicts(live)


def stage_checks(
    con,
    spool_dir: Path,
    previous: Previous,
    assembled: Assembled,
    respan: frozenset[str],
    curated_dir: Path,
    run_id,
) -> tuple[Path, Kept]:
    """check_results staged: the reused reports' rows, but the body checks (recomputed every
    run; those that came out as published are kept: `_same_bodies`) and the spanning checks'
    of the reports `respan` names (recomputed in this run), and this run's other rows (the
    spool's checks parts). Returns the staged file and the rows kept from the published one."""
    reports = assembled.reports
    kept = set(reports.loc[reports["status"].isin(REPORT_READ), "report_id"]) - assembled.fresh_ids
    again = ", ".join("'" + k + "'" for k in RESPAN_KINDS)
    spanning = ", ".join("'" + k + "'" for k in SPAN_KINDS)
    schema = schemas.CHECK_RESULTS
    where = (  # the checks of corrected values are recomputed every run: not reused
        f"report_id IN (SELECT v FROM kept_ids) AND value_set = 'printed' AND "
        f"(kind NOT IN ({again}) OR "
        f"(kind IN ({spanning}) AND report_id NOT IN (SELECT v FROM respan_ids)))"
    )
    ids = {"kept_ids": frozenset(kept), "respan_ids": respan}
    tables.register_ids(con, "kept_ids", ids["kept_ids"])
    ids["same_body_ids"] = _same_bodies(con, previous.path("check_results"), spool_dir)
    same = (  # a body check that came out as published is kept, not replaced
        f"kind = '{BODY_KIND}' AND value_set = 'printed' AND "
        "report_id IN (SELECT v FROM same_body_ids)"
    )
    where = f"{where} OR ({same})"
    replaced = Kept(where, ids, len(assembled.fresh_ids | respan))
    replaced.register(con)
    members = _old(previous, "check_results", schema, where)
    members += _new(spool_dir, CHECKS, schema, f"({same}) IS NOT TRUE")
    order = ", ".join(
        f'"{k}" NULLS FIRST'
        for k in ("report_id", "value_set", "kind", "check_id", "breakdown", "locator", "message")
    )
    target = curated.staging_path(curated_dir / "check_results.parquet")
    _stage(con, "check_results", members, order, target, run_id)
    return target, replaced


def _same_bodies(con, published: Path | None, spool_dir: Path) -> frozenset[str]:
    """The kept reports (the connection's `kept_ids`) whose body checks came out in this run
    exactly as published: those rows are kept, not replaced. Without this, every run would
    replace a row of every report, and check_results would be sorted whole again
    (`tables.write_merged` sorts only the reports whose rows are replaced)."""
    parts = _parts(spool_dir, CHECKS)
    if published is None or not published.exists() or not parts:
        return frozenset()
    cols = tables.columns(schemas.CHECK_RESULTS)
    body = f"kind = '{BODY_KIND}' AND value_set = 'printed'"
    old = (
        f"SELECT {cols} FROM read_parquet({tables.parquet_list([published])}) "
        f"WHERE {body} AND report_id IN (SELECT v FROM kept_ids)"
    )
    new = f"SELECT {cols} FROM read_parquet({tables.parquet_list(parts)}) WHERE {body}"
    sql = (  # each side read once
        f"WITH old AS MATERIALIZED ({old}), new AS MATERIALIZED ({new}), changed AS "
        "(SELECT report_id FROM (FROM old EXCEPT ALL FROM new) "
        "UNION ALL SELECT report_id FROM (FROM new EXCEPT ALL FROM old)) "
        "SELECT DISTINCT report_id FROM old WHERE report_id NOT IN "
        "(SELECT report_id FROM changed WHERE report_id IS NOT NULL)"
    )
    return frozenset(r[0] for r in con.sql(sql).fetchall())


def tallies(con, checks: Path, n_observations: int, failed: pd.DataFrame | None = None) -> Tallies:
    """The counts and failed rows of a check_results file; `failed`: its failed rows when
    they were read already (an unchanged run's `previous_failed`)."""
    counts = CheckCounts(*tables.check_counts(con, checks))
    failed = tables.failed_checks(con, checks) if failed is None else failed
    return Tallies(n_observations, counts, failed)


def previous_failed(con, previous: Previous) -> pd.DataFrame | None:
    """The failed checks of the last published state (None on a first run or when its
    check_results cannot be read: then every finding counts as new)."""
    if previous.reports.empty:
        return None
    if previous.checks_loaded:
        checks = previous.check_results
        return checks[checks["passed"].eq(False).fillna(False).astype(bool)]
    path = previous.path("check_results")
    try:
        return tables.failed_checks(con, path) if path is not None and path.exists() else None
    except Exception:  # a damaged file: named by the state check, nothing reused
        return None


class Workspace:
    """A run's scratch space: the spool folder under the curated folder and a DuckDB bounded in
    memory that spills there. `close` removes both (a killed run's are removed by the next
    run's `curated.clear_leftovers`)."""

    def __init__(self, curated_dir: Path, run_id: str) -> None:
        self.curated_dir = curated_dir
        self.run_id = run_id
        self.dir = curated.spool_dir(curated_dir, run_id)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.con = tables.connect(self.dir / "spill")

    def reconnect(self) -> None:
        """A new DuckDB in place of the one that sorted a table or scanned one: DuckDB keeps
        the memory of its buffers once a query is done (at 100,000 reports ~120 MB after the
        observations' sort, ~300 MB after the cross-year scans); closing gives it back.
        Nothing registered on the old one carries over."""
        self.con.close()
        self.con = tables.connect(self.dir / "spill")

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def check_and_stage(
    ws: Workspace,
    validator,
    previous: Previous,
    assembled: Assembled,
    catalogue: Catalogue,
    written: Written = NO_CORRECTIONS,
    validated: Validated | None = None,
) -> tuple[dict[str, Path], Tallies, dict[str, Kept]]:
    """Everything after the parse: the values staged; the checks that span reports over the
    staged observations (for the bodies whose reports changed: `incremental.respanned`) and
    the bodies resolved over every report (bodies and report_bodies staged), their evaluations
    written to the spool as the run's own parts; GE over every evaluations and observations
    part at once (one checkpoint run per batch of rows, whatever made them); corrections.csv
    judged and the corrected values checked (`run.corrections`: recomputed every run);
    check_results staged. `validated`: the spool parts GE judged during the parse
    (`BackgroundValidation.finish`). Returns the staged files (table → file), the tallies,
    and for the tables staged from the published rows and the run's, the published rows kept
    (`warehouse.publish` replaces only the others)."""
    release_memory(len(assembled.reports))  # what the parse's rows left (100,000 dicts)
    progress.info("writing Parquet: observations and narrative claims")
    staged, n_obs, replaced = stage_values(
        ws.con, ws.dir, previous, assembled, ws.curated_dir, ws.run_id
    )
    ws.reconnect()
    release_memory(n_obs, frames=False)  # what the sorts' record batches left behind
    try:
        progress.info("checking identities across reports (cross-year, conflicts)")
        respan = respanned(previous, assembled)
        spanning = spanning_evaluations(
            ws.con, staged["observations"], assembled.reports, catalogue, respan
        )
        for i, evaluations in enumerate(spanning):
            _write(ws.dir, f"{RUN_PART}spanning{i:04d}", "evaluations", evaluations)
            release_memory(len(evaluations))
        ws.reconnect()  # DuckDB kept the cross-year scans' memory: ~300 MB at 100,000 reports
        release_memory(len(assembled.reports))
        progress.info("resolving the issuing bodies")
        bodies = resolve_reports(assembled.reports, catalogue)
        staged |= curated.stage_all(
            {"bodies": bodies.bodies, "report_bodies": bodies.report_bodies},
            ws.curated_dir,
            ws.run_id,
        )
        _write(ws.dir, f"{RUN_PART}bodies", "evaluations", evaluate_bodies(bodies))
        del bodies  # staged and judged: not held through the sorts below
        release_memory(len(assembled.reports))  # ~120 MB at 100,000 reports
        progress.info("running Great Expectations suites on the reports read")
        validate_spool(validator, ws.dir, assembled, validated)
        progress.info("judging %d corrections", len(written.rows))
        table, checks = stage_corrections(
            ws.con, written, staged["observations"], assembled.reports, catalogue, validator
        )
        staged |= curated.stage_all({"corrections": table}, ws.curated_dir, ws.run_id)
        _write(ws.dir, f"{RUN_PART}corrections", CHECKS, checks)
        validator.finish()
        progress.info("writing Parquet: check results")
        staged["check_results"], replaced["check_results"] = stage_checks(
            ws.con, ws.dir, previous, assembled, respan, ws.curated_dir, ws.run_id
        )
        return staged, tallies(ws.con, staged["check_results"], n_obs), replaced
    except BaseException:
        curated.discard(staged)
        raise
