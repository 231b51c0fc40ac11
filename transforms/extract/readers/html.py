"""HTML reader: a published report page → a Document of text lines and tables of cells.

In: the bytes of an `.html` page: a whole page saved by a browser or crawler, or a fragment (a
CMS content field with no <html>/<body>). Out: `Document(lines, encoding, "html", tables,
errors)` or a `ReadError` ("not HTML: …" for binary data or markup nested deeper than 256
levels, "no text in the HTML page"). A table whose grid cannot be built ("table too large: …",
or any defect) is listed in `errors` (`readers.failure`); the other tables and the lines stay.

Pages come from many CMSs and from Word ("Save as web page"): unclosed wrapper divs, inline
styles, `<!--[if !supportLists]-->` comments, `<o:p>` tags, `&nbsp;` for empty cells. lxml's
HTML parser (libxml2) repairs broken markup the way browsers do. Quirks handled:
- encoding: a BOM, else the `<meta charset>` / `http-equiv` declaration (gb2312 and gbk read as
  their superset gb18030), else strict UTF-8, else detected (GB18030 pages exist, and UTF-8
  saved again as GBK is repaired). A page declaring a legacy charset whose bytes are valid
  UTF-8 is read as UTF-8 (CMS migrations leave stale declarations; GBK text is practically never
  valid UTF-8); `Document.encoding` then says "utf-8 (page declares gb18030)";
- an XML declaration (`<?xml … encoding=…?>`, XHTML pages) is removed before parsing;
- whitespace is collapsed as a browser does: Word hard-wraps its source inside a paragraph, so
  a newline in the source is a space, never a line break; `&nbsp;` and `\u3000` are spaces;
- every `<table>` (nested ones too, each its own Table, numbered in order of their start tags)
  becomes a grid with rowspan/colspan expanded: the spanning cell appears, with one locator, in
  every slot it covers; rows are padded to the table's width with empty cells;
- cell text is one piece per block inside the cell (p, div, br, …) joined by "\\n", so vertical
  headers printed one `<p>` per character stay "自\\n然\\n人"; parsers drop whitespace when they
  match labels;
- saved pages: the `<!-- saved from url=… -->` line a browser writes before <html>, and a
  fragment's leading comment, are outside <body> and ignored; scripts (their strings may hold
  "<table>…" markup: libxml2 keeps script content as text, never as elements), styles,
  <noscript>, <iframe>/<noframes> fallbacks and comments are removed. Navigation, breadcrumbs,
  share bars, forms and metadata/footer layout tables are visible text and kept as lines and
  tables: the template parsers pick the statistics tables by their labels;
- a number typed in several runs (`<span>1</span><font>2</font>`, Word and WPS pastes) is one
  piece of text, "12": inline elements never break a cell; `&nbsp;` padding is stripped;
- `lines` is the visible text of the body, one line per block element; scripts, styles and
  comments removed. Each row of a data table is one line, its cells as printed (a rowspan cell
  once, in its first row) joined by a space, a cell's own pieces joined without a break
  ("自然人"). A row that holds a nested table is page layout, not data: it is read block by
  block, so a page wrapped in a layout table does not become one line.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from functools import partial
from pathlib import Path

import lxml.etree
import lxml.html

from transforms.extract.readers import Document, ReadError, Table, TableCell, failure
from transforms.extract.readers.text import decode_text

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_HEAD_BYTES = 4096  # the charset declaration is in the page head
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_GBK_FAMILY = {"gb2312", "gbk", "cp936"}  # pages declaring these use GBK characters too
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
# not shown by a browser: code, and the fallbacks shown only when scripts or frames are off
_HIDDEN = ("script", "style", "noscript", "template", "iframe", "noframes")
_BLOCKS = {
    *("p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "hr", "pre", "blockquote"),
    *("table", "caption", "thead", "tbody", "tfoot", "tr", "td", "th"),
    *("section", "article", "header", "footer", "nav", "aside", "main", "center", "address"),
    *("form", "fieldset", "figure", "figcaption"),
    *(f"h{n}" for n in range(1, 7)),
}
_SPACES = re.compile(r"\s+")  # str patterns: \s covers \n, \u00a0 (&nbsp;) and \u3000
_SPAN_DIGITS = re.compile(r"\s*(\d+)")
_MAX_SPAN = 1000  # HTML caps colspan at 1000; a larger rowspan is cut at the table's end
_EXCESSIVE_DEPTH = re.compile(r"Excessive depth in document: (\d+)")
_MAX_CELLS = 1_000_000  # grid slots in one table; beyond this it is not a report's table
_CELL_TAGS = ("td", "th")
_Seen = dict  # element → its lines read block by block, for one page
_COMMENT, _PI = lxml.etree.Comment, lxml.etree.ProcessingInstruction


def read(path: Path, data: bytes) -> Document:
    """Read an HTML page; see the module docstring."""
    text, encoding = _decode(data)
    body = _parse(_XML_DECLARATION.sub("", text, count=1)).find("body")
    if body is None:  # a head only, or a frameset: nothing of the page is shown by this file
        raise ReadError("no text in the HTML page")
    # only what is inside <body>: a saved page's "<!-- saved from url=… -->" line and a
    # fragment's leading comment are siblings of <html>, with no parent to be dropped from
    for hidden in body.xpath(".//comment() | .//processing-instruction() | " + _xpath(_HIDDEN)):
        hidden.drop_tree()  # keeps the tail text that follows it
    seen: _Seen = {}  # a cell's text is needed twice: for its table and for the page's lines
    tables, errors = _tables(body, seen)
    lines = _lines(body, rows_as_lines=True, seen=seen)
    if not lines:
        raise ReadError("no text in the HTML page")
    return Document(tuple(lines), encoding, "html", tables, errors)


def _tables(body: lxml.html.HtmlElement, seen: _Seen) -> tuple[tuple[Table, ...], tuple[str, ...]]:
    """Every table's grid, each on its own: one that cannot be built (too large, a defect) is
    listed in the errors and the others are kept, numbered as on the page."""
    tables: list[Table] = []
    errors: list[str] = []
    for number, table in enumerate(body.iter("table"), start=1):
        try:
            tables.append(_grid(table, number, seen))
        except MemoryError:  # the worker's memory bound: the parse pool reports it for the file
            raise
        except Exception as exc:  # confined to this table: the page's text and other tables stay
            errors.append(failure(f"table {number}", exc))
    return tuple(tables), tuple(errors)


def _parse(text: str) -> lxml.html.HtmlElement:
    """The page's tree. Broken markup is repaired silently, but a fatal error (markup nested
    deeper than libxml2's limit of 256) leaves a truncated, often empty tree: refused, not read."""
    parser = lxml.html.HTMLParser()  # its own error log
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as exc:
        raise ReadError(f"not HTML: {exc}") from exc
    fatal = [e for e in parser.error_log if e.level == lxml.etree.ErrorLevels.FATAL]
    if fatal:
        raise ReadError(f"not HTML: {_fatal_why(fatal[0].message)} (line {fatal[0].line})")
    return root


