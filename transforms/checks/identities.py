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
from collections.abc import Callable

import pandas as pd

from transforms.catalogue import Catalogue, Rule
from transforms.checks.evaluations import evaluation_frame
from transforms.schemas import READ_STATUSES, REPORT_READ, column_lists

_TOLERANCE_DIGITS = 6  # 万元 amounts carry up to 6 decimals
_SHOWN = {"=": ("=", "≠"), "<=": ("≤", ">")}
_READ = frozenset(READ_STATUSES)


# A printed cell as the checks see it: (value, status, locator), value None unless readable; a
# rule's terms are two aligned lists, their names in the message and their cells (None when not
# found in the report). Plain tuples and lists: there is one per coded cell and per rule term,
# millions at scale, and a class instance each (or a NamedTuple) costs more than the arithmetic.
Value = tuple[float | None, str, str]


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


class Memo(dict):
    """key → `compute(key)`, computed once per key: a dict subscript where a hot loop would
    otherwise call a function per item (the rule terms here: hundreds of thousands per batch;
    the narrative patterns compiled once per process)."""

    def __init__(self, compute: Callable) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key):
        value = self[key] = self._compute(key)
        return value


def _unusable(names: list[str], cells: list[Value | None]) -> str:
    """Why the terms cannot be added up ("" when they all can)."""
    return ", ".join(
        f"{name} is " + ("not found" if cell is None else f"{cell[1]} ({cell[2]})")
        for name, cell in zip(names, cells, strict=True)
        if cell is None or cell[1] not in _READ
    )


def _judge(rule: Rule, names: list[str], cells: list[Value | None], row: dict, shown: Memo) -> dict:
    """`row` (a fresh `_row`) completed in place: the rule's terms are `cells` (left side, then
    right) named `names` in the message; `shown` is `fmt_number` memoised."""
    row["locator"] = "; ".join(
        [f"{name}: {cell[2]}" for name, cell in zip(names, cells, strict=True) if cell]
    )
    if not {None if cell is None else cell[1] for cell in cells} <= _READ:
        row["message"] = f"not evaluated: {_unusable(names, cells)}"
        return row
    n = len(rule.left)
    values = [cell[0] for cell in cells]
    actual = round(sum(values[:n]), _TOLERANCE_DIGITS)
    expected = round(sum(values[n:]), _TOLERANCE_DIGITS)
    gap = actual - expected
    violation = abs(gap) if rule.op == "=" else max(0.0, gap)
    holds = violation == 0
    op, negated = _SHOWN[rule.op]
    sides = [f"{name} {shown[v]}" for name, v in zip(names, values, strict=True)]
    message = (
        f"{rule.label_zh} {'holds' if holds else 'fails'}: {' + '.join(sides[:n])} "
        f"{op if holds else negated} {' + '.join(sides[n:])}"
        + (
            ""
            if holds
            else f" (printed {fmt_number(actual)}, expected {op} {fmt_number(expected)})"
        )
    )
    row["expected"], row["actual"], row["violation"] = expected, actual, violation
    row["message"] = message
    return row


def _row(report_id: str, rule: Rule, breakdown: str) -> dict:
    nan = math.nan
    return {"report_id": report_id, "rule_id": rule.rule_id, "check": rule.rule_id,
            "breakdown": breakdown, "op": rule.op,
            "expected": nan, "actual": nan, "violation": nan}  # fmt: skip


class _Rules:
    """The rules of one `evaluate_rules` call, with what does not change from report to report
    looked up once: the indicators' labels, the names of an across-columns rule's terms."""

    def __init__(self, index: dict, catalogue: Catalogue) -> None:
        self.index = index
        self.labels = Memo(lambda code: catalogue.indicator(code).label_zh)
        self.row_names = Memo(self._row_names)  # (rule, indicator) → names of its terms
        self.shown = Memo(fmt_number)

    def _row_names(self, key: tuple[Rule, str]) -> list[str]:
        rule, code = key
        label = self.labels[code]
        return [f"{label}[{b}]" for b in rule.terms]

    def sums(self, rule: Rule, report_id: str, breakdowns: list[str]) -> list[dict]:
        index, get, out = self.index, self.index.get, []
        terms = rule.terms
        names = [self.labels[c] for c in terms]
        for b in breakdowns:
            if rule.scope and (report_id, rule.scope, b) not in index:
                continue  # the form variant this rule is for was not printed
            cells = [get((report_id, c, b)) for c in terms]
            if cells.count(None) == len(cells):
                continue
            out.append(_judge(rule, names, cells, _row(report_id, rule, b), self.shown))
        return out

    def across(self, rule: Rule, report_id: str, indicators: list[str]) -> list[dict]:
        get, out = self.index.get, []
        terms = rule.terms
        for code in indicators:
            if not code.startswith(rule.scope):
                continue
            cells = [get((report_id, code, b)) for b in terms]
            names = self.row_names[rule, code]
            out.append(_judge(rule, names, cells, _row(report_id, rule, f"row {code}"), self.shown))
        return out


def evaluate_rules(
    observations: pd.DataFrame, reports: pd.DataFrame, catalogue: Catalogue
) -> pd.DataFrame:
    """One row per (report, rule, breakdown or row) for every parsed report."""
    index = value_index(observations)
    breakdowns: dict[str, set[str]] = {}
    indicators: dict[str, set[str]] = {}
    for report_id, code, breakdown in index:  # the coded cells
        breakdowns.setdefault(report_id, set()).add(breakdown)
        indicators.setdefault(report_id, set()).add(code)
    rules = _Rules(index, catalogue)
    rows: list[dict] = []
    parsed = reports[reports["status"].isin(REPORT_READ)]
    for report_id, template in zip(*column_lists(parsed, ["report_id", "template"]), strict=True):
        found_breakdowns = sorted(breakdowns.get(report_id, ()))
        found_indicators = sorted(indicators.get(report_id, ()))
        for rule in catalogue.rules_for(template):
            if rule.kind == "sum":
                rows += rules.sums(rule, report_id, found_breakdowns)
            else:
                rows += rules.across(rule, report_id, found_indicators)
    return evaluation_frame(rows)
