"""Semantic checks: values that add up but cannot be right for who printed them.

In: observations and reports. Out: rows of schema `schemas.EVALUATIONS` (violation 0
when the check holds, 1 when it fails), judged by the same Great Expectations suite.

- `semantic_town_rules`: a town or street office (乡, 镇, 街道) has no power to issue 规章, so
  it must report none (issued, in force, made, published).
- `semantic_table_year`: a column header that names a year ("2017年度", "2012年发生数") must
  name the report year; a 2018 report whose table says 2017年度 reports the wrong period (or
  last year's table).
- `semantic_fees_in_10k_yuan`: table 二's 行政事业性收费 amount is in 万元; a cell printed with
  the unit 元 (and not 万元) is a yuan figure typed into a 10⁴ column.
- `semantic_plausible_value`: no count or amount of a report reaches `IMPLAUSIBLE` (10¹⁰: ten
  billion requests, items or 万元); such a number is a typing or reading defect, and past 2⁵³ a
  DOUBLE no longer holds it exactly. Judged only where a report prints one (a row per report
  that does, listing the cells).
- `semantic_whole_count`: a count (an indicator whose unit units.csv calls a count: requests,
  cases, documents …) is a whole number; "12.5" in a count cell is a misprint or a misread. The
  views show counts as whole numbers and leave such a cell NULL rather than round it: this
  finding says where. Judged only where a report prints one, like the one above.
"""

from __future__ import annotations

import re

import pandas as pd

from transforms.catalogue import Catalogue
from transforms.checks.evaluations import evaluation_frame
from transforms.schemas import REPORT_READ, column_lists

IMPLAUSIBLE = 1e10
_TOWN = re.compile(r"(?:乡|镇|街道|街道办事处)(?:人民政府)?$")
_HEADER_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")
_SHOWN = 5  # offending cells named in a message


def _row(report_id: str, rule_id: str, locators: list[str], message: str) -> dict:
    """The evaluation row of one check; `locators`: where the offending cells were printed."""
    return {
        "report_id": report_id,
        "rule_id": rule_id,
        "check": rule_id,
        "breakdown": "total",
        "op": "=",
        "expected": 0.0,
        "actual": float(len(locators)),
        "violation": float(len(locators) > 0),
        "message": message,
        "locator": "; ".join(locators) or None,
    }


# The checks below select their cells once, column-wise, and group them in plain Python: a
# filter of the whole observations frame per report costs seconds per thousand reports.


def _by_report(frame: pd.DataFrame, columns: list[str]) -> dict[str, list[tuple]]:
    """report_id → the rows of `frame` (as tuples of `columns`), in frame order."""
    groups: dict[str, list[tuple]] = {}
    rows = zip(frame["report_id"].tolist(), *(frame[c].tolist() for c in columns), strict=True)
    for report_id, *values in rows:
        groups.setdefault(report_id, []).append(tuple(values))
    return groups


def _town_rows(obs: pd.DataFrame, reports: pd.DataFrame) -> list[dict]:
    towns = reports[reports["body"].fillna("").str.contains(_TOWN)]
    printed = obs[obs["indicator"].str.startswith("proactive.rules.", na=False)]
    rules = _by_report(printed, ["indicator", "value", "locator"])
    out = []
    for report_id, body in zip(*column_lists(towns, ["report_id", "body"]), strict=True):
        if report_id not in rules:
            continue
        bad = [(code, value, at) for code, value, at in rules[report_id] if value > 0]
        words = ", ".join(f"{code} {value:g}" for code, value, _ in bad)
        message = f"{body} is a town or street office; " + (
            f"it reports 规章: {words}" if words else "it reports no 规章"
        )
        out.append(_row(report_id, "semantic_town_rules", [at for *_, at in bad], message))
    return out


def _fee_rows(obs: pd.DataFrame, catalogue: Catalogue) -> list[dict]:
    fees = obs[obs["indicator"] == catalogue.role_code("fees_10k_yuan")]
    printed = fees["raw_value"].str.replace(r"\s", "", regex=True)
    fees = fees.assign(_yuan=printed.str.contains("元") & ~printed.str.contains("万元"))
    out = []
    for report_id, cells in sorted(_by_report(fees, ["raw_value", "locator", "_yuan"]).items()):
        bad = [at for _, at, yuan in cells if yuan]
        shown = "; ".join(f"printed {text!r}" for text, _, _ in cells)
        verdict = "a yuan amount in a 万元 column" if bad else "in 万元"
        out.append(
            _row(report_id, "semantic_fees_in_10k_yuan", bad, f"行政事业性收费 {shown}: {verdict}")
        )
    return out


