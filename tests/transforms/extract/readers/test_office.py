"""Word 97-2003 `.doc` and WPS `.wps` reports through LibreOffice headless (readers/office.py).

The fixtures (tests/fixtures/office/, see its README) are three real tables saved as .doc by
LibreOffice, the same tables as .docx, and one .doc renamed .wps. LibreOffice's first start
with a fresh profile takes about a second, so the real files are converted once, together, by
the real parse pool (`parse_files` with `parse_bounds()`): that is how nianbao's parse stage
runs them.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from tests import paths
from tests.conftest import FIXTURES
from transforms import catalogue
from transforms.extract.readers import ReadError, read_document
from transforms.run.ingest import FileResult, ingest_file, parse_bounds, parse_files

OFFICE = FIXTURES / "office"
NATIONAL = "2025_pingtan_xingzhengshenpiju_national2021_fragment"
SAME_TABLES = {  # stem in office/ → the same table as the site's HTML, in tests/fixtures/
    "2013_pingtan_jingjifazhanju_provincial_fragment": "fujian_pingtan_2013_jingjifazhanju.html",
    "2018_pingtan_gonganju_provincial_fragment": "fujian_pingtan_2018_gonganju.html",
    NATIONAL: "pingtan_shenpiju_2025_national2021.html",
}
WPS = "2013_pingtan_jingjifazhanju_provincial_fragment.wps"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# soffice needs 300-500 MiB of address space to start (measured with LibreOffice 7.4)
TIGHT_MIB = 350
KEY = ["indicator", "breakdown", "value", "value_status"]
LINK_PORT = 8765  # linked_image.doc links http://127.0.0.1:8765/x.png

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)


def _cells(result: FileResult) -> list[tuple]:
    obs = result.observations
    assert obs is not None, result.report
    return sorted(tuple(map(str, row)) for row in obs[KEY].itertuples(index=False))


@pytest.fixture(scope="module")
def cat():
    return catalogue.default()


@pytest.fixture(scope="module")
def pooled(tmp_path_factory) -> dict[str, FileResult]:
    """Every real .doc and the .wps, under raw names no shell or URL would like, plus an OLE
    file that is not Word, parsed once by the real pool."""
    raw = tmp_path_factory.mktemp("raw")
    for source in [*OFFICE.glob("*_fragment.doc"), OFFICE / WPS]:
        (raw / f"年报 'x' #1 {source.name}").write_bytes(source.read_bytes())
    (raw / "ole_garbage.doc").write_bytes(OLE + bytes(range(256)) * 8)
    results = parse_files(sorted(raw.iterdir()), raw, parse_bounds())
    return {name.removeprefix("年报 'x' #1 "): result for name, result in results.items()}


@needs_soffice
def test_national_doc_gives_the_same_observations_as_its_docx_and_html(pooled, cat):
    doc = pooled[f"{NATIONAL}.doc"]
    assert (doc.report["status"], doc.report["template"]) == ("parsed", "national_2021"), doc.report
    assert doc.report["file_format"] == "word"
    assert doc.report["encoding"] == "Word 97-2003, converted to .docx by LibreOffice"
    got = doc.observations.set_index(["indicator", "breakdown"])["value"]
    assert got[("requests.new_received", "total")] == 6  # table 三, row 一, 总计
    assert got[("requests.withheld_inquiry", "total")] == 3
    docx = ingest_file(OFFICE / f"{NATIONAL}.docx", OFFICE, cat)
    html = ingest_file(FIXTURES / SAME_TABLES[NATIONAL], FIXTURES, cat)
    assert _cells(doc) == _cells(docx) == _cells(html)


@needs_soffice
@pytest.mark.parametrize("stem", sorted(set(SAME_TABLES) - {NATIONAL}))
def test_provincial_docs_give_the_same_observations_as_docx_and_html(pooled, cat, stem):
    doc = pooled[f"{stem}.doc"]
    assert (doc.report["status"], doc.report["template"]) == ("parsed", "fujian_pre2019"), stem
    docx = ingest_file(OFFICE / f"{stem}.docx", OFFICE, cat)
    html = ingest_file(FIXTURES / SAME_TABLES[stem], FIXTURES, cat)
    assert _cells(doc) == _cells(docx), f"{stem}.doc against its .docx"
    assert _cells(doc) == _cells(html), f"{stem}.doc against the site's HTML"


@pytest.mark.parametrize("stem", [s for s in SAME_TABLES if s != NATIONAL])
def test_provincial_pdfs_give_the_same_observations_as_the_html(cat, stem):
    """The Fujian form printed to PDF: its table goes on over a page break without a header,
    and the text layer gives a cell's lines out of order ("年度\n2017" for 2017年度); once
    only 1 of the 2018 page's 32 values was read, with no finding."""
    pdf = ingest_file(OFFICE / f"{stem}.pdf", OFFICE, cat)
    assert (pdf.report["status"], pdf.report["template"]) == ("parsed", "fujian_pre2019"), stem
    html = ingest_file(FIXTURES / SAME_TABLES[stem], FIXTURES, cat)
    assert _cells(pdf) == _cells(html), f"{stem}.pdf against the site's HTML"


