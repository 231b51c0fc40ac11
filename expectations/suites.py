"""The suites: which expectation runs on which frame, with which check id, kind and severity.

In: the catalogue. Out: `SuiteSpec`s, plain data (no GE import): one per frame the runner
validates. Every expectation carries its check id in `meta`, so that each failing expectation
becomes a `check_results` row naming the rule. Every check's id, kind, severity and label is
data: the sum rules in rules.csv, every other check in checks.csv; only how GE judges a column
check (its expectation class and arguments) is written here.

- `identities` (frame: the evaluations of `transforms.checks`, schema EVALUATIONS): one
  expectation per sum rule and per checks.csv row of that suite, `violation` between 0 and 0 on
  that check's rows.
- `observations` (frame: observations): key unique, every label coded, every column known,
  counts non-negative, every cell a readable number (a blank is its own finding).
- `reports` (frame: parsed reports): body and report year found, report ids unique.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from transforms.catalogue import Catalogue
from transforms.schemas import READ_STATUSES


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
    """One expectation per check judged on evaluation rows (checks.csv) and per sum rule."""
    return SuiteSpec(
        "identities",
        "evaluations",
        (
            *(
                _holds(c.check_id, c.kind, c.severity, c.label)
                for c in catalogue.checks_of("identities")
            ),
            *(
                _holds(r.rule_id, "identity", r.severity, f"{r.label_zh}: {r.description}")
                for r in catalogue.rules
            ),
        ),
    )


def _column_expectations(catalogue: Catalogue) -> dict[str, tuple[str, dict]]:
    """How Great Expectations judges each check on a table's columns: check id → (expectation
    class, its arguments). Their id, kind, severity and label are data (checks.csv)."""
    return {
        "obs_key_unique": (
            "ExpectCompoundColumnsToBeUnique",
            {
                "column_list": ["report_id", "indicator", "breakdown"],
                "ignore_row_if": "any_value_is_missing",
            },
        ),
        "obs_indicator_known": ("ExpectColumnValuesToNotBeNull", {"column": "indicator"}),
        "obs_indicator_in_catalogue": (
            "ExpectColumnValuesToBeInSet",
            {"column": "indicator", "value_set": sorted(catalogue.codes)},
        ),
        "obs_breakdown_known": ("ExpectColumnValuesToNotBeNull", {"column": "breakdown"}),
        "obs_value_non_negative": (
            "ExpectColumnValuesToBeBetween",
            {"column": "value", "min_value": 0},
        ),
        "obs_value_present": (
            "ExpectColumnValuesToBeInSet",
            {"column": "value_status", "value_set": list(READ_STATUSES)},
        ),
        "report_id_unique": ("ExpectColumnValuesToBeUnique", {"column": "report_id"}),
        "report_body_found": ("ExpectColumnValuesToNotBeNull", {"column": "body"}),
        "report_year_found": ("ExpectColumnValuesToNotBeNull", {"column": "report_year"}),
    }


def _column_suite(catalogue: Catalogue, suite: str) -> SuiteSpec:
    how = _column_expectations(catalogue)
    checks = catalogue.checks_of(suite)
    unknown = [c.check_id for c in checks if c.check_id not in how]
    if unknown:
        raise ValueError(f"checks.csv names {suite} checks GE has no expectation for: {unknown}")
    return SuiteSpec(
        suite,
        suite,
        tuple(
            ExpectationSpec(c.check_id, c.kind, c.severity, *how[c.check_id], c.label)
            for c in checks
        ),
    )


def observation_suite(catalogue: Catalogue) -> SuiteSpec:
    return _column_suite(catalogue, "observations")


def report_suite(catalogue: Catalogue) -> SuiteSpec:
    return _column_suite(catalogue, "reports")


def all_suites(catalogue: Catalogue) -> tuple[SuiteSpec, ...]:
    return (identity_suite(catalogue), observation_suite(catalogue), report_suite(catalogue))
