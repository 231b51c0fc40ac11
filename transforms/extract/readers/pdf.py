"""PDF reader: a report PDF's bytes → a Document of page text lines and ruled tables.

In: the bytes of a `.pdf` file. Out: `Document(lines, "pdf", "pdf", tables, errors)` or a
`ReadError` saying why the file cannot be read (not a PDF, damaged or truncated, encrypted, a
or text that comes out as character codes). A scan (no text layer) is read by OCR instead
(`readers.ocr`).

`lines` is pdfplumber's `extract_text()` of each page in page order, split into lines. Spaces
pdfplumber puts between CJK characters and digits ("2024 年") are kept; the parsers ignore them.

`tables` comes from the ruling lines and cell rectangles of each page (pdfplumber's "lines"
strategy), never from the page text: one `Table` per grid per page, in page order. Quirks of the
published reports handled here:

- Page footers ("- 4 -", "— 4 —", "第4页") are dropped from `lines`.
- Merged cells: pdfplumber gives None for a slot a merged cell covers; the slot gets the very
  `TableCell` (text and locator) of the cell whose rectangle covers it, so every row is as wide
  as the table. A slot no cell covers (a border the report never drew) is an empty cell.
- A table split across pages is two Tables, one per page; the continuation has no header rows
  and its first row may hold empty cells where a merged label cell was cut by the page break.
- WPS exports draw an invisible white rectangle behind each line of some paragraphs; pdfplumber
  sees those as one-column grids of prose. Grids with a single column are not tables and are
  dropped (their text is in `lines`). Where such a paragraph sits right above a real table,
  its lines become full-width rows at the top of that table; parsers find rows by their labels.
- The same exports give every Word cell a white fill rectangle, so the grid is the Word cell
  structure: a header that looks like one cell may be two (the first empty), and a cell whose
  border the report never drew (a continuation's missing top line) is not found.
- Cells keep their printed line breaks as "\\n": one-character vertical labels come out as
  "三\\n、\\n本\\n年…".
- Browser prints (Chromium/Skia): a table cut by a page break has no border at the cut, so the
  continuation's first row and a rowspan cell cut at the page end would be lost; the border is
  drawn back where vertical borders end with nothing meeting them (`_cut_edges`). Ideographs
  that the CJK font maps to radicals ("⼀" U+2F00 for "一") are mapped back.
- A page pdfminer/pdfplumber cannot read loses only its text or tables: the failure is listed in
  `errors` ("page 3 (tables): …"); a file none of whose pages can be read is a ReadError.
- Tables printed without ruling lines are not rebuilt from the word positions: no grid is found,
  and their rows are in `lines` only.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.psexceptions import PSEOF, PSException
from pdfplumber.page import Page
from pdfplumber.table import Table as FoundTable
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

from transforms.extract.readers import Document, ReadError, Table, TableCell, failure

# What pdfminer and pdfplumber raise for a file they cannot parse. pdfplumber wraps pdfminer's
# own exceptions in PdfminerException (the original is its first argument).
_PDF_ERRORS = (PdfminerException, MalformedPDFException, PSException)
_TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
_DASH = r"[-‐‑–—―－─]"
# Page-number footers printed as their own line: "- 4 -", "— 4 —", "第4页", "第 4 页 共 6 页".
_FOOTER = re.compile(rf"{_DASH}+\s*\d+\s*{_DASH}+|第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?")

_CID = re.compile(r"\(cid:\d+\)")  # pdfminer's stand-in for a glyph with no character

# Browser-printed PDFs (Chromium/Skia with Noto CJK) map some ideographs to the radical sharing
# their glyph: "⼀、本年新收" is U+2F00 "⼀", not U+4E00 "一"; "人⺠政府" is U+2EA0. NFKC maps the
# Kangxi radicals to their ideographs; the supplement's radicals that are whole simplified
# characters (Unicode's EquivalentUnifiedIdeograph.txt) are listed. Nothing else is changed.
_RADICALS = {
    **{
        cp: unicodedata.normalize("NFKC", chr(cp))
        for cp in range(0x2F00, 0x2FD6)
        if unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
    },
    **dict(
        zip(
            map(ord, "⺠⻄⻅⻆⻉⻋⻓⻔⻚⻛⻜⻢⻨⻩⻬⻮⻰"),
            "民西见角贝车长门页风飞马麦黄齐齿龙",
            strict=True,
        )
    ),
}
_EDGE_MIN = 2  # pt: a shorter edge is the end cap of a thin border rectangle, not a border
_TOUCH = 1.5  # pt: how close an edge end must be to another edge to be joined to it

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points
Slot = tuple[TableCell, Box | None]  # a grid slot: its cell and the cell's rectangle


def read(path: Path, data: bytes) -> Document:
    """Read a report PDF; see the module docstring."""
    if b"%PDF-" not in data[:1024]:
        raise ReadError(
            "not a readable PDF: the file does not start with a PDF header (%PDF-); "
            "it is another kind of file named .pdf"
        )
    lines: list[str] = []
    tables: list[Table] = []
    failed: list[tuple[str, Exception]] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in _read_pages(pdf.pages):
                lines.extend(page.lines)
                tables.extend(page.tables)
                failed.extend(page.failed)
            encrypted = pdf.doc.encryption is not None
    except _PDF_ERRORS as exc:
        _memory_is_not_damage(exc)
        raise _unreadable(exc, "") from exc
    if failed and not lines and not tables:
        where, exc = failed[0]
        raise _unreadable(exc, f" ({where})") from exc
    if not "".join("".join(lines).split()) and not tables:
        from transforms.extract.readers import ocr  # a scan: its text is in the page images

        return ocr.read(path, data)
    _check_text_layer(lines, encrypted)
    errors = tuple(failure(where, exc) for where, exc in failed)
    return Document(tuple(lines), "pdf", "pdf", tuple(tables), errors)


def _check_text_layer(lines: list[str], encrypted: bool) -> None:
    """Refuse a PDF whose text is not there (a scan) or not text: "(cid:N)" codes are glyphs
    whose font maps them to no character. pdfminer gives those for fonts without a Unicode
    map, and for copy-protected PDFs (opened without a password) whose font dictionaries it
    does not decrypt."""
    text = "".join("".join(lines).split())
    if not text:
        raise ReadError("scanned PDF with no text layer: OCR is not done")
    if 2 * sum(len(code) for code in _CID.findall(text)) <= len(text):
        return
    if encrypted:
        raise ReadError(
            "encrypted PDF: copy-protected, and its text cannot be extracted "
            "(it comes out as character codes, (cid:N))"
        )
    raise ReadError(
        "not a readable PDF: its fonts map no characters to text "
        "(it comes out as character codes, (cid:N)); OCR is not done"
    )


@dataclass
class _PageRead:
    lines: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    failed: list[tuple[str, Exception]] = field(default_factory=list)  # (where, what it raised)


def _read_pages(pages: list[Page]) -> Iterator[_PageRead]:
    """Each page's lines and tables; the page's parsed objects are freed once it is read. A page
    whose text or tables pdfplumber cannot read loses that part only: the failure is kept with
    the page number, and the other pages are read."""
    if not pages:
        raise ReadError("not a readable PDF: it has no pages")
    for number, page in enumerate(pages, 1):
        read = _PageRead()
        try:
            read.lines = _page_part(read, f"page {number} (text)", _page_lines, page)
            read.tables = _page_part(read, f"page {number} (tables)", _page_tables, page, number)
        finally:
            page.close()
        yield read


def _page_part(read: _PageRead, where: str, part: Callable[..., list], *args) -> list:
    """What `part(*args)` reads of one page, or nothing, its failure then kept in `read.failed`."""
    try:
        return part(*args)
    except MemoryError:  # the worker's memory bound: the parse pool reports it for the file
        raise
    except Exception as exc:  # pdfminer/pdfplumber raise many types on a damaged page
        _memory_is_not_damage(exc)
        read.failed.append((where, exc))
        return []


def _memory_is_not_damage(exc: Exception) -> None:
    """pdfminer wraps a MemoryError (a content stream inflating past the worker's memory bound)
    like a parse error; it is the memory bound, and the parse pool reports it as such."""
    cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
    if isinstance(cause, MemoryError):
        raise cause


def _unreadable(exc: Exception, where: str) -> ReadError:
    """A ReadError saying, for a person, why pdfminer could not read the file."""
    cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
    if isinstance(cause, PDFPasswordIncorrect):
        return ReadError(f"encrypted PDF: it needs a password to open{where}")
    if isinstance(cause, PDFEncryptionError):
        return ReadError(f"encrypted PDF: {cause or type(cause).__name__}{where}")
    if isinstance(cause, PSEOF):
        return ReadError(f"not a readable PDF: the file ends too early (truncated?){where}")
    detail = f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
    return ReadError(f"not a readable PDF: the file is damaged{where} ({detail})")


def _page_lines(page: Page) -> list[str]:
    """The page text in reading order, without its page-number footer."""
    text = (page.extract_text() or "").translate(_RADICALS)
    return [line for line in text.splitlines() if not _FOOTER.fullmatch(line.strip())]


def _page_tables(page: Page, page_number: int) -> list[Table]:
    """The ruled tables of one page, numbered from 1 within the page."""
    settings = {**_TABLE_SETTINGS, "explicit_horizontal_lines": _cut_edges(page)}
    found = [t for t in page.find_tables(settings) if len({b[0] for b in t.cells}) > 1]
    return [_table(t, f"page {page_number}, table {i}") for i, t in enumerate(found, 1)]


def _table(found: FoundTable, where: str) -> Table:
    """One pdfplumber table as a full grid: every None slot gets the cell that covers it."""
    texts = found.extract()
    xs = [*sorted({box[0] for box in found.cells}), found.bbox[2]]  # column left edges, right
    ys = [*sorted({box[1] for box in found.cells}), found.bbox[3]]  # row top edges, bottom
    grid: list[list[Slot]] = []
    for r, (row, row_texts) in enumerate(zip(found.rows, texts, strict=True)):
        slots: list[Slot] = []
        for c, box in enumerate(row.cells):
            if box is not None:
                text = (row_texts[c] or "").translate(_RADICALS)
                cell = TableCell(text, f"{where}, row {r + 1}, col {c + 1}")
                slots.append((cell, box))
                continue
            middle = ((xs[c] + xs[c + 1]) / 2, (ys[r] + ys[r + 1]) / 2)
            left = slots[c - 1] if c else None
            above = grid[r - 1][c] if r else None
            slots.append(_covering(middle, left, above, f"{where}, row {r + 1}, col {c + 1}"))
        grid.append(slots)
    return Table(tuple(tuple(cell for cell, _ in slots) for slots in grid), where)


def _covering(point: tuple[float, float], left: Slot | None, above: Slot | None, here: str) -> Slot:
    """The slot whose cell rectangle covers `point`: the left neighbour's for a horizontal merge,
    the one above for a vertical merge; an empty cell where no drawn cell covers it."""
    x, y = point
    for slot in (left, above):
        if slot is not None and slot[1] is not None:
            x0, top, x1, bottom = slot[1]
            if x0 < x < x1 and top < y < bottom:
                return slot
    return TableCell("", here), None


def _cut_edges(page: Page) -> list[dict]:
    """Horizontal borders where a page break cut a grid that has none there.

    Browsers print a table split across pages without a line at the cut: the continuation's
    first row has no top border and a cell cut at the page end (a rowspan label) no bottom
    one, so pdfplumber would drop that row or cell. Such a cut shows as two or more vertical
    borders ending at the same height with no horizontal border there and no vertical one
    continuing them; the border is drawn back across the verticals ending at that height."""
    edges = page.edges
    verticals = [e for e in edges if e["orientation"] == "v" and e["height"] > _EDGE_MIN]
    horizontals = [e for e in edges if e["orientation"] == "h" and e["width"] > _EDGE_MIN]
    open_ends: dict[int, list[float]] = {}
    for v in verticals:
        for y, step in ((v["top"], -1), (v["bottom"], 1)):
            if not _joined(v["x0"], y, step, verticals, horizontals):
                open_ends.setdefault(round(y), []).append(v["x0"])
    cuts = []
    for y, xs in sorted(open_ends.items()):
        if len(xs) < 2:
            continue
        ending = [v["x0"] for v in verticals if abs(v["top"] - y) < 1 or abs(v["bottom"] - y) < 1]
        x0, x1 = min(ending), max(ending)
        cuts.append({"object_type": "cut_edge", "orientation": "h", "x0": x0, "x1": x1,
                     "top": y, "bottom": y, "width": x1 - x0, "height": 0})  # fmt: skip
    return cuts


def _joined(x: float, y: float, step: int, verticals: list[dict], horizontals: list[dict]) -> bool:
    """Whether the end (x, y) of a vertical border meets a horizontal border, or continues in
    another vertical border beyond it (upwards for a top end, step -1; downwards, step 1)."""
    if any(
        abs(h["top"] - y) <= _TOUCH and h["x0"] - _TOUCH <= x <= h["x1"] + _TOUCH
        for h in horizontals
    ):
        return True
    beyond = y + step * _TOUCH
    return any(abs(v["x0"] - x) <= _TOUCH and v["top"] < beyond < v["bottom"] for v in verticals)
