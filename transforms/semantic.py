"""Semantic checks: values that add up but cannot be right for who printed them.

In: observations and reports. Out: rows in the shape of `reconcile.evaluate_rules` (violation 0
when the check holds, 1 when it fails), judged by the same Great Expectations suite.

- `semantic_town_rules`: a town or street office (乡, 镇, 街道) has no power to issue 规章, so
  it must report none (issued, in force, made, published).
- `semantic_table_year`: a column header that names a year ("2017年度", "2012年发生数") must
  name the report year; a 2018 report whose table says 2017年度 reports the wrong period (or
  last year's table).
- `semantic_fees_in_10k_yuan`: table 二's 行政事业性收费 amount is in 万元; a cell printed with
  the unit 元 (and not 万元) is a yuan figure typed into a 10⁴ column.
"""

from __future__ import annotations

import re

import pandas as pd

from transforms.reconcile import EVALUATION_COLUMNS

SEMANTIC_RULES = {
    "semantic_table_year": "统计表所列年度与报告年度一致 (the table's period is the report year)",
    "semantic_town_rules": "乡镇、街道不制发规章 (a town or street office issues no 规章)",
    "semantic_fees_in_10k_yuan": "行政事业性收费以万元填报 (fees are in 万元, not 元)",
}
_TOWN = re.compile(r"(?:乡|镇|街道|街道办事处)(?:人民政府)?$")
_FEES = "proactive.fees.amount_10k_yuan"
_HEADER_YEAR = r"((?:19|20)\d\d)\s*年"


def _row(report_id: str, rule_id: str, bad: pd.DataFrame, message: str) -> dict:
    return {
        "report_id": report_id,
        "rule_id": rule_id,
        "check": rule_id,
        "breakdown": "total",
        "op": "=",
        "expected": 0.0,
        "actual": float(len(bad)),
        "violation": float(len(bad) > 0),
        "message": message,
        "locator": "; ".join(bad["locator"]) or None,
    }


def _town_rows(obs: pd.DataFrame, reports: pd.DataFrame) -> list[dict]:
    towns = reports[reports["body"].fillna("").str.contains(_TOWN)]
    out = []
    for report_id, body in zip(towns["report_id"], towns["body"], strict=True):
        rules = obs[
            (obs["report_id"] == report_id)
            & obs["indicator"].str.startswith("proactive.rules.", na=False)
        ]
        if rules.empty:
            continue
        bad = rules[rules["value"] > 0]
        words = ", ".join(f"{r.indicator} {r.value:g}" for r in bad.itertuples())
        message = f"{body} is a town or street office; " + (
            f"it reports 规章: {words}" if words else "it reports no 规章"
        )
        out.append(_row(report_id, "semantic_town_rules", bad, message))
    return out


def _fee_rows(obs: pd.DataFrame) -> list[dict]:
    fees = obs[obs["indicator"] == _FEES]
    out = []
    for report_id, cells in fees.groupby("report_id"):
        printed = cells["raw_value"].str.replace(r"\s", "", regex=True)
        bad = cells[printed.str.contains("元") & ~printed.str.contains("万元")]
        shown = "; ".join(f"printed {t!r}" for t in cells["raw_value"])
        verdict = "a yuan amount in a 万元 column" if len(bad) else "in 万元"
        out.append(
            _row(report_id, "semantic_fees_in_10k_yuan", bad, f"行政事业性收费 {shown}: {verdict}")
        )
    return out


def _year_rows(obs: pd.DataFrame, reports: pd.DataFrame) -> list[dict]:
    years = dict(zip(reports["report_id"], reports["report_year"], strict=True))
    printed = obs.assign(
        header_year=obs["column_as_printed"].str.extract(_HEADER_YEAR, expand=False)
    )
    printed = printed.dropna(subset=["header_year"])
    out = []
    for report_id, cells in printed.groupby("report_id"):
        year = years.get(report_id)
        if year is None or pd.isna(year):
            continue
        bad = cells[cells["header_year"].astype(int) != int(year)]
        headers = ", ".join(sorted(set(cells["column_as_printed"])))
        verdict = f"not the report year {int(year)}" if len(bad) else f"the report year {int(year)}"
        first = bad.drop_duplicates("column_as_printed")
        out.append(
            _row(report_id, "semantic_table_year", first, f"table period {headers}: {verdict}")
        )
    return out


def evaluate_semantic(observations: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """One row per applicable semantic check per report."""
    parsed = reports[reports["status"] == "parsed"]
    rows = (
        _town_rows(observations, parsed)
        + _fee_rows(observations)
        + _year_rows(observations, parsed)
    )
    return pd.DataFrame(rows, columns=EVALUATION_COLUMNS).astype(
        {"expected": "float64", "actual": "float64", "violation": "float64"}
    )
