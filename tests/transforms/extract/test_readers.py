import codecs
from pathlib import Path

import pytest

from transforms.extract.readers import ReadError, read_document
from transforms.extract.readers.text import decode_text

TEXT = "2012年度长春市政府信息公开工作报告\n一、概述\n\t指标\n\t1856\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("gbk"), "gb18030"),
    ],
)
def test_encodings_decode_to_the_same_text(data, encoding):
    text, used = decode_text(data)
    assert text == TEXT
    assert used.startswith(encoding)


def _as_windows_gbk(data: bytes) -> str:
    """What a Windows program shows for UTF-8 bytes read as GBK (cp936: 0x80 is "€")."""

    def euro(err: UnicodeDecodeError):
        if err.object[err.start : err.start + 1] == b"\x80":
            return "€", err.start + 1
        raise err

    codecs.register_error("test_cp936_euro", euro)
    return data.decode("gbk", errors="test_cp936_euro")


def test_domain_mojibake_example_is_what_we_model():
    assert _as_windows_gbk("一、总体情况".encode()) == "涓€銆佹€讳綋鎯呭喌"


def test_utf8_read_as_gbk_mojibake_is_repaired():
    original = "一、总体情况\n二、主动公开政府信息情况\n"
    mojibake = _as_windows_gbk(original.encode("utf-8"))
    assert mojibake == "涓€銆佹€讳綋鎯呭喌\n浜屻€佷富鍔ㄥ叕寮€鏀垮簻淇℃伅鎯呭喌\n"
    text, used = decode_text(mojibake.encode("utf-8"))
    assert text == original
    assert "mojibake" in used


def test_empty_file_is_a_clear_error():
    with pytest.raises(ReadError, match="empty file: no content to read"):
        read_document(Path("x.txt"), b"  \n")


@pytest.mark.parametrize(("name", "why"), [("c.xlsx", "Excel"), ("d.et", "WPS spreadsheets")])
def test_formats_not_read_say_so(name, why):
    with pytest.raises(ReadError, match=f"unsupported format: {why}"):
        read_document(Path(name), b"\xd0\xcf\x11\xe0 ...")


@pytest.mark.parametrize("name", ["a.doc", "b.wps"])
def test_doc_and_wps_that_are_not_word_say_so(name):
    # .doc and .wps are read through LibreOffice (tests/transforms/readers/test_office.py)
    with pytest.raises(ReadError, match=r"^not a Word 97-2003 or WPS file: "):
        read_document(Path(name), b"\xd0\xcf\x11\xe0 ...")


def test_unknown_extension_is_unsupported():
    with pytest.raises(ReadError, match=r"unknown file extension '\.bin'"):
        read_document(Path("x.bin"), b"\x00\x01")


def test_binary_garbage_in_a_txt_is_not_text():
    with pytest.raises(ReadError, match="not text"):
        read_document(Path("x.txt"), bytes(range(256)) * 4)


def _texts(doc):
    return [[[c.text for c in row] for row in t.rows] for t in doc.tables]


def test_pipe_tab_and_markdown_tables_become_tables():
    text = (
        "说明文字\n"
        "| 信息内容 | 本年制发件数 |\n|---|---|\n| 规章 | 1 |\n"
        "\n"
        "规章\t0\t0\t11\n行政规范性文件\t8\t26\t66\n"
    )
    doc = read_document(Path("x.md"), text.encode())
    assert _texts(doc) == [
        [["信息内容", "本年制发件数"], ["规章", "1"]],
        [["规章", "0", "0", "11"], ["行政规范性文件", "8", "26", "66"]],
    ]
    assert doc.tables[0].rows[1][1].locator == "line 4, col 2"


def test_one_cell_per_line_text_is_a_table_of_blocks():
    text = "\t指标\n\t2012年发生数\n\n\t公开的\n及时性\n\t超过20个工作日的数量\n\t1875\n\n正文\n"
    doc = read_document(Path("x.txt"), text.encode())
    assert _texts(doc) == [
        [["指标", "2012年发生数"], ["公开的\n及时性", "超过20个工作日的数量", "1875"]]
    ]
    assert doc.tables[0].rows[1][2].locator == "line 7"