def _fatal_why(message: str) -> str:
    """libxml2's words, with its advice to programmers ("use XML_PARSE_HUGE") replaced by what
    it means for the page: no report page is nested hundreds of levels deep, and lifting the
    limit would let one crafted page take the memory of the nightly run."""
    depth = _EXCESSIVE_DEPTH.match(message)
    if depth:
        return f"Excessive depth: the markup is nested more than {depth.group(1)} levels deep"
    return message


def _xpath(tags: Iterable[str]) -> str:
    return " | ".join(f".//{tag}" for tag in tags)


# --- encoding ---------------------------------------------------------------------------------


def _declared_charset(data: bytes) -> str | None:
    """The charset the page's `<meta>` declares, as a Python codec name; None if none is known."""
    match = _META_CHARSET.search(data[:_HEAD_BYTES])
    if not match:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:  # a made-up name says nothing about the bytes
        return None
    return "gb18030" if name in _GBK_FAMILY else name


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not data.isascii()


def _decode(data: bytes) -> tuple[str, str]:
    """(text, encoding used); see the module docstring for the order of the evidence."""
    if data.startswith(_BOMS):
        return _detect(data)
    declared = _declared_charset(data)
    if declared is None:
        return _detect(data)
    if declared != "utf-8" and _is_utf8(data):
        return data.decode("utf-8"), f"utf-8 (page declares {declared})"
    try:
        return data.decode(declared), declared
    except UnicodeDecodeError:
        text, encoding = _detect(data)
        return text, f"{encoding} (page declares {declared})"


