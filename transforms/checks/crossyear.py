"""Cross-year checks: a body's report against the same body's report of the year before.

In: reports and observations (all reports of the run). Out: evaluation rows (shape of
`schemas.EVALUATIONS`, check `cross_year_*`) on the later report, naming both reports.

- `cross_year_carry_over` (national, every column): 上年结转(Y) = 结转下年度(Y−1).
- `cross_year_in_force` (national 2021 table 二, soft: revisions are counted inconsistently, so a
  warning): 现行有效件数(Y) = 现行有效件数(Y−1) + 本年制发件数(Y) − 本年废止件数(Y), for 规章 and
  行政规范性文件.
- `cross_year_cumulative` (forms with a cumulative column, breakdown `cumulative`, e.g. Fujian's
  历年累计): cumulative(Y) = cumulative(Y−1) + year(Y), per indicator.

Bodies are paired by `body_key` (the printed name without 人民政府/管委会 and spaces); a body-year
printed by two different files is a conflict and is not paired. Years with no report (gaps) are
not checked.

- `report_conflict` (warning, `evaluate_conflicts`): two files with different content report
  the same body and year (a corrected re-issue, or a scrape of two versions). Both are kept and
  both get the finding, naming the other file; which one is right is a person's call.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import pandas as pd

from transforms.catalogue import Catalogue
from transforms.checks.evaluations import evaluation_frame
from transforms.checks.identities import value_index
from transforms.schemas import READ_STATUSES, REPORT_READ, named_rows

_SUFFIX = re.compile(r"(人民政府|政府|管理委员会|管委会|办公室)$")


IN_FORCE_ITEMS = ("rules", "normative_docs")
IN_FORCE = tuple(
    f"proactive.{item}.{m}" for item in IN_FORCE_ITEMS for m in ("in_force", "issued", "repealed")
)
CUMULATIVE, YEAR = "cumulative", "year"
NEEDED_COLUMNS = ("report_id", "indicator", "breakdown", "value", "value_status", "locator")


def carried(catalogue: Catalogue) -> tuple[str, str]:
    """(上年结转, 结转下年度): this year's carried-over against last year's carried-forward."""
    return catalogue.role_code("carried_over"), catalogue.role_code("carried_forward")


def needed_indicators(catalogue: Catalogue) -> tuple[str, ...]:
    """The observations these checks read: a run that holds none in memory loads only these
    rows, for every report (`transforms.run.outputs.spanning_evaluations`): cells of these
    indicators, cumulative cells, and the year cells of the reports that print a cumulative
    column."""
    return carried(catalogue) + IN_FORCE


def body_key(body: str | None) -> str | None:
    """The name a body's reports are paired by across years."""
    if not body:
        return None
    key = re.sub(r"\s+", "", body)
    while _SUFFIX.search(key) and len(_SUFFIX.sub("", key)) >= 2:
        key = _SUFFIX.sub("", key)
    return key


def _pairs(reports: pd.DataFrame) -> list[tuple]:
    """(earlier, later) report rows (named tuples) of one body in consecutive years."""
    parsed = reports[reports["status"].isin(REPORT_READ) & reports["report_year"].notna()]
    parsed = parsed.assign(key=parsed["body"].map(body_key)).dropna(subset=["key"])
    rows = named_rows(parsed)
    printed = Counter((r.key, r.report_year) for r in rows)
    by_year = {(r.key, int(r.report_year)): r for r in rows if printed[r.key, r.report_year] == 1}
    return [
        (by_year[(k, y - 1)], r) for (k, y), r in sorted(by_year.items()) if (k, y - 1) in by_year
    ]


def _name(report) -> str:
    return f"{report.source_file}, {int(report.report_year)}"


def _row(rule_id: str, later, earlier, breakdown, expected, actual, message, locator) -> dict:
    return {
        "report_id": later.report_id,
        "rule_id": rule_id,
        "check": rule_id,
        "breakdown": breakdown,
        "op": "=",
        "expected": expected,
        "actual": actual,
        "violation": math.nan
        if math.isnan(expected) or math.isnan(actual)
        else abs(expected - actual),
        "message": f"{message} ({_name(later)} against {_name(earlier)})",
        "locator": locator,
    }


def _getter(observations: pd.DataFrame):
    """(value, locator) of a readable cell; (NaN, None) when blank, unreadable or not printed."""
    index = value_index(observations)

    def get(report_id: str, code: str, breakdown: str) -> tuple[float, str | None]:
        found = index.get((report_id, code, breakdown))
        if found is None or found[1] not in READ_STATUSES:
            return math.nan, None
        value, _, locator = found
        return value, locator

    return get


