"""Text reader: plain text and Markdown report files → a Document of lines and tables.

Tables in text are rows of cells separated by pipes ("| 规章 | 0 | 0 | 11 |", Markdown tables,
whose "|---|" rule lines are skipped) or by tabs between cells ("规章\t0\t0\t11"); consecutive
such lines form one table (locators "line N, col C"). Word tables saved as text come one cell per
line, each line behind a tab, a blank line after each row (locators "line N"). Tables glued into
one run of text are left to the parsers.

Text files arrive as UTF-8, UTF-8 with a BOM, UTF-16 with or without a BOM, or GB18030/GBK; a
BOM decides, then UTF-16 is recognised by its zero bytes (every ASCII digit, space and line break
has one, always on the same side), then strict UTF-8, then charset-normalizer's best guess. Text
that is UTF-8 mis-decoded as GBK and saved again ("涓€銆佹€讳綋鎯呭喌" for "一、总体情况") is
recognised and repaired; bytes the GBK reader could not show are lost, and the encoding says how
many characters that cost. A file that decodes only into control characters is binary data (a
PDF, an image, an archive under a text name) and is refused: "decoding" it would make garbage
lines that look like a report without a table.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from charset_normalizer import from_bytes

from transforms.extract.readers import Document, ReadError, Table, TableCell

# Words every report contains; used to tell a right decoding from a wrong one.
_MARKERS = ("政府信息公开", "信息公开", "年度报告", "政府")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


# control characters; tab, line breaks, vertical tab and form feed are text
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_LOST_RUN = re.compile("\ufffd+")
_MAX_LOST = 0.1  # share of a mojibake repair that may be lost (each marks its place: U+FFFD)
_RULE_ROW = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
# A "cell" longer than this is prose with a stray separator in it ("《我为群众办实事|食用农产品
# 快速检测结果天天报》" inside a page of flattened text), not a table row.
_MAX_CELL = 200
# A report's statistics tables have tens of rows, a long provincial one some hundreds.
MAX_TABLE_ROWS = 5000


def read(path: Path, data: bytes) -> Document:
    """Decode report text; see the module docstring."""
    text, encoding = decode_text(data)
    lines = tuple(text.splitlines())
    within, errors = _bounded(lines)
    return Document(lines, encoding, "text", tuple(_tables(within)), errors)


def _bounded(lines: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The lines tables are looked for in: all of them, unless they hold more table rows than
    any report's statistics tables (`MAX_TABLE_ROWS`); then those up to that row, the rest read
    as text only (a file of hundreds of thousands of tab-separated rows is a data dump, and
    building its grid would take gigabytes)."""
    rows = 0
    for number, line in enumerate(lines):
        rows += _cells(line) is not None
        if rows > MAX_TABLE_ROWS:
            where = f"line {number + 1} on"
            why = f"more than {MAX_TABLE_ROWS} table rows: not read as tables ({where})"
            return lines[:number], (f"tables: {why}",)
    return lines, ()


def _cells(line: str) -> list[str] | None:
    """The cells of a table line, or None when the line is not a table row."""
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
        parts = stripped[1:-1].split("|")  # "| 第二十条第（一）项 |" too
    else:
        parts = stripped.split("|") if "|" in stripped else stripped.split("\t")
        if len(parts) < 2:
            return None
    cells = [p.strip() for p in parts]
    return None if any(len(c) > _MAX_CELL for c in cells) else cells


def _table(rows: list[tuple[int, list[str]]], number: int) -> Table:
    """Rows as typed: text has no geometry to pad short rows by (a row of a label and seven
    values stays eight cells wide beside a row of three labels and seven values)."""
    return Table(
        tuple(
            tuple(TableCell(text, f"line {n}, col {c}") for c, text in enumerate(cells, start=1))
            for n, cells in rows
        ),
        f"table {number}",
    )


def _block_rows(lines: tuple[str, ...]) -> list[list[list[tuple[int, str]]]]:
    """Tables typed one cell per line (a tab in front), a blank line after each row; a line
    without the tab continues the cell above (a wrapped label: "公开的" / "及时性")."""
    tables: list = []
    rows: list = []
    row: list = []

    def close_table() -> None:
        if len(rows) > 1:
            tables.append(list(rows))
        rows.clear()

    for number, line in enumerate(lines, start=1):
        if line.startswith("\t") and "\t" not in line[1:]:
            row.append((number, line[1:].strip()))
        elif not line.strip():
            if row:
                rows.append(list(row))
                row.clear()
        elif row:
            row[-1] = (row[-1][0], row[-1][1] + "\n" + line.strip())
        else:
            close_table()
    if row:
        rows.append(list(row))
    close_table()
    return tables


