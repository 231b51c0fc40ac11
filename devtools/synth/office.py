"""Rendering a report as Word (.docx) and PDF, the formats measured apart in the benchmark.

In: a `Report`. Out: the file's bytes, the same for the same report (timestamps fixed).
- docx (python-docx): paragraphs, then each table with merged cells (gridSpan, vMerge) as
  Word writes them; the zip entries get a fixed date so the bytes are reproducible.
- pdf (reportlab): the CID font STSong-Light (no font file needed; pdfplumber reads it
  back), tables drawn with ruling lines on every cell border so pdfplumber finds the cells, long
  labels wrapped inside their cells; table 三 starts on a page of its own, as it does in the
  published PDFs when it would not fit below the prose. python-docx and reportlab are imported
  only when a file of their format is written.
"""

from __future__ import annotations

import datetime
import io
import zipfile

from devtools.synth import labels as L
from devtools.synth import render
from devtools.synth.model import Report
from devtools.synth.tables import Grid, expand, grids

_FIXED_DATE = (2020, 1, 1, 0, 0, 0)
_FONT = "STSong-Light"


def _stable_zip(data: bytes) -> bytes:
    """The same zip with every entry dated _FIXED_DATE (python-docx stamps the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, _FIXED_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _docx_table(document, grid: Grid) -> None:
    slots = expand(grid)
    width = len(slots[0])
    table = document.add_table(rows=len(slots), cols=width)
    table.style = "Table Grid"
    cells = table._cells  # once: python-docx recomputes the whole grid on every table.cell()
    placed: set[int] = set()
    for r, row in enumerate(slots):
        for c, cell in enumerate(row):
            if cell is None or id(cell) in placed:
                continue
            placed.add(id(cell))
            target = cells[r * width + c]
            if cell.rowspan > 1 or cell.colspan > 1:
                end = cells[(r + cell.rowspan - 1) * width + c + cell.colspan - 1]
                target = target.merge(end)
            target.text = cell.text


def docx(report: Report) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    props = document.core_properties
    props.created = props.modified = datetime.datetime(2020, 1, 1)
    props.author = props.last_modified_by = "nianbao synth"
    document.add_paragraph(render.title(report))
    tables = grids(report)
    for text in report.prose:
        if text.startswith("[table "):
            _docx_table(document, tables[int(text[7:-1]) - 1])
        else:
            document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue())


def _widths(width: int) -> list[float]:
    """Column widths (points) of a table `width` columns wide."""
    return {
        4: [190, 100, 100, 100],
        10: [28, 62, 160, 36, 36, 36, 36, 36, 36, 36],
        15: [33] * 15,
    }[width]


def _pdf_table(grid: Grid, styles):
    from reportlab.platypus import Paragraph, Table

    slots = expand(grid)
    data = [["" for _ in row] for row in slots]
    commands = [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    placed: set[int] = set()
    for r, row in enumerate(slots):
        for c, cell in enumerate(row):
            if cell is None or id(cell) in placed:
                continue
            placed.add(id(cell))
            data[r][c] = Paragraph(cell.text, styles) if cell.text else ""
            if cell.rowspan > 1 or cell.colspan > 1:
                end = (c + cell.colspan - 1, r + cell.rowspan - 1)
                commands.append(("SPAN", (c, r), end))
    return Table(data, colWidths=_widths(len(slots[0])), style=commands)


def pdf(report: Report) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    body = ParagraphStyle("body", fontName=_FONT, fontSize=10.5, leading=16, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=15, leading=22, alignment=1)
    cell = ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9.5)
    year_line = L.PDF_TITLE_YEAR.format(year=report.year)
    story = [Paragraph(report.body, head), Paragraph(year_line, head)]
    tables = grids(report)
    for text in report.prose:
        if text.startswith("[table "):
            number = int(text[7:-1])
            story += [PageBreak()] if number == 2 else []
            story.append(_pdf_table(tables[number - 1], cell))
        else:
            story.append(Paragraph(text, body))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=36, rightMargin=36, topMargin=48,
                            bottomMargin=48, invariant=1, title=render.title(report))  # fmt: skip
    doc.build(story)
    return buffer.getvalue()