def _carry_over(get, codes: tuple[str, str], columns, earlier, later) -> list[dict]:
    out = []
    for column in columns:
        now, at_now = get(later.report_id, codes[0], column)
        before, at_before = get(earlier.report_id, codes[1], column)
        if at_now is None and at_before is None:
            continue
        message = f"上年结转 {now:g} vs 上年报告结转下年度 {before:g}"
        locator = f"{at_now}; previous: {at_before}"
        out.append(
            _row("cross_year_carry_over", later, earlier, column, before, now, message, locator)
        )
    return out


def _in_force(get, earlier, later) -> list[dict]:
    out = []
    for item in IN_FORCE_ITEMS:
        codes = [f"proactive.{item}.{m}" for m in ("in_force", "issued", "repealed")]
        now, at_now = get(later.report_id, codes[0], "total")
        before, at_before = get(earlier.report_id, codes[0], "total")
        issued, _ = get(later.report_id, codes[1], "total")
        repealed, _ = get(later.report_id, codes[2], "total")
        if at_now is None or at_before is None:
            continue  # not printed in one of the years (e.g. the 2019 form has no 现行有效件数)
        expected = before + issued - repealed
        message = (
            f"{item} 现行有效 {now:g} vs 上年 {before:g} + 制发 {issued:g} − 废止 {repealed:g}"
        )
        out.append(
            _row(
                "cross_year_in_force",
                later,
                earlier,
                f"row proactive.{item}",
                expected,
                now,
                message,
                at_now,
            )
        )
    return out


def _cumulative_codes(observations: pd.DataFrame) -> dict[str, list[str]]:
    """report_id → the indicators printed with a cumulative column, sorted (one pass)."""
    cumulative = observations[observations["breakdown"] == CUMULATIVE].dropna(subset=["indicator"])
    found: dict[str, set[str]] = {}
    for report_id, code in zip(
        cumulative["report_id"].tolist(), cumulative["indicator"].tolist(), strict=True
    ):
        found.setdefault(report_id, set()).add(code)
    return {report_id: sorted(codes) for report_id, codes in found.items()}


def _cumulative(get, codes: list[str], earlier, later) -> list[dict]:
    out = []
    for code in codes:
        now, at_now = get(later.report_id, code, CUMULATIVE)
        before, _ = get(earlier.report_id, code, CUMULATIVE)
        year, _ = get(later.report_id, code, YEAR)
        message = f"{code} 历年累计 {now:g} vs 上年累计 {before:g} + 本年度 {year:g}"
        out.append(
            _row(
                "cross_year_cumulative",
                later,
                earlier,
                f"row {code}",
                before + year,
                now,
                message,
                at_now,
            )
        )
    return out


def evaluate_cross_year(
    reports: pd.DataFrame, observations: pd.DataFrame, catalogue: Catalogue
) -> pd.DataFrame:
    """Evaluation rows for every pair of consecutive-year reports of one body."""
    get = _getter(observations)
    codes = carried(catalogue)
    printed = observations["indicator"].isin(list(codes))
    columns = list(dict.fromkeys(observations.loc[printed, "breakdown"].dropna()))  # as printed
    cumulative = _cumulative_codes(observations)
    rows = []
    for earlier, later in _pairs(reports):
        rows += _carry_over(get, codes, columns, earlier, later) + _in_force(get, earlier, later)
        rows += _cumulative(get, cumulative.get(later.report_id, []), earlier, later)
    return evaluation_frame(rows)


def evaluate_conflicts(reports: pd.DataFrame) -> pd.DataFrame:
    """A `report_conflict` row on every parsed report whose body and year another file also
    reports (identical files are duplicates, not conflicts: they never reach here as parsed)."""
    parsed = reports[reports["status"].isin(REPORT_READ) & reports["report_year"].notna()]
    parsed = parsed.assign(key=parsed["body"].map(body_key)).dropna(subset=["key"])
    rows = []
    for (_, year), group in parsed.groupby(["key", "report_year"]):
        if len(group) < 2:
            continue
        for r in group.itertuples():
            others = sorted(group.loc[group["report_id"] != r.report_id, "source_file"])
            rows.append(
                {
                    "report_id": r.report_id,
                    "rule_id": "report_conflict",
                    "check": "report_conflict",
                    "breakdown": None,
                    "op": "=",
                    "expected": 1.0,
                    "actual": float(len(group)),
                    "violation": float(len(group) - 1),
                    "message": f"{r.body} {int(year)} is also reported by {'; '.join(others)} "
                    "with other content: both are kept",
                    "locator": "; ".join(sorted(group["source_file"])),
                }
            )
    return evaluation_frame(rows)