def _cell_block_tables(lines: tuple[str, ...], first: int) -> list[Table]:
    return [
        Table(
            tuple(tuple(TableCell(text, f"line {n}") for n, text in row) for row in rows),
            f"table {number}",
        )
        for number, rows in enumerate(_block_rows(lines), start=first)
    ]


def _tables(lines: tuple[str, ...]) -> list[Table]:
    separated = _separated_tables(lines)
    return separated + _cell_block_tables(lines, len(separated) + 1)


def _separated_tables(lines: tuple[str, ...]) -> list[Table]:
    tables, rows = [], []
    for number, line in enumerate(lines, start=1):
        if _RULE_ROW.match(line.strip()) and rows:
            continue
        cells = _cells(line)
        if cells is not None:
            rows.append((number, cells))
        elif rows:
            tables.append(_table(rows, len(tables) + 1))
            rows = []
    if rows:
        tables.append(_table(rows, len(tables) + 1))
    return tables


def decode_text(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name) for report text bytes, repairing GBK mojibake."""
    text, encoding = _repair_mojibake(*_decode(data))
    _check_is_text(text)
    return text, encoding


def _decode(data: bytes) -> tuple[str, str]:
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError:  # a BOM in front of something else: look at the bytes
                break
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_16"]).best()
    if best is None or "\x00" in str(best):
        raise ReadError(
            "not text: binary data, no encoding (UTF-8, GB18030, Big5, UTF-16) decodes it"
        )
    return str(best), best.encoding


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text saved without a BOM: the zero bytes of its ASCII characters all fall on one
    side of each 2-byte unit (the second in little-endian). Random or UTF-8 bytes have few
    zeros, spread over both sides."""
    units = len(data) // 2
    if len(data) % 2 or not units:
        return None
    first, second = data[0::2].count(0), data[1::2].count(0)
    for zeros, others, name in ((second, first, "utf-16-le"), (first, second, "utf-16-be")):
        if zeros >= max(2, units // 10) and others * 4 <= zeros:
            try:
                return data.decode(name), name
            except UnicodeDecodeError:
                return None
    return None


def _check_is_text(text: str) -> None:
    """Refuse text made of control characters: binary bytes that some encoding happened to
    decode. Real reports have at most a stray one (a DOS end-of-file mark); more than 1% is not
    text."""
    binary = len(_BINARY.findall(text))
    if binary > len(text) // 100:
        raise ReadError(
            f"not text: binary data ({binary} of its {len(text)} characters are control codes)"
        )


def _to_gbk_bytes(error: UnicodeEncodeError) -> tuple[bytes, int]:
    """Encode-error handler: the bytes a Windows GBK (cp936) reader showed as this character.
    "€" was byte 0x80; a private-use character was a user-defined code (gb18030 has them); a
    byte it could not show became U+FFFD: that byte is lost, and its character with it."""
    out = b""
    for char in error.object[error.start : error.end]:
        out += _CP936_ONLY[char] if char in _CP936_ONLY else char.encode("gb18030")
    return out, error.end


_CP936_ONLY = {"€": b"\x80", "\ufffd": b""}
codecs.register_error("nianbao_to_gbk_bytes", _to_gbk_bytes)


def _repair_mojibake(text: str, encoding: str) -> tuple[str, str]:
    """Undo UTF-8 bytes that were decoded as GBK and saved again, when that is what happened:
    the report's usual words appear only after the repair. A byte the GBK reader could not show
    (a CJK character's last byte before a digit or a line break, often) is lost for good: the
    character it ended becomes U+FFFD, so its cell reads as unreadable, never as another value."""
    if any(m in text for m in _MARKERS):
        return text, encoding
    utf8 = text.encode("gbk", errors="nianbao_to_gbk_bytes").decode("utf-8", errors="replace")
    repaired = _LOST_RUN.sub("\ufffd", utf8)  # a character missing a byte: one U+FFFD
    lost = repaired.count("\ufffd")
    if not any(m in repaired for m in _MARKERS) or lost > len(repaired) * _MAX_LOST:
        return text, encoding
    why = "repaired UTF-8-as-GBK mojibake" + (f"; {lost} characters lost" if lost > 0 else "")
    return repaired, f"{encoding} ({why})"
