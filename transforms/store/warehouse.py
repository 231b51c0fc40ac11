"""Publish the DuckDB warehouse from the curated Parquet files.

In: the Parquet paths (one per table in `schemas.TABLES`). Out: `warehouse.duckdb`, with
explicit DDL from the schemas, the analyst views (`views/NN_<name>.sql`, created in that order),
and a comment on every table, view and column.

Safety: the new file is built beside the old one and renamed into place (an atomic rename on
one file system) together with the run's Parquet files and the manifest (`curated.commit`): a
reader holding the old file keeps reading the old state, a run killed while building leaves
every previous output whole, and a build that fails (a full disk) replaces nothing. The file is
written with storage compatibility v1.4.0, so DuckDB 1.4+ clients (what many analysts have) open
it as well as 2.x. Nothing from a report is ever pasted into SQL: data enters only as our own
Parquet files, read by DuckDB with the path as a query parameter.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import shutil
from pathlib import Path
from typing import NamedTuple

import duckdb
import pyarrow as pa

from transforms import schemas
from transforms.store import curated, tables

progress = logging.getLogger("nianbao.progress")
WAREHOUSE_NAME = "warehouse.duckdb"
STORAGE_COMPATIBILITY = "v1.4.0"
# The build's DuckDB is bounded as the run's own is (`tables.connect`): unbounded, it took
# 2.3 GB loading 16M observation rows (100k reports), bounded 0.43 GB and ~25% more time;
# past the bound it writes to the database file and spills beside it (`<file>.tmp`).
BUILD_CONFIG = {"memory_limit": tables.MEMORY_LIMIT, "threads": tables.THREADS}

DUCKDB_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.int32(): "INTEGER",
    pa.float64(): "DOUBLE",
    pa.decimal128(38, 6): "DECIMAL(38,6)",
    pa.bool_(): "BOOLEAN",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
}

VIEWS_DIR = Path(__file__).with_name("views")
_VIEW_FILE = re.compile(r"\d{2}_(\w+)\.sql")
_HEADER_LINE = re.compile(r"-- (?:comment|column (\w+)): (\S.*)")
_CONTINUED_LINE = re.compile(r"--   (\S.*)")


class View(NamedTuple):
    """An analyst view: its comment, its query and a comment for each of its columns."""

    comment: str
    sql: str
    columns: dict[str, str]


def parse_view(path: Path) -> View:
    """One `views/NN_<name>.sql` file: a header of `-- comment: <the view's comment>` and
    `-- column <name>: <its comment>` lines (a line starting `--   ` continues the one above,
    joined by a space), then the query. Anything else in the header is an error, not ignored."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = list(itertools.takewhile(lambda line: line.startswith("--"), lines))
    sql = "\n".join(lines[len(header) :]).strip()
    texts: dict[str, str] = {}  # "": the view's own comment (a column name is never empty)
    key = ""
    for line in header:
        entry = _HEADER_LINE.fullmatch(line)
        if entry and (entry[1] or "") not in texts:
            key = entry[1] or ""
            texts[key] = entry[2]
        elif (more := _CONTINUED_LINE.fullmatch(line)) and texts:
            texts[key] += " " + more[1]
        else:
            raise ValueError(f"{path.name}: not a header line (or said twice): {line!r}")
    comment = texts.pop("", None)
    if comment is None or not texts or not sql:
        raise ValueError(f"{path.name}: needs a '-- comment:' line, '-- column' lines and a query")
    return View(comment, sql, texts)


def load_views(folder: Path = VIEWS_DIR) -> dict[str, View]:
    """The views in creation order (NN: later views read earlier ones)."""
    paths = sorted(folder.glob("*.sql"))
    odd = [p.name for p in paths if not _VIEW_FILE.fullmatch(p.name)]
    if odd or not paths:
        raise ValueError(f"{folder}: view files are named NN_<name>.sql; found {odd or 'none'}")
    return {_VIEW_FILE.fullmatch(p.name)[1]: parse_view(p) for p in paths}


VIEWS = load_views()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ddl(name: str, schema: pa.Schema) -> str:
    cols = ", ".join(
        f'"{f.name}" {DUCKDB_TYPES[f.type]}{"" if f.nullable else " NOT NULL"}' for f in schema
    )
    return f'CREATE TABLE "{name}" ({cols})'


