"""One analyst query on the warehouse that can read and nothing else (`nianbao sql`).

In: the warehouse path and one SQL string. Out: the result as a printable table, or a
`RefusedQuery` naming why the SQL is not a single read, or a `QueryFailed` with DuckDB's message.

Two independent walls, so that a gap in one is caught by the other:

1. The statement. DuckDB's own parser (`duckdb.extract_statements`, `duckdb.tokenize`) splits the
   string: exactly one statement is run, and only of a reading kind: SELECT in all its forms
   (WITH …, FROM-first, VALUES, DESCRIBE, SHOW, SUMMARIZE, PIVOT with its values listed),
   EXPLAIN [ANALYZE] of such a read (EXPLAIN ANALYZE runs the statement, so what it explains
   is checked too), and the PRAGMAs in `READ_PRAGMAS`. Everything else is refused before it
   reaches the database: COPY, EXPORT, ATTACH, DETACH, INSTALL, LOAD, SET / RESET / USE,
   CREATE (TEMP objects too: a query is a read, not a session), INSERT, UPDATE, DELETE, MERGE,
   DROP, ALTER, COMMENT, CALL (write `SELECT * FROM f(…)`), PREPARE / EXECUTE, transactions,
   CHECKPOINT, VACUUM, ANALYZE and any statement type DuckDB adds later.
2. The connection. The file is attached read-only as the default catalog, then external
   access is switched off (no file or URL other than the warehouse itself can be read or
   written: read_csv, read_text, glob, COPY TO, EXPORT, ATTACH, httpfs, the stored secrets all
   fail with a Permission Error); there is no spilling to a temp directory (DuckDB would allow
   file access under it; a query larger than memory fails instead of spilling), extensions are
   neither installed nor loaded automatically, Python replacement scans are off, and the
   configuration is locked so the query cannot SET any of it back. What this wall alone lets
   through writes no file: a TEMP object, or a table in the connection's own in-memory catalog
   (`memory`); the statement check refuses those.

The warehouse's views read only its tables (transforms/store/warehouse.py), never Parquet files by
path, so they all work with external access off (tested).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

# PRAGMAs that only report on the database or the engine (each verified on DuckDB 2.0).
READ_PRAGMAS = frozenset(
    {
        "collations",
        "database_list",
        "database_size",
        "functions",
        "metadata_info",
        "platform",
        "show_databases",
        "show_tables",
        "show_tables_expanded",
        "storage_info",
        "table_info",
        "user_agent",
        "version",
    }
)

# Set when the in-memory database starts (they cannot change afterwards).
STARTUP_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "temp_directory": "",
    "python_enable_replacements": False,
}
# Set once the warehouse is attached; the last one makes every later SET fail.
LOCKDOWN = ("SET enable_external_access = false", "SET lock_configuration = true")

ALLOWED = (
    "SELECT, WITH … SELECT, FROM …, VALUES, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN [ANALYZE] of "
    "those, and PRAGMA " + ", ".join(sorted(READ_PRAGMAS))
)

_WHY = {  # statement type → what it would do (the refusal names it)
    "COPY": "writes or reads a file",
    "COPY_DATABASE": "copies a database",
    "EXPORT": "writes the database out to files",
    "ATTACH": "opens another database",
    "DETACH": "detaches a database",
    "LOAD": "installs or loads an extension",
    "EXTENSION": "changes extensions",
    "SET": "changes a setting or variable",
    "VARIABLE_SET": "sets a variable",
    "CREATE": "creates an object (temporary ones too)",
    "CREATE_FUNC": "creates a function",
    "INSERT": "writes rows",
    "UPDATE": "writes rows",
    "DELETE": "deletes rows",
    "MERGE_INTO": "writes rows",
    "DROP": "drops an object",
    "ALTER": "changes an object or its comment",
    "CALL": "calls a procedure (for a table function write SELECT * FROM f(…))",
    "PREPARE": "prepares a statement for later",
    "EXECUTE": "executes a prepared statement",
    "TRANSACTION": "controls a transaction",
    "VACUUM": "rewrites statistics",
    "ANALYZE": "rewrites statistics",
    "MULTI": "runs several statements (a PIVOT without its IN list creates a type first)",
}


class RefusedQuery(ValueError):
    """The SQL is not exactly one read; the message says why and what is allowed."""


class QueryFailed(RuntimeError):
    """DuckDB could not run the query; the message is DuckDB's."""


def check_read_only(sql: str) -> str:
    """The statement type of `sql` when it is exactly one read, else RefusedQuery.

    A string DuckDB cannot parse is a QueryFailed with the parser's message."""
    statements = _statements(sql)
    if not statements:
        raise RefusedQuery("refused: no SQL statement given")
    if len(statements) > 1:
        kinds = ", ".join(_type_name(s) for s in statements)
        raise RefusedQuery(
            f"refused: nianbao sql runs exactly one statement, this has {len(statements)} "
            f"({kinds}); send one statement per call"
        )
    return _check_statement(statements[0])


def _statements(sql: str) -> list:
    try:
        return duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryFailed(str(exc)) from exc


def _type_name(statement) -> str:
    # A statement type the Python enum does not know yet raises ValueError on access.
    try:
        return statement.type.name
    except ValueError:
        return "UNKNOWN"


