"""The harmonised core indicators on real reports of every template, through the real code:
the files are ingested, published as a warehouse and read back from the `core_indicators` view.

The expected values are the numbers printed in each report, read from the fixture by hand (the
PDF's page, the HTML table, the site's text), not from the parser's output; a comment says where
a value needed reading between glued digits or is a sum of several printed cells.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import FIXTURES
from transforms import schemas
from transforms.catalogue import default
from transforms.run.incremental import ingest_files
from transforms.store import curated, warehouse

DEPARTMENTS = "pingtan_departments/"
PRINTED: dict[str, dict[str, float | None]] = {
    # Jilin pre-2019 (the only real Jilin report there is): 长春市 2012, table 三 to 五
    "changchun_2012_jilin.txt": {
        "requests_received": 10348,
        "requests_completed": 10254,
        "requests_granted": 10094,
        "requests_partially_granted": 23,
        "requests_not_granted": 137,  # 否决公开答复数
        "requests_unavailable_not_held": 47,  # 信息不存在数
        "requests_unavailable_unclear": 32,  # 申请内容不明数
        "review_cases": 0,
        "review_upheld": 0,
        "review_corrected": 0,
        "litigation_cases": 0,
        "disclosure_fees_yuan": 0,
    },
    # Fujian 2011-2013 form (six channels, 否决公开): 平潭县 2012, 本年度 column ("2121" is
    # 21 | 21 with 历年累计; the prose says 21 requests, 17 granted, 2 and 2)
    "fujian_pingtan_2012_county_flat.txt": {
        "requests_received": 21,
        "requests_completed": 21,
        "requests_granted": 17,
        "requests_partially_granted": 2,
        "requests_not_granted": 2,
        "requests_withheld": None,  # the form has only 否决公开, which is not 不予公开
        "review_cases": 0,
        "litigation_cases": 0,
    },
    # 平潭县 2013, same form: "728" is 7 | 28 (21 last year + 7; the prose says 7 requests)
    "fujian_pingtan_2013_county_flat.txt": {
        "requests_received": 7,
        "requests_completed": 3,
        "requests_granted": 2,
        "requests_partially_granted": 1,
        "requests_not_granted": 0,
        "requests_withheld": None,
    },
    # Fujian 2014-2018 form (不予公开 and 其他类型): 平潭综合实验区管委会 2014, cells spaced
    "fujian_pingtan_2014_main_flat.txt": {
        "requests_received": 1,
        "requests_completed": 1,
        "requests_granted": 1,
        "requests_partially_granted": 0,
        "requests_withheld": 0,
        "requests_not_granted": 0,  # 不予公开 0 + 其他类型 0
        "review_cases": 0,
        "litigation_cases": 0,
    },
    # 平潭综合实验区公安局 2018 (HTML table): it prints 对申请的答复总数 0 beside 同意公开 1;
    # the core values are what was printed, the check reports the contradiction
    "fujian_pingtan_2018_gonganju.html": {
        "requests_received": 1,
        "requests_completed": 0,
        "requests_granted": 1,
        "requests_partially_granted": 0,
        "requests_withheld": 0,
        "requests_not_granted": 0,
        "review_cases": 0,
        "litigation_cases": 0,
    },
    # national 2019 form: 平潭综合实验区社会事业局 2019 (cells spaced)
    DEPARTMENTS + "204_pingtan_shehuishiyeju_2019.txt": {
        "requests_received": 1,
        "requests_received_natural_person": 1,
        "requests_received_legal_person": 0,
        "requests_carried_over": 0,
        "requests_completed": 1,
        "requests_granted": 1,
        "requests_not_granted": 0,
        "requests_other_handling": 0,  # （六） in one row
        "requests_carried_forward": 0,
        "review_cases": 0,
        "litigation_cases": 0,
        "rules_issued": 0,  # 规章 本年新制作数量
        "normative_docs_issued": 0,  # 规范性文件 0 3 3: made 0, published 3, in total 3
    },
    # 平潭综合实验区市场监督管理局 2020, 2019 form, digits glued: rows split by I3
    # ("5000005" is 5|0|0|0|0|0|5), 规范性文件 "668" is 6 | 6 | 8
    DEPARTMENTS + "229_pingtan_shichangjianduguanliju_2020.txt": {
        "requests_received": 5,
        "requests_received_natural_person": 5,
        "requests_received_legal_person": 0,
        "requests_completed": 5,
        "requests_granted": 0,
        "requests_partially_granted": 2,
        "requests_withheld": 0,
        "requests_unavailable": 0,
        "requests_not_processed": 0,
        "requests_other_handling": 3,
        "requests_not_granted": 3,
        "requests_carried_forward": 0,
        "review_upheld": 0,
        "litigation_pending": 0,
        "rules_issued": 0,
        "normative_docs_issued": 6,
    },
    # 平潭综合实验区社会事业局 2021: the 2019 form's table 二, （六） in the 2021 three rows;
    # its 行政规范性文件 "121223" has more than one split (ambiguous): NULL, never a guess
    DEPARTMENTS + "206_pingtan_shehuishiyeju_2021.txt": {
        "requests_received": 0,
        "requests_other_handling": 0,  # the three rows, all 0
        "requests_not_granted": 0,
        "rules_issued": 0,
        "normative_docs_issued": None,
    },
    # national 2021 form: 洪泽区 2023 (PDF, page 2-4); （六） in one row; table 四 prints 0 in
    # the 行政复议 and 复议后起诉 总计 cells beside 10, 1 and 5 (two failed checks)
    "huaian_hongze_qu_2023.pdf": {
        "requests_received": 21,
        "requests_received_natural_person": 21,
        "requests_received_legal_person": 0,
        "requests_carried_over": 0,
        "requests_completed": 21,
        "requests_granted": 0,
        "requests_partially_granted": 4,
        "requests_withheld": 3,  # 国家秘密 1 + 过程性信息 1 + 行政执法案卷 1
        "requests_withheld_state_secret": 1,
        "requests_withheld_process_info": 1,
        "requests_withheld_enforcement_files": 1,
        "requests_withheld_inquiry": 0,
        "requests_unavailable": 13,  # 10 + 3 + 0
        "requests_unavailable_not_held": 10,
        "requests_unavailable_needs_creation": 3,
        "requests_unavailable_unclear": 0,
        "requests_not_processed": 1,  # 信访举报投诉类 1
        "requests_other_handling": 0,  # one row
        "requests_not_granted": 17,  # 3 + 13 + 1 + 0
        "requests_carried_forward": 0,
        "review_cases": 0,  # as printed
        "review_upheld": 10,
        "review_corrected": 1,
        "litigation_cases": 0,  # 0 + 0 as printed
        "litigation_upheld": 5,  # 0 direct + 5 after review
        "rules_issued": 0,
        "rules_in_force": 0,
        "normative_docs_issued": 0,
        "normative_docs_in_force": 5,
        "administrative_fees_10k_yuan": 7730.28,
    },
    # 淮安市 2024 (PDF, page 3-4): （六） in three rows, 71 + 6 + 110
    "huaian_shi_2024.pdf": {
        "requests_received": 3119,
        "requests_received_natural_person": 3001,
        "requests_received_legal_person": 118,  # 53 + 0 + 0 + 61 + 4
        "requests_carried_over": 34,
        "requests_completed": 3050,
        "requests_granted": 1362,
        "requests_partially_granted": 454,
        "requests_withheld": 178,  # 2 + 31 + 5 + 6 + 8 + 12 + 9 + 105
        "requests_withheld_state_secret": 2,
        "requests_withheld_prohibited_by_law": 31,
        "requests_withheld_three_safeties": 5,
        "requests_withheld_third_party": 6,
        "requests_withheld_internal_affairs": 8,
        "requests_withheld_process_info": 12,
        "requests_withheld_enforcement_files": 9,
        "requests_withheld_inquiry": 105,
        "requests_unavailable": 781,  # 769 + 11 + 1
        "requests_unavailable_not_held": 769,
        "requests_unavailable_needs_creation": 11,
        "requests_unavailable_unclear": 1,
        "requests_not_processed": 88,  # 62 + 25 + 0 + 0 + 1
        "requests_other_handling": 187,  # 71 + 6 + 110
        "requests_not_granted": 1234,  # 178 + 781 + 88 + 187 = 3050 − 1362 − 454
        "requests_carried_forward": 103,
        "review_cases": 351,
        "review_upheld": 72,
        "review_corrected": 64,
        "review_other": 178,
        "review_pending": 37,
        "litigation_cases": 46,  # 26 direct + 20 after review
        "litigation_upheld": 25,  # 13 + 12
        "litigation_corrected": 5,  # 4 + 1
        "litigation_other": 9,  # 8 + 1
        "litigation_pending": 7,  # 1 + 6
        "rules_issued": 1,
        "rules_in_force": 11,
        "normative_docs_issued": 8,
        "normative_docs_in_force": 66,
        "administrative_fees_10k_yuan": 96171.6,
    },
    # 平潭综合实验区行政审批局 2025 (HTML table): a department, no 规章 row printed
    "pingtan_shenpiju_2025_national2021.html": {
        "requests_received": 6,
        "requests_received_natural_person": 6,
        "requests_received_legal_person": 0,
        "requests_completed": 6,
        "requests_granted": 0,
        "requests_withheld": 3,
        "requests_withheld_inquiry": 3,
        "requests_unavailable": 3,
        "requests_unavailable_not_held": 3,
        "requests_not_processed": 0,
        "requests_other_handling": 0,
        "requests_not_granted": 6,
        "review_cases": 0,
        "litigation_cases": 0,
        "rules_issued": None,  # not printed: NULL, not 0
        "rules_in_force": None,
        "normative_docs_issued": 3,
        "normative_docs_in_force": 24,
        "administrative_fees_10k_yuan": 0,
    },
}
BLANK_FORM = "national2021_blank_form.docx"  # the national 2021 form with every cell empty
FILES = [*PRINTED, BLANK_FORM]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The fixtures ingested and published as a warehouse; (reports, core rows, observations)."""
    cat = default()
    reports, obs, claims = ingest_files([FIXTURES / f for f in FILES], FIXTURES, cat)
    frames = {name: schemas.empty_frame(schema) for name, schema in schemas.TABLES.items()}
    frames |= {"reports": reports, "observations": obs, "narrative_claims": claims}
    frames |= curated.catalogue_frames(cat)
    folder = tmp_path_factory.mktemp("curated")
    path = warehouse.publish(curated.write_all(frames, folder), folder)
    con = duckdb.connect(str(path), read_only=True)
    try:
        core = con.execute(
            "SELECT r.source_file, r.template, c.indicator, c.value, c.amount "
            "FROM core_indicators c JOIN reports r USING (report_id)"
        ).fetchall()
        core = [(*row[:3], row[4] if row[3] is None else row[3]) for row in core]  # as typed
    finally:
        con.close()
    return reports, core, obs


