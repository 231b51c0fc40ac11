"""Jilin provincial statistics form, before 2019 (吉林省 ××市20XX年政府信息公开相关数据统计表).

Used by Jilin cities and their departments for report years up to 2018 (the seed: 长春市 2012).
The table has a title line ending in 统计表, then five sections (一、基本情况 … 五、收费和减免情况),
each with a header row 指标 | 20XX年发生数 and rows of three cells: group | label | value.

Layout quirks handled, as they appear in text saved from the Word original:
- one cell per line, each line starting with a tab; a blank line ends a row;
- the group cell is printed only on a group's first row (an empty "\\t" cell after that);
- group labels wrap over two lines, the continuation without a tab ("公开的" / "及时性",
  "申请处理" / "情况");
- labels carry list markers and padding ("\\t  其中： ①信息不存在数", non-breaking spaces before
  "Ⅱ纠错数"); kept as printed here, normalised only for matching;
- the appendix is announced in the prose ("附：2012年…统计表") before the table itself: the
  table starts at the title line that is not that announcement;
- the table ends at the note line ("注：…").
"""

from __future__ import annotations

import re

from transforms.catalogue import Catalogue
from transforms.extract.readers import Document
from transforms.extract.templates.base import ParsedTable, RawCell

TEMPLATE = "jilin_pre2019"

_TITLE = re.compile(r"^(?!附).*20\d\d年.*数据统计表\s*$")
_HEADER_FIRST = "指标"
_PERIOD_HEADER = re.compile(r"^20\d\d年(度)?发生数$")
_SECTION = re.compile(r"^[一二三四五六七八九十]+、")
_NOTE = re.compile(r"^注[：:]")


def _title_index(lines: tuple[str, ...]) -> int | None:
    for i, line in enumerate(lines):
        if _TITLE.match(line.strip()) and not line.startswith("\t"):
            return i
    return None


def detect(document: Document) -> bool:
    """True when the document holds a Jilin statistics table (title plus 指标/发生数 header)."""
    start = _title_index(document.lines)
    if start is None:
        return False
    window = [line.strip() for line in document.lines[start : start + 12]]
    return _HEADER_FIRST in window and any(_PERIOD_HEADER.match(w) for w in window)


def _rows(lines: tuple[str, ...], start: int):
    """Yield (section, [(cell text, line number)]) for each printed row after the title."""
    section, row = "", []
    for number, line in enumerate(lines[start + 1 :], start=start + 2):
        stripped = line.strip()
        if line.startswith("\t"):
            row.append([line[1:], number])
        elif not stripped or _SECTION.match(stripped):
            if row:
                yield section, row
            row = []
            section = stripped or section
        elif _NOTE.match(stripped):
            break
        elif row:  # a wrapped label: its second line carries no tab
            row[-1][0] += "\n" + line
    if row:
        yield section, row


def parse(document: Document, catalogue: Catalogue) -> ParsedTable:
    """Every value cell of the table with its section, group and label as printed."""
    start = _title_index(document.lines)
    if start is None:
        raise ValueError("not a Jilin statistics table: no title line")
    cells, group, column = [], "", ""
    for section, row in _rows(document.lines, start):
        texts = [text.strip() for text, _ in row]
        if texts and texts[0] == _HEADER_FIRST:
            column = texts[-1]
            continue
        if len(texts) >= 3:
            group = texts[0] or group
        label = texts[-2] if len(texts) >= 2 else ""
        if len(texts) > 3:  # an unexpected shape: keep every printed cell in the label
            label = " | ".join(texts[1:-1])
        cells.append(
            RawCell(
                section=section,
                group=group,
                label=label,
                column=column,
                text=texts[-1],
                locator=f"line {row[-1][1]}",
            )
        )
    return ParsedTable(TEMPLATE, tuple(cells))