def _comment_table(con: duckdb.DuckDBPyConnection, name: str, schema: pa.Schema) -> None:
    con.execute(f'COMMENT ON TABLE "{name}" IS {_quote(schemas.description(schema))}')
    for f in schema:
        con.execute(f'COMMENT ON COLUMN "{name}"."{f.name}" IS {_quote(schemas.description(f))}')


def _insert(con: duckdb.DuckDBPyConnection, name: str, path: Path, where: str = "true") -> None:
    """DuckDB reads the Parquet file itself (in parallel); the path is a query parameter and
    the columns are named, so the file's column order cannot shift values."""
    columns = ", ".join(f'"{f.name}"' for f in schemas.TABLES[name])
    con.execute(
        f'INSERT INTO "{name}" ({columns}) SELECT {columns} FROM read_parquet(?) WHERE {where}',
        [str(path)],
    )


def _load_table(con: duckdb.DuckDBPyConnection, name: str, path: Path) -> None:
    con.execute(_ddl(name, schemas.TABLES[name]))
    _insert(con, name, path)


def _create_views(con: duckdb.DuckDBPyConnection) -> None:
    for name, (comment, sql, columns) in VIEWS.items():
        con.execute(f'CREATE VIEW "{name}" AS\n{sql}')
        con.execute(f'COMMENT ON VIEW "{name}" IS {_quote(comment)}')
        for column, text in columns.items():
            con.execute(f'COMMENT ON COLUMN "{name}"."{column}" IS {_quote(text)}')


def publish(
    parquet: dict[str, Path],
    curated_dir: Path,
    run_id: str | None = None,
    replaced: dict[str, Kept] | None = None,
) -> Path:
    """Build the warehouse beside the old one from `parquet` (table → its file: published, or
    staged beside its name by `curated.stage_all`), then publish it and the staged files as one
    step (`curated.commit`). If anything fails before that, the staged files are removed and
    every output stays the previous run's. With `replaced` (a table staged from the published
    rows and the run's → the published rows it kept), a run that re-read a few reports updates a
    copy of the published warehouse instead (`replace_tables`)."""
    staged = {name: path for name, path in parquet.items() if path.name != f"{name}.parquet"}
    if replaced and _few(replaced, staged):
        reports = max(kept.reports for kept in replaced.values())
        progress.info("updating a copy of the warehouse: the rows of %d reports replaced", reports)
        return replace_tables(curated_dir, staged, run_id, replaced)
    clear_stale_builds(curated_dir)
    return _build_and_commit(
        curated_dir, curated.file_names(staged), run_id, lambda building: _build(building, parquet)
    )


class Kept(NamedTuple):
    """The rows of a published table a run keeps, the rest replaced by the staged file's: those
    `where` holds for (SQL over the id tables `ids` names: name → report ids), and how many
    reports' rows are replaced."""

    where: str
    ids: dict[str, frozenset[str]]
    reports: int

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        """The id tables `where` reads, registered on the connection."""
        for name, ids in self.ids.items():
            tables.register_ids(con, name, ids)


# Up to this share of the reports replaced, a copy of the warehouse with their rows replaced is
# published (one changed file among 10,000 reports: publish 3.6 s → 0.6 s); past it, a build
# from the Parquet files costs about as much and leaves every table in report order.
REPLACED_SHARE = 0.2


def _few(replaced: dict[str, Kept], staged: dict[str, Path]) -> bool:
    if "reports" not in staged or any(table not in staged for table in replaced):
        return False
    reports = curated.row_count(staged["reports"])
    return all(kept.reports <= REPLACED_SHARE * reports for kept in replaced.values())


