"""Data Docs that render offline (issue 15): every page's tables, styles, scripts and icons
without the network, checked in headless Chromium with every request off the machine failing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from expectations import docs
from expectations.runner import Validator
from tests.browser import needs_chromium, offline_dom
from tests.expectations.test_runner import EVALUATIONS, SUITE

LOADED = {
    "jquery": True,
    "bootstrap_js": True,
    "bootstrap_css": True,
    "font_awesome_css": True,
    "font_awesome_font": True,
}


def _build(folder: Path) -> Path:
    validator = Validator((SUITE,), folder)
    validator.check({"evaluations": EVALUATIONS})
    validator.finish()
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("docs") / "data_docs")


def _validation_page(site: Path) -> Path:
    (page,) = (site / "validations").rglob("*.html")
    return page


def _rows(dom: str, table_id_part: str) -> list[str]:
    table = re.search(rf'<table[^>]*id="[^"]*{table_id_part}[^"]*".*?</table>', dom, re.S)
    assert table, f"no table {table_id_part}"
    body = re.search(r"<tbody>(.*?)</tbody>", table[0], re.S)
    return re.findall(r"<tr\b.*?</tr>", body[1], re.S) if body else []


def test_no_page_loads_anything_from_outside(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 3, pages  # the index, the suite, the validation
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not re.search(r'<(script|link|img)\b[^>]*(src|href)="https?://', html), page
        assert "url('http" not in html, page
        assert "bootstrapTable(" not in html, page
    vendored = {p.relative_to(site).as_posix() for p in (site / docs.VENDOR).rglob("*.*")}
    assert {
        "static/vendor/jquery/jquery.min.js",
        "static/vendor/bootstrap/css/bootstrap.min.css",
        "static/vendor/bootstrap/js/bootstrap.bundle.min.js",
        "static/vendor/font_awesome/css/all.min.css",
        "static/vendor/font_awesome/webfonts/fa-solid-900.woff2",
    } <= vendored


def test_an_unknown_external_resource_or_a_chart_is_an_error():
    with pytest.raises(docs.OfflineDocsError, match="no offline copy known for https://cdn"):
        docs.rewrite('<script src="https://cdn.example.org/x.js"></script>', "")
    with pytest.raises(docs.OfflineDocsError, match="still loads from the network"):
        docs.rewrite('<img src="https://example.org/x.png">', "")
    with pytest.raises(docs.OfflineDocsError, match="draws a Vega chart"):
        docs.rewrite("<script>vegaEmbed('#c', spec)</script>", "")


def test_a_cdn_tag_becomes_its_local_copy_at_the_page_depth():
    html = (
        '<script src="https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js" '
        'integrity="sha384-x" crossorigin="anonymous"></script>\n'
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>\n'
        '<link rel="shortcut icon" href="../../../static/images/favicon.ico"/>'
    )
    assert docs.rewrite(html, "../../../../") == (
        '<script src="../../../../static/vendor/jquery/jquery.min.js"></script>\n'
        '<link rel="shortcut icon" href="../../../../static/images/favicon.ico"/>'
    )


@needs_chromium
def test_the_index_shows_its_tables_offline(site):
    loaded = offline_dom(site / "index.html")
    assert loaded.probe == LOADED
    assert loaded.console_errors == []
    (validation,) = _rows(loaded.dom, "content-block-2-1")
    link = re.search(r'data-href="([^"]+)"', validation)[1]
    assert (site / link).is_file()
    assert "fa-times" in validation and "nianbao_identities-evaluations" in validation
    (suite,) = _rows(loaded.dom, "content-block-2-2")
    assert ">identities<" in suite and 'data-href="expectations/identities.html"' in suite


@needs_chromium
def test_a_validation_page_shows_its_results_offline(site):
    loaded = offline_dom(_validation_page(site))
    assert loaded.probe == LOADED
    assert loaded.console_errors == []
    assert len(re.findall(r'class="fas fa-check-circle text-success"', loaded.dom)) == 1
    assert "1 unexpected values found" in loaded.dom


@needs_chromium
def test_the_same_check_finds_great_expectations_own_pages_blank(tmp_path, monkeypatch):
    """What issue 15 saw: GE's stock pages, opened offline, have empty tables and no styles."""
    stock = docs.site_config(tmp_path / "stock")
    for section in stock.pop("site_section_builders").values():
        section.pop("view")
    stock["site_index_builder"].pop("view")
    monkeypatch.setattr(docs, "site_config", lambda _: stock)
    monkeypatch.setattr(docs, "localise", lambda _: [])
    site = _build(tmp_path / "stock")
    loaded = offline_dom(site / "index.html")
    assert not any(loaded.probe.values())
    assert "Uncaught ReferenceError: $ is not defined" in loaded.console_errors
    assert _rows(loaded.dom, "content-block-2-1") == []
