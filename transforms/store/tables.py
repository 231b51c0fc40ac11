"""The curated tables built out of core: DuckDB over Parquet parts, streamed into the staged file.

In: SQL over Parquet files (the last published tables, the parse workers' spool parts) and the
table's schema. Out: the table's Parquet file beside its final name, stamped, checksummed and
synced exactly as `curated.stage_all` writes a frame (so `commit` publishes either), and small
answers (row counts, the failed checks) read without loading a table.

Why: a run must not hold the corpus in Python (1.5 M observation rows at 10,000 reports). DuckDB
sorts and joins within `MEMORY_LIMIT`, spilling to a folder under the curated folder; the rows
come out in record batches and go straight to the Parquet writer.

Order: every table is written in one canonical order (`ORDER BY` on its keys, NULLS FIRST, then
a tie-breaker the caller supplies: where the row came from and its position there), the order
`incremental.canonical` gives the same rows in memory, so a full refresh, an incremental run
and the in-memory path give identical files. A published file is in that order already: a run
that re-read a few reports merges their rows into it (`write_merged`) rather than sort it again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transforms import schemas
from transforms.store import curated

MEMORY_LIMIT = "256MB"  # DuckDB's own buffers; it spills to disk beyond this
# rows sorted at once within MEMORY_LIMIT (1.5M ran out in an incremental run over 10k reports)
ROWS_PER_SORT = 400_000
# and at most this much of their Parquet size, uncompressed: check_results rows carry their
# messages (~460 bytes a row), and 300k of them ran out of MEMORY_LIMIT in one sort
BYTES_PER_SORT = 32 * 2**20
THREADS = 2
BATCH_ROWS = 65_536  # rows per row group written (the record batches read are gathered to this)
# rows per record batch read from DuckDB: a check_results row is ~900 bytes in Arrow (its message
# and locator; ~190 in Parquet), and DuckDB's export holds a few batches per thread. Staging
# check_results at 100,000 reports (6M rows, replayed from a run's spool, 3 runs each): 313-372
# MB above the process against 438-524 with batches of BATCH_ROWS, in the same 21-23 s
READ_ROWS = 16_384
# rows of a range the split gathers before it writes them (`_split`): written as they come (a
# few hundred rows of each batch), DuckDB's sorts scanned the small batches slowly (19 s against 12)
SPLIT_ROWS = 2_048
# rows of the reports a run re-read that `write_merged` sorts in memory (~30 MB of check_results)
MERGE_ROWS = 50_000


def lean_arrow_memory() -> None:
    """Arrow's buffers in this process from the C library's allocator rather than Arrow's
    default, mimalloc, which keeps memory per thread: the run's process held 16-20 MB more
    after its first Parquet read, and a first run at 10,000 reports peaked 35 MB higher
    (1.26-1.28 GiB against 1.23-1.24, 2 runs each, in the same time). Called when a run starts,
    before Arrow allocates; the parse workers keep the default."""
    pa.set_memory_pool(pa.system_memory_pool())


def connect(spill_dir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB bounded in memory and threads, spilling under `spill_dir`."""
    spill_dir.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(
        config={
            "memory_limit": MEMORY_LIMIT,
            "threads": THREADS,
            "temp_directory": str(spill_dir),
            # every query whose order matters says ORDER BY; without the promise DuckDB can
            # stream and spill more (a 100k run ran out of memory with it)
            "preserve_insertion_order": False,
        }
    )


def parquet_list(paths: Sequence[Path]) -> str:
    """A `read_parquet([...])` argument for these files (quoted literals: DuckDB does not take
    a list of files as a prepared parameter in every position)."""
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def register_ids(con: duckdb.DuckDBPyConnection, name: str, values) -> None:
    """`values` (strings) as the one-column table `name` (column `v`) of the connection, for
    `... IN (SELECT v FROM name)` filters."""
    con.register(name, pa.table({"v": pa.array(sorted(values), pa.string())}))


def stamped(schema: pa.Schema, run_id: str | None) -> pa.Schema:
    if run_id is None:
        return schema
    return schema.with_metadata({**(schema.metadata or {}), curated.STAMP: run_id.encode()})


def write_query(
    con: duckdb.DuckDBPyConnection,
    queries: Sequence[tuple[str, Sequence]],
    schema: pa.Schema,
    target: Path,
    run_id: str | None,
) -> int:
    """Stream the results of `queries` ((sql, parameters), their columns those of `schema`, in
    order), one after the other, into `target` as `curated.stage_all` writes a table; return the
    rows written. The file is synced."""
    readers = (
        con.sql(sql, params=list(params)).to_arrow_reader(READ_ROWS) for sql, params in queries
    )
    return _write_readers(readers, schema, target, run_id)


