"""The findings a report must produce: which checks fail on it, worked out from the truth.

In: a generated `Report` (printed cells, expected value statuses, prose claims, and the same
body's report of the year before). Out: a set of `(check_id, rule_id, breakdown)` findings, in
the shape the pipeline's evaluation rows and observation suite give them:
- `obs_value_present` per cell that is not a readable number (blank, ambiguous, unreadable);
- every catalogue rule (`national_i1_balance` …) per column or row where all its cells are
  readable and it does not hold;
- `cross_year_carry_over`, `cross_year_in_force`, `cross_year_cumulative` against last year;
- `narrative` (rule `narrative_<pattern>`) where a stated number differs from its cells.
A rule with an unreadable cell is not evaluated, so it is never a finding: the same semantics
as `transforms.checks.identities`, written from DOMAIN.md's identities, not from that code.
"""

from __future__ import annotations

import math

from devtools.synth import labels as L
from devtools.synth.model import READ, Claim, Key, Report
from transforms.catalogue import Catalogue, Rule

Finding = tuple[str, str, str]  # (check_id, rule_id, breakdown)
_DIGITS = 6


def value(report: Report, key: Key) -> float | None:
    """The number the pipeline reads from a cell, None when it reads none."""
    if key not in report.cells or report.status.get(key) not in READ:
        return None
    return float(report.cells[key])


def _total(report: Report, keys) -> float | None:
    values = [value(report, k) for k in keys]
    return None if any(v is None for v in values) else round(sum(values), _DIGITS)


def _fails(rule: Rule, left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return False
    return left > right if rule.op == "<=" else left != right


def _sum_rule(report: Report, rule: Rule, breakdowns: set[str]) -> set[Finding]:
    out = set()
    for b in breakdowns:
        if rule.scope and (rule.scope, b) not in report.cells:
            continue
        if not any((t, b) in report.cells for t in rule.terms):
            continue
        left = _total(report, [(c, b) for c in rule.left])
        right = _total(report, [(c, b) for c in rule.right])
        if _fails(rule, left, right):
            out.add((rule.rule_id, rule.rule_id, b))
    return out


def _across_rule(report: Report, rule: Rule, codes: set[str]) -> set[Finding]:
    out = set()
    for code in codes:
        if not code.startswith(rule.scope):
            continue
        left = _total(report, [(code, b) for b in rule.left])
        right = _total(report, [(code, b) for b in rule.right])
        if _fails(rule, left, right):
            out.add((rule.rule_id, rule.rule_id, f"row {code}"))
    return out


def identities(report: Report, catalogue: Catalogue) -> set[Finding]:
    breakdowns = {b for _, b in report.cells}
    codes = {c for c, _ in report.cells}
    out: set[Finding] = set()
    for rule in catalogue.rules_for(report.template):
        if rule.kind == "sum":
            out |= _sum_rule(report, rule, breakdowns)
        else:
            out |= _across_rule(report, rule, codes)
    return out


def _differs(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and round(a - b, _DIGITS) != 0


def _carry_over(report: Report, prev: Report) -> set[Finding]:
    return {
        ("cross_year_carry_over", "cross_year_carry_over", c)
        for c in L.REQUEST_COLUMNS
        if _differs(
            value(report, ("requests.carried_over", c)),
            value(prev, ("requests.carried_forward", c)),
        )
    }


def _in_force(report: Report, prev: Report) -> set[Finding]:
    out = set()
    for item in ("rules", "normative_docs"):
        now = value(report, (f"proactive.{item}.in_force", "total"))
        before = value(prev, (f"proactive.{item}.in_force", "total"))
        issued = value(report, (f"proactive.{item}.issued", "total"))
        repealed = value(report, (f"proactive.{item}.repealed", "total"))
        if None in (before, issued, repealed):
            continue
        if _differs(now, before + issued - repealed):
            out.add(("cross_year_in_force", "cross_year_in_force", f"row proactive.{item}"))
    return out


def _cumulative(report: Report, prev: Report) -> set[Finding]:
    out = set()
    for code, b in report.cells:
        if b != "cumulative":
            continue
        before, year = value(prev, (code, "cumulative")), value(report, (code, "year"))
        if before is not None and year is not None:
            if _differs(value(report, (code, b)), before + year):
                out.add(("cross_year_cumulative", "cross_year_cumulative", f"row {code}"))
    return out


def cross_year(report: Report) -> set[Finding]:
    prev = report.previous
    if prev is None:
        return set()
    return _carry_over(report, prev) | _in_force(report, prev) | _cumulative(report, prev)


def _claim_fails(report: Report, claim: Claim) -> bool:
    if claim.base:
        base = _total(report, claim.base)
        if not base:
            return False
        exact = claim.count / base * 100
        step = 10**-claim.decimals
        low, high = math.floor(exact / step) * step, math.ceil(exact / step) * step
        return not (low - 1e-9 <= claim.number <= high + 1e-9)
    table = _total(report, claim.target)
    if table is None or table == claim.number:
        return False
    return not (claim.alt and _total(report, claim.alt) == claim.number)


def narrative(report: Report) -> set[Finding]:
    return {("narrative", c.rule_id, "") for c in report.claims if _claim_fails(report, c)}


def completeness(report: Report) -> set[Finding]:
    return {
        ("obs_value_present", code, b)
        for (code, b), status in report.status.items()
        if status not in READ
    }


def findings(report: Report, catalogue: Catalogue) -> set[Finding]:
    """Every finding the checks must report on this report."""
    return (
        completeness(report)
        | identities(report, catalogue)
        | cross_year(report)
        | narrative(report)
    )
