"""From a run's findings to alerts, and their record in the `alerts` table.

In: the run's findings marked new (`transforms.quality.findings`), the alerts history, an
`AlertConfig`. Out: the alerts history with this run's alert (one row per sink) and the retried
alerts of earlier runs updated. Only what is new raises an alert; a run with nothing new sends
nothing. Delivery never raises: a sink that is down leaves the row `undelivered`, and the next
run sends that alert again.

Two steps, because nothing of the network may hold back the data: `pending` adds the alert's rows
as `pending` (published with the run's data), then, once the data is published, `send` delivers
every `pending` and `undelivered` row within the run's alerting budget, and `rewrite` replaces
`alerts.parquet` and the warehouse's `alerts` table with the outcome (beside, then renamed). A
`pending` row a later run finds (its run was killed while sending) is sent then, like an
`undelivered` one.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from transforms import schemas
from transforms.quality.alerts import (
    Alert,
    AlertConfig,
    Budget,
    Delivery,
    Finding,
    deliver,
    target_of,
)
from transforms.quality.findings import top
from transforms.schemas import records, to_frame
from transforms.store import curated
from transforms.store.warehouse import WAREHOUSE_NAME as WAREHOUSE
from transforms.store.warehouse import replace_tables

TO_SEND = ("pending", "undelivered")


@dataclass(frozen=True)
class Outcome:
    alerts: pd.DataFrame  # the whole history, to be written back
    deliveries: tuple[tuple[str, Delivery], ...] = ()  # (alert_id, delivery), in sending order


def _number(x) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _finding(row: dict) -> Finding:
    year = row.get("report_year")
    return Finding(
        source_file=str(row["source_file"]),
        body=row["body"] if isinstance(row.get("body"), str) else None,
        report_year=None if year is None or pd.isna(year) else int(year),
        rule=str(row["check_id"]),
        kind=str(row["kind"]),
        expected=_number(row.get("expected")),
        actual=_number(row.get("actual")),
        message=_on_corrected(row) + str(row["message"]),
        locator=row["locator"] if isinstance(row.get("locator"), str) else None,
    )


def _on_corrected(row: dict) -> str:
    """A finding on corrected values (check_results.value_set) says so in the alert, where it
    would otherwise read as the same check on the printed values."""
    return "[on corrected values] " if row.get("value_set") == "corrected" else ""


def new_findings_alert(
    run_id: str, created: datetime, marked: pd.DataFrame, counts: dict, link: str | None
) -> Alert | None:
    """The alert for the run's new findings, or None when nothing is new."""
    new = marked[marked["is_new"]] if not marked.empty else marked
    if new.empty:
        return None
    n_files = int((new["kind"] == "file").sum())
    return Alert(
        alert_id=f"{run_id}-{secrets.token_hex(2)}",
        run_id=run_id,
        created_at=created.isoformat(),
        reason="new_findings",
        counts={
            "new_findings": len(new),
            "new_failed_checks": len(new) - n_files,
            "new_unreadable_files": n_files,
            "standing_findings": int((~marked["is_new"]).sum()),
            **counts,
        },
        top=tuple(_finding(r) for r in top(new).to_dict("records")),
        report_link=link,
    )


def failure_alert(run_id: str, created: datetime, error: str) -> Alert:
    return Alert(
        alert_id=f"{run_id}-{secrets.token_hex(2)}",
        run_id=run_id,
        created_at=created.isoformat(),
        reason="pipeline_failed",
        counts={},
        top=(),
        report_link=None,
        error=error,
    )


def _row(alert: Alert, d: Delivery | None, run_id: str, attempts_before: int = 0) -> dict:
    delivered_at = pd.Timestamp(d.delivered_at) if d and d.delivered_at else None
    status = "not_configured" if d is None else ("delivered" if d.delivered else "undelivered")
    return {
        "alert_id": alert.alert_id,
        "run_id": alert.run_id,
        "created_at": pd.Timestamp(alert.created_at),
        "reason": alert.reason,
        "title": alert.title(),
        "n_new_findings": int(alert.counts.get("new_findings", 0)),
        "sink": d.sink if d else "none",
        "target": d.target if d else None,
        "status": status,
        "attempts": attempts_before + (d.attempts if d else 0),
        "delivered_at": delivered_at,
        "last_run_id": run_id,
        "error": d.error if d else None,
        "payload": alert.to_json(),
    }


def _pending_row(alert: Alert, sink: str, config: AlertConfig, run_id: str) -> dict:
    row = _row(alert, None, run_id)
    return {**row, "sink": sink, "target": target_of(sink, config), "status": "pending"}


def pending(history: pd.DataFrame, alert: Alert, config: AlertConfig, run_id: str) -> pd.DataFrame:
    """The history with `alert` added, not sent yet: a `pending` row per configured sink, or one
    `not_configured` row (recorded here and as an artifact only)."""
    rows = [_pending_row(alert, sink, config, run_id) for sink in config.sinks_configured]
    return to_frame(records(history) + (rows or [_row(alert, None, run_id)]), schemas.ALERTS)


def send(
    history: pd.DataFrame, config: AlertConfig, run_id: str, budget: Budget | None = None
) -> Outcome:
    """Deliver every `pending` or `undelivered` row to its sink, oldest first (so the alerts
    earlier runs could not deliver go before tonight's), all within `budget`; the history with
    those rows updated. Rows of a sink no longer configured stay as they are."""
    budget = budget or Budget(config)
    rows, sent = records(history), []
    for i, row in enumerate(rows):
        if row["status"] not in TO_SEND or row["sink"] not in config.sinks_configured:
            continue
        alert = Alert.from_json(row["payload"])
        (d,) = deliver(alert, config, sinks=[row["sink"]], budget=budget)
        rows[i] = _row(alert, d, run_id, int(row["attempts"]))
        sent.append((alert.alert_id, d))
    return Outcome(to_frame(rows, schemas.ALERTS), tuple(sent))


def rewrite(curated_dir: Path, alerts: pd.DataFrame) -> list[Path]:
    """Replace `alerts.parquet` and the warehouse's `alerts` table with `alerts`, each built
    beside its name, then both published with the manifest in one step (`curated.commit`), as
    publishing does: a reader keeps the file it opened, a killed run leaves the published
    ones or finishes the flip. The warehouse is copied and only its alerts rows replaced
    (`warehouse.replace_tables`), not rebuilt from every table."""
    path = curated_dir / "alerts.parquet"
    staged = curated.stage_all({"alerts": alerts}, curated_dir, curated.stamp(path))
    if not (curated_dir / WAREHOUSE).exists():  # a failed run: the previous warehouse stays
        curated.commit(curated_dir, curated.file_names(staged))
        return [path]
    replace_tables(curated_dir, staged)
    return [path, curated_dir / WAREHOUSE]
