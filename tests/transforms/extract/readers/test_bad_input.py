"""Bad input: every reader reads a broken file or refuses it with a message a person understands.

Each case is run through `ingest_file`, which is what puts the row in `reports`, and asserts the
status and the error a user sees; none may take long (a generous 10 s: not a performance test,
a guard against hangs). Small bad files are committed under tests/fixtures/bad/ (its README says
what each is); big or port-dependent ones are built here in tmp_path.
"""

import codecs
import http.server
import io
import random
import re
import struct
import threading
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from tests import paths
from transforms import catalogue
from transforms.extract.readers import Document, ReadError, read_document
from transforms.extract.readers.text import decode_text
from transforms.run.ingest import ingest_file

FIXTURES = paths.FIXTURES
BAD = FIXTURES / "bad"
REPORT_MD = FIXTURES / "huaian_shi_2024.md"  # national 2021 form, 200 values
REPORT_HTML = FIXTURES / "pingtan_shenpiju_2025_national2021.html"
REPORT_PDF = FIXTURES / "huaian_shi_2024.pdf"
FORM_DOCX = FIXTURES / "national2021_blank_form.docx"
SECONDS = 10
NO_TEMPLATE = "no known statistics table found"


@pytest.fixture(scope="module")
def cat():
    return catalogue.default()


def _ingest(tmp_path: Path, name: str, data: bytes, cat) -> dict:
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    path = raw / name
    path.write_bytes(data)
    started = time.monotonic()
    result = ingest_file(path, raw, cat)
    assert time.monotonic() - started < SECONDS
    return result


def _read(name: str, data: bytes) -> Document:
    started = time.monotonic()
    try:
        return read_document(Path(name), data)
    finally:
        assert time.monotonic() - started < SECONDS


def _values(result) -> dict[tuple[str, str], float]:
    obs = result.observations.dropna(subset=["indicator"])
    return {
        (i, b): v for i, b, v in zip(obs["indicator"], obs["breakdown"], obs["value"], strict=True)
    }


# --- the committed corpus -------------------------------------------------------------------

REFUSED = {
    "empty.txt": "empty file: no content to read",
    "whitespace_only.html": "empty file: no content to read",
    "zeros.pdf": "empty file: only zero bytes (an interrupted download or copy?)",
    "garbage.txt": "not text: binary data, no encoding (UTF-8, GB18030, Big5, UTF-16) decodes it",
    "garbage.html": "not HTML: binary data, no encoding (UTF-8, GB18030, Big5, UTF-16) decodes it",
    "garbage.pdf": "not a readable PDF: the file does not start with a PDF header (%PDF-); "
    "it is another kind of file named .pdf",
    "garbage.docx": "not a Word .docx file: not a zip package (File is not a zip file)",
    "scanned.pdf": "scanned PDF with no text layer: OCR found no text on any page",
    "encrypted.pdf": "encrypted PDF: it needs a password to open",
    "copy_protected.pdf": "encrypted PDF: copy-protected, and its text cannot be extracted "
    "(it comes out as character codes, (cid:N))",
}


@pytest.mark.parametrize(("name", "error"), REFUSED.items())
def test_committed_bad_file_gets_a_row_saying_why(tmp_path, cat, name, error):
    result = _ingest(tmp_path, name, (BAD / name).read_bytes(), cat)
    assert (result.report["status"], result.report["error"]) == ("unreadable", error)
    assert result.observations is None


def test_every_committed_bad_file_is_described_in_the_readme():
    readme = (BAD / "README.md").read_text(encoding="utf-8")
    for path in BAD.iterdir():
        if path.name != "README.md":
            assert f"`{path.name}`" in readme


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html", ".pdf", ".docx"])
@pytest.mark.parametrize("data", [b"", b" \r\n\t", "\ufeff\u3000\n".encode(), b"\xff\xfe \x00"])
def test_an_empty_file_is_empty_whatever_its_extension(suffix, data):
    with pytest.raises(ReadError, match=r"^empty file: no content to read$"):
        _read("x" + suffix, data)


