"""Injected defects: the errors real reports contain, each one a check must find.

In: a report with consistent values (and its series state, which an ambiguous run changes).
Out: the report with one defect applied in place, or unchanged when the kind does not apply.
Kinds (and the checks that find them):
- `wrong_total`: a printed total that does not add up (national I1, I2, I3 or a table 四
  total; a Jilin or Fujian sum rule) → that rule;
- `blank_cell`: a value cell left blank (not flattened text, which cannot show one) →
  `obs_value_present`;
- `prose_mismatch`: the prose states more requests received than the table →
  `narrative` (`narrative_received` / `narrative_requests_received`);
- `broken_carry_over`: 上年结转 that is not last year's 结转下年度 (national, with last year
  generated) → `cross_year_carry_over` on the later report;
- `ambiguous_run`: flattened values whose glued digits split several ways under every
  identity → `obs_value_present` on each ambiguous cell.
Which findings a defect causes exactly is worked out by `oracle.findings` after it is applied.
"""

from __future__ import annotations

import random

from devtools.synth import labels as L
from devtools.synth.model import Defect, Report
from devtools.synth.values import SeriesState, outcome_codes
from transforms.extract.splitting import splits

KINDS = ("wrong_total", "blank_cell", "prose_mismatch", "broken_carry_over", "ambiguous_run")
_BLANKS = ("", "—", "/", "无")
_JILIN_PARTS = {  # a part no other rule or prose sentence uses: only its rule breaks
    "jilin_j1_staff": "jilin.staff.part_time",
    "jilin_j7_refusal_reasons": "jilin.requests.refused_other",
    "jilin_j3_reading_room_items": "jilin.reading_rooms.items_paper",
    "jilin_j2_proactive_by_content": "jilin.proactive.by_content.other",
}
_FUJIAN_PARTS = {  # the rule's name differs by the form's variant (six or three channels …)
    "F1 主动公开 = 网站 + 公报": "fujian.proactive.gazette",
    "F2 受理 = Σ 渠道": "fujian.requests.in_person",
    "F3 答复 = Σ 结果": "fujian.requests.granted",
}


def _bump(report: Report, key, d: int) -> None:
    report.cells[key] = str(int(report.cells[key]) + d)


def _row_and_total(rng: random.Random, report: Report, code: str, rule: str) -> str:
    """A value and its row's 总计 both printed d more: I3 holds, the column identity fails."""
    column, d = rng.choice(L.APPLICANTS[:2]), rng.randint(1, 5)
    _bump(report, (code, column), d)
    _bump(report, (code, "total"), d)
    return f"{code}[{column}] and [total] printed {d} more ({rule} fails)"


def _i3(rng: random.Random, report: Report) -> str | None:
    """Two outcome rows' 总计 moved by d in opposite directions: only I3 fails (on both)."""
    outcomes = outcome_codes(report.form)
    d = rng.randint(1, 3)
    donors = [c for c in outcomes if int(report.cells[(c, "total")]) >= d]
    if not donors:
        return None
    b = rng.choice(donors)
    a = rng.choice([c for c in outcomes if c != b])
    _bump(report, (a, "total"), d)
    _bump(report, (b, "total"), -d)
    return f"{a}[total] printed {d} more and {b}[total] {d} less (I3 fails on both rows)"


def _national_wrong_total(rng: random.Random, report: Report) -> str | None:
    variant = rng.choice(("i1", "i2", "i3", "appeals") if report.fmt != "flat" else ("i1", "i2"))
    if variant == "i1":
        return _row_and_total(rng, report, "requests.new_received", "I1")
    if variant == "i2":
        return _row_and_total(rng, report, rng.choice(outcome_codes(report.form)), "I2")
    if variant == "i3":
        return _i3(rng, report)
    group, d = rng.choice(L.APPEAL_GROUPS), rng.randint(1, 5)
    _bump(report, (f"appeals.{group}.total", "total"), d)
    return f"appeals.{group}.total printed {d} more than its four outcomes"