def _detect(data: bytes) -> tuple[str, str]:
    try:
        return decode_text(data)
    except ReadError as exc:  # a binary file (a PDF saved as .html …)
        raise ReadError(f"not HTML: {str(exc).removeprefix('not text: ')}") from exc


# --- text flow --------------------------------------------------------------------------------


def _lines(
    root: lxml.html.HtmlElement, rows_as_lines: bool, seen: _Seen | None = None
) -> list[str]:
    """The lines of `root`: the text pieces under it in document order (an element's text, its
    children's pieces and tails; a comment or processing instruction left over gives its tail
    only; with `rows_as_lines`, a row without a table inside is one piece), a line ending at
    each block boundary; whitespace collapsed, empty lines dropped.

    lxml's walker (C) steps through the tree, so no markup depth can exhaust Python's stack."""
    lines: list[str] = []
    current: list[str] = []
    end_line = partial(_end_line, current, lines)
    walker = lxml.etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    as_line = None  # the row being read as one line (its subtree is skipped)
    for event, element in walker:
        if event == "start":
            if rows_as_lines and element.tag == "tr" and element.find(".//table") is None:
                end_line()
                current.append(_row_line(element, seen))
                end_line()
                as_line = element
                walker.skip_subtree()
                continue
            if element.tag in _BLOCKS:
                end_line()
            if element.text:
                current.append(element.text)
            continue
        if event == "end" and element is not as_line and element.tag in _BLOCKS:
            end_line()
        if element.tail and element is not root:
            current.append(element.tail)
    end_line()
    return lines


def _end_line(current: list[str], lines: list[str]) -> None:
    """The pieces read since the last block boundary as one line, unless it is empty."""
    if current:
        line = _SPACES.sub(" ", "".join(current)).strip()
        if line:
            lines.append(line)
        current.clear()


def _block_lines(element: lxml.html.HtmlElement, seen: _Seen | None) -> list[str]:
    """The lines of an element read block by block, once per element and page (`seen`)."""
    if seen is None:
        return _cell_lines(element)
    if element not in seen:  # keyed by the element: lxml keeps one proxy per node while held
        seen[element] = _cell_lines(element)
    return seen[element]


def _cell_lines(element: lxml.html.HtmlElement) -> list[str]:
    """`_lines(element, rows_as_lines=False)` for the small subtree of a cell or a row, walked
    in Python: a page has hundreds of cells, and setting up lxml's walker for each one cost
    more than the walk (3.3 ms a synthetic page, a third of it here). A subtree deeper than
    `_SHALLOW` levels (a layout cell holding a page) goes to `_lines`."""
    lines: list[str] = []
    current: list[str] = []
    if not _walk_shallow(element, current, lines, 0):
        return _lines(element, rows_as_lines=False)
    _end_line(current, lines)
    return lines


_SHALLOW = 32  # levels walked by recursion in `_cell_lines`


