import re
import shutil

import pytest

from transforms.catalogue import HERE, CatalogueError, default, load


def test_shipped_catalogue_is_sound():
    cat = default()
    assert len([i for i in cat.indicators if i.template == "jilin_pre2019"]) == 55
    assert {r.rule_id for r in cat.rules_for("jilin_pre2019")} >= {
        "jilin_j1_staff",
        "jilin_j4_electronic_reading_rooms",
    }
    assert all(code.isascii() and code == code.lower() for code in cat.codes)


@pytest.mark.parametrize(
    ("label", "code"),
    [
        # cut at a line end by a PDF tool, the rest printed below the numbers
        ("5.要求行政机关确认或重新出", "requests.not_processed_confirmation"),
        ("（二）部分公开（区分处理的，只计这一情", "requests.partially_granted"),
        # the next line begins with a piece of the group column ("（六）其 / 他处理")
        ("2、申请人逾期未按收费通知要      他处理   求缴纳费用", "requests.other_overdue_fee"),
        ("1.属于国家秘", "requests.withheld_state_secret"),
        # too short to name a row, or the beginning of two rows' labels
        ("3.危及“三安", None),
        ("8.属于行政", None),
        ("其他处", None),
        # a whole label is not a cut of a longer one
        ("部分公开", None),
    ],
)
def test_a_cut_label_is_known_by_its_beginning_only_where_one_row_begins_so(label, code):
    assert default().lookup_cut("national_2021", label) == code


def test_cut_labels_are_not_matched_in_the_provincial_forms():
    cat = default()
    assert cat.lookup_cut("jilin_pre2019", "同意部分公开答") is None
    assert cat.lookup_cut("fujian_pre2019", "受理依申请公开") is None


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("3.信枉申请数", "fujian.requests.letter"),  # 函 misread
        ("2.政府公根公开数", "fujian.proactive.gazette"),
        # as like one label as another (复议 / 诉讼): not matched
        ("行政复讼数", None),
        ("申请数", None),  # too short to tell
    ],
)
def test_an_ocr_label_of_the_fujian_form_is_matched_to_its_nearest_row(label, code):
    assert default().lookup_nearest("fujian_pre2019", "", label) == code


def test_lookup_uses_the_group_where_a_label_repeats():
    cat = default()
    assert (
        cat.lookup("jilin_pre2019", "公开的数量", "公开信息总数")
        == "jilin.proactive.by_level.total"
    )
    assert (
        cat.lookup("jilin_pre2019", "公开的内容", "公开信息总数")
        == "jilin.proactive.by_content.total"
    )
    assert cat.lookup("jilin_pre2019", "", "不存在的指标") is None


def _broken_copy(tmp_path, name, old, new):
    folder = tmp_path / "catalogue"
    shutil.copytree(HERE, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = folder / name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("name", "old", "new", "problem"),
    [
        (
            "rules.csv",
            "jilin.staff.part_time,,error",
            "jilin.staff.parttime,,error",
            "unknown indicator jilin.staff.parttime",
        ),
        (
            "aliases.csv",
            ",兼职人员数,jilin.staff.part_time",
            ",兼职人员数,jilin.staff.nope",
            "alias: unknown indicator 'jilin.staff.nope'",
        ),
        ("rules.csv", "jilin.staff.total,=,", "jilin.staff.total,==,", "operator '=='"),
        (
            "core_map.csv",
            "jilin.requests.received,total",
            "jilin.requests.recieved,total",
            "core map: unknown indicator 'jilin.requests.recieved'",
        ),
        (  # table 四 values have no applicant columns
            "core_map.csv",
            "review_upheld,national,1,appeals.review.upheld,total",
            "review_upheld,national,1,appeals.review.upheld,natural_person",
            "appeals.review.upheld has no breakdown 'natural_person' (['total'])",
        ),
        (  # the Fujian form's columns are 本年度 and 历年累计
            "core_map.csv",
            "requests_received,fujian_pre2019,1,fujian.requests.received,year",
            "requests_received,fujian_pre2019,1,fujian.requests.received,total",
            "fujian.requests.received has no breakdown 'total' (['cumulative', 'year'])",
        ),
        (
            "core_map.csv",
            "requests_granted,jilin_pre2019,1,jilin.requests.granted,total",
            "requests_granted,jilin_pre2019,1,fujian.requests.granted,year",
            "fujian.requests.granted is an indicator of fujian_pre2019, not of jilin_pre2019",
        ),
        (
            "core_map.csv",
            "requests_carried_over,national,1,",
            "requests_carried_over,national_2022,1,",
            "core map: unknown template 'national_2022'",
        ),
        (
            "core_map.csv",
            "requests_carried_over,national,1,",
            "requests_carried_over,national,0,",
            "core map requests_carried_over (national, variant 0): variant must be 1 or more",
        ),
        (  # a mapping silently missing for a template
            "core_map.csv",
            "review_upheld,jilin_pre2019,1,jilin.review.upheld,total\n",
            "",
            "core indicator review_upheld: not mapped for jilin_pre2019 (map it, or list",
        ),
        (
            "core_map.csv",
            "disclosure_fees_yuan,jilin_pre2019,1,jilin.fees.total,total",
            "disclosure_fees_yuan,fujian_pre2019,1,fujian.fees.amount_yuan,year",
            "disclosure_fees_yuan: mapped for fujian_pre2019 and listed absent from it",
        ),
        (
            "core_map.csv",
            "rules_issued,national_2021,1,",
            "rules_issued,national,1,",
            "rules_issued: mapped for national_2019 by a family and a template row",
        ),
        (
            "core_indicators.csv",
            "national_2019 national_2021 fujian_pre2019",
            "national_2019 national_2021 fujian",
            "disclosure_fees_yuan: absent_from names unknown template 'fujian'",
        ),
        (
            "indicators.csv",
            "jilin.staff.full_time,jilin_pre2019",
            "jilin.staff.total,jilin_pre2019",
            "duplicate indicator code: jilin.staff.total",
        ),
        (
            "checks.csv",
            "semantic_town_rules,identities",
            "semantic_table_year,identities",
            "check id used twice (checks.csv, rules.csv): semantic_table_year",
        ),
        (
            "checks.csv",
            "report_conflict,identities,conflict,warning",
            "report_conflict,identities,conflict,info",
            "check report_conflict: severity 'info' is not one of",
        ),
    ],
)
def test_integrity_problems_stop_the_load(tmp_path, name, old, new, problem):
    folder = _broken_copy(tmp_path, name, old, new)
    with pytest.raises(CatalogueError, match=re.escape(problem)):
        load(folder)
