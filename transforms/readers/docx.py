"""Word reader: a `.docx` report → a Document of paragraphs and tables of cells.

In: the bytes of a `.docx` file. Out: `Document(lines, "docx", "word", tables)` or a
`ReadError` ("not a Word .docx file: …", "too large: …").

python-docx reads the package with its own XML parser, which does not resolve external
entities; the zip's declared sizes are checked first so a zip bomb is refused unread. Quirks:
- body paragraphs and tables are read in document order, through content controls (`w:sdt`)
  too; each table row is also one line of `lines`, its cells as printed (a merged cell once)
  joined by a space, a cell's own lines joined without a break, so metadata and prose readers
  see everything once;
- merged cells: gridSpan across and vMerge down are expanded, every slot of one Word cell
  sharing one TableCell and locator; rows that start late (`w:gridBefore`) are shifted right
  and every row is padded with empty cells to the table's width;
- a table inside a cell is its own Table too (numbered in order of the start of each table),
  and its text is also part of the cell's text;
- cell text keeps one line per paragraph and per manual line break (`w:br`, vertical headers
  typed "结果⏎纠正"), each stripped, empty ones dropped; full-width spaces typed into blank
  value cells are whitespace, so those cells are "".
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import lxml.etree
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from transforms.readers import Document, ReadError, Table, TableCell

_MAX_UNZIPPED = 200 * 1024 * 1024  # a report's package is a few MB; more is a zip bomb
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the signature of an OLE compound file
_OLE_WHY = "an OLE compound file (a Word 97-2003 .doc renamed, or a password-protected .docx)"
# what python-docx raises for a zip that is not a readable Word package (a part missing, not
# Word's content type, a damaged or unsupported compressed part)
_BROKEN = (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, NotImplementedError)
_P, _TBL, _SDT, _SDT_CONTENT = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sdtContent")


def read(path: Path, data: bytes) -> Document:
    """Read a Word .docx report; see the module docstring."""
    body = _open(data).element.body
    lines: list[str] = []
    tables: list[Table] = []
    for block in _blocks(body):
        if block.tag == _P:
            lines += _pieces(Paragraph(block, None).text)
            continue
        grids = [_grid(t, len(tables) + n) for n, t in enumerate(block.iter(_TBL), start=1)]
        tables += grids
        lines += _row_lines(grids[0])
    return Document(tuple(lines), "docx", "word", tuple(tables))


def _open(data: bytes) -> docx.document.Document:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            unzipped = sum(info.file_size for info in package.infolist())
    except zipfile.BadZipFile as exc:
        if data.startswith(_OLE):
            raise ReadError(f"not a Word .docx file: {_OLE_WHY}") from exc
        raise ReadError(f"not a Word .docx file: not a zip package ({exc})") from exc
    if unzipped > _MAX_UNZIPPED:
        raise ReadError(f"too large: the .docx unpacks to {unzipped} bytes")
    try:
        return docx.Document(io.BytesIO(data))
    except (*_BROKEN, lxml.etree.XMLSyntaxError) as exc:
        raise ReadError(f"not a Word .docx file: {exc}") from exc


def _blocks(container) -> Iterator:
    """The paragraphs and tables of the body in order; a content control (`w:sdt`, common in
    forms) is looked into, not skipped."""
    for child in container.iterchildren():
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _blocks(content)


def _pieces(text: str) -> list[str]:
    """Lines of a paragraph's text (python-docx renders `w:br` as "\\n"), stripped, non-empty."""
    return [piece for piece in (x.strip() for x in text.split("\n")) if piece]


def _tc_text(tc) -> str:
    """The cell's paragraphs, nested tables' included; text boxes are drawings, not cell text
    (python-docx leaves them out of paragraph text as well)."""
    paragraphs = tc.xpath(".//w:p[not(ancestor::w:txbxContent)]")
    return "\n".join(piece for p in paragraphs for piece in _pieces(Paragraph(p, None).text))


def _row(tr, above: list | None, number: int, r: int) -> list[TableCell | None]:
    """One row's slots: None for grid columns the row skips (`w:gridBefore`); a vMerge
    "continue" cell is the cell above it (with nothing above, Word shows a cell of its own).
    python-docx's `row.cells` gives the same cells on well-formed tables but leaves out the
    gridBefore columns and raises on a "continue" with nothing above."""
    row: list[TableCell | None] = [None] * tr.grid_before
    for tc in tr.tc_lst:
        c = len(row)
        cell = above[c] if above and c < len(above) and tc.vMerge == "continue" else None
        cell = cell or TableCell(_tc_text(tc), f"table {number}, row {r}, col {c + 1}")
        row += [cell] * tc.grid_span
    return row


def _grid(tbl, number: int) -> Table:
    """The table's grid (see the module docstring), built from the XML."""
    rows: list[list[TableCell | None]] = []
    for r, tr in enumerate(tbl.tr_lst, start=1):
        rows.append(_row(tr, rows[-1] if rows else None, number, r))
    width = max((len(row) for row in rows), default=0)
    return Table(
        tuple(
            tuple(
                (row[c] if c < len(row) else None)
                or TableCell("", f"table {number}, row {r}, col {c + 1}")
                for c in range(width)
            )
            for r, row in enumerate(rows, start=1)
        ),
        f"table {number}",
    )


def _row_lines(table: Table) -> list[str]:
    """Each row as printed: a cell merged across or down is read once, in its first slot."""
    lines = []
    for above, row in zip((None, *table.rows), table.rows, strict=False):
        texts = [
            cell.text.replace("\n", "")
            for c, cell in enumerate(row)
            if not (c and cell is row[c - 1]) and not (above and cell is above[c])
        ]
        lines += [" ".join(t for t in texts if t)]
    return [line for line in lines if line]
