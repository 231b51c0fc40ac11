"""The Jilin pre-2019 parser on the real seed report (长春市 2012)."""

from pathlib import Path

import pytest

from tests.conftest import SEED
from transforms.catalogue import default
from transforms.extract.metadata import report_metadata
from transforms.extract.readers import read_document
from transforms.extract.templates import TemplateNotFound, parse_document
from transforms.run.ingest import ingest_file

# Every value of the seed's statistics table, as printed (read by hand from the report).
EXPECTED = {
    "jilin.staff.total": 1856,
    "jilin.staff.full_time": 1104,
    "jilin.staff.part_time": 752,
    "jilin.training.sessions": 108,
    "jilin.training.participants": 5026,
    "jilin.proactive.by_level.total": 391291,
    "jilin.proactive.by_level.own_level": 332160,
    "jilin.proactive.by_level.county": 45839,
    "jilin.proactive.by_level.township": 13292,
    "jilin.proactive.by_content.total": 391291,
    "jilin.proactive.by_content.normative_docs": 10427,
    "jilin.proactive.by_content.plans": 5441,
    "jilin.proactive.by_content.public_interest": 305315,
    "jilin.proactive.by_content.public_funds": 1961,
    "jilin.proactive.by_content.personnel": 1031,
    "jilin.proactive.by_content.other": 67116,
    "jilin.channels.website_items": 350558,
    "jilin.channels.website_hits": 20612315,
    "jilin.reading_rooms.count": 1508,
    "jilin.reading_rooms.electronic": 1050,
    "jilin.reading_rooms.items_total": 375570,
    "jilin.reading_rooms.items_electronic": 280127,
    "jilin.reading_rooms.items_paper": 95443,
    "jilin.reading_rooms.visitors": 528555,
    "jilin.reading_rooms.documents_lent": 7371,
    "jilin.gazette.copies": 20763,
    "jilin.gazette.other": 2933,
    "jilin.press.conferences": 127,
    "jilin.press.items": 467,
    "jilin.timeliness.online_within_20d": 300250,
    "jilin.timeliness.online_over_20d": 1875,
    "jilin.timeliness.reading_room_within_30d": 47123,
    "jilin.timeliness.reading_room_over_30d": 388,
    "jilin.requests.received": 10348,
    "jilin.requests.online": 4768,
    "jilin.requests.in_person": 5190,
    "jilin.requests.letter": 80,
    "jilin.requests.other_channel": 310,
    "jilin.requests.answered": 10254,
    "jilin.requests.granted": 10094,
    "jilin.requests.partially_granted": 23,
    "jilin.requests.refused": 137,
    "jilin.requests.refused_not_exist": 47,
    "jilin.requests.refused_unclear": 32,
    "jilin.requests.refused_secret": 38,
    "jilin.requests.refused_other": 20,
    "jilin.review.applications": 0,
    "jilin.review.accepted": 0,
    "jilin.review.concluded": 0,
    "jilin.review.upheld": 0,
    "jilin.review.corrected": 0,
    "jilin.litigation.cases": 0,
    "jilin.fees.total": 0,
    "jilin.fees.cost_recovery": 0,
    "jilin.fees.other": 0,
}


@pytest.fixture(scope="module")
def seed_obs():
    result = ingest_file(SEED, SEED.parent, default())
    assert result.report["status"] == "parsed", result.report["error"]
    return result.report, result.observations


def test_all_55_values_with_their_codes(seed_obs):
    _, obs = seed_obs
    assert len(EXPECTED) == 55
    assert len(obs) == 55
    assert dict(zip(obs["indicator"], obs["value"], strict=True)) == EXPECTED
    assert set(obs["value_status"]) == {"number"}
    assert set(obs["breakdown"]) == {"total"}


def test_labels_sections_and_locators_as_printed(seed_obs):
    _, obs = seed_obs
    row = obs.set_index("indicator").loc["jilin.staff.part_time"]
    assert row["label_as_printed"] == "2.兼职人员数"
    assert row["raw_value"] == "752"
    assert row["section"] == "一、基本情况"
    assert row["group_as_printed"] == "人员配置"
    assert row["locator"] == "line 59"
    lines = SEED.read_text(encoding="utf-8").split("\n")
    for r in obs.itertuples():  # every locator points at the printed cell
        assert lines[int(r.locator.split()[1]) - 1].strip() == r.raw_value


def test_wrapped_group_labels_are_joined(seed_obs):
    _, obs = seed_obs
    groups = dict(zip(obs["indicator"], obs["group_as_printed"], strict=True))
    assert groups["jilin.timeliness.online_over_20d"] == "公开的\n及时性"
    assert groups["jilin.requests.refused_other"] == "申请处理\n情况"
    assert groups["jilin.review.corrected"] == "行政复议"


def test_same_label_in_two_groups_gets_two_codes(seed_obs):
    _, obs = seed_obs
    totals = obs[obs["label_as_printed"] == "公开信息总数"]
    assert list(totals["indicator"]) == [
        "jilin.proactive.by_level.total",
        "jilin.proactive.by_content.total",
    ]


def test_report_metadata_from_the_text(seed_obs):
    report, _ = seed_obs
    assert (report["body"], report["report_year"], report["template"]) == (
        "长春市",
        2012,
        "jilin_pre2019",
    )
    assert report["report_id"] == report["sha256"][:16]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (("长春市2012年政府信息公开工作年度报告",), ("长春市", 2012)),
        (("长春市人民政府2013年度政府信息公开工作年度报告",), ("长春市人民政府", 2013)),
        (("无标题",), (None, None)),
    ],
)
def test_title_forms(lines, expected):
    assert report_metadata(lines) == expected


def test_prose_without_a_table_is_not_a_template():
    doc = read_document(Path("x.txt"), "2012年度长春市政府信息公开工作报告\n只有正文。\n".encode())
    with pytest.raises(TemplateNotFound):
        parse_document(doc, default())


def test_the_same_content_gets_the_same_report_id(tmp_path):
    copy = tmp_path / "renamed.txt"
    copy.write_bytes(SEED.read_bytes())
    first = ingest_file(SEED, SEED.parent, default()).report["report_id"]
    assert ingest_file(copy, tmp_path, default()).report["report_id"] == first
