"""Word reader: a `.docx` report → a Document of paragraphs and tables of cells.

In: the bytes of a `.docx` file. Out: `Document(lines, "docx", "word", tables)` or a
`ReadError` ("not a Word .docx file: …").

python-docx reads the package without resolving external entities. Quirks handled:
- body paragraphs and tables are read in document order (tables also give one line per row to
  `lines`, cells joined by a space, so metadata and prose readers see everything);
- merged cells: gridSpan across and vMerge down are expanded from the XML, every slot of one
  Word cell sharing one TableCell and locator;
- cell text keeps one line per paragraph.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from transforms.readers import Document, ReadError, Table, TableCell


def _tc_text(tc) -> str:
    paragraphs = (
        "".join(t.text or "" for t in p.iter(qn("w:t"))).strip() for p in tc.iter(qn("w:p"))
    )
    return "\n".join(p for p in paragraphs if p)


def _grid(tbl, number: int) -> Table:
    """The table's grid from its XML: gridSpan repeats a cell across, vMerge="continue" takes
    the cell above (python-docx's own row.cells misplaces cells under vertical merges)."""
    rows: list[list[TableCell]] = []
    for r, tr in enumerate(tbl.tr_lst, start=1):
        row: list[TableCell] = []
        for tc in tr.tc_lst:
            c = len(row)
            above = rows[-1][c] if rows and c < len(rows[-1]) else None
            if tc.vMerge == "continue" and above is not None:
                cell = above
            else:
                cell = TableCell(_tc_text(tc), f"table {number}, row {r}, col {c + 1}")
            row += [cell] * tc.grid_span
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    return Table(
        tuple(
            tuple(row)
            + tuple(
                TableCell("", f"table {number}, row {r}, col {c}")
                for c in range(len(row) + 1, width + 1)
            )
            for r, row in enumerate(rows, start=1)
        ),
        f"table {number}",
    )


def _row_line(row: tuple[TableCell, ...]) -> str:
    texts = [c.text.replace("\n", "") for i, c in enumerate(row) if i == 0 or c is not row[i - 1]]
    return " ".join(t for t in texts if t)


def read(path: Path, data: bytes) -> Document:
    """Read a Word .docx report; see the module docstring."""
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReadError(f"not a Word .docx file: {exc}") from exc
    lines, tables = [], []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = Paragraph(child, document).text.strip()
            lines += [text] if text else []
        elif child.tag == qn("w:tbl"):
            grid = _grid(child, len(tables) + 1)
            tables.append(grid)
            lines += [line for line in map(_row_line, grid.rows) if line]
    return Document(tuple(lines), "docx", "word", tuple(tables))