def test_html_without_tables_is_read_and_the_parser_finds_no_template(tmp_path, cat):
    doc = _read("no_tables.html", (BAD / "no_tables.html").read_bytes())
    assert doc.tables == ()
    assert doc.lines[:2] == ("淮安市人民政府2024年政府信息公开工作年度报告", "一、总体情况")
    result = _ingest(tmp_path, "no_tables.html", (BAD / "no_tables.html").read_bytes(), cat)
    assert result.report["status"] == "no_template"
    assert result.report["error"].startswith(NO_TEMPLATE)
    assert (result.report["body"], result.report["report_year"]) == ("淮安市人民政府", 2024)


# --- PDF --------------------------------------------------------------------------------------


def test_a_truncated_pdf_says_so(tmp_path, cat):
    data = REPORT_PDF.read_bytes()
    result = _ingest(tmp_path, "cut.pdf", data[: len(data) // 2], cat)
    assert result.report["status"] == "unreadable"
    assert result.report["error"] == "not a readable PDF: the file ends too early (truncated?)"


def test_a_copy_protected_pdf_with_plain_fonts_is_read():
    """Encryption without a user password does not stop reading: only the (cid:N) case does."""
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=pdfencrypt.StandardEncryption("", ownerPassword="o"))
    pdf.drawString(72, 700, "Annual report 2024")
    pdf.save()
    assert _read("x.pdf", buffer.getvalue()).lines == ("Annual report 2024",)


# --- text encodings ---------------------------------------------------------------------------

ENCODED = {
    "gb18030": lambda text: text.encode("gb18030"),
    "utf-16": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf-16 ": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    "utf-16-le": lambda text: text.encode("utf-16-le"),
    "utf-16-be": lambda text: text.encode("utf-16-be"),
}


@pytest.mark.parametrize("encoding", ENCODED)
def test_a_report_in_another_encoding_reads_as_its_utf8_original(tmp_path, cat, encoding):
    text = REPORT_MD.read_text(encoding="utf-8")
    original = _read("r.md", text.encode("utf-8"))
    doc = _read("r.md", ENCODED[encoding](text))
    assert doc.encoding == encoding.strip()
    assert (doc.lines, doc.tables) == (original.lines, original.tables)
    result = _ingest(tmp_path, "r.md", ENCODED[encoding](text), cat)
    assert (result.report["status"], result.report["n_values"]) == ("parsed", 200)
    assert _values(result) == _values(_ingest(tmp_path, "utf8.md", text.encode(), cat))


def _as_windows_gbk(data: bytes) -> str:
    """What Windows (code page 936) shows for UTF-8 bytes: 0x80 is "€", user-defined codes are
    private-use characters, a byte it cannot pair is U+FFFD and the next byte is read anew."""

    def cp936(error: UnicodeDecodeError) -> tuple[str, int]:
        start = error.start
        if error.object[start] == 0x80:
            return "€", start + 1
        try:
            char = error.object[start : start + 2].decode("gb18030")
        except UnicodeDecodeError:
            char = ""
        if len(char) == 1 and "\ue000" <= char <= "\uf8ff":
            return char, start + 2
        return "\ufffd", start + 1

    codecs.register_error("test_bad_input_cp936", cp936)
    return data.decode("gbk", errors="test_bad_input_cp936")


def test_utf8_read_as_gbk_and_saved_again_is_repaired_without_a_wrong_value(tmp_path, cat):
    original = REPORT_MD.read_bytes()
    mojibake = _as_windows_gbk(original)
    lost = mojibake.count("\ufffd")
    assert mojibake.startswith("娣\ue1bc畨甯備汉姘戞斂搴\ufffd\n")  # 淮安市人民政府
    assert lost == 82  # a real report loses bytes (a CJK character's last, before a digit …)

    doc = _read("r.md", mojibake.encode("utf-8"))
    assert doc.encoding == f"utf-8 (repaired UTF-8-as-GBK mojibake; {lost} characters lost)"
    repaired_text, text = decode_text(mojibake.encode("utf-8"))[0], original.decode("utf-8")
    assert len(repaired_text) == len(text)  # a lost character is one U+FFFD in its place
    assert all(a in (b, "\ufffd") for a, b in zip(repaired_text, text, strict=True))

    result = _ingest(tmp_path, "r.md", mojibake.encode("utf-8"), cat)
    assert result.report["status"] == "parsed"
    repaired, full = _values(result), _values(_ingest(tmp_path, "o.md", original, cat))
    assert len(repaired) > 100
    assert {key: full[key] for key in repaired} == repaired  # cells read are never misread


# --- HTML -------------------------------------------------------------------------------------

DEPTH = "not HTML: Excessive depth: the markup is nested more than 256 levels deep (line 1)"


@pytest.mark.parametrize(
    "html",
    [
        "<div>" * 10_000 + "深" + "</div>" * 10_000,
        "<table><tr><td>" * 10_000 + "深" + "</td></tr></table>" * 10_000,
        "<p>报告</p>" + "<span>" * 100_000,
    ],
    ids=["divs", "tables", "unclosed"],
)
def test_html_nested_10000_levels_deep_is_refused_not_a_crash(tmp_path, cat, html):
    result = _ingest(tmp_path, "deep.html", html.encode(), cat)
    assert (result.report["status"], result.report["error"]) == ("unreadable", DEPTH)


def test_html_nested_as_deep_as_libxml2_reads_is_read_without_recursion():
    tables = "<table><tr><td>" * 80 + "深" + "</td></tr></table>" * 80
    doc = _read("deep.html", tables.encode())
    assert len(doc.tables) == 80 and doc.lines == ("深",)


# --- Word: external entities ------------------------------------------------------------------


@pytest.fixture
def http_server():
    """A real HTTP server on 127.0.0.1 that records every request it gets."""
    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            body = b'<!ENTITY leak "LEAKED">' if self.path.endswith(".dtd") else b"LEAKED"
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


def _form_parts() -> dict[str, bytes]:
    with zipfile.ZipFile(FORM_DOCX) as package:
        return {name: package.read(name) for name in package.namelist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, blob in parts.items():
            package.writestr(name, blob)
    return buffer.getvalue()


def _with_doctype(doctype: str, reference: str) -> bytes:
    """The blank form with `doctype` after the XML declaration and `reference` at the start of
    its first text run (the title, "政府信息公开工作年度报告格式模板")."""
    parts = _form_parts()
    xml = parts["word/document.xml"].decode("utf-8")
    xml = xml.replace("?>", "?>" + doctype, 1)
    xml = re.sub(r"(<w:t(?: [^>]*)?>)", lambda m: m.group(1) + reference, xml, count=1)
    return _zip({**parts, "word/document.xml": xml.encode("utf-8")})


def _everything(doc: Document) -> str:
    cells = (cell.text for table in doc.tables for row in table.rows for cell in row)
    return "\n".join([*doc.lines, *cells])


def test_word_file_entity_is_not_resolved(tmp_path, cat):
    data = _with_doctype(
        '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"
    )
    doc = _read("xxe.docx", data)
    assert "root:" not in _everything(doc)
    assert doc.lines[0] == "一、总体情况"  # the run holding the entity is left out, unresolved
    result = _ingest(tmp_path, "xxe.docx", data, cat)
    assert result.report["status"] in ("parsed", "no_template")


def test_word_http_entity_is_not_fetched(tmp_path, cat, http_server):
    url, requests = http_server
    data = _with_doctype(f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{url}/e">]>', "&xxe;")
    doc = _read("xxe.docx", data)
    _ingest(tmp_path, "xxe.docx", data, cat)
    assert "LEAKED" not in _everything(doc)
    assert requests == []


@pytest.mark.parametrize(
    ("doctype", "reference"),
    [
        ('<!DOCTYPE w:document [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>', "&leak;"),
        ('<!DOCTYPE w:document SYSTEM "{url}/d.dtd">', "&leak;"),
        (
            '<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa">'
            + "".join(
                f'<!ENTITY {b} "{("&" + a + ";") * 10}">'
                for a, b in zip("abcdefgh", "bcdefghi", strict=True)
            )
            + "]>",
            "&i;",
        ),
    ],
    ids=["parameter-entity", "external-dtd", "billion-laughs"],
)
def test_word_entity_tricks_are_refused_and_nothing_is_fetched(
    tmp_path, cat, http_server, doctype, reference
):
    url, requests = http_server
    data = _with_doctype(doctype.replace("{url}", url), reference)
    result = _ingest(tmp_path, "xxe.docx", data, cat)
    assert result.report["status"] == "unreadable"
    assert result.report["error"].startswith(
        "not a Word .docx file: word/document.xml declares XML entities (a DOCTYPE), "
        "which Word never writes ("
    )
    assert requests == []


# --- Word: zip bombs and damaged packages -----------------------------------------------------


def _zip_streamed(
    parts: dict[str, bytes], big: str, chunk: bytes, count: int, head: bytes = b""
) -> bytes:
    """`parts`, plus `big` written as `head` and `count` times `chunk`, deflated at level 9 as
    it streams (never held in memory)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        for name, blob in parts.items():
            package.writestr(name, blob)
        info = zipfile.ZipInfo(big)
        info.compress_type = zipfile.ZIP_DEFLATED
        with package.open(info, "w", force_zip64=True) as part:
            part.write(head)
            for _ in range(count):
                part.write(chunk)
    return buffer.getvalue()


def test_a_zip_bomb_named_docx_is_refused_before_it_is_inflated(tmp_path, cat):
    parts = _form_parts()
    del parts["word/document.xml"]
    bomb = _zip_streamed(parts, "word/document.xml", b"<" * 2**20, 256)  # 256 MiB of "<"
    assert len(bomb) < 2**20
    tracemalloc.start()
    try:
        result = _ingest(tmp_path, "bomb.docx", bomb, cat)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.report["status"] == "unreadable"
    assert re.fullmatch(r"too large: the \.docx unpacks to \d{9} bytes", result.report["error"])
    assert peak < 20 * 2**20


def _lie_about(data: bytes, name: str, size: int, crc: int) -> bytes:
    """The zip with the central directory's size and CRC of `name` replaced."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", out, at + 28)[0]
        if out[at + 46 : at + 46 + length] == name.encode():
            struct.pack_into("<I", out, at + 16, crc)
            struct.pack_into("<I", out, at + 24, size)
            return bytes(out)
        at = out.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"{name} not in the zip")


def test_a_size_header_that_lies_does_not_inflate_the_part(tmp_path, cat):
    """document.xml followed by 300 MiB of spaces (valid XML), declared as document.xml only:
    a single read() would inflate all of it; the reader stops at the declared size."""
    parts = _form_parts()
    xml = parts.pop("word/document.xml")
    lying = _zip_streamed(parts, "word/document.xml", b" " * 2**20, 300, head=xml)
    lying = _lie_about(lying, "word/document.xml", len(xml), zlib.crc32(xml))
    tracemalloc.start()
    try:
        doc = _read("lying.docx", lying)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert doc.lines[0] == "政府信息公开工作年度报告格式模板"
    assert peak < 50 * 2**20


def test_damaged_word_packages_say_why(tmp_path, cat):
    good = FORM_DOCX.read_bytes()
    cut = _ingest(tmp_path, "cut.docx", good[: len(good) // 2], cat).report
    assert cut["error"] == "not a Word .docx file: not a zip package (File is not a zip file)"

    flagged = bytearray(_zip(_form_parts()))
    at = flagged.find(b"PK\x01\x02")
    flagged[at + 8] |= 1  # "encrypted" in the central directory
    locked = _ingest(tmp_path, "locked.docx", bytes(flagged), cat).report
    assert locked["error"] == "not a Word .docx file: the zip is password-protected"

    xml = _form_parts()["word/document.xml"].decode("utf-8")
    no_body = re.sub(r"<w:body>.*</w:body>", "", xml, flags=re.S).encode()
    empty = _ingest(
        tmp_path, "nobody.docx", _zip({**_form_parts(), "word/document.xml": no_body}), cat
    )
    assert empty.report["error"] == "not a Word .docx file: its document part has no body"


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ('<w:gridSpan w:val="2000000000"/>', None),
        ('<w:gridSpan w:val="-5"/>', None),
        (
            '<w:gridSpan w:val="abc"/>',
            "table 1: ValueError: invalid table markup "
            "(invalid literal for int() with base 10: 'abc')",
        ),
    ],
)
def test_absurd_cell_spans_do_not_blow_up(markup, error):
    """Spans out of range are clamped; a span that is no number loses only its table."""
    parts = _form_parts()
    xml = parts["word/document.xml"].decode("utf-8").replace("<w:tcPr>", "<w:tcPr>" + markup, 1)
    data = _zip({**parts, "word/document.xml": xml.encode()})
    document = _read("span.docx", data)
    assert document.lines[0] == "政府信息公开工作年度报告格式模板"
    assert document.errors == (() if error is None else (error,))
    if error is not None:
        assert [t.locator for t in document.tables][:1] == ["table 2"]


# --- reports cut off half-way, odd names ------------------------------------------------------


def _cut_at(text: str, mark: str) -> str:
    at = text.index(mark)
    return text[: at + len(mark) // 2]


@pytest.mark.parametrize(("fixture", "name"), [(REPORT_MD, "cut.md"), (REPORT_HTML, "cut.html")])
def test_a_report_cut_off_in_table_three_keeps_the_cells_it_has(tmp_path, cat, fixture, name):
    text = fixture.read_text(encoding="utf-8")
    cut = _ingest(tmp_path, name, _cut_at(text, "4.保护第三方合法权益").encode(), cat)
    full = _ingest(tmp_path, "full" + fixture.suffix, text.encode(), cat)
    assert (cut.report["status"], cut.report["error"]) == ("parsed", None)
    values, all_values = _values(cut), _values(full)
    assert {key: all_values[key] for key in values} == values  # what is there is right
    assert ("requests.new_received", "total") in values
    assert ("requests.completed_total", "total") not in values  # what is missing is missing
    assert 0 < cut.report["n_values"] < full.report["n_values"]


def test_a_file_name_with_spaces_quotes_and_chinese_is_read_like_any_other(tmp_path, cat):
    name = "年报 \"2024\" 'x'.txt"
    result = _ingest(tmp_path, name, REPORT_MD.read_bytes(), cat)
    assert (result.report["status"], result.report["n_values"]) == ("parsed", 200)
    assert result.report["source_file"] == name


# --- nothing but a Document or a ReadError ----------------------------------------------------

SUFFIXES = (".txt", ".html", ".pdf", ".docx")
REAL = (REPORT_MD, REPORT_HTML, REPORT_PDF, FORM_DOCX, FIXTURES / "huaian_hongze_qu_2024.pdf")


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_random_bytes_give_a_read_error_never_another_exception(suffix):
    for seed in range(40):
        rng = random.Random(seed)
        data = rng.randbytes(rng.choice([1, 2, 10, 100, 1000, 10_000]))
        for prefix in (b"", b"%PDF-1.7\n", b"PK\x03\x04", b"<html><body>", codecs.BOM_UTF16_LE):
            try:
                _read("x" + suffix, prefix + data)
            except ReadError:
                pass


@pytest.mark.parametrize("fixture", REAL, ids=lambda p: p.name)
def test_a_real_report_cut_anywhere_gives_a_document_or_a_read_error(fixture):
    data = fixture.read_bytes()
    for cut in (1, 7, 100, len(data) // 10, len(data) // 3, len(data) // 2, len(data) - 10):
        try:
            _read(fixture.name, data[:cut])
        except ReadError:
            pass


# --- a text file of hundreds of thousands of table rows ------------------------------------


def test_table_rows_beyond_any_report_are_text_only_and_the_rest_is_kept():
    from transforms.extract.readers.text import MAX_TABLE_ROWS

    row = "一、本年新收政府信息公开申请数量\t1\t0\t0\t0\t0\t0\t1\n"
    document = _read("rows.txt", ("报告正文\n" + row * (MAX_TABLE_ROWS + 10)).encode())
    assert sum(len(t.rows) for t in document.tables) == MAX_TABLE_ROWS
    assert document.errors == (
        f"tables: more than {MAX_TABLE_ROWS} table rows: not read as tables "
        f"(line {MAX_TABLE_ROWS + 2} on)",
    )
    assert len(document.lines) == MAX_TABLE_ROWS + 11  # every line is kept as text
    small = _read("rows.txt", (row * 10).encode())
    assert (len(small.tables[0].rows), small.errors) == (10, ())


def test_a_45_mb_file_of_table_rows_is_read_within_the_parse_bounds(tmp_path):
    """Under the 50 MB cap, 750,000 tab-separated rows used to need over 5 GiB and died in its
    worker ("exited unexpectedly"): now the report is partial, read within the 2 GiB bound."""
    from transforms.run.ingest import parse_bounds, parse_files

    raw = tmp_path / "raw"
    raw.mkdir()
    row = "一、本年新收政府信息公开申请数量\t1\t0\t0\t0\t0\t0\t1\n".encode()
    (raw / "dump.txt").write_bytes(row * (45 * 2**20 // len(row)))
    bounds = parse_bounds({"NIANBAO_WORKERS": "1"})
    (result,) = parse_files([raw / "dump.txt"], raw, bounds).values()
    assert result.report["status"] == "partial", result.report["error"]
    assert "more than 5000 table rows" in result.report["error"]
