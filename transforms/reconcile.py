"""Reconcile: observations + the catalogue's sum rules → one evaluation per rule per report.

In: the observations and reports frames and the catalogue. Out: an `evaluations` frame with,
for every (report, rule, breakdown or indicator): the printed left side (`actual`), the sum the
rule expects (`expected`), the `violation` (how far from holding; 0 when it holds, NaN when not
evaluable) and a message naming the labels and values. The Great Expectations identity suite
judges `violation`; this module only does the arithmetic.

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
    "check",  # the expectation that judges the row: the rule itself, or "narrative"
    "breakdown",
    "op",
    "expected",
    "actual",
    "violation",
    "message",
    "locator",
]
_TOLERANCE_DIGITS = 6  # 万元 amounts carry up to 6 decimals
_SHOWN = {"=": ("=", "≠"), "<=": ("≤", ">")}


@dataclass(frozen=True)
class _Value:
    value: float | None
    status: str
    locator: str


@dataclass(frozen=True)
class _Term:
    name: str  # how the message names it (a label, or label[column])
    value: _Value | None  # None: not printed


def value_index(obs: pd.DataFrame) -> dict[tuple[str, str, str], _Value]:
    """Every coded cell by (report, indicator, breakdown): its value, status and locator."""
    coded = obs[obs["indicator"].notna() & obs["breakdown"].notna()]
    return {
        (r.report_id, r.indicator, r.breakdown): _Value(
            None if pd.isna(r.value) else float(r.value), r.value_status, r.locator
        )
        for r in coded.itertuples(index=False)
    }


def fmt_number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _side(terms: list[_Term]) -> str:
    return " + ".join(f"{t.name} {fmt_number(t.value.value)}" for t in terms)


def _judge(rule: Rule, left: list[_Term], right: list[_Term], row: dict) -> dict:
    terms = left + right
    row = {**row, "locator": "; ".join(f"{t.name}: {t.value.locator}" for t in terms if t.value)}
    unusable = [t for t in terms if t.value is None or t.value.status not in READ_STATUSES]
    if unusable:
        why = ", ".join(
            f"{t.name} is "
            + ("not printed" if t.value is None else f"{t.value.status} ({t.value.locator})")
            for t in unusable
        )
        return {**row, "message": f"not evaluated: {why}"}
    actual = round(sum(t.value.value for t in left), _TOLERANCE_DIGITS)
    expected = round(sum(t.value.value for t in right), _TOLERANCE_DIGITS)
    gap = actual - expected
    violation = abs(gap) if rule.op == "=" else max(0.0, gap)
    holds = violation == 0
    op, negated = _SHOWN[rule.op]
    message = (
        f"{rule.label_zh} {'holds' if holds else 'fails'}: {_side(left)} "
        f"{op if holds else negated} {_side(right)}"
        + (
            ""
            if holds
            else f" (printed {fmt_number(actual)}, expected {op} {fmt_number(expected)})"
        )
    )
    return {
        **row,
        "expected": expected,
        "actual": actual,
        "violation": violation,
        "message": message,
    }


def _row(report_id: str, rule: Rule, breakdown: str) -> dict:
    nan = math.nan
    return {"report_id": report_id, "rule_id": rule.rule_id, "check": rule.rule_id,
            "breakdown": breakdown, "op": rule.op,
            "expected": nan, "actual": nan, "violation": nan}  # fmt: skip


def _sum_rule(rule: Rule, report_id: str, breakdowns, index, catalogue: Catalogue) -> list[dict]:
    out = []
    for b in breakdowns:
        if rule.scope and (report_id, rule.scope, b) not in index:
            continue  # the form variant this rule is for was not printed
        if not any((report_id, t, b) in index for t in rule.indicators):
            continue

        def term(code: str, b: str = b) -> _Term:
            return _Term(catalogue.indicator(code).label_zh, index.get((report_id, code, b)))

        left, right = [term(c) for c in rule.left], [term(c) for c in rule.right]
        out.append(_judge(rule, left, right, _row(report_id, rule, b)))
    return out


def _across_rule(rule: Rule, report_id: str, indicators, index, catalogue: Catalogue) -> list[dict]:
    out = []
    for code in indicators:
        if not code.startswith(rule.scope):
            continue
        label = catalogue.indicator(code).label_zh

        def term(b: str, code: str = code, label: str = label) -> _Term:
            return _Term(f"{label}[{b}]", index.get((report_id, code, b)))

        left, right = [term(b) for b in rule.left], [term(b) for b in rule.right]
        row = _row(report_id, rule, None)
        out.append(_judge(rule, left, right, {**row, "breakdown": f"row {code}"}))
    return out


def evaluate_rules(
    observations: pd.DataFrame, reports: pd.DataFrame, catalogue: Catalogue
) -> pd.DataFrame:
    """One row per (report, rule, breakdown or row) for every parsed report."""
    index = value_index(observations)
    coded = observations.dropna(subset=["indicator", "breakdown"])
    breakdowns = coded.groupby("report_id")["breakdown"].unique().to_dict()
    indicators = coded.groupby("report_id")["indicator"].unique().to_dict()
    rows = []
    parsed = reports[reports["status"] == "parsed"]
    for report_id, template in zip(parsed["report_id"], parsed["template"], strict=True):
        for rule in catalogue.rules_for(template):
            if rule.kind == "sum":
                found = sorted(breakdowns.get(report_id, []))
                rows += _sum_rule(rule, report_id, found, index, catalogue)
            else:
                found = sorted(indicators.get(report_id, []))
                rows += _across_rule(rule, report_id, found, index, catalogue)
    frame = pd.DataFrame(rows, columns=EVALUATION_COLUMNS)
    return frame.astype({"expected": "float64", "actual": "float64", "violation": "float64"})


def combine(*frames: pd.DataFrame) -> pd.DataFrame:
    """Evaluation frames (identities, semantic checks) as one frame for the identity suite."""
    non_empty = [f for f in frames if not f.empty]
    if not non_empty:
        return frames[0]
    return pd.concat(non_empty, ignore_index=True)
