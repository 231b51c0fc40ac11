"""The run summary: what a person needs to know after a run, computed from the run's row."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from transforms.schemas import REPORT_READ


@dataclass(frozen=True)
class CheckCounts:
    """How many checks ran (passed or failed), failed, and could not be evaluated."""

    run: int = 0
    failed: int = 0
    not_evaluable: int = 0

    @classmethod
    def of(cls, check_results) -> CheckCounts:
        """The counts of a check_results frame."""
        passed = check_results["passed"]
        return cls(
            int(passed.notna().sum()),
            int(passed.eq(False).fillna(False).astype(bool).sum()),
            int(passed.isna().sum()),
        )


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    status: str
    files_seen: int
    files_new: int
    files_changed: int
    files_removed: int
    files_read: int
    reports_read: int
    reports_partial: int
    reports_failed: int
    duplicates: int
    observations: int
    checks_run: int
    checks_failed: int
    checks_not_evaluable: int
    checks_newly_failed: int
    warehouse: str
    data_docs: str
    quality_report: str
    corrections: dict[str, int] = field(default_factory=dict)  # status → rows of corrections.csv

    def as_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        changes = (
            f"{self.files_new} new, {self.files_changed} changed, {self.files_removed} removed"
        )
        return [
            f"run:               {self.run_id}"
            + (" (no changes)" if self.status == "no_changes" else ""),
            f"files seen:        {self.files_seen} ({changes}; {self.files_read} read)",
            f"reports read:      {self.reports_read}"
            + (
                f" ({self.reports_partial} partly: see reports.error)"
                if self.reports_partial
                else ""
            ),
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
            f"new findings:      {self.checks_newly_failed} (failed checks and unread files "
            "not seen in the last run)",
            *self._corrections_line(),
            f"warehouse:         {self.warehouse}",
            f"quality report:    {self.quality_report}",
            f"data docs:         {self.data_docs}",
        ]

    def _corrections_line(self) -> list[str]:
        if not self.corrections:
            return []
        counts = ", ".join(f"{n} {status}" for status, n in sorted(self.corrections.items()))
        return [f"corrections:       {sum(self.corrections.values())} ({counts})"]


def summarise(
    row: dict,
    reports,
    n_observations: int,
    checks: CheckCounts,
    warehouse: str,
    data_docs: str,
    corrections: dict[str, int] | None = None,
) -> RunSummary:
    """The summary of a run from its `runs` row, its reports frame and its check counts."""
    status = reports["status"]
    return RunSummary(
        run_id=row["run_id"],
        status=row["status"],
        files_seen=row["files_seen"],
        files_new=row["files_new"],
        files_changed=row["files_changed"],
        files_removed=row["files_removed"],
        files_read=row["files_read"],
        reports_read=int(status.isin(REPORT_READ).sum()),
        reports_partial=int((status == "partial").sum()),
        reports_failed=row["reports_failed"],
        duplicates=int((status == "duplicate").sum()),
        observations=n_observations,
        checks_run=row["checks_run"],
        checks_failed=row["checks_failed"],
        checks_not_evaluable=checks.not_evaluable,
        checks_newly_failed=row["checks_newly_failed"],
        warehouse=warehouse,
        data_docs=data_docs,
        quality_report=str(row.get("quality_report") or ""),
        corrections=corrections or {},
    )
