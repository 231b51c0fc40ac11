"""Flattened tables: the glued text of a table, and which of its values can be read back.

In: a report rendered as flattened text (cells glued with no separator). Out: the expected
`value_status` of every value cell: `derived_from_flattened` where the identities leave one
split, `ambiguous` where several remain, `unreadable` where none can be listed (a decimal
point or sign in the run). Computed from the arithmetic alone, with the project's splitter
(`transforms.splitting`) enumerating the splits of each run, independently of the parsers'
text segmentation, so that the test of the parsers against this truth means something.

The rules are those the parsers document: national table 三 rows are 7 values with 总计 = the
six, joined across rows by I1 and I2 (a report whose columns fail them under every split is
read row by row); table 四 is 15 values, three groups with 总计 = four outcomes; table 二 rows
have no identity. Fujian rows are joined by the form's "=" sum rules, verdict per column.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

from devtools.synth import labels as L
from devtools.synth.model import AMBIGUOUS, DERIVED, UNREADABLE, Key, Report
from devtools.synth.values import fujian_rows, outcome_codes
from transforms.catalogue import Catalogue
from transforms.extract.splitting import (
    Split,
    TooManySplits,
    groups_total,
    linked,
    splits,
    total_is_sum,
)

_MAX_COMBINATIONS = 100_000
_FIXED = (
    "requests.new_received",
    "requests.carried_over",
    "requests.completed_total",
    "requests.carried_forward",
)


def _options(run: str, n: int, accept: Callable[[Split], bool] = lambda s: True):
    """Every split of the run, or None when it cannot be listed (decimal, sign, too many)."""
    if not run.replace(" ", "").isdigit():
        return None
    try:
        return tuple(splits(run, n, accept))
    except TooManySplits:
        return None


def _verdict(keys: list[Key], options, per_column: bool) -> dict[Key, str]:
    if not options:
        return dict.fromkeys(keys, UNREADABLE)
    if len(options) == 1:
        return dict.fromkeys(keys, DERIVED)
    if not per_column:
        return dict.fromkeys(keys, AMBIGUOUS)
    return {
        key: DERIVED if len({s[k] for s in options}) == 1 else AMBIGUOUS
        for k, key in enumerate(keys)
    }


def _consistent(assign: dict[str, Split]) -> bool:
    outcomes = [v for k, v in assign.items() if k not in _FIXED]
    for c in range(7):
        get = {k: v[c] for k, v in assign.items()}
        if all(k in get for k in _FIXED) and (
            get[_FIXED[0]] + get[_FIXED[1]] != get[_FIXED[2]] + get[_FIXED[3]]
        ):
            return False
        if _FIXED[2] in get and outcomes and get[_FIXED[2]] != sum(v[c] for v in outcomes):
            return False
    return True


def _joint(alone: dict[str, tuple | None], consistent) -> dict[str, tuple | None]:
    """The splits left per row once rows are tied by identities (alone when none fits)."""
    usable = [code for code, opts in alone.items() if opts]
    if math.prod(len(alone[c]) for c in usable) > _MAX_COMBINATIONS:
        return alone
    sat = [
        combo
        for combo in itertools.product(*(alone[c] for c in usable))
        if consistent(dict(zip(usable, combo, strict=True)))
    ]
    if not sat:
        return alone
    left = {c: tuple(dict.fromkeys(combo[k] for combo in sat)) for k, c in enumerate(usable)}
    return {**alone, **left}


def run_of(report: Report, keys: list[Key], sep: str = "") -> str:
    return sep.join(report.cells[k] for k in keys)


def national_status(report: Report) -> dict[Key, str]:
    status: dict[Key, str] = {}
    codes = ["requests.new_received", "requests.carried_over", *outcome_codes(report.form),
             "requests.completed_total", "requests.carried_forward"]  # fmt: skip
    keys = {code: [(code, col) for col in L.REQUEST_COLUMNS] for code in codes}
    alone = {code: _options(run_of(report, keys[code]), 7, total_is_sum) for code in codes}
    for code, options in _joint(alone, _consistent).items():
        status.update(_verdict(keys[code], options, per_column=False))
    appeals = [(f"appeals.{g}.{o}", "total") for g in L.APPEAL_GROUPS for o in L.APPEAL_OUTCOMES]
    status.update(_verdict(appeals, _options(run_of(report, appeals), 15, groups_total(5)), False))
    spec = L.PROACTIVE_2019 if report.form == "national_2019" else L.PROACTIVE_2021
    for _, measures, items in spec:
        for _, item in items:
            row = [(f"proactive.{item}.{m}", "total") for _, m in measures]
            status.update(_verdict(row, _options(run_of(report, row), len(row)), False))
    return status


def _fujian_rules(codes: list[str], catalogue: Catalogue) -> list:
    return [
        rule
        for rule in catalogue.rules_for("fujian_pre2019")
        if rule.kind == "sum"
        and rule.op == "="
        and set(rule.terms) <= set(codes)
        and (not rule.scope or rule.scope in codes)
    ]


def _holds(rules: list) -> Callable[[dict[str, Split]], bool]:
    def check(values: dict[str, Split]) -> bool:
        return all(
            sum(values[c][k] for c in r.left) == sum(values[c][k] for c in r.right)
            for r in rules
            for k in range(2)
        )

    return check


def _solve_group(rules: list, alone: dict[str, tuple | None]) -> dict[str, tuple]:
    codes = sorted({c for r in rules for c in r.terms})
    sub = {c: alone[c] for c in codes}
    if any(not o for o in sub.values()) or math.prod(len(o) for o in sub.values()) > (
        _MAX_COMBINATIONS
    ):
        return {}
    sat = [
        combo
        for combo in itertools.product(*sub.values())
        if _holds(rules)(dict(zip(codes, combo, strict=True)))
    ]
    return {c: tuple(dict.fromkeys(s[k] for s in sat)) for k, c in enumerate(codes)} if sat else {}


def fujian_status(report: Report, catalogue: Catalogue) -> dict[Key, str]:
    sep = " " if report.spaced else ""
    codes = [code for _, _, code in fujian_rows(report.form)]
    keys = {code: [(code, "year"), (code, "cumulative")] for code in codes}
    alone = {code: _options(run_of(report, keys[code], sep), 2) for code in codes}
    left = dict(alone)
    for rules in linked(_fujian_rules(codes, catalogue)):
        left.update(_solve_group(rules, alone))
    status: dict[Key, str] = {}
    for code in codes:
        status.update(_verdict(keys[code], left[code], per_column=True))
    return status


def flat_status(report: Report, catalogue: Catalogue) -> dict[Key, str]:
    if report.family == "national":
        return national_status(report)
    return fujian_status(report, catalogue)
