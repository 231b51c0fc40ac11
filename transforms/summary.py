"""The run summary: what a person needs to know after a run, computed from the run's frames."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd


@dataclass(frozen=True)
class RunSummary:
    files_seen: int
    reports_read: int
    reports_failed: int
    duplicates: int
    observations: int
    checks_run: int
    checks_failed: int
    checks_not_evaluable: int
    warehouse: str
    data_docs: str

    def as_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        return [
            f"files seen:        {self.files_seen}",
            f"reports read:      {self.reports_read}",
            f"reports failed:    {self.reports_failed}"
            + (f" (+{self.duplicates} duplicate files)" if self.duplicates else ""),
            f"observations:      {self.observations}",
            f"checks run:        {self.checks_run}"
            + (
                f" (+{self.checks_not_evaluable} not evaluable)"
                if self.checks_not_evaluable
                else ""
            ),
            f"checks failed:     {self.checks_failed}",
            f"warehouse:         {self.warehouse}",
            f"data docs:         {self.data_docs}",
        ]


def summarise(
    reports: pd.DataFrame,
    observations: pd.DataFrame,
    check_results: pd.DataFrame,
    warehouse: str,
    data_docs: str,
) -> RunSummary:
    status = reports["status"]
    passed = check_results["passed"]
    return RunSummary(
        files_seen=len(reports),
        reports_read=int((status == "parsed").sum()),
        reports_failed=int(status.isin(["unreadable", "no_template", "failed"]).sum()),
        duplicates=int((status == "duplicate").sum()),
        observations=len(observations),
        checks_run=int(passed.notna().sum()),
        checks_failed=int((passed == False).sum()),  # noqa: E712  (NULL is not a failure)
        checks_not_evaluable=int(passed.isna().sum()),
        warehouse=warehouse,
        data_docs=data_docs,
    )
