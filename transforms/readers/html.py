"""HTML reader: a published report page → a Document of text lines and tables of cells.

In: the bytes of an `.html` page. Out: `Document(lines, encoding, "html", tables)` or a
`ReadError` ("not HTML: …", "no text in the HTML page").

Pages come from many CMSs and from Word ("Save as web page"): unclosed wrapper divs, inline
styles, `<!--[if !supportLists]-->` comments, `<o:p>` tags, `&nbsp;` for empty cells. lxml's
HTML parser (libxml2) repairs broken markup the way browsers do. Quirks handled:
- encoding from a BOM or `<meta charset>`, else UTF-8, else detected (GB18030 pages exist);
- every `<table>` (nested ones too, each its own Table) becomes a grid with rowspan/colspan
  expanded: the spanning cell appears, with one locator, in every slot it covers;
- vertical headers printed one `<p>` per character (自/然/人) keep one character per line;
  parsers drop whitespace when they match labels;
- `lines` is the visible text, one line per block element and one per table row (cells joined
  by a space), scripts and styles removed.
"""

from __future__ import annotations

import re
from pathlib import Path

import lxml.etree
import lxml.html

from transforms.readers import Document, ReadError, Table, TableCell
from transforms.readers.text import decode_text

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_BLOCKS = {"p", "div", "br", "li", "tr", "table", "ul", "ol", "section", "article"} | {
    f"h{n}" for n in range(1, 7)
}
_MAX_SPAN = 1000  # a rowspan or colspan beyond this is a typo, not a table shape
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig"), "utf-8-sig"
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        name = "gb18030" if name in ("gb2312", "gbk") else name
        try:
            return data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)


def _clean_lines(text: str) -> list[str]:
    return [line for line in (_SPACES.sub(" ", x).strip() for x in text.split("\n")) if line]


def _cell_text(cell: lxml.html.HtmlElement) -> str:
    """The cell's text, one line per block inside it (vertical headers stay one char a line)."""
    copy = lxml.html.fromstring(lxml.html.tostring(cell, encoding="unicode"))
    for element in copy.iter():
        if element.tag in _BLOCKS and element is not copy:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
    return "\n".join(_clean_lines(copy.text_content()))


def _span(cell: lxml.html.HtmlElement, name: str) -> int:
    digits = re.match(r"\s*(\d+)", cell.get(name, "") or "")
    return min(max(int(digits.group(1)), 1), _MAX_SPAN) if digits else 1


def _grid(table: lxml.html.HtmlElement, number: int) -> Table:
    rows = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
    slots: dict[tuple[int, int], TableCell] = {}
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr.xpath("./td | ./th"):
            while (r, c) in slots:
                c += 1
            found = TableCell(_cell_text(cell), f"table {number}, row {r + 1}, col {c + 1}")
            for dr in range(min(_span(cell, "rowspan"), len(rows) - r)):
                for dc in range(_span(cell, "colspan")):
                    slots[(r + dr, c + dc)] = found
            c += _span(cell, "colspan")
    width = max((c for _, c in slots), default=-1) + 1
    grid = tuple(
        tuple(
            slots.get((r, c), TableCell("", f"table {number}, row {r + 1}, col {c + 1}"))
            for c in range(width)
        )
        for r in range(len(rows))
    )
    return Table(grid, f"table {number}")


def _page_lines(root: lxml.html.HtmlElement) -> list[str]:
    for element in root.iter():
        if element.tag in ("td", "th"):
            element.tail = " " + (element.tail or "")
        elif element.tag in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
    return _clean_lines(root.text_content())


def read(path: Path, data: bytes) -> Document:
    """Read an HTML page; see the module docstring."""
    text, encoding = _decode(data)
    try:
        root = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as exc:
        raise ReadError(f"not HTML: {exc}") from exc
    for bad in root.xpath("//script | //style | //comment()"):
        bad.drop_tree()
    tables = tuple(_grid(t, i) for i, t in enumerate(root.iter("table"), start=1))
    lines = _page_lines(root)
    if not lines:
        raise ReadError("no text in the HTML page")
    return Document(tuple(lines), encoding, "html", tables)
