"""From a run's findings to alerts, and their record in the `alerts` table.

In: the run's findings marked new (`transforms.findings`), the alerts history, an
`AlertConfig`. Out: the alerts history with this run's alert (one row per sink) and the retried
alerts of earlier runs updated. Only what is new raises an alert; a run with nothing new sends
nothing. Delivery never raises: a sink that is down leaves the row `undelivered`, and the next
run sends that alert again.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from transforms import schemas
from transforms.alerts import Alert, AlertConfig, Delivery, Finding, deliver
from transforms.findings import top
from transforms.normalise import records, to_frame


@dataclass(frozen=True)
class Outcome:
    alerts: pd.DataFrame  # the whole history, to be written back
    raised: Alert | None  # this run's alert, if any
    deliveries: tuple[Delivery, ...] = ()


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
        message=str(row["message"]),
        locator=row["locator"] if isinstance(row.get("locator"), str) else None,
    )


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


def retry_undelivered(history: pd.DataFrame, config: AlertConfig, run_id: str) -> pd.DataFrame:
    """Send again every alert a sink did not receive; the history with those rows updated."""
    if history.empty:
        return history
    rows = records(history)
    for i, row in enumerate(rows):
        if row["status"] != "undelivered" or row["sink"] not in config.sinks_configured:
            continue
        alert = Alert.from_json(row["payload"])
        (d,) = deliver(alert, config, sinks=[row["sink"]])
        rows[i] = _row(alert, d, run_id, int(row["attempts"]))
    return to_frame(rows, schemas.ALERTS)


def record(history: pd.DataFrame, alert: Alert, config: AlertConfig, run_id: str) -> Outcome:
    """Deliver `alert` to every configured sink and add its rows to the history."""
    deliveries = tuple(deliver(alert, config)) if config.sinks_configured else ()
    rows = [_row(alert, d, run_id) for d in deliveries] or [_row(alert, None, run_id)]
    return Outcome(to_frame(records(history) + rows, schemas.ALERTS), alert, deliveries)