def _values(core) -> dict[str, dict[str, float | None]]:
    out: dict[str, dict[str, float | None]] = {}
    for source, _, indicator, value in core:
        out.setdefault(source, {})[indicator] = value
    return out


def test_the_fixtures_are_read_with_the_template_they_stand_for(published):
    reports, *_ = published
    templates = dict(zip(reports["source_file"], reports["template"], strict=True))
    assert {templates[f] for f in FILES} == {t.template for t in default().templates} - {
        "generic_indicator_value"
    }
    assert set(reports["status"]) == {"parsed"}


@pytest.mark.parametrize("source", list(PRINTED))
def test_core_values_are_the_numbers_printed(published, source):
    got = _values(published[1])[source]
    want = PRINTED[source]
    assert {k: got.get(k, "no row") for k in want} == pytest.approx(want)


def test_each_report_has_a_row_for_exactly_the_core_indicators_of_its_template(published):
    """Unmapped (absent from the form): no row; mapped: a row, NULL when not printed."""
    cat = default()
    rows: dict[tuple[str, str], set[str]] = {}
    for source, template, indicator, _ in published[1]:
        rows.setdefault((source, template), set()).add(indicator)
    for (source, template), indicators in rows.items():
        want = {c.code for c in cat.core_indicators if template in cat.core_templates(c.code)}
        assert indicators == want, source
    assert {source for source, _ in rows} == set(FILES)