def wrong_total(rng: random.Random, report: Report, state: SeriesState) -> str | None:
    if report.family == "national":
        return _national_wrong_total(rng, report)
    parts = _JILIN_PARTS if report.family == "jilin_pre2019" else _FUJIAN_PARTS
    rule, code = rng.choice(sorted(parts.items()))
    column = "total" if report.family == "jilin_pre2019" else "year"
    d = rng.randint(1, 9)
    _bump(report, (code, column), d)
    return f"{code}[{column}] printed {d} more ({rule} fails)"


def blank_cell(rng: random.Random, report: Report, state: SeriesState) -> str | None:
    if report.fmt == "flat":
        return None
    key = rng.choice(sorted(report.cells))
    report.blanked[key] = report.cells[key]
    report.cells[key] = rng.choice(_BLANKS)
    return f"{key[0]}[{key[1]}] printed {report.cells[key]!r} instead of {report.blanked[key]}"


def prose_mismatch(rng: random.Random, report: Report, state: SeriesState) -> int:
    """The overstatement of the received count (prose.write applies it)."""
    carried = int(report.cells.get(("requests.carried_over", "total"), "0"))
    d = rng.randint(1, 20)
    return d + 1 if d == carried else d


def broken_carry_over(rng: random.Random, report: Report, state: SeriesState) -> str | None:
    prev = report.previous
    if report.family != "national" or prev is None or prev.family != "national":
        return None
    column, d = rng.choice(L.APPLICANTS[:2]), rng.randint(1, 4)
    for code in ("requests.carried_over", "requests.granted", "requests.completed_total"):
        _bump(report, (code, column), d)
        _bump(report, (code, "total"), d)
    return f"上年结转[{column}] is {d} more than last year's 结转下年度 (I1 still holds)"


def _national_ambiguous(rng: random.Random, report: Report) -> str | None:
    zero = [
        c
        for c in outcome_codes(report.form)
        if all(report.cells[(c, col)] == "0" for col in L.REQUEST_COLUMNS)
    ]
    if len(zero) < 2:
        return None
    a, b = rng.sample(zero, 2)
    d = rng.randint(1, 9)  # (d, 10d, …, 11d) and (11d, 0, …, 11d) glue to the same digits
    for code, (first, second) in ((a, (d, 10 * d)), (b, (11 * d, 0))):
        for col, v in zip(L.REQUEST_COLUMNS, (first, second, 0, 0, 0, 0, 11 * d), strict=True):
            report.cells[(code, col)] = str(v)
    for col, add in zip(L.REQUEST_COLUMNS, (12 * d, 10 * d, 0, 0, 0, 0, 22 * d), strict=True):
        _bump(report, ("requests.completed_total", col), add)
        _bump(report, ("requests.new_received", col), add)
    return f"rows {a} and {b} glue to the same digits under two splits"


def _fujian_ambiguous(rng: random.Random, report: Report, state: SeriesState) -> str | None:
    if report.spaced:
        return None
    code = rng.choice(("fujian.review.cases", "fujian.litigation.cases"))
    fine = code.split(".")[1]
    old = int(report.cells[(code, "year")])
    prior = int(report.cells[(code, "cumulative")]) - old
    for y in range(10, 100):
        if len(splits(f"{y}{prior + y}", 2)) > 1:
            report.cells[(code, "year")] = str(y)
            report.cells[(code, "cumulative")] = str(prior + y)
            state.cumulative[fine] += y - old
            return f"{code} printed {y} | {prior + y}: the glued run splits several ways"
    return None


def ambiguous_run(rng: random.Random, report: Report, state: SeriesState) -> str | None:
    if report.fmt != "flat":
        return None
    if report.family == "national":
        return _national_ambiguous(rng, report)
    return _fujian_ambiguous(rng, report, state)


_ACTIONS = {
    "wrong_total": wrong_total,
    "blank_cell": blank_cell,
    "broken_carry_over": broken_carry_over,
    "ambiguous_run": ambiguous_run,
}


def apply(kind: str, rng: random.Random, report: Report, state: SeriesState) -> Defect | None:
    """Apply one defect of `kind` in place; None (report unchanged) when it does not apply."""
    if kind == "prose_mismatch":
        d = prose_mismatch(rng, report, state)
        return Defect(kind, f"the prose states {d} more requests received than the table", str(d))
    detail = _ACTIONS[kind](rng, report, state)
    return Defect(kind, detail) if detail else None