@needs_soffice
def test_wps_is_read_by_content_and_stays_wps(pooled):
    wps, doc = pooled[WPS], pooled[WPS.replace(".wps", ".doc")]
    assert (wps.report["status"], wps.report["file_format"]) == ("parsed", "wps")
    assert _cells(wps) == _cells(doc)


@needs_soffice
def test_an_ole_file_word_cannot_open_is_unreadable_with_the_reason(pooled):
    row = pooled["ole_garbage.doc"].report
    assert row["status"] == "unreadable"
    assert row["error"].startswith("LibreOffice could not open it as a Word 97-2003 file: ")
    assert "source file could not be loaded" in row["error"]  # soffice's own words


def test_garbage_named_doc_is_refused_without_libreoffice(tmp_path, cat):
    # LibreOffice would import unknown bytes as plain text: never offered to it
    path = tmp_path / "garbage.doc"
    path.write_bytes(bytes(range(256)) * 4)
    row = ingest_file(path, tmp_path, cat).report
    assert row["status"] == "unreadable"
    assert row["error"] == (
        "not a Word 97-2003 or WPS file: neither an OLE compound file, RTF, .docx nor HTML "
        "(it starts with b'\\x00\\x01\\x02\\x03\\x04\\x05\\x06\\x07')"
    )


def test_a_docx_named_doc_is_read_as_docx(cat, tmp_path):
    path = tmp_path / "saved_as.doc"
    path.write_bytes((OFFICE / f"{NATIONAL}.docx").read_bytes())
    result = ingest_file(path, tmp_path, cat)
    assert (result.report["file_format"], result.report["encoding"]) == (
        "word",
        "a .docx file named .doc",
    )
    assert result.report["status"] == "parsed"


def test_an_html_page_named_doc_is_read_as_html(cat, tmp_path):
    # the fixture is the page's fragment; Word's "save as web page" writes a whole page
    page = b"<html><body>" + (FIXTURES / SAME_TABLES[NATIONAL]).read_bytes() + b"</body></html>"
    path = tmp_path / "saved_as.doc"
    path.write_bytes(page)
    result = ingest_file(path, tmp_path, cat)
    assert result.report["encoding"] == "utf-8 (an HTML page named .doc)"
    assert (result.report["status"], result.report["file_format"]) == ("parsed", "word")


