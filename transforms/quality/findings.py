"""Findings: what is wrong in the published state, and which of it is new since the last run.

In: the run's reports and check_results (and the previous run's). Out: one row per finding, a
failed check or a file that could not be read, keyed by (source_file, check_id, breakdown,
value_set): the key names the place, not the content, so a finding that stands after its file
was edited is not new, and a check that starts failing after an edit is. A check of corrected
values (value_set corrected) is a finding of its own beside the same check of the printed ones;
a correction_current finding on a file with no report names the file as written.
"""

from __future__ import annotations

import pandas as pd

FILE_STATUSES = ("unreadable", "no_template", "failed")  # files not read
FINDING_STATUSES = (*FILE_STATUSES, "partial")  # … and files read in part
KEY = ("source_file", "check_id", "breakdown", "value_set")
COLUMNS = (
    "report_id",
    "source_file",
    "body",
    "report_year",
    "check_id",
    "kind",
    "severity",
    "breakdown",
    "expected",
    "actual",
    "message",
    "locator",
    "value_set",
)
_KIND_ORDER = {"file": 0, "identity": 1, "cross_year": 2, "narrative": 3, "semantic": 4}


def findings(reports: pd.DataFrame, check_results: pd.DataFrame) -> pd.DataFrame:
    """Every failed check, with the report's file, body and year, and every file not read."""
    failed = check_results[check_results["passed"].eq(False).fillna(False).astype(bool)]
    where = reports[["report_id", "source_file", "body", "report_year"]]
    checks = failed.merge(where, on="report_id", how="left")
    checks = checks.assign(source_file=checks["source_file"].fillna(checks["report_id"]))
    unread = reports[reports["status"].isin(FINDING_STATUSES)]
    files = unread.assign(
        check_id="file_" + unread["status"],
        kind="file",
        severity="error",
        breakdown=None,
        expected=float("nan"),
        actual=float("nan"),
        message=unread["error"].fillna(""),
        locator=None,
        value_set="printed",
    )
    parts = [f[list(COLUMNS)] for f in (files, checks) if not f.empty]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    return pd.concat(parts, ignore_index=True)


def _keys(frame: pd.DataFrame) -> pd.Series:
    parts = [frame[c].astype(object).where(frame[c].notna(), "").astype(str) for c in KEY]
    keys = parts[0]
    for part in parts[1:]:
        keys = keys + "\x1f" + part
    return keys


def mark_new(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """`current` with `is_new`: its key did not fail in `previous` (None: the first run)."""
    known = set(_keys(previous)) if previous is not None and not previous.empty else set()
    if current.empty:
        return current.assign(is_new=pd.Series(dtype=bool))
    return current.assign(is_new=~_keys(current).isin(known))


def top(new: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The findings an alert lists first: errors before warnings, unread files and broken
    identities before the rest, then by file."""
    if new.empty:
        return new
    order = new.assign(
        _sev=(new["severity"] != "error").astype(int),
        _kind=new["kind"].map(_KIND_ORDER).fillna(9),
    )
    order = order.sort_values(["_sev", "_kind", "source_file", "check_id"], kind="mergesort")
    return order.drop(columns=["_sev", "_kind"]).head(n)