def _check_statement(statement) -> str:
    kind = _type_name(statement)
    if kind == "SELECT":
        return kind
    if kind == "EXPLAIN":
        check_read_only(_explained(statement.query))
        return kind
    if kind == "PRAGMA":
        name = _pragma_name(statement.query)
        if name in READ_PRAGMAS:
            return kind
        raise RefusedQuery(
            f"refused: nianbao sql is read-only; PRAGMA {name} is not one of the PRAGMAs "
            f"that only read. Allowed: {ALLOWED}"
        )
    why = _WHY.get(kind, "is not known to only read")
    raise RefusedQuery(
        f"refused: nianbao sql is read-only; a {kind} statement {why}. Allowed: {ALLOWED}"
    )


def _words(sql: str) -> list[tuple[int, str]]:
    """(offset, text) of each token of `sql` that is not a comment, by DuckDB's tokenizer."""
    tokens = duckdb.tokenize(sql)
    ends = [offset for offset, _ in tokens[1:]] + [len(sql)]
    return [
        (offset, sql[offset:end].strip())
        for (offset, kind), end in zip(tokens, ends, strict=True)
        if kind.name != "comment"
    ]


def _explained(sql: str) -> str:
    """The statement that `EXPLAIN [ANALYZE] [(options)] statement` explains.

    A shape this does not know leaves a remainder DuckDB cannot parse: refused, never run."""
    words = _words(sql)[1:]  # after EXPLAIN
    if words and words[0][1].upper() in ("ANALYZE", "ANALYSE"):
        words = words[1:]
    if words and words[0][1] == "(":  # EXPLAIN (FORMAT json, …) …: skip the option list
        depth = 0
        for index, (_, text) in enumerate(words):
            depth += (text == "(") - (text == ")")
            if depth == 0:
                words = words[index + 1 :]
                break
    return sql[words[0][0] :] if words else ""


def _statement_text(sql: str) -> str:
    """`sql` without the semicolons and comments around it: DuckDB's relation API fails on
    "SELECT 1; -- note", though it is one statement."""
    words = [(offset, text) for offset, text in _words(sql) if text != ";"]
    if not words:
        return ""
    return sql[words[0][0] : words[-1][0] + len(words[-1][1])]


def _pragma_name(sql: str) -> str:
    words = _words(sql)
    return words[1][1].strip('"').lower() if len(words) > 1 else ""


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse attached read-only as `warehouse` (the default catalog), with no way out
    to other files, URLs or settings.

    An in-memory database attaches the file, rather than `duckdb.connect(path, read_only=True)`
    with the settings as its config: DuckDB refuses a second connection to a file already open
    in the same process with another config (a notebook, a test). External access is switched
    off only after the ATTACH, which needs it, and before any query runs."""
    con = duckdb.connect(":memory:", config=dict(STARTUP_CONFIG))
    try:
        con.execute(f"ATTACH {_quote(str(path))} AS warehouse (READ_ONLY)")
        con.execute("USE warehouse")
        for statement in LOCKDOWN:
            con.execute(statement)
    except BaseException:
        con.close()
        raise
    return con


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def counts_as_integers(table: pa.Table) -> pa.Table:
    """`table` with each DOUBLE column whose values are all whole numbers (below 2⁵³, where a
    DOUBLE is exact) as BIGINT, so that a count prints as 12, not 12.0. A column holding any
    fraction (an amount such as 12.5 万元), NaN or infinity, or no value at all, stays DOUBLE:
    nothing is rounded. The warehouse's `value` columns are DOUBLE (docs/warehouse.md); this is
    how `nianbao sql` shows them."""
    for index, field in enumerate(table.schema):
        column = table.column(index)
        if not pa.types.is_floating(field.type) or column.null_count == len(column):
            continue
        whole = pc.and_(pc.equal(pc.floor(column), column), pc.less(pc.abs(column), 2.0**53))
        if pc.all(whole, skip_nulls=True).as_py():
            table = table.set_column(index, field.name, column.cast(pa.int64()))
    return table


def _printed(con: duckdb.DuckDBPyConnection, relation: duckdb.DuckDBPyRelation) -> str:
    """The result as DuckDB prints it, whole-number DOUBLE columns as integers."""
    if not any(t in ("DOUBLE", "FLOAT") for t in map(str, relation.types)):
        return str(relation)
    table = relation.to_arrow_table()
    shown = counts_as_integers(table)
    return str(relation) if shown is table else str(con.from_arrow(shown))


def run_query(path: Path, sql: str, max_rows: int = 200) -> str:
    """Check `sql` is one read, run it on a locked read-only connection, and return the result
    as a printable table (at most `max_rows` rows; 0 for all).

    Raises RefusedQuery before opening anything when it is not a read, QueryFailed when DuckDB
    refuses or fails it."""
    check_read_only(sql)
    con = connect(path)
    try:
        relation = con.sql(_statement_text(sql))
        if relation is None:
            return "(no result)"
        return _printed(con, relation.limit(max_rows) if max_rows else relation)
    except duckdb.PermissionException as exc:
        raise QueryFailed(
            f"{exc} (nianbao sql reads only the warehouse's tables and views; no other file "
            "or URL is opened)"
        ) from exc
    except duckdb.Error as exc:
        raise QueryFailed(str(exc)) from exc
    finally:
        con.close()
