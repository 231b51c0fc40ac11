"""Word reader: a `.docx` report → a Document of paragraphs and tables of cells.

In: the bytes of a `.docx` file. Out: `Document(lines, "docx", "word", tables, errors)` or a
`ReadError` ("not a Word .docx file: …", "too large: …"); a table whose markup cannot be read
is left out and named in `errors`, the rest of the file is kept.

A .docx is a zip of XML parts, and a zip can be built to hurt: a part that inflates to gigabytes
(a zip bomb), a size header that lies, XML that declares external entities. So the sizes the zip
declares are checked before anything is inflated; each part is inflated in bounded chunks, never
past its declared size (a single `read()` would inflate the whole stream first); and python-docx
reads those bytes, never the file itself. python-docx parses XML with `resolve_entities=False`,
lxml's default `no_network=True` and no DTD loading: no entity is expanded, no file or URL is
fetched (tests/transforms/readers/test_bad_input.py holds it to that). Quirks:
- body paragraphs and tables are read in document order, through content controls (`w:sdt`)
  too; each table row is also one line of `lines`, its cells as printed (a merged cell once)
  joined by a space, a cell's own lines joined without a break, so metadata and prose readers
  see everything once;
- merged cells: gridSpan across and vMerge down are expanded, every slot of one Word cell
  sharing one TableCell and locator; rows that start late (`w:gridBefore`) are shifted right
  and every row is padded with empty cells to the table's width (a span below 1 counts as 1,
  one above 1000 as 1000; a table of more than a million slots is refused);
- a table inside a cell is its own Table too (numbered in order of the start of each table),
  and its text is also part of the cell's text;
- cell text keeps one line per paragraph and per manual line break (`w:br`, vertical headers
  typed "结果⏎纠正"), each stripped, empty ones dropped; full-width spaces typed into blank
  value cells are whitespace, so those cells are "".
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from lzma import LZMAError
from pathlib import Path

import docx
import lxml.etree
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from transforms.extract.readers import Document, ReadError, Table, TableCell, failure

_MAX_UNZIPPED = 200 * 1024 * 1024  # a report's package is a few MB; more is a zip bomb
_MAX_XML_PART = 50 * 1024 * 1024  # a long report's document.xml is a few MB; lxml needs ~10×
_CHUNK = 1024 * 1024
# Word tables have at most 63 columns; a span or skip past 1000 (HTML's colspan limit) is cut
# there, and a grid of more than a million slots is not a report's table
_MAX_SPAN, _MAX_CELLS = 1000, 1_000_000
_DAMAGED = (zipfile.BadZipFile, NotImplementedError, zlib.error, EOFError, OSError, LZMAError)
_DOCTYPE = b"<!DOCTYPE"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the signature of an OLE compound file
_OLE_WHY = "an OLE compound file (a Word 97-2003 .doc renamed, or a password-protected .docx)"
# what python-docx raises for a zip that is not a readable Word package (a part missing, not
# Word's content type, a damaged or unsupported compressed part)
_BROKEN = (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, NotImplementedError)
_P, _TBL, _SDT, _SDT_CONTENT = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sdtContent")


def read(path: Path, data: bytes) -> Document:
    """Read a Word .docx report; see the module docstring."""
    body = _open(data).element.body
    if body is None:
        raise ReadError("not a Word .docx file: its document part has no body")
    lines, tables, errors = _walk(body)
    return Document(tuple(lines), "docx", "word", tuple(tables), tuple(errors))


def _walk(body) -> tuple[list[str], list[Table], list[str]]:
    """The body's lines and tables, in document order, and the tables that could not be read
    (markup Word would never write, such as a span "abc": the rest of the file is kept)."""
    lines: list[str] = []
    tables: list[Table] = []
    errors: list[str] = []
    numbered = 0  # tables met so far, read or not: a table left out keeps its number
    for block in _blocks(body):
        if block.tag == _P:
            lines += _pieces(Paragraph(block, None).text)
            continue
        found = list(block.iter(_TBL))
        first, numbered = numbered + 1, numbered + len(found)
        try:
            grids = [_grid(t, first + n) for n, t in enumerate(found)]
        except ValueError as exc:  # python-docx reading an attribute Word would never write
            errors.append(failure(f"table {first}", ValueError(f"invalid table markup ({exc})")))
            continue
        tables += grids
        lines += _row_lines(grids[0])
    return lines, tables, errors


def _open(data: bytes) -> docx.document.Document:
    """The Word document, read from the package's parts as `_unpack` read them: python-docx
    never inflates anything from the file itself."""
    parts = _unpack(data)
    try:
        return docx.Document(io.BytesIO(_repack(parts)))
    except (*_BROKEN, lxml.etree.XMLSyntaxError) as exc:
        raise ReadError(f"not a Word .docx file: {_broken_why(exc, parts)}") from exc


def _unpack(data: bytes) -> dict[str, bytes]:
    """Every file of the zip package, by name. The sizes the zip declares are checked before
    anything is inflated, so a zip bomb is refused unread; each part is then inflated in
    chunks, never past its declared size (a part longer than it says is cut there, and then
    fails its CRC check or its XML parse)."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        if data.startswith(_OLE):
            raise ReadError(f"not a Word .docx file: {_OLE_WHY}") from exc
        raise ReadError(f"not a Word .docx file: not a zip package ({exc})") from exc
    with package:
        infos = [info for info in package.infolist() if not info.is_dir()]
        _check_sizes(infos)
        return {info.filename: _inflate(package, info) for info in infos}


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    unzipped = sum(info.file_size for info in infos)
    if unzipped > _MAX_UNZIPPED:
        raise ReadError(f"too large: the .docx unpacks to {unzipped} bytes")
    for info in infos:
        if info.filename.endswith((".xml", ".rels")) and info.file_size > _MAX_XML_PART:
            raise ReadError(
                f"too large: {info.filename} in the .docx unpacks to {info.file_size} bytes "
                f"(more than {_MAX_XML_PART // 2**20} MB of XML)"
            )


