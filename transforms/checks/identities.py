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

import pandas as pd

from transforms.catalogue import Catalogue, Rule
from transforms.checks.evaluations import evaluation_frame
from transforms.schemas import READ_STATUSES, REPORT_READ, column_lists

_TOLERANCE_DIGITS = 6  # 万元 amounts carry up to 6 decimals
_SHOWN = {"=": ("=", "≠"), "<=": ("≤", ">")}


# A printed cell as the checks see it: (value, status, locator), value None unless readable; a
# term of a rule: (name in the message, the cell or None when not found in the report). Plain
# tuples: there is one per coded cell and per rule term, millions at scale, and a class instance
# each (or a NamedTuple) costs more than the arithmetic.
Value = tuple[float | None, str, str]
_Term = tuple[str, Value | None]


def value_index(obs: pd.DataFrame) -> dict[tuple[str, str, str], Value]:
    """Every coded cell by (report, indicator, breakdown): (value, status, locator).

    Read column-wise (one pass over plain lists): the frame has millions of rows at scale."""
    coded = obs[obs["indicator"].notna() & obs["breakdown"].notna()]
    report_ids, codes, breakdowns, values, statuses, locators = (
        coded[c].tolist()
        for c in ("report_id", "indicator", "breakdown", "value", "value_status", "locator")
    )
    values = [None if v != v else float(v) for v in values]  # NaN (v != v): no value
    return dict(
        zip(
            zip(report_ids, codes, breakdowns, strict=True),
            zip(values, statuses, locators, strict=True),
            strict=True,
        )
    )


def fmt_number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _side(terms: list[_Term]) -> str:
    return " + ".join(f"{name} {fmt_number(cell[0])}" for name, cell in terms)


def _unusable(terms: list[_Term]) -> str:
    """Why the terms cannot be added up ("" when they all can)."""
    return ", ".join(
        f"{name} is " + ("not found" if cell is None else f"{cell[1]} ({cell[2]})")
        for name, cell in terms
        if cell is None or cell[1] not in READ_STATUSES
    )


def _judge(rule: Rule, left: list[_Term], right: list[_Term], row: dict) -> dict:
    terms = left + right
    row = {**row, "locator": "; ".join(f"{name}: {cell[2]}" for name, cell in terms if cell)}
    why = _unusable(terms)
    if why:
        return {**row, "message": f"not evaluated: {why}"}
    actual = round(sum(cell[0] for _, cell in left), _TOLERANCE_DIGITS)
    expected = round(sum(cell[0] for _, cell in right), _TOLERANCE_DIGITS)
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
            return catalogue.indicator(code).label_zh, index.get((report_id, code, b))

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
            return f"{label}[{b}]", index.get((report_id, code, b))

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
    parsed = reports[reports["status"].isin(REPORT_READ)]
    for report_id, template in zip(*column_lists(parsed, ["report_id", "template"]), strict=True):
        found_breakdowns = sorted(breakdowns.get(report_id, []))
        found_indicators = sorted(indicators.get(report_id, []))
        for rule in catalogue.rules_for(template):
            if rule.kind == "sum":
                rows += _sum_rule(rule, report_id, found_breakdowns, index, catalogue)
            else:
                rows += _across_rule(rule, report_id, found_indicators, index, catalogue)
    return evaluation_frame(rows)
