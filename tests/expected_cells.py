"""Cell-by-cell comparison of a report's tables 三 and 四 with a hand transcription.

The transcription format is the one of `../shared/reports/pingtan_departments/expected_cells.json`
(copied per fixture into `tests/fixtures/`): `T3[row]` is 7 numbers (自然人, 商业企业, 科研机构,
社会公益组织, 法律服务机构, 其他, 总计) for rows `new`, `carried`, `grant`, `partial`,
`deny1`–`deny8`, `unable1`–`unable3`, `noproc1`–`noproc5`, `other1`–`other3` (2021 form) or
`other` (2019 form), `total`, `forward`; `T4` is [行政复议, 未经复议直接起诉, 复议后起诉] ×
[维持, 纠正, 其他结果, 尚未审结, 总计]; `null` is a cell printed blank.

Each expected cell is judged as one of:
- `exact`: read as a number equal to the transcription (or blank where it is blank);
- `marked`: present but marked ambiguous / unreadable (never a wrong number);
- `missing`: not in the observations at all (it must then be listed by `table_incomplete`);
- `wrong`: read as a number that differs, or as a number where the cell is blank: the one
  outcome that must never happen.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from transforms import catalogue
from transforms.extract.cells import READ_STATUSES

T3_ROWS = {
    "new": "new_received",
    "carried": "carried_over",
    "grant": "granted",
    "partial": "partially_granted",
    **{
        f"deny{i}": f"withheld_{name}"
        for i, name in enumerate(
            (
                "state_secret",
                "prohibited_by_law",
                "three_safeties",
                "third_party",
                "internal_affairs",
                "process_info",
                "enforcement_files",
                "inquiry",
            ),
            start=1,
        )
    },
    "unable1": "unavailable_not_held",
    "unable2": "unavailable_needs_creation",
    "unable3": "unavailable_unclear",
    "noproc1": "not_processed_petition",
    "noproc2": "not_processed_duplicate",
    "noproc3": "not_processed_publication",
    "noproc4": "not_processed_excessive",
    "noproc5": "not_processed_confirmation",
    "other1": "other_overdue_correction",
    "other2": "other_overdue_fee",
    "other3": "other_other",
    "other": "other",
    "total": "completed_total",
    "forward": "carried_forward",
}
# the seven applicant columns of table 三 in printed order, as the catalogue codes them
T3_COLUMNS = tuple(
    dict.fromkeys(c.breakdown for c in catalogue.default().columns if c.template == "national")
)
T4_GROUPS = ("review", "litigation_direct", "litigation_after_review")
T4_OUTCOMES = ("upheld", "corrected", "other", "pending", "total")


def load(path: Path, stem: str | None = None) -> dict:
    """One report's transcription: a file holding {"T3": …, "T4": …} for one report, or the
    shared corpus file keyed by file stem (then `stem` picks the report)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if stem is None:
        return data
    return {"T3": data["T3"][stem], "T4": data["T4"][stem]}


def expected_cells(truth: dict) -> dict[tuple[str, str], float | None]:
    """(indicator, breakdown) → the printed number (None for a blank cell)."""
    cells: dict[tuple[str, str], float | None] = {}
    for row, values in truth["T3"].items():
        for column, value in zip(T3_COLUMNS, values, strict=True):
            cells[(f"requests.{T3_ROWS[row]}", column)] = value
    for group, values in zip(T4_GROUPS, truth["T4"], strict=True):
        for outcome, value in zip(T4_OUTCOMES, values, strict=True):
            cells[(f"appeals.{group}.{outcome}", "total")] = value
    return cells


@dataclass
class Comparison:
    outcomes: dict[tuple[str, str], str] = field(default_factory=dict)
    details: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def counts(self) -> Counter:
        return Counter(self.outcomes.values())

    @property
    def exact_share(self) -> float:
        return self.counts["exact"] / max(len(self.outcomes), 1)

    def wrong(self) -> dict[tuple[str, str], str]:
        return {k: self.details[k] for k, v in self.outcomes.items() if v == "wrong"}

    def not_exact(self) -> dict[tuple[str, str], str]:
        return {k: f"{v}: {self.details[k]}" for k, v in self.outcomes.items() if v != "exact"}


def compare(observations: pd.DataFrame, truth: dict) -> Comparison:
    """Judge every transcribed cell against one report's observations (see the docstring)."""
    found = {
        (row.indicator, row.breakdown): (row.value, row.value_status, row.raw_value)
        for row in observations.itertuples()
        if isinstance(row.indicator, str)
    }
    result = Comparison()
    for key, want in expected_cells(truth).items():
        outcome, detail = _judge(want, found.get(key))
        result.outcomes[key], result.details[key] = outcome, detail
    return result


def _judge(want: float | None, got: tuple | None) -> tuple[str, str]:
    if got is None:
        return "missing", f"expected {want}, not in the observations"
    value, status, raw = got
    shown = f"expected {want}, got {status} {raw!r}"
    if status in READ_STATUSES:
        return ("exact" if want is not None and float(value) == float(want) else "wrong"), shown
    if status == "blank":
        return ("exact" if want is None else "wrong"), shown
    return "marked", shown