def _header_years(obs: pd.DataFrame) -> dict[str, list[tuple]]:
    """report_id → (year named, column header, locator) of each cell whose header names a year,
    in frame order. A batch prints a few dozen distinct headers: each is searched once, and
    only the cells under a header that names a year are read."""
    headers = obs["column_as_printed"]
    named = {}
    for header in headers.unique().tolist():
        found = _HEADER_YEAR.search(header) if isinstance(header, str) else None
        if found:
            named[header] = found.group(1)
    dated = obs.loc[headers.isin(list(named)), ["report_id", "column_as_printed", "locator"]]
    out: dict[str, list[tuple]] = {}
    for report_id, header, at in zip(*column_lists(dated, dated.columns), strict=True):
        out.setdefault(report_id, []).append((named[header], header, at))
    return out


def _year_rows(obs: pd.DataFrame, reports: pd.DataFrame) -> list[dict]:
    years = dict(zip(*column_lists(reports, ["report_id", "report_year"]), strict=True))
    cells_by_report = _header_years(obs)
    out = []
    for report_id, cells in sorted(cells_by_report.items()):
        year = years.get(report_id)
        if year is None or pd.isna(year):
            continue
        bad = [(header, at) for found, header, at in cells if int(found) != int(year)]
        headers = ", ".join(sorted({header for _, header, _ in cells}))
        verdict = f"not the report year {int(year)}" if bad else f"the report year {int(year)}"
        first: dict[str, str] = {}  # the first offending cell of each header
        for header, at in bad:
            first.setdefault(header, at)
        message = f"table period {headers}: {verdict}"
        out.append(_row(report_id, "semantic_table_year", list(first.values()), message))
    return out


def _implausible_rows(obs: pd.DataFrame, read: pd.Series) -> list[dict]:
    huge = obs[read & obs["value"].ge(IMPLAUSIBLE).fillna(False).astype(bool)]
    out = []
    for report_id, cells in sorted(_by_report(huge, ["raw_value", "locator"]).items()):
        shown = "; ".join(f"{text!r} at {at}" for text, at in cells[:_SHOWN])
        more = f" and {len(cells) - _SHOWN} more" if len(cells) > _SHOWN else ""
        message = f"{len(cells)} values of ten billion or more: {shown}{more}"
        out.append(_row(report_id, "semantic_plausible_value", [at for _, at in cells], message))
    return out


def _fraction_rows(obs: pd.DataFrame, read: pd.Series, catalogue: Catalogue) -> list[dict]:
    count_units = {u.unit for u in catalogue.units} - catalogue.amount_units
    counts = read & obs["unit"].isin(count_units) & obs["value"].notna()  # not unmapped cells
    odd = obs[counts & obs["value"].mod(1).ne(0)]
    out = []
    for report_id, cells in sorted(_by_report(odd, ["indicator", "raw_value", "locator"]).items()):
        shown = "; ".join(f"{code} {text!r} at {at}" for code, text, at in cells[:_SHOWN])
        more = f" and {len(cells) - _SHOWN} more" if len(cells) > _SHOWN else ""
        message = f"{len(cells)} counts printed with a fraction: {shown}{more}"
        out.append(_row(report_id, "semantic_whole_count", [at for *_, at in cells], message))
    return out


def evaluate_semantic(
    observations: pd.DataFrame, reports: pd.DataFrame, catalogue: Catalogue
) -> pd.DataFrame:
    """One row per applicable semantic check per report."""
    parsed = reports[reports["status"].isin(REPORT_READ)]
    rows = (
        _town_rows(observations, parsed)
        + _fee_rows(observations, catalogue)
        + _year_rows(observations, parsed)
    )
    read = observations["report_id"].isin(parsed["report_id"])  # a mask: no copy of the frame
    rows += _implausible_rows(observations, read) + _fraction_rows(observations, read, catalogue)
    return evaluation_frame(rows)
