"""The `nianbao` command line.

    nianbao run [--raw DIR] [--curated DIR] [--verbose]
    nianbao sql "SELECT …" [--curated DIR]
    nianbao docs [--out docs/warehouse.md]

Exit codes: 0 the run completed (even when reports failed checks: findings are data, not
errors); 1 the pipeline itself failed; 2 bad usage. On a terminal the run shows its progress
with a spinner; in CI or when piped it prints plain lines.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

# Safe defaults for running with no Prefect server (PITFALLS.md); a user's settings win.
_PREFECT_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "False",
    "DO_NOT_TRACK": "1",  # no network at run time: Prefect's client telemetry off
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nianbao",
        description="nianbao (年报): read government information-disclosure annual reports, "
        "check every arithmetic identity, and publish a DuckDB warehouse.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="run the pipeline once over a folder of raw reports",
        description="Run the Prefect flow once: read every file under --raw, write long-format "
        "Parquet, run the Great Expectations suites, and publish --curated/warehouse.duckdb. "
        "Exit 0 when the run completed (failed checks are findings, not errors), 1 when the "
        "pipeline failed, 2 on bad usage.",
    )
    run.add_argument(
        "--raw",
        default="data/raw",
        type=Path,
        help="folder of raw report files (default: data/raw)",
    )
    run.add_argument(
        "--curated",
        default="data/curated",
        type=Path,
        help="folder for Parquet, Data Docs and warehouse.duckdb (default: data/curated)",
    )
    run.add_argument("--verbose", action="store_true", help="show Prefect's own log lines too")
    sql = commands.add_parser(
        "sql",
        help="run one SQL query on the warehouse, read-only, and print the result",
        description="Open --curated/warehouse.duckdb read-only (a run may be publishing at the "
        "same time) and print the result of QUERY as a table. Exit 1 when the query fails.",
    )
    sql.add_argument("query", help='e.g. "SELECT * FROM findings"')
    sql.add_argument(
        "--curated",
        default="data/curated",
        type=Path,
        help="folder holding warehouse.duckdb (default: data/curated)",
    )
    sql.add_argument(
        "--max-rows", type=int, default=200, help="rows to print at most (default 200)"
    )
    docs = commands.add_parser(
        "docs",
        help="write the warehouse data dictionary (docs/warehouse.md)",
        description="Generate docs/warehouse.md from the schemas, views and catalogue.",
    )
    docs.add_argument("--out", default="docs/warehouse.md", type=Path, help="where to write it")
    return parser


class _Progress(logging.Handler):
    """Shows the pipeline's progress: a rich spinner on a terminal, plain lines otherwise."""

    def __init__(self, status=None) -> None:
        super().__init__(logging.INFO)
        self.status = status

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if self.status is not None:
            self.status.update(f"nianbao: {message}")
        else:
            print(f"nianbao: {message}", file=sys.stderr, flush=True)


def _interactive() -> bool:
    return sys.stderr.isatty() and os.environ.get("CI", "").lower() not in ("1", "true")


def _run(args: argparse.Namespace) -> int:
    if not args.raw.is_dir():
        print(f"nianbao: error: --raw {args.raw} is not a folder", file=sys.stderr)
        return 2
    for key, value in _PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if args.verbose:  # Prefect's console handler then shows nianbao's lines too
        os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "nianbao")
    else:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from flows.pipeline import nianbao_pipeline  # Prefect reads its settings on import

    logger = logging.getLogger("nianbao.progress")
    logger.setLevel(logging.INFO)
    logger.propagate = args.verbose  # else Prefect's root console handler prints it twice
    status = None
    if _interactive():
        from rich.console import Console

        status = Console(stderr=True).status("nianbao: starting")
        status.start()
    handler = _Progress(status)
    logger.addHandler(handler)
    try:
        summary = nianbao_pipeline(raw_dir=str(args.raw), curated_dir=str(args.curated))
    except Exception as exc:  # the pipeline itself failed: say so and exit 1
        print(f"nianbao: the pipeline failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        logger.removeHandler(handler)
        if status is not None:
            status.stop()
    print("\n".join(summary.lines()))
    return 0


def _sql(args: argparse.Namespace) -> int:
    from transforms.warehouse import WAREHOUSE_NAME, query_read_only

    path = args.curated / WAREHOUSE_NAME
    if not path.is_file():
        print(f"nianbao: error: no warehouse at {path}; run `nianbao run` first", file=sys.stderr)
        return 2
    try:
        print(query_read_only(path, args.query, args.max_rows))
    except RuntimeError as exc:
        print(f"nianbao: the query failed: {exc}", file=sys.stderr)
        return 1
    return 0


def _docs(args: argparse.Namespace) -> int:
    from transforms.catalogue import default
    from transforms.warehouse_docs import render

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(default()) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    commands = {"run": _run, "sql": _sql, "docs": _docs}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