def _write_readers(
    readers: Iterable[Iterable[pa.RecordBatch | pa.Table]],
    schema: pa.Schema,
    target: Path,
    run_id: str | None,
) -> int:
    """The rows of each reader in turn, a row group of BATCH_ROWS rows at a time (`_rechunked`;
    the last of each reader fewer)."""
    schema = stamped(schema, run_id)
    rows = 0
    with pq.ParquetWriter(target, schema, compression="zstd", write_page_checksum=True) as writer:
        for reader in readers:
            for table in _rechunked(reader, schema):
                writer.write_table(table)
                rows += table.num_rows
    curated.fsync(target)
    return rows


def write_sorted(
    con: duckdb.DuckDBPyConnection,
    union: str,
    order: str,
    schema: pa.Schema,
    target: Path,
    run_id: str | None,
    ranges: Sequence[tuple[str | None, str | None]],
    split: bool,
) -> int:
    """The rows of `union` (a SELECT of `schema`'s columns and the tie-breakers `order` names)
    written to `target` in `order`, as `write_query` writes, one range of report ids after the
    other, each sorted on its own (DuckDB's sort stays within its memory whatever the corpus).
    Without `split`, each range is a query over the union: cheap when most of its rows are in
    files in report_id order (a published table: DuckDB reads only the row groups of the
    range). With `split` (many rows in no order, such as the parse workers' parts), the rows
    are first split by range into files of the spill folder, in one pass (`_split`; else each
    range would read the whole union again), and each file is sorted in two halves (`_middle`)."""
    cols = columns(schema)
    if len(ranges) == 1 or not split:
        queries = []
        for low, high in ranges:
            where = " AND ".join(
                [*(["report_id >= ?"] if low else []), *(["report_id < ?"] if high else [])]
            )
            if low is None:  # a NULL id sorts first (NULLS FIRST), as a split puts it
                where = f"report_id IS NULL OR ({where})" if where else ""
            sql = f"SELECT {cols} FROM ({union}) {'WHERE ' + where if where else ''}"
            queries.append((f"{sql} ORDER BY {order}", [b for b in (low, high) if b]))
        return write_query(con, queries, schema, target, run_id)
    parts = _split(con, union, ranges)

    def sorted_parts() -> Iterator[pa.RecordBatchReader]:
        for part, (low, high) in parts:
            middle = _middle(low, high)
            for half in ("report_id IS NULL OR report_id < ?", "report_id >= ?"):
                with pa.OSFile(str(part)) as source:
                    con.register("range_rows", pa.ipc.open_stream(source))
                    try:
                        sql = f"SELECT {cols} FROM range_rows WHERE {half} ORDER BY {order}"
                        # read whole before the next
                        yield con.sql(sql, params=[middle]).to_arrow_reader(READ_ROWS)
                    finally:
                        con.unregister("range_rows")
            part.unlink()

    try:
        return _write_readers(sorted_parts(), schema, target, run_id)
    finally:
        for part, _ in parts:
            part.unlink(missing_ok=True)


def write_merged(
    con: duckdb.DuckDBPyConnection,
    old: Path,
    keep: str,
    union: str,
    new: str,
    order: str,
    schema: pa.Schema,
    target: Path,
    run_id: str | None,
) -> int | None:
    """What `write_sorted` writes of `union` (the rows of the published file `old` that `keep`
    holds for, in `order` already as it was written, and the run's rows `new`), without
    sorting the published rows: only the reports the run's rows name are sorted, their kept
    and new rows together, and each is put in place between the others, which are read from
    `old` in file order. One changed file among 10,000 reports (medians of 5): observations
    0.76 s against 1.34 s sorted, check_results 0.87 s against 1.81 s. Returns None, having
    written nothing, when that sort would hold more than MERGE_ROWS rows, a report id is
    NULL, or the published rows did not come in their order (the caller sorts)."""
    touched = [r[0] for r in con.sql(f"SELECT DISTINCT report_id FROM ({new})").fetchall()]
    source = f"read_parquet({parquet_list([old])}, file_row_number = true)"
    nulls = con.execute(f"SELECT count(*) FROM {source} WHERE report_id IS NULL").fetchall()[0][0]
    if None in touched or nulls:
        return None
    register_ids(con, "touched_ids", touched)
    mine = "report_id IN (SELECT v FROM touched_ids)"
    setting = "preserve_insertion_order"
    preserve = con.execute(f"SELECT current_setting('{setting}')").fetchall()[0][0]
    try:
        if (
            con.execute(f"SELECT count(*) FROM ({union}) WHERE {mine}").fetchall()[0][0]
            > MERGE_ROWS
        ):
            return None
        dropped = con.sql(
            f"SELECT file_row_number FROM {source} WHERE ({keep}) IS NOT TRUE OR {mine} "
            "ORDER BY file_row_number"
        ).fetchnumpy()["file_row_number"]
        block = con.sql(
            f"SELECT {columns(schema)} FROM ({union}) WHERE {mine} ORDER BY {order}"
        ).to_arrow_table()
        con.execute(f"SET {setting} = true")  # a scan gives the rows in the file's order
        rows = con.sql(f"SELECT {columns(schema)}, file_row_number FROM {source}")
        reader = rows.to_arrow_reader(READ_ROWS)
        try:
            pieces = _merged(reader, dropped, block)
            return _write_readers([pieces], schema, target, run_id)
        except OutOfOrder:  # never seen; should DuckDB ever reorder the scan, the caller sorts
            target.unlink(missing_ok=True)
            return None
        finally:
            reader.close()  # the connection takes no other query while it is open
    finally:
        con.execute(f"SET {setting} = {str(preserve).lower()}")
        con.unregister("touched_ids")