def test_blank_cells_give_null_never_zero(published):
    blank = _values(published[1])[BLANK_FORM]
    cat = default()
    assert set(blank) == {
        c.code for c in cat.core_indicators if "national_2021" in cat.core_templates(c.code)
    }
    assert set(blank.values()) == {None}


def test_every_mapping_reaches_printed_values(published):
    """Each core indicator of each template has a value on some real report of the template:
    no mapping points at a cell no report prints."""
    found = {
        (template, indicator) for _, template, indicator, value in published[1] if value is not None
    }
    cat = default()
    mapped = {
        (t, c.code)
        for c in cat.core_indicators
        for t in cat.core_templates(c.code)
        if t != "generic_indicator_value"
    }
    assert mapped - found == set()


def test_every_core_indicator_is_mapped_or_declared_absent_for_every_template():
    """No mapping goes missing for a template silently: each template with indicators of its own
    either maps a core indicator or lists itself in its absent_from (and not both)."""
    cat = default()
    families = {i.template for i in cat.indicators}
    templates = {t.template for t in cat.templates if t.family in families}
    assert templates == {"jilin_pre2019", "fujian_pre2019", "national_2019", "national_2021"}
    for c in cat.core_indicators:
        mapped, absent = set(cat.core_templates(c.code)), set(c.absent_from)
        assert mapped | absent == templates and not mapped & absent, c.code
        assert c.comparability, c.code


