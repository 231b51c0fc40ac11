"""The suites: which expectation runs on which frame, with which check id, kind and severity.

In: the catalogue. Out: `SuiteSpec`s, plain data (no GE import): one per frame the runner
validates. Every expectation carries its check id in `meta`, so that each failing expectation
becomes a `check_results` row naming the rule.

- `identities` (frame: rule evaluations from `transforms.reconcile` and `transforms.semantic`):
  one expectation per catalogue rule and per semantic check, `violation` between 0 and 0 on
  that rule's rows.
- `observations` (frame: observations): key unique, every label coded, every column known,
  counts non-negative, every cell a readable number (a blank is its own finding).
- `reports` (frame: parsed reports): body and report year found, report ids unique.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from transforms.catalogue import Catalogue
from transforms.checks import completeness
from transforms.checks.crossyear import CONFLICT_RULES, CROSS_YEAR_RULES
from transforms.checks.semantic import SEMANTIC_RULES
from transforms.extract.cells import READ_STATUSES


@dataclass(frozen=True)
class ExpectationSpec:
    check_id: str
    kind: str  # identity | structure | completeness | metadata
    severity: str  # error | warning
    expectation: str  # GE expectation class name
    kwargs: dict = field(default_factory=dict)
    description: str = ""
    where: tuple[str, str] | None = None  # (column, value): validate only the rows that match


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    frame: str  # which frame the runner validates: evaluations | observations | reports
    expectations: tuple[ExpectationSpec, ...]


def _holds(check_id: str, kind: str, severity: str, description: str) -> ExpectationSpec:
    """`violation` is 0 on the evaluation rows this check judges (column `check`)."""
    return ExpectationSpec(
        check_id,
        kind,
        severity,
        "ExpectColumnValuesToBeBetween",
        {"column": "violation", "min_value": 0, "max_value": 0},
        description,
        where=("check", check_id),
    )


def identity_suite(catalogue: Catalogue) -> SuiteSpec:
    narrative = (
        "The prose restates the table: stated counts equal the cells they name, stated "
        "percentages equal count / base at the printed precision."
    )
    return SuiteSpec(
        "identities",
        "evaluations",
        (
            *(_holds(r, "semantic", "error", text) for r, text in SEMANTIC_RULES.items()),
            *(_holds(r, "cross_year", sev, text) for r, (sev, text) in CROSS_YEAR_RULES.items()),
            *(_holds(r, "conflict", sev, text) for r, (sev, text) in CONFLICT_RULES.items()),
            _holds("narrative", "narrative", "error", narrative),
            _holds(completeness.CHECK_ID, "completeness", "error", completeness.DESCRIPTION),
            *(
                _holds(r.rule_id, "identity", r.severity, f"{r.label_zh}: {r.description}")
                for r in catalogue.rules
            ),
        ),
    )


def observation_suite(catalogue: Catalogue) -> SuiteSpec:
    return SuiteSpec(
        "observations",
        "observations",
        (
            ExpectationSpec(
                "obs_key_unique",
                "structure",
                "error",
                "ExpectCompoundColumnsToBeUnique",
                {
                    "column_list": ["report_id", "indicator", "breakdown"],
                    "ignore_row_if": "any_value_is_missing",
                },
                "Each indicator is printed once per column of a report.",
            ),
            ExpectationSpec(
                "obs_indicator_known",
                "unmapped_label",
                "error",
                "ExpectColumnValuesToNotBeNull",
                {"column": "indicator"},
                "Every printed label maps to a catalogue indicator.",
            ),
            ExpectationSpec(
                "obs_indicator_in_catalogue",
                "structure",
                "error",
                "ExpectColumnValuesToBeInSet",
                {"column": "indicator", "value_set": sorted(catalogue.codes)},
                "Every indicator code is defined in the catalogue.",
            ),
            ExpectationSpec(
                "obs_breakdown_known",
                "structure",
                "error",
                "ExpectColumnValuesToNotBeNull",
                {"column": "breakdown"},
                "Every printed column header maps to a breakdown.",
            ),
            ExpectationSpec(
                "obs_value_non_negative",
                "structure",
                "error",
                "ExpectColumnValuesToBeBetween",
                {"column": "value", "min_value": 0},
                "Counts and amounts are never negative.",
            ),
            ExpectationSpec(
                "obs_value_present",
                "completeness",
                "error",
                "ExpectColumnValuesToBeInSet",
                {"column": "value_status", "value_set": list(READ_STATUSES)},
                "A number is printed where the form asks for one (blank is not zero).",
            ),
        ),
    )


def report_suite() -> SuiteSpec:
    return SuiteSpec(
        "reports",
        "reports",
        (
            ExpectationSpec(
                "report_id_unique",
                "structure",
                "error",
                "ExpectColumnValuesToBeUnique",
                {"column": "report_id"},
                "Each report has its own id.",
            ),
            ExpectationSpec(
                "report_body_found",
                "metadata",
                "error",
                "ExpectColumnValuesToNotBeNull",
                {"column": "body"},
                "The report names its issuing body.",
            ),
            ExpectationSpec(
                "report_year_found",
                "metadata",
                "error",
                "ExpectColumnValuesToNotBeNull",
                {"column": "report_year"},
                "The report names the year it reports on.",
            ),
        ),
    )


def all_suites(catalogue: Catalogue) -> tuple[SuiteSpec, ...]:
    return (identity_suite(catalogue), observation_suite(catalogue), report_suite())