class OutOfOrder(Exception):
    """The published rows did not come in their file's order."""


def _merged(old: pa.RecordBatchReader, dropped, block: pa.Table) -> Iterator[pa.Table]:
    """The rows `old` reads (with their `file_row_number`, which must count up from 0, else
    OutOfOrder) but those at the positions `dropped` (sorted), in file order, with each
    report's rows of `block` (sorted, none of their ids kept in `old`) before the first kept
    row whose id is above it."""
    ids = block["report_id"].to_pylist()
    starts = [i for i in range(len(ids)) if i == 0 or ids[i] != ids[i - 1]]
    groups = list(zip(starts, [*starts[1:], len(ids)][: len(starts)], strict=True))
    g, row = 0, 0
    for batch in old:
        if not batch.num_rows:
            continue
        numbers = batch.column("file_row_number")
        if numbers[0].as_py() != row or numbers[-1].as_py() != row + batch.num_rows - 1:
            raise OutOfOrder(f"row {numbers[0].as_py()} read where row {row} was due")
        rows = pa.Table.from_batches([batch]).drop_columns(["file_row_number"])
        lo, hi = np.searchsorted(dropped, [row, row + batch.num_rows])
        if hi > lo:
            mask = np.ones(batch.num_rows, dtype=bool)
            mask[dropped[lo:hi] - row] = False
            rows = rows.filter(mask)
        row += batch.num_rows
        last = rows["report_id"][-1].as_py() if rows.num_rows else None
        if g == len(groups) or last is None or ids[groups[g][0]] > last:
            yield rows  # no touched report before this batch's last row
            continue
        kept_ids = rows["report_id"].to_numpy(zero_copy_only=False)
        start = 0
        while g < len(groups):
            at = int(np.searchsorted(kept_ids, ids[groups[g][0]]))
            if at == len(kept_ids):  # above every id of this batch: a later one's
                break
            yield rows.slice(start, at - start)
            yield block.slice(groups[g][0], groups[g][1] - groups[g][0])
            start, g = at, g + 1
        yield rows.slice(start)
    for a, b in groups[g:]:
        yield block.slice(a, b - a)


def _rechunked(
    pieces: Iterable[pa.RecordBatch | pa.Table], schema: pa.Schema
) -> Iterator[pa.Table]:
    """`pieces` as tables of BATCH_ROWS rows (the last fewer), not copied: the writer makes a
    row group of each, not one of each piece."""
    held: list[pa.Table] = []
    rows = 0
    for piece in pieces:
        if isinstance(piece, pa.RecordBatch):
            piece = pa.Table.from_batches([piece])
        held.append(piece.rename_columns(schema.names).cast(schema))
        rows += piece.num_rows
        while rows >= BATCH_ROWS:
            table = pa.concat_tables(held)
            yield table.slice(0, BATCH_ROWS)
            held, rows = [table.slice(BATCH_ROWS)], rows - BATCH_ROWS
    if rows:
        yield pa.concat_tables(held)