@pytest.mark.parametrize("where", ["NIANBAO_SOFFICE", "PATH"])
def test_without_libreoffice_the_row_says_what_to_install(tmp_path, cat, monkeypatch, where):
    if where == "PATH":
        monkeypatch.delenv("NIANBAO_SOFFICE", raising=False)
        monkeypatch.setenv("PATH", str(tmp_path))  # a folder without soffice
    else:
        monkeypatch.setenv("NIANBAO_SOFFICE", "/nonexistent/soffice")
    path = tmp_path / "report.wps"
    path.write_bytes((OFFICE / WPS).read_bytes())
    row = ingest_file(path, tmp_path, cat).report
    assert row["status"] == "unreadable"
    assert row["error"] == (
        "reading .wps files needs LibreOffice, which is not installed here (no soffice command): "
        "install the Debian package libreoffice-writer-nogui "
        '(see README.md, section "Word .doc and WPS files: LibreOffice")'
    )


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # the process ended while we looked
            continue
        if text in command:
            found.append(f"{cmdline.parent.name}: {command}")
    return found


@needs_soffice
def test_time_limit_kills_every_soffice_process_and_leaves_no_files(tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_SOFFICE_TIMEOUT", "0.3")  # soffice needs ~1 s to start
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the private folder goes
    path = OFFICE / f"{NATIONAL}.doc"
    with pytest.raises(ReadError, match=r"^LibreOffice took longer than 0.3 s to convert the file"):
        read_document(path, path.read_bytes())
    assert _processes_mentioning(str(tmp_path)) == []  # oosplash and soffice.bin too
    assert list(tmp_path.iterdir()) == []  # profile, input, output, soffice's temp: removed


# a process whose address space is bounded as a parse worker's is (RLIMIT_AS soft, hard left)
BOUNDED = f"""
import resource, sys
from transforms.extract.readers import office
resource.setrlimit(resource.RLIMIT_AS, ({TIGHT_MIB} * 2**20, resource.RLIM_INFINITY))
data = open(sys.argv[1], "rb").read()
print(len(office.convert(data, ".doc", "MS Word 97", "Word 97-2003", ".doc")))
"""


@needs_soffice
def test_soffice_gets_its_own_memory_limit_not_the_workers(tmp_path):
    # soffice cannot start in the address space this process has left it (see the next test),
    # and converts with its own limit
    path = OFFICE / f"{NATIONAL}.doc"
    done = subprocess.run(
        [sys.executable, "-c", BOUNDED, str(path)],
        capture_output=True, text=True, timeout=60, cwd=paths.ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 10_000  # the .docx's bytes


@needs_soffice
def test_soffice_runs_under_its_own_memory_limit(monkeypatch):
    # the limit is applied: with too little address space soffice cannot start at all
    monkeypatch.setenv("NIANBAO_SOFFICE_MEMORY_MB", str(TIGHT_MIB))
    path = OFFICE / f"{NATIONAL}.doc"
    with pytest.raises(ReadError, match=r"^LibreOffice could not open it as a Word 97-2003 file"):
        read_document(path, path.read_bytes())


@needs_soffice
def test_linked_image_is_not_fetched():
    # a .doc whose picture is a link (INCLUDEPICTURE "http://127.0.0.1:8765/x.png"); plain
    # soffice fetches it (HEAD and GET) while converting
    connections: list[bytes] = []
    with socket.socket() as server:
        try:
            server.bind(("127.0.0.1", LINK_PORT))
        except OSError:
            pytest.skip(f"port {LINK_PORT} is in use")
        server.listen()
        server.settimeout(0.2)
        stop = threading.Event()
        watcher = threading.Thread(target=_accept_all, args=(server, connections, stop))
        watcher.start()
        try:
            path = OFFICE / "linked_image.doc"
            document = read_document(path, path.read_bytes())
        finally:
            stop.set()
            watcher.join()
    assert document.lines == ("linked",)
    assert connections == []


def _accept_all(server: socket.socket, connections: list[bytes], stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            client, _ = server.accept()
        except TimeoutError:
            continue
        with client:
            client.settimeout(1)
            connections.append(client.recv(200) or b"(connected)")