def replace_tables(
    curated_dir: Path,
    staged: dict[str, Path],
    run_id: str | None = None,
    replaced: dict[str, Kept] | None = None,
) -> Path:
    """Publish the tables in `staged` (table → its Parquet file built beside its name) without
    rebuilding the warehouse: the published warehouse is copied beside its name and those
    tables' rows replaced (DELETE and INSERT keep the DDL and the comments): in a table of
    `replaced` the rows it does not keep, in the others every row. Then it and the
    files are published with the manifest in one step, as `publish` does. For a run with no
    changes (its runs and alerts rows) and one that re-read a few reports. The copy must be the
    warehouse the manifest names (size and checksum), and each replaced table must then hold as
    many rows as its staged file, else the warehouse is built from the files."""
    final = curated_dir / WAREHOUSE_NAME
    entry = curated.read_manifest(curated_dir).get(WAREHOUSE_NAME)
    everything = {**curated.published(curated_dir), **staged}
    if not final.exists() or not entry or curated.damage_of_file(final, entry):
        return publish(everything, curated_dir, run_id)
    clear_stale_builds(curated_dir)

    def replace(building: Path) -> None:
        shutil.copyfile(final, building)
        con = duckdb.connect(str(building), config=BUILD_CONFIG)
        try:
            con.execute("BEGIN")
            for table, path in staged.items():
                _replace_rows(con, table, path, (replaced or {}).get(table))
            if any(
                con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                != curated.row_count(path)
                for table, path in staged.items()
            ):  # a row the copy holds that the staged file does not: build it afresh
                progress.info("the updated copy differs from the staged files: rebuilt")
                con.execute("ROLLBACK")
                con.close()
                building.unlink()
                building.with_name(building.name + ".wal").unlink(missing_ok=True)
                _build(building, everything)
                return
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        finally:
            con.close()

    return _build_and_commit(curated_dir, curated.file_names(staged), run_id, replace)


def _replace_rows(con, table: str, path: Path, kept: Kept | None) -> None:
    """`table`'s rows replaced by the staged file's: those `kept` does not keep, or all."""
    if kept is None:
        con.execute(f'DELETE FROM "{table}"')
        _insert(con, table, path)
        return
    kept.register(con)
    try:
        replaced = f"({kept.where}) IS NOT TRUE"
        con.execute(f'DELETE FROM "{table}" WHERE {replaced}')
        _insert(con, table, path, replaced)
    finally:
        for name in kept.ids:
            con.unregister(name)


def _build_and_commit(curated_dir: Path, staged: dict[str, Path], run_id, build) -> Path:
    """`build(path)` writes the next warehouse beside its name; it is synced and published with
    `staged` (final file name → staged file) in one step. A failure removes what was built and
    staged (WriteFailed for a disk error): every output stays the previous run's."""
    final = curated_dir / WAREHOUSE_NAME
    building = curated_dir / f".{WAREHOUSE_NAME}.{os.getpid()}.building"
    building.unlink(missing_ok=True)
    try:
        build(building)
        curated.fsync(building)
    except BaseException as exc:
        building.unlink(missing_ok=True)
        building.with_name(building.name + ".wal").unlink(missing_ok=True)  # a failed commit's
        curated.discard(staged)
        if isinstance(exc, OSError) or _disk_error(exc):
            raise curated.WriteFailed(
                f"could not build {final}: {exc}; the previous outputs are intact"
            ) from exc
        raise
    curated.commit(curated_dir, {**staged, WAREHOUSE_NAME: building}, run_id)
    return final


def _disk_error(exc: BaseException) -> bool:
    """DuckDB reports a failed write (a full disk) as its own IOException, or as a
    TransactionException when the commit cannot write its log; not as an OSError."""
    return isinstance(exc, (duckdb.IOException, duckdb.TransactionException))


def _build(path: Path, parquet: dict[str, Path]) -> None:
    con = duckdb.connect(
        str(path), config={**BUILD_CONFIG, "storage_compatibility_version": STORAGE_COMPATIBILITY}
    )
    try:
        for name in schemas.TABLES:
            _load_table(con, name, parquet[name])
        _create_views(con)
        for name, schema in schemas.TABLES.items():  # comments last: a later replace drops them
            _comment_table(con, name, schema)
        con.execute("CHECKPOINT")
    finally:
        con.close()


def process_alive(pid: int) -> bool:
    """Whether a process with this pid exists (someone else's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def clear_stale_builds(curated_dir: Path) -> list[Path]:
    """Remove half-built files (and DuckDB's spill folder beside one, `<file>.tmp`) left by
    runs that were killed (their process is gone)."""
    removed = []
    for leftover in curated_dir.glob(f".{WAREHOUSE_NAME}.*.building*"):
        pid = leftover.name.removeprefix(f".{WAREHOUSE_NAME}.").split(".")[0]
        if pid.isdigit() and not process_alive(int(pid)):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed
