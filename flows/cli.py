"""The `nianbao` command line.

    nianbao run [--raw DIR] [--curated DIR] [--full-refresh] [--config FILE] [--wait]
                [--corrections FILE] [--runner local|dask] [--dask-address ADDR] [--verbose]
    nianbao sql "SELECT …" [--curated DIR]
    nianbao status [--curated DIR] [--last N]
    nianbao serve [--cron "0 2 * * *"] [--timezone Asia/Shanghai] [--next N]
    nianbao export --xlsx FILE [--curated DIR]
    nianbao docs [--out docs/warehouse.md]

Exit codes: 0 the run completed (even when reports failed checks: findings are data, not
errors); 1 the pipeline itself failed; 2 bad usage; 3 another run is writing to the same
curated folder (pass --wait to queue behind it). On a terminal the run shows its progress
with a spinner; in CI or when piped it prints plain lines.
"""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import signal
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
        help="folder for Parquet, Data Docs and warehouse.duckdb (default: data/curated), or a "
        "filesystem URL such as s3://bucket/prefix (staged locally, then uploaded)",
    )
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="read every file again, even those unchanged since the last run",
    )
    run.add_argument(
        "--config",
        type=Path,
        default=None,
        help="alert configuration (TOML); default: $NIANBAO_CONFIG, else ./nianbao.toml if "
        "present. NIANBAO_ALERT_WEBHOOK and the other NIANBAO_* variables override it",
    )
    run.add_argument(
        "--corrections",
        type=Path,
        default=None,
        help="the analysts' corrections (CSV); default: $NIANBAO_CORRECTIONS, else "
        "corrections.csv beside the raw folder (data/corrections.csv); none if missing",
    )
    run.add_argument(
        "--runner",
        choices=("local", "dask"),
        default="local",
        help="where the parse stage runs: local worker processes (default) or a Dask cluster",
    )
    run.add_argument(
        "--dask-address",
        default=None,
        help="scheduler address of a running Dask cluster (default: start a local one)",
    )
    run.add_argument(
        "--wait",
        action="store_true",
        help="if another run is writing to --curated, wait for it instead of refusing",
    )
    run.add_argument("--verbose", action="store_true", help="show Prefect's own log lines too")
    status = commands.add_parser(
        "status",
        help="show the last runs (the runs table)",
        description="Print the last runs recorded under --curated, newest first: what changed, "
        "what was read, and how many findings were new.",
    )
    status.add_argument(
        "--curated",
        default="data/curated",
        type=Path,
        help="folder of the curated outputs (default: data/curated)",
    )
    status.add_argument("--last", type=int, default=10, help="how many runs (default 10)")
    sql = commands.add_parser(
        "sql",
        help="run one read-only SQL query on the warehouse and print the result",
        description="Open --curated/warehouse.duckdb read-only (a run may be publishing at the "
        "same time) and print the result of QUERY as a table. QUERY must be exactly one "
        "read: SELECT (also WITH, FROM-first, VALUES, DESCRIBE, SHOW, SUMMARIZE), EXPLAIN of "
        "one, or a PRAGMA that only reads (table_info, show_tables, database_size …). Anything "
        "else (COPY, EXPORT, ATTACH, INSTALL/LOAD, SET, CREATE also TEMP, INSERT, CALL, a "
        "second statement …) is refused, and the connection can open no file or URL but the "
        "warehouse. Exit 1 when the query is refused or fails, 2 when there is no warehouse.",
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
    serve = commands.add_parser(
        "serve",
        help="serve the nightly schedule (long-running) against the configured Prefect API",
        description="Register the nightly deployment of the flow and run it on its cron "
        "schedule until interrupted. Uses PREFECT_API_URL (e.g. a local `prefect server "
        "start`); without one, Prefect runs a temporary server that lives as long as this "
        "process. --next N only prints the next N start times and exits.",
    )
    serve.add_argument("--cron", default=None, help='cron expression (default "0 2 * * *")')
    serve.add_argument("--timezone", default=None, help="time zone (default Asia/Shanghai)")
    serve.add_argument("--raw", default="data/raw", type=Path, help="raw folder")
    serve.add_argument("--curated", default="data/curated", type=Path, help="curated folder")
    serve.add_argument("--name", default="nightly", help="deployment name (default nightly)")
    serve.add_argument(
        "--next", type=int, default=0, metavar="N", help="print the next N runs and exit"
    )
    export = commands.add_parser(
        "export",
        help="write the findings, core indicators and report quality as an Excel workbook",
        description="Open --curated/warehouse.duckdb read-only and write FILE (.xlsx): one "
        "sheet per view (core_indicators, findings, report_quality) with every row, Chinese "
        "and English headers, the header rows frozen and filters on. Exit 2 when there is no "
        "warehouse, 1 when the file cannot be written.",
    )
    export.add_argument("--xlsx", required=True, type=Path, metavar="FILE", help="the workbook")
    export.add_argument(
        "--curated",
        default="data/curated",
        type=Path,
        help="folder holding warehouse.duckdb (default: data/curated)",
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


def _prefect_env(verbose: bool) -> None:
    for key, value in _PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if verbose:  # Prefect's console handler then shows nianbao's lines too
        os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "nianbao")
    else:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def _config_file(args: argparse.Namespace) -> Path | None:
    if args.config is not None:
        return args.config
    if os.environ.get("NIANBAO_CONFIG"):
        return Path(os.environ["NIANBAO_CONFIG"])
    default = Path("nianbao.toml")
    return default if default.is_file() else None


def _run(args: argparse.Namespace) -> int:
    if not args.raw.is_dir():
        print(f"nianbao: error: --raw {args.raw} is not a folder", file=sys.stderr)
        return 2
    from transforms.quality.alerts import AlertConfig, AlertConfigError

    config = _config_file(args)
    try:  # a broken configuration is bad usage: say so before starting anything
        AlertConfig.load(config, os.environ)
    except AlertConfigError as exc:
        print(f"nianbao: error: alert configuration: {exc}", file=sys.stderr)
        return 2
    _prefect_env(args.verbose)
    from transforms.run import reaper

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
    watchdog = reaper.start(os.getpid())  # stops the run's children should the run be killed
    try:
        return _run_flow(args, config)
    finally:
        logger.removeHandler(handler)
        if status is not None:
            status.stop()
        if watchdog is not None:
            watchdog.terminate()


def _run_flow(args: argparse.Namespace, config: Path | None) -> int:
    """Run the flow; its summary printed and 0, or the exit code of how it ended."""
    from flows import server

    temporary = server.needed()  # started now: its start-up overlaps the imports below
    if _first_run(str(args.curated)):
        from expectations.preload import preload

        preload()  # a first run reads every file: GE's import overlaps the start-up too
    try:
        return _run_flow_on(args, config, temporary)
    finally:
        if temporary is not None:
            temporary.stop()


def _first_run(curated: str) -> bool:
    """Whether nothing was ever published in the curated folder (a local one)."""
    from transforms.store import remote
    from transforms.store.curated import MANIFEST

    return not remote.is_remote(curated) and not (Path(curated) / MANIFEST).exists()


def _run_flow_on(args, config: Path | None, temporary) -> int:
    from prefect.exceptions import TerminationSignal

    from flows.pipeline import nianbao_pipeline
    from flows.server import api_of
    from transforms.run.lock import RunLocked

    flow = nianbao_pipeline
    if args.runner == "dask":
        from flows.runners import with_dask

        if not args.verbose:  # the cluster's own chatter
            logging.getLogger("distributed").setLevel(logging.WARNING)
        flow = with_dask(args.dask_address)
    previous = signal.signal(signal.SIGTERM, _stopped)  # Prefect re-sends it here, at the end
    try:
        with api_of(temporary):
            summary = flow(
                raw_dir=str(args.raw),
                curated_dir=str(args.curated),
                full_refresh=args.full_refresh,
                config_file=str(config) if config else None,
                wait=args.wait,
                runner=args.runner,
                corrections_file=str(args.corrections) if args.corrections else None,
            )
    except RunLocked as exc:
        print(f"nianbao: {exc}", file=sys.stderr)
        return 3
    except Exception as exc:  # the pipeline itself failed: say so and exit 1
        print(f"nianbao: the pipeline failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, TerminationSignal, Stopped) as exc:  # recorded as failed
        signum = getattr(exc, "signal", signal.SIGINT)
        print(f"nianbao: stopped by {signal.Signals(signum).name}", file=sys.stderr)
        return 128 + int(signum)
    finally:
        signal.signal(signal.SIGTERM, previous)
    print("\n".join(summary.lines()))
    return 0


class Stopped(BaseException):
    """SIGTERM reached the CLI: outside the flow, or re-sent by Prefect once the flow has
    recorded its failed run (Prefect's own handler turns it into TerminationSignal inside)."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signal = signum


def _stopped(signum: int, _frame) -> None:
    signal.signal(signum, signal.SIG_DFL)  # a second SIGTERM ends the process at once
    raise Stopped(signum)


def _warehouse(args: argparse.Namespace) -> Path | None:
    """The published warehouse under --curated, or None (said on stderr) when there is none."""
    from transforms.store.warehouse import WAREHOUSE_NAME

    path = args.curated / WAREHOUSE_NAME
    if not path.is_file():
        print(f"nianbao: error: no warehouse at {path}; run `nianbao run` first", file=sys.stderr)
        return None
    return path


def _sql(args: argparse.Namespace) -> int:
    from transforms.store.sql import QueryFailed, RefusedQuery, run_query

    path = _warehouse(args)
    if path is None:
        return 2
    try:
        print(run_query(path, args.query, args.max_rows))
    except RefusedQuery as exc:
        print(f"nianbao: {exc}", file=sys.stderr)
        return 1
    except QueryFailed as exc:
        print(f"nianbao: the query failed: {exc}", file=sys.stderr)
        return 1
    return 0


def _export(args: argparse.Namespace) -> int:
    from transforms.store.export import ExportError, export_xlsx

    path = _warehouse(args)
    if path is None:
        return 2
    try:
        rows = export_xlsx(path, args.xlsx)
    except (ExportError, OSError) as exc:
        print(f"nianbao: the export failed: {exc}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{view} {n}" for view, n in rows.items())
    print(f"wrote {args.xlsx} (rows: {counts})")
    return 0


def _serve(args: argparse.Namespace) -> int:
    _prefect_env(verbose=True)
    from flows import schedule

    try:
        deployment = schedule.nightly_deployment(
            cron=args.cron or schedule.DEFAULT_CRON,
            timezone=args.timezone or schedule.DEFAULT_TIMEZONE,
            raw_dir=str(args.raw),
            curated_dir=str(args.curated),
            name=args.name,
        )
    except ValueError as exc:  # pydantic's message: the line that says what is invalid
        lines = [line.strip() for line in str(exc).splitlines()]
        reason = next((line for line in lines if "Invalid" in line), lines[0])
        print(f"nianbao: error: {reason.removeprefix('Value error, ')}", file=sys.stderr)
        return 2
    if args.next:
        for when in schedule.next_runs(deployment, args.next):
            print(when.isoformat())
        return 0
    schedule.serve(deployment)
    return 0


def _status(args: argparse.Namespace) -> int:
    from transforms.run.history import status_text

    print(status_text(args.curated, args.last))
    return 0


def _docs(args: argparse.Namespace) -> int:
    from transforms.catalogue import default
    from transforms.store.dictionary import render

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(default()) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    commands = {
        "run": _run,
        "sql": _sql,
        "status": _status,
        "serve": _serve,
        "export": _export,
        "docs": _docs,
    }
    return commands[args.command](args)


def entry() -> None:
    """The `nianbao` command: `main`, then the process ends as soon as its work is done.
    The exit handlers run (they stop Prefect's temporary server, flush the logs, remove
    temporary folders), but the interpreter does not then free every object one by one: after
    a run that held Great Expectations and pandas that teardown took ~1.8 s of the command's
    time (one changed file among 10,000), for nothing, as the process ends. Whatever raises
    out of `main` (bad usage, Ctrl-C) exits the ordinary way."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
