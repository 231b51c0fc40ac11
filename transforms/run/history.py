"""Run history: the `runs` table, one row per run, and `nianbao status`.

In: what a run did (its plan, frames, findings). Out: a row of `schemas.RUNS`, appended to the
history kept in `runs.parquet` (published as the warehouse table `runs`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from transforms import schemas
from transforms.quality.findings import FILE_STATUSES
from transforms.quality.summary import CheckCounts
from transforms.schemas import records, to_frame
from transforms.store.curated import load_history


def now() -> datetime:
    return datetime.now(UTC)


def new_run_id(started: datetime) -> str:
    """UTC start time plus a random suffix: sorts by time, unique across machines."""
    return started.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


@dataclass(frozen=True)
class FileCounts:
    seen: int = 0
    new: int = 0
    changed: int = 0
    removed: int = 0
    read: int = 0


def run_row(
    run_id: str,
    started: datetime,
    files: FileCounts,
    reports: pd.DataFrame | None,
    checks: CheckCounts | None,
    **extra,
) -> dict:
    """The runs row. `extra`: status, full_refresh, checks_newly_failed, error, flow_run_id,
    parser_version, quality_report (missing ones default to a failed run's values)."""
    status = reports["status"] if reports is not None else pd.Series(dtype=object)
    checks = checks or CheckCounts()
    return {
        "run_id": run_id,
        "started_at": started,
        "finished_at": now(),
        "status": extra.get("status", "failed"),
        "full_refresh": bool(extra.get("full_refresh", False)),
        "files_seen": files.seen,
        "files_new": files.new,
        "files_changed": files.changed,
        "files_removed": files.removed,
        "files_read": files.read,
        "files_unreadable": int((status == "unreadable").sum()),
        "reports_failed": int(status.isin(FILE_STATUSES).sum()),
        "checks_run": checks.run,
        "checks_failed": checks.failed,
        "checks_newly_failed": int(extra.get("checks_newly_failed", 0)),
        "error": extra.get("error"),
        "flow_run_id": extra.get("flow_run_id"),
        "parser_version": extra.get("parser_version", ""),
        "quality_report": extra.get("quality_report"),
    }


def append(history: pd.DataFrame, row: dict) -> pd.DataFrame:
    """`history` with `row` added, replacing an earlier row of the same run (a run that failed
    after writing its row is recorded once, as failed)."""
    earlier = [r for r in records(history) if r["run_id"] != row["run_id"]]
    return to_frame([*earlier, row], schemas.RUNS)


_STATUS_COLUMNS = {
    "run_id": "run",
    "started_at": "started (UTC)",
    "status": "status",
    "files_seen": "seen",
    "files_new": "new",
    "files_changed": "changed",
    "files_removed": "removed",
    "files_read": "read",
    "reports_failed": "not read",
    "checks_failed": "checks failed",
    "checks_newly_failed": "new findings",
}


def status_table(curated_dir: Path, last: int = 10) -> pd.DataFrame:
    """The last runs, newest first, as `nianbao status` prints them."""
    runs = load_history(curated_dir, "runs").tail(last).iloc[::-1]
    shown = runs[list(_STATUS_COLUMNS)].rename(columns=_STATUS_COLUMNS)
    shown["started (UTC)"] = runs["started_at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    shown["error"] = runs["error"].fillna("").str.slice(0, 60)
    return shown.reset_index(drop=True)


def status_text(curated_dir: Path, last: int = 10) -> str:
    """`nianbao status`: the last runs as a printable table, or a sentence when there are none."""
    table = status_table(curated_dir, last)
    if table.empty:
        return f"no runs recorded under {curated_dir} yet (run `nianbao run`)"
    return table.to_string(index=False)