def _middle(low: str | None, high: str | None) -> str:
    """The report id (4 hex digits) halfway through the range [low, high) of `_ranges`: a range
    file is sorted in two halves, each read from the file on its own (an Arrow stream), so
    that a sort holds half the rows the split made one file of. At 100,000 reports: ~120 MB
    less at the peaks of the observations' and check_results' sorts, in the same time; ranges
    of half the size would need twice the files, and their split took ~10 s more."""
    start = int(low, 16) << 8 if low else 0
    end = int(high, 16) << 8 if high else 1 << 16
    return format((start + end) // 2, "04x")


def _split(
    con: duckdb.DuckDBPyConnection, union: str, ranges: Sequence[tuple[str | None, str | None]]
) -> list[tuple[Path, tuple[str | None, str | None]]]:
    """The rows of `union` split by range of report_id (a NULL id in the first range, where
    NULLS FIRST puts it), one file per range in the connection's spill folder (empty ranges
    have none), each an Arrow IPC stream (lz4): unlike a Parquet writer (~4.5 MB each), an
    open stream holds next to no memory; a range's rows are held until SPLIT_ROWS of them are
    written as one batch (~2 MB of check_results). Returns each file with its range."""
    spill = Path(con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0])
    spill.mkdir(parents=True, exist_ok=True)
    cuts = [high for _, high in ranges[:-1]]
    case = " ".join(f"WHEN report_id < '{c}' THEN {i}" for i, c in enumerate(cuts))
    bucket = f"CASE WHEN report_id IS NULL THEN 0 {case} ELSE {len(cuts)} END"
    reader = con.sql(f"SELECT *, {bucket} AS _range FROM ({union})").to_arrow_reader(READ_ROWS)
    options = pa.ipc.IpcWriteOptions(compression="lz4")
    sinks: dict[int, tuple[pa.NativeFile, pa.ipc.RecordBatchStreamWriter]] = {}
    paths = {i: spill / f"range-{i:03d}.arrows" for i in range(len(ranges))}
    held: dict[int, list[pa.Table]] = {}  # a range's rows not written yet

    def write(i: int) -> None:
        if i not in sinks:
            sink = pa.OSFile(str(paths[i]), "wb")
            sinks[i] = sink, pa.ipc.new_stream(sink, held[i][0].schema, options=options)
        sinks[i][1].write_table(pa.concat_tables(held.pop(i)).combine_chunks())

    try:
        for batch in reader:
            table = pa.Table.from_batches([batch])
            keys = table["_range"]
            order = pc.sort_indices(keys)  # stable: a range's rows keep their order
            table = table.drop_columns(["_range"])
            start = 0
            for item in pc.value_counts(pc.take(keys, order)):
                i, n = item["values"].as_py(), item["counts"].as_py()
                # a copy of the range's rows: a slice would hold the whole batch
                held.setdefault(i, []).append(table.take(order.slice(start, n)))
                start += n
                if sum(t.num_rows for t in held[i]) >= SPLIT_ROWS:
                    write(i)
        for i in list(held):
            write(i)
    except BaseException:
        for path in paths.values():
            path.unlink(missing_ok=True)
        raise
    finally:
        for sink, writer in sinks.values():
            writer.close()
            sink.close()
    return [(paths[i], ranges[i]) for i in sorted(sinks)]


def sort_ranges(rows: int, size: int) -> list[tuple[str | None, str | None]]:
    """`key_ranges` for a sort of `rows` rows of `size` bytes (uncompressed Parquet): as many
    ranges as the rows or the bytes need, whichever is more."""
    return _ranges(math.ceil(max(rows / ROWS_PER_SORT, size / BYTES_PER_SORT)))


def key_ranges(rows: int, per_sort: int) -> list[tuple[str | None, str | None]]:
    """Ranges of report_id, [low, high), that split a sort of `rows` rows into sorts of about
    `per_sort` each: report ids are hex digests, so their first two digits split them evenly;
    the first range has no low end and the last no high end (an id of any other shape falls in
    one of them). Written one after the other, the sorted ranges are the sorted table."""
    return _ranges(-(-rows // per_sort))


def _ranges(parts: int) -> list[tuple[str | None, str | None]]:
    """`parts` ranges of report_id (1 to 256) split at their first two hex digits."""
    parts = max(1, min(256, parts))
    cuts = [format(round(256 * i / parts), "02x") for i in range(1, parts)]
    return list(zip([None, *cuts], [*cuts, None], strict=True))


def columns(schema: pa.Schema, prefix: str = "") -> str:
    return ", ".join(f'{prefix}"{f.name}"' for f in schema)


def check_counts(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[int, int, int]:
    """(checks run, failed, not evaluable) of a check_results file."""
    row = con.execute(
        "SELECT count(passed), count(*) FILTER (WHERE passed = false), "
        "count(*) FILTER (WHERE passed IS NULL) FROM read_parquet(?)",
        [str(path)],
    ).fetchall()[0]
    return int(row[0]), int(row[1]), int(row[2])


def failed_checks(con: duckdb.DuckDBPyConnection, path: Path) -> pd.DataFrame:
    """The failed rows of a check_results file, in file order, typed as the table. Read on one
    thread: a few failed rows among many, and each thread holds the row groups it scans (the
    published file of 10,000 reports, 591k rows: 44 MB held on two threads, 29 on one)."""
    schema = schemas.CHECK_RESULTS
    con.execute("SET threads = 1")
    try:
        table = con.sql(
            f"SELECT {columns(schema)} FROM read_parquet(?, file_row_number = true) "
            "WHERE passed = false ORDER BY file_row_number",
            params=[str(path)],
        ).to_arrow_table()
    finally:
        con.execute(f"SET threads = {THREADS}")
    return table.rename_columns(schema.names).cast(schema).to_pandas()