def _walk_shallow(element, current: list[str], lines: list[str], depth: int) -> bool:
    """The text pieces of `element` (depth 0: the root, whose tail is not its own) as
    `_lines`' walker takes them: a block boundary ends a line, a comment or processing
    instruction gives its tail only, an entity node nothing. False when deeper than _SHALLOW."""
    tag = element.tag
    if not isinstance(tag, str):
        if depth and element.tail and (tag is _COMMENT or tag is _PI):
            current.append(element.tail)
        return True
    if depth > _SHALLOW:
        return False
    block = tag in _BLOCKS
    if block:
        _end_line(current, lines)
    if element.text:
        current.append(element.text)
    for child in element:
        if not _walk_shallow(child, current, lines, depth + 1):
            return False
    if block:
        _end_line(current, lines)
    if depth and element.tail:
        current.append(element.tail)
    return True


def _row_line(tr: lxml.html.HtmlElement, seen: _Seen | None) -> str:
    """A table row as one line: its cells as printed, joined by a space (text the parser left
    between cells too)."""
    parts = [tr.text or ""]
    for child in tr:
        parts += ["".join(_block_lines(child, seen)), child.tail or ""]
    return " ".join(p for p in (_SPACES.sub(" ", x).strip() for x in parts) if p)


# --- tables -----------------------------------------------------------------------------------


def _cell_text(cell: lxml.html.HtmlElement, seen: _Seen | None = None) -> str:
    """The cell's text, one piece per block inside it (vertical headers: one char a piece)."""
    return "\n".join(_block_lines(cell, seen))


def _span(cell: lxml.html.HtmlElement, name: str) -> int | None:
    digits = _SPAN_DIGITS.match(cell.get(name) or "")
    if not digits:
        return None
    return int(digits.group(1)) if len(digits.group(1)) <= 6 else _MAX_SPAN


def _size(cell: lxml.html.HtmlElement, rows_left: int) -> tuple[int, int]:
    """(rows, cols) the cell covers; rowspan="0" runs to the end of the table, a rowspan past
    the last row stops there, a colspan is 1 to 1000."""
    if cell.get("rowspan") is None and cell.get("colspan") is None:
        return 1, 1  # most cells
    rowspan, colspan = _span(cell, "rowspan"), _span(cell, "colspan")
    rows = 1 if rowspan is None else min(rowspan, rows_left) if rowspan else rows_left
    return rows, min(max(colspan or 1, 1), _MAX_SPAN)


def _place(slots: dict, r: int, c: int, size: tuple[int, int], cell: TableCell) -> None:
    if size == (1, 1):
        slots[(r, c)] = cell
        return
    for dr in range(size[0]):
        for dc in range(size[1]):
            slots[(r + dr, c + dc)] = cell


def _slots(rows: list, number: int, seen: _Seen | None) -> dict[tuple[int, int], TableCell]:
    """Grid position → cell, each spanning cell in every slot it covers."""
    slots: dict[tuple[int, int], TableCell] = {}
    area = 0
    for r, tr in enumerate(rows):
        c = 0
        for cell in (child for child in tr if child.tag in _CELL_TAGS):
            while (r, c) in slots:  # a slot taken by a rowspan from above
                c += 1
            size = _size(cell, len(rows) - r)
            area += size[0] * size[1]
            _check_size(area, number)
            found = TableCell(_cell_text(cell, seen), f"table {number}, row {r + 1}, col {c + 1}")
            _place(slots, r, c, size, found)
            c += size[1]
    return slots


def _check_size(cells: int, number: int) -> None:
    if cells > _MAX_CELLS:
        raise ReadError(f"table too large: table {number} has more than {_MAX_CELLS} cells")


def _grid(table: lxml.html.HtmlElement, number: int, seen: _Seen | None = None) -> Table:
    """The table as a grid (see the module docstring); rows padded to the widest row."""
    rows = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
    slots = _slots(rows, number, seen)
    width = max((c for _, c in slots), default=-1) + 1
    _check_size(width * len(rows), number)
    return Table(
        tuple(
            tuple(
                slots.get((r, c)) or TableCell("", f"table {number}, row {r + 1}, col {c + 1}")
                for c in range(width)
            )
            for r in range(len(rows))
        ),
        f"table {number}",
    )
