"""Text reader: plain text and Markdown report files → a Document of lines and tables.

Tables in text are rows of cells separated by pipes ("| 规章 | 0 | 0 | 11 |", Markdown tables,
whose "|---|" rule lines are skipped) or by tabs between cells ("规章\t0\t0\t11"); consecutive
such lines form one table (locators "line N, col C"). Word tables saved as text come one cell per
line, each line behind a tab, a blank line after each row (locators "line N"). Tables glued into
one run of text are left to the parsers.

Text files arrive as UTF-8, UTF-8 with a BOM, UTF-16 with a BOM, or GB18030/GBK; strict UTF-8 is
tried first, then charset-normalizer's best guess. Text that is UTF-8 mis-decoded as GBK and saved
again ("涓€銆佹€讳綋鎯呭喌" for "一、总体情况") is recognised and repaired.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from charset_normalizer import from_bytes

from transforms.readers import Document, ReadError, Table, TableCell

# Words every report contains; used to tell a right decoding from a wrong one.
_MARKERS = ("政府信息公开", "信息公开", "年度报告", "政府")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


_RULE_ROW = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


def read(path: Path, data: bytes) -> Document:
    """Decode report text; see the module docstring."""
    text, encoding = decode_text(data)
    lines = tuple(text.splitlines())
    return Document(lines, encoding, "text", tuple(_tables(lines)))


def _cells(line: str) -> list[str] | None:
    """The cells of a table line, or None when the line is not a table row."""
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
        return [p.strip() for p in stripped[1:-1].split("|")]  # "| 第二十条第（一）项 |" too
    parts = stripped.split("|") if "|" in stripped else stripped.split("\t")
    return [p.strip() for p in parts] if len(parts) > 1 else None


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
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _repair_mojibake(data.decode(name), name)
    try:
        return _repair_mojibake(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_16"]).best()
    if best is None or "\x00" in str(best):
        raise ReadError("not text: no encoding (UTF-8, GB18030, Big5, UTF-16) decodes this file")
    return _repair_mojibake(str(best), best.encoding)


def _repair_mojibake(text: str, encoding: str) -> tuple[str, str]:
    """Undo UTF-8 bytes that were decoded as GBK and saved again, when that is what happened."""
    if any(m in text for m in _MARKERS):
        return text, encoding
    try:  # Windows GBK (cp936) shows byte 0x80 as "€"; Python's gbk codec has no such byte
        repaired = b"\x80".join(p.encode("gbk") for p in text.split("€")).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text, encoding
    if any(m in repaired for m in _MARKERS):
        return repaired, f"{encoding} (repaired UTF-8-as-GBK mojibake)"
    return text, encoding
