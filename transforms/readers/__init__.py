"""Readers: one raw report file's bytes → a `Document`: text lines and tables of cells.

In: a path and its bytes. Out: `Document(lines, encoding, file_format, tables)`, or a
`ReadError` whose message a person understands (it becomes the `error` of the report's row).

One interface for every format. `lines` is the text in reading order (used for metadata, prose
and flattened tables); `tables` holds the tables the format knows as tables (HTML `<table>`,
PDF cell geometry, Word tables), each a grid of `TableCell`s with merged cells expanded: a cell
spanning several rows or columns appears in every slot it covers, with the same text and
locator. Text formats have no tables; their tables are found in `lines` by the parsers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class ReadError(Exception):
    """The file cannot be read as a report; the message says why, for a person."""


@dataclass(frozen=True)
class TableCell:
    text: str  # as printed; line breaks inside the cell kept as "\n"
    locator: str  # e.g. "table 2, row 5, col 3" or "page 4, table 1, row 5, col 3"


@dataclass(frozen=True)
class Table:
    # merged cells expanded into every slot they cover; grid formats (HTML, PDF, Word) pad every
    # row to the table's width, text tables keep each row as typed
    rows: tuple[tuple[TableCell, ...], ...]
    locator: str  # e.g. "table 2" or "page 4, table 1"


@dataclass(frozen=True)
class Document:
    lines: tuple[str, ...]
    encoding: str
    file_format: str
    tables: tuple[Table, ...] = field(default=())

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


TEXT_SUFFIXES = {".txt", ".text", ".md"}
FORMATS = {  # suffix → (format name, module in this package that reads it, or None)
    **{s: ("text", "text") for s in TEXT_SUFFIXES},
    ".html": ("html", "html"),
    ".htm": ("html", "html"),
    ".shtml": ("html", "html"),
    ".pdf": ("pdf", "pdf"),
    ".docx": ("word", "docx"),
    ".doc": ("word", None),
    ".wps": ("wps", None),
    ".xls": ("excel", None),
    ".xlsx": ("excel", None),
}
_UNSUPPORTED_WHY = {
    ".doc": "Word 97-2003 (.doc) files are not read; save them as .docx",
    ".wps": "WPS files are not read; save them as .docx",
    ".xls": "Excel files are not read",
    ".xlsx": "Excel files are not read",
}


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    return FORMATS.get(suffix, (suffix.lstrip(".") or "no extension", None))[0]


def read_document(path: Path, data: bytes) -> Document:
    """Decode `data` (the bytes of `path`) into a Document, or raise ReadError."""
    import importlib

    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ReadError(f"unsupported format: unknown file extension {suffix or '(none)'!r}")
    module = FORMATS[suffix][1]
    if module is None:
        raise ReadError(f"unsupported format: {_UNSUPPORTED_WHY[suffix]}")
    if not data.strip():
        raise ReadError("empty file: no content to read")
    return importlib.import_module(f"transforms.readers.{module}").read(path, data)
