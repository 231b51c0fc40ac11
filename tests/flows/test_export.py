"""`nianbao export --xlsx`: a warehouse built by the real pipeline, exported, opened by
LibreOffice headless and by openpyxl; every sheet holds exactly the rows and values of its view."""

from __future__ import annotations

import csv
import hashlib
import math
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from flows.cli import main
from flows.pipeline import nianbao_pipeline
from tests.conftest import FIXTURES, SEED
from transforms.catalogue import default
from transforms.store import export

SOFFICE = shutil.which("soffice")
# Calc's import filters, beside the soffice binary (libreoffice-calc-nogui on Debian)
CALC = SOFFICE is not None and (Path(SOFFICE).resolve().parent / "libscfiltlo.so").exists()
needs_soffice = pytest.mark.skipif(not CALC, reason="LibreOffice Calc is not installed")


@pytest.fixture(scope="module")
def exported(prefect_api, tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    shutil.copy(SEED, raw / "000_427c93e62b0b516a.txt")  # Jilin form, all checks pass
    shutil.copy(FIXTURES / "huaian_hongze_qu_2023.pdf", raw)  # national form, two findings
    (raw / "empty.txt").write_bytes(b"")  # unreadable: a report_quality row with no body
    curated = tmp_path_factory.mktemp("curated")
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    warehouse = curated / "warehouse.duckdb"
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    target = tmp_path_factory.mktemp("out") / "nianbao findings.xlsx"
    assert main(["export", "--xlsx", str(target), "--curated", str(curated)]) == 0
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before  # only read
    con = duckdb.connect(str(warehouse), read_only=True)
    views = {}
    for sheet in export.SHEETS:
        relation = con.sql(f"SELECT * FROM {sheet.view} ORDER BY {sheet.order}")
        views[sheet.view] = (relation.columns, relation.fetchall())
    con.close()
    return target, views, curated


def test_each_sheet_holds_its_view_exactly(exported):
    target, views, _ = exported
    book = load_workbook(target)
    assert book.sheetnames == [s.title for s in export.SHEETS]
    labels = export.headers()
    for sheet in export.SHEETS:
        ws = book[sheet.title]
        columns, rows = views[sheet.view]
        cells = [tuple(c.value for c in row) for row in ws.iter_rows()]
        assert cells[0] == tuple(labels[c] for c in columns)  # Chinese
        assert cells[1] == tuple(columns)  # English: the view's own column names
        assert cells[2:] == rows, sheet.view
        assert ws.freeze_panes == "A3"
        assert ws.auto_filter.ref == f"A2:{ws.cell(2, len(columns)).column_letter}{len(rows) + 2}"
    core_rows = sum(  # the two reports read: one row per core indicator their templates map
        len({"jilin_pre2019", "national_2021"} & set(default().core_templates(c.code)))
        for c in default().core_indicators
    )
    assert len(views["findings"][1]) == 2 and len(views["core_indicators"][1]) == core_rows
    assert len(views["report_quality"][1]) == 3


def test_every_view_column_has_a_chinese_header(exported):
    _, views, _ = exported
    labels = export.headers()
    missing = {c for columns, _ in views.values() for c in columns if not labels.get(c)}
    assert missing == set()


def _same(printed: str, value) -> bool:
    if value is None:
        return printed == ""
    if isinstance(value, bool):
        return printed == ("TRUE" if value else "FALSE")
    if isinstance(value, int | float):
        return math.isclose(float(printed), value, rel_tol=1e-9)
    return printed == str(value)


@needs_soffice
def test_libreoffice_opens_the_workbook_and_shows_the_views(exported, tmp_path):
    target, views, _ = exported
    # every sheet to its own CSV (the last token, -1), values as displayed (the eighth, true)
    options = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    subprocess.run(
        [
            *("soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}"),
            *("--headless", "--convert-to", options, "--outdir", str(tmp_path), str(target)),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    for sheet in export.SHEETS:
        path = tmp_path / f"{target.stem}-{sheet.title}.csv"
        with path.open(encoding="utf-8", newline="") as f:
            printed = list(csv.reader(f))
        columns, rows = views[sheet.view]
        assert printed[1] == list(columns)
        assert len(printed) == len(rows) + 2, sheet.view
        for shown, row in zip(printed[2:], rows, strict=True):
            assert all(_same(p, v) for p, v in zip(shown, row, strict=True)), (shown, row)
    core = (tmp_path / f"{target.stem}-{export.SHEETS[0].title}.csv").read_text("utf-8")
    assert ",requests_received,requests,10348,,10348,,FALSE\n" in core  # a count as a count


def test_a_missing_warehouse_is_a_clear_error(tmp_path, capsys):
    target = tmp_path / "out.xlsx"
    assert main(["export", "--xlsx", str(target), "--curated", str(tmp_path / "none")]) == 2
    assert "no warehouse at" in capsys.readouterr().err
    assert not target.exists()


def test_text_excel_cannot_hold_is_marked_not_dropped():
    assert export._cell("a\x00b") == "a\ufffdb"
    long = export._cell("x" * 40_000)
    assert len(long) == export.EXCEL_CELL_LIMIT and long.endswith("is in the warehouse)")
    assert export._cell(12.5) == 12.5 and export._cell(None) is None


def test_nianbao_sql_prints_a_count_as_a_count_and_an_amount_with_its_decimals(exported, capsys):
    """On the real warehouse (issue 15, item 6): 10348 requests, 7730.28 万元 of fees."""
    *_, curated = exported
    query = (
        "SELECT value FROM core_indicators WHERE body = '长春市' "
        "AND indicator = 'requests_received'"
    )
    assert main(["sql", query, "--curated", str(curated)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"│\s+10348 │", out) and "10348.0" not in out
    fees = "SELECT value FROM observations WHERE indicator = 'proactive.fees.amount_10k_yuan'"
    assert main(["sql", fees, "--curated", str(curated)]) == 0
    assert re.search(r"│\s+7730\.28 │", capsys.readouterr().out)