def test_a_template_declared_absent_prints_none_of_the_cells_its_family_maps(published):
    """Where a core indicator is absent from one template of a family (national 2019: rules in
    force, administrative fees), none of the real reports of that template print the cells the
    family's other template sums for it."""
    reports, _, obs = published
    cat = default()
    template_of = dict(zip(reports["report_id"], reports["template"], strict=True))
    printed = {(template_of[r], i) for r, i in zip(obs["report_id"], obs["indicator"], strict=True)}
    for c in cat.core_indicators:
        for absent in c.absent_from:
            family = cat.family(absent)
            cells = {m.indicator for m in cat.core_map if m.core_indicator == c.code}
            cells = {i for i in cells if cat.indicator(i).template == family}
            assert not {(absent, i) for i in cells} & printed, (c.code, absent)


def test_the_core_map_table_carries_the_comparability_notes():
    frame = curated.catalogue_frames(default())["core_indicator_map"]
    notes = frame.groupby("core_indicator")["comparability"].nunique()
    assert (notes == 1).all() and frame["comparability"].str.len().min() > 40
    assert len(notes) >= 20
    other = frame[frame["core_indicator"] == "requests_other_handling"]
    variants = other.groupby(["template", "variant"])["indicator"].apply(sorted).to_dict()
    assert variants[("national_2021", 1)] == ["requests.other"]
    assert len(variants[("national_2021", 2)]) == 3


def test_counts_are_whole_numbers_and_amounts_keep_their_decimals(published):
    """Issue 15 item 6: a count comes back as an integer (BIGINT: 12, never 12.0), an amount
    (units.csv kind amount) as a float with its decimals (洪泽区 2023 prints 7730.28 万元)."""
    cat = default()
    kinds = {u.unit: u.kind for u in cat.units}
    unit_of = {c.code: c.unit for c in cat.core_indicators}
    seen = set()
    for source, _, indicator, value in published[1]:
        if value is None:
            continue
        kind = kinds[unit_of[indicator]]
        assert isinstance(value, int if kind == "count" else float), (source, indicator)
        seen.add(kind)
    assert seen == {"count", "amount"}
    assert _values(published[1])["huaian_hongze_qu_2023.pdf"]["administrative_fees_10k_yuan"] == (
        pytest.approx(7730.28)
    )
