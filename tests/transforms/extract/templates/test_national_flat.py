"""The national form in flattened text (平潭 page.txt, 2020–2025): split exactly or marked."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.expected_cells import T3_COLUMNS
from transforms.catalogue import default
from transforms.extract.readers import read_document
from transforms.extract.templates import parse_document
from transforms.normalise.rows import observations

YEARS = {
    "2020": "national_2019",
    "2021": "national_2021",
    "2022": "national_2021",
    "2025": "national_2021",
}
COLUMNS = list(T3_COLUMNS)

# 2021 table 三, read by hand from the glued runs and checked against I1, I2, I3 in every column.
TABLE3_2021 = {
    "new_received": [64, 0, 0, 2, 0, 4, 70],
    "granted": [27, 0, 0, 2, 0, 1, 30],
    "partially_granted": [5, 0, 0, 0, 0, 0, 5],
    "withheld_internal_affairs": [1, 0, 0, 0, 0, 0, 1],
    "withheld_enforcement_files": [6, 0, 0, 0, 0, 0, 6],
    "withheld_inquiry": [1, 0, 0, 0, 0, 0, 1],
    "unavailable_not_held": [22, 0, 0, 0, 0, 3, 25],  # "220000325": 2|20|… fails the columns
    "other_other": [1, 0, 0, 0, 0, 0, 1],
    "completed_total": [63, 0, 0, 2, 0, 4, 69],
    "carried_forward": [1, 0, 0, 0, 0, 0, 1],
}
TABLE4_2021 = [1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0]


def _obs(path: Path):
    doc = read_document(path, path.read_bytes())
    table = parse_document(doc, default())
    return table.template, observations(table, "r", default())


@pytest.fixture(scope="module", params=sorted(YEARS))
def year_obs(request):
    return request.param, *_obs(FIXTURES / f"pingtan_{request.param}_national_flat.txt")


def test_layout_is_read_from_the_tables(year_obs):
    year, template, _ = year_obs
    assert template == YEARS[year]


def test_every_table_3_and_4_cell_is_split_exactly(year_obs):
    _, template, obs = year_obs
    t34 = obs[obs["indicator"].str.startswith(("requests.", "appeals."), na=False)]
    n_rows = 23 if template == "national_2019" else 25  # （六） as one row or three
    assert len(t34) == n_rows * 7 + 15
    assert set(t34["value_status"]) == {"derived_from_flattened"}, t34[
        t34["value_status"] != "derived_from_flattened"
    ][["label_as_printed", "evidence"]]
    assert obs["indicator"].notna().all() or set(obs.loc[obs["indicator"].isna(), "section"]) == {
        "二、主动公开政府信息情况"
    }


def test_split_values_satisfy_every_identity(year_obs):
    year, _, obs = year_obs
    req = obs[obs["indicator"].str.startswith("requests.", na=False)]
    wide = req.pivot(index="indicator", columns="breakdown", values="value")[COLUMNS]
    assert (wide[COLUMNS[:-1]].sum(axis=1) == wide["total"]).all()  # I3
    fixed = [
        "requests.new_received",
        "requests.carried_over",
        "requests.completed_total",
        "requests.carried_forward",
    ]
    new, carried, done, forward = (wide.loc[c] for c in fixed)
    assert (new + carried == done + forward).all()  # I1
    outcomes = wide.drop(index=fixed).sum()
    if year == "2020":  # the report's own defect: outcomes 26 + 1 against a printed 20 + 1
        assert outcomes.tolist() == [26, 0, 0, 0, 0, 1, 27] and done.tolist() == [
            20,
            0,
            0,
            0,
            0,
            1,
            21,
        ]
    else:
        assert (outcomes == done).all()  # I2


def test_2021_values_as_read_by_hand():
    _, obs = _obs(FIXTURES / "pingtan_2021_national_flat.txt")
    req = obs[obs["indicator"].str.startswith("requests.", na=False)]
    wide = req.pivot(index="indicator", columns="breakdown", values="value")[COLUMNS]
    for row, values in TABLE3_2021.items():
        assert wide.loc[f"requests.{row}"].tolist() == values, row
    others = wide.drop(index=[f"requests.{r}" for r in TABLE3_2021])
    assert (others == 0).all().all()
    order = [p.indicator for p in default().positional("national", "appeals")]
    appeals = obs.set_index("indicator").loc[order]
    assert appeals["value"].tolist() == TABLE4_2021
    cell = req.set_index(["indicator", "breakdown"]).loc[("requests.new_received", "total")]
    assert cell["evidence"] == "split from '640020470' as 64|0|0|2|0|4|70"
    assert cell["locator"].endswith("[总计]")


def _new_received(tmp_path, text: str):
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    _, obs = _obs(path)
    return obs[obs["indicator"] == "requests.new_received"]


def test_a_run_with_two_valid_splits_is_ambiguous_never_picked(tmp_path):
    text = (
        "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量330000033"
        "二、上年结转政府信息公开申请数量0000000四、结转下年度继续办理0000000\n"
    )
    new = _new_received(tmp_path, text)
    assert set(new["value_status"]) == {"ambiguous"}
    assert new["value"].isna().all()
    assert "2 splits of '330000033'" in new["evidence"].iloc[0]
    assert "3|30|0|0|0|0|33; 33|0|0|0|0|0|33" in new["evidence"].iloc[0]


def test_a_run_no_split_fits_is_unreadable(tmp_path):
    text = (
        "一、本年新收政府信息公开申请数量1234567"
        "二、上年结转政府信息公开申请数量0000000四、结转下年度继续办理0000000\n"
    )
    new = _new_received(tmp_path, text)
    assert set(new["value_status"]) == {"unreadable"} and new["value"].isna().all()
    assert "no split of '1234567' into 7 values" in new["evidence"].iloc[0]


def test_table_2_runs_without_a_unique_split_are_ambiguous():
    _, obs = _obs(FIXTURES / "pingtan_2021_national_flat.txt")
    docs = obs[obs["indicator"].str.startswith("proactive.normative_docs", na=False)]
    assert set(docs["value_status"]) == {"ambiguous"}
    assert "10 splits of '693665'" in docs["evidence"].iloc[0]


@pytest.mark.parametrize("text_form", ["huaian_shi_2024.md", "huaian_shi_2024_cells.txt"])
def test_the_same_report_as_pdf_and_as_text_gives_the_same_values(text_form):
    values = {}
    for name in ("huaian_shi_2024.pdf", text_form):
        template, obs = _obs(FIXTURES / name)
        assert obs["indicator"].notna().all() and template == "national_2021"
        values[name] = obs.set_index(["indicator", "breakdown"])["value"].sort_index()
    assert len(values["huaian_shi_2024.pdf"]) == 200
    assert values["huaian_shi_2024.pdf"].equals(values[text_form])
