"""The alert data model: what a nightly run tells people, and how it is stored to be re-sent.

In: the findings the pipeline chose to show (already the *new* ones, at most about ten) and the
run's counts. Out: one frozen `Alert`, which renders itself (`title`, `markdown`, `text`) and
serialises to JSON for the alerts table, so an alert that could not be delivered tonight can be
rebuilt unchanged and re-sent by the next run.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime

from transforms.quality.alerts import formats

REASONS = ("new_findings", "pipeline_failed")


@dataclass(frozen=True)
class Finding:
    """One failed check or one unreadable file, with where it was printed."""

    source_file: str
    body: str | None
    report_year: int | None
    rule: str
    kind: str
    expected: float | None
    actual: float | None
    message: str
    locator: str | None

    def report(self) -> str:
        """How a person names the report: body and year if known, then the file."""
        who = " ".join(str(part) for part in (self.body, self.report_year) if part is not None)
        return f"{who} ({self.source_file})" if who else self.source_file


@dataclass(frozen=True)
class Alert:
    """One message about one run: new findings, or the pipeline itself failing."""

    alert_id: str
    run_id: str
    created_at: str
    reason: str
    counts: dict[str, int]
    top: tuple[Finding, ...]
    report_link: str | None
    error: str | None = None

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"alert reason must be one of {REASONS}, got {self.reason!r}")

    @classmethod
    def create(
        cls,
        *,
        run_id: str,
        reason: str,
        counts: dict[str, int],
        top: tuple[Finding, ...] | list[Finding],
        report_link: str | None,
        error: str | None = None,
        now: datetime | None = None,
    ) -> Alert:
        """A new alert with a fresh id and the creation time in UTC."""
        moment = (now or datetime.now(UTC)).astimezone(UTC)
        return cls(
            alert_id=uuid.uuid4().hex,
            run_id=run_id,
            created_at=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            reason=reason,
            counts=dict(counts),
            top=tuple(top),
            report_link=report_link,
            error=error,
        )

    def title(self) -> str:
        if self.reason == "pipeline_failed":
            return f"nianbao: the pipeline failed (run {self.run_id})"
        n = self.counts.get("new_findings", len(self.top))
        return f"nianbao: {n} new finding{'' if n == 1 else 's'} (run {self.run_id})"

    def markdown(self) -> str:
        """Summary for chat and the Prefect artifact: counts, top findings table, link."""
        return formats.markdown(self)

    def text(self) -> str:
        """The same summary as plain text (the e-mail body)."""
        return formats.text(self)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, s: str) -> Alert:
        """Rebuild a stored alert; unknown or missing keys are an error, not a guess."""
        data = json.loads(s)
        _check_keys("alert", data, cls)
        top = []
        for item in data["top"]:
            _check_keys("finding", item, Finding)
            top.append(Finding(**item))
        return cls(**{**data, "counts": _counts(data["counts"]), "top": tuple(top)})


def _counts(raw: dict) -> dict[str, int]:
    return {str(key): int(value) for key, value in raw.items()}


def _check_keys(what: str, data: object, cls: type) -> None:
    if not isinstance(data, dict):
        raise ValueError(f"stored {what} must be a JSON object, got {type(data).__name__}")
    names = {f.name for f in fields(cls)}
    required = {f.name for f in fields(cls) if f.name != "error"}
    unknown, missing = set(data) - names, required - set(data)
    if unknown or missing:
        raise ValueError(
            f"stored {what} does not match this version: "
            f"unknown keys {sorted(unknown)}, missing keys {sorted(missing)}"
        )
