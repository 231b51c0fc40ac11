"""Reconcile: observations + the catalogue's sum rules → one evaluation per rule per report.

In: the observations and reports frames and the catalogue. Out: an `evaluations` frame with,
for every (report, rule, breakdown): the printed left side (`actual`), the sum the rule expects
(`expected`), the `violation` (how far from holding; 0 when it holds, NaN when not evaluable) and
a message naming the labels and values. The Great Expectations identity suite judges
`violation`; this module only does the arithmetic.

A rule with a blank, unreadable or missing value is not evaluable: it is not a failure (the blank
is its own finding) and it is never computed with a zero in its place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from transforms.catalogue import Catalogue, Rule
from transforms.cells import READ_STATUSES

EVALUATION_COLUMNS = [
    "report_id",
    "rule_id",
    "breakdown",
    "op",
    "expected",
    "actual",
    "violation",
    "message",
    "locator",
]
_TOLERANCE_DIGITS = 6  # 万元 amounts carry up to 6 decimals


@dataclass(frozen=True)
class _Value:
    value: float | None
    status: str
    locator: str


def _index(obs: pd.DataFrame) -> dict[tuple[str, str, str], _Value]:
    coded = obs[obs["indicator"].notna() & obs["breakdown"].notna()]
    return {
        (r.report_id, r.indicator, r.breakdown): _Value(
            None if pd.isna(r.value) else float(r.value), r.value_status, r.locator
        )
        for r in coded.itertuples(index=False)
    }


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _side(terms: tuple[str, ...], values: list[_Value], catalogue: Catalogue) -> str:
    return " + ".join(
        f"{catalogue.indicator(t).label_zh} {_fmt(v.value)}"
        for t, v in zip(terms, values, strict=True)
    )


def _evaluate(rule: Rule, key: tuple[str, str], index: dict, catalogue: Catalogue) -> dict:
    report_id, breakdown = key
    found = {t: index.get((report_id, t, breakdown)) for t in rule.indicators}
    locator = "; ".join(f"{t}: {v.locator}" for t, v in found.items() if v is not None)
    row = {
        "report_id": report_id,
        "rule_id": rule.rule_id,
        "breakdown": breakdown,
        "op": rule.op,
        "expected": math.nan,
        "actual": math.nan,
        "violation": math.nan,
        "locator": locator,
    }
    unusable = [t for t, v in found.items() if v is None or v.status not in READ_STATUSES]
    if unusable:
        why = ", ".join(
            f"{catalogue.indicator(t).label_zh} is "
            + ("not printed" if found[t] is None else f"{found[t].status} ({found[t].locator})")
            for t in unusable
        )
        return {**row, "message": f"not evaluated: {why}"}
    left = [found[t] for t in rule.left]
    right = [found[t] for t in rule.right]
    actual = round(sum(v.value for v in left), _TOLERANCE_DIGITS)
    expected = round(sum(v.value for v in right), _TOLERANCE_DIGITS)
    gap = actual - expected
    violation = abs(gap) if rule.op == "=" else max(0.0, gap)
    holds = violation == 0
    op = "=" if rule.op == "=" else "≤"
    shown = op if holds else {"=": "≠", "≤": ">"}[op]
    message = (
        f"{rule.label_zh} {'holds' if holds else 'fails'}: {_side(rule.left, left, catalogue)} "
        f"{shown} {_side(rule.right, right, catalogue)}"
        + ("" if holds else f" (printed {_fmt(actual)}, expected {op} {_fmt(expected)})")
    )
    return {
        **row,
        "expected": expected,
        "actual": actual,
        "violation": violation,
        "message": message,
    }


def evaluate_rules(
    observations: pd.DataFrame, reports: pd.DataFrame, catalogue: Catalogue
) -> pd.DataFrame:
    """One row per (report, rule, breakdown) for every parsed report; see the module docstring."""
    index = _index(observations)
    breakdowns = (
        observations.dropna(subset=["breakdown"])
        .groupby("report_id")["breakdown"]
        .unique()
        .to_dict()
    )
    rows = []
    parsed = reports[reports["status"] == "parsed"]
    for report_id, template in zip(parsed["report_id"], parsed["template"], strict=True):
        for rule in catalogue.rules_for(template):
            for breakdown in sorted(breakdowns.get(report_id, [])):
                if any((report_id, t, breakdown) in index for t in rule.indicators):
                    rows.append(_evaluate(rule, (report_id, breakdown), index, catalogue))
    frame = pd.DataFrame(rows, columns=EVALUATION_COLUMNS)
    return frame.astype({"expected": "float64", "actual": "float64", "violation": "float64"})