def _inflate(package: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """One part's bytes, inflated in chunks: zipfile stops at the declared size (and checks the
    CRC), where a single `read()` would inflate the whole stream first."""
    chunks: list[bytes] = []
    size = 0
    try:
        with package.open(info) as part:
            while chunk := part.read(_CHUNK):
                size += len(chunk)
                if size > info.file_size:
                    raise ReadError(
                        f"not a Word .docx file: {info.filename} is larger than the zip declares"
                    )
                chunks.append(chunk)
    except RuntimeError as exc:  # zipfile's word for a part that needs a password
        raise ReadError("not a Word .docx file: the zip is password-protected") from exc
    except _DAMAGED as exc:
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise ReadError(f"not a Word .docx file: damaged ({info.filename}: {detail})") from exc
    return b"".join(chunks)


def _repack(parts: dict[str, bytes]) -> bytes:
    """The parts as an uncompressed zip, for python-docx to open."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as package:
        for name, blob in parts.items():
            package.writestr(name, blob)
    return buffer.getvalue()


def _broken_why(exc: Exception, parts: dict[str, bytes]) -> str:
    """python-docx's or lxml's words; for a part with a DOCTYPE (Word never writes one: it is
    how entities, external ones included, are declared), say so first."""
    declares = sorted(name for name, blob in parts.items() if _DOCTYPE in blob)
    if declares:
        return f"{declares[0]} declares XML entities (a DOCTYPE), which Word never writes ({exc})"
    return str(exc)


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
    row: list[TableCell | None] = [None] * min(max(tr.grid_before, 0), _MAX_SPAN)
    for tc in tr.tc_lst:
        c = len(row)
        cell = above[c] if above and c < len(above) and tc.vMerge == "continue" else None
        cell = cell or TableCell(_tc_text(tc), f"table {number}, row {r}, col {c + 1}")
        row += [cell] * min(max(tc.grid_span, 1), _MAX_SPAN)
    return row


def _grid(tbl, number: int) -> Table:
    """The table's grid (see the module docstring), built from the XML."""
    rows: list[list[TableCell | None]] = []
    for r, tr in enumerate(tbl.tr_lst, start=1):
        rows.append(_row(tr, rows[-1] if rows else None, number, r))
    width = max((len(row) for row in rows), default=0)
    if width * len(rows) > _MAX_CELLS:
        raise ReadError(f"table too large: table {number} has more than {_MAX_CELLS} cells")
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
