"""Readers: one raw report file's bytes → a `Document`: text lines and tables of cells.

In: a path and its bytes. Out: `Document(lines, encoding, file_format, tables, errors)`, or a
`ReadError` whose message a person understands (it becomes the `error` of the report's row).
A failure confined to one part of the file (one table, one page, one element) does not lose
the rest: the reader keeps what it read and lists the failure in `Document.errors`, and the
report is published as `partial` (`failure()` words each entry).

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
class OcrRead:
    """What OCR said about a cell it read (scanned PDFs, `readers.ocr`)."""

    confidence: float | None  # the engine's 0–100 confidence; None where the cell held no ink
    # other readings of an unsure number (each unsure digit replaced by its alternatives); empty
    # when the engine was sure
    alternatives: tuple[str, ...] = ()
    # red seal ink over the cell: what OCR reads there is never taken as sure, however confident
    sealed: bool = False


@dataclass(frozen=True)
class TableCell:
    text: str  # as printed; line breaks inside the cell kept as "\n"
    locator: str  # e.g. "table 2, row 5, col 3" or "page 4, table 1, row 5, col 3"
    ocr: OcrRead | None = None  # set when the text was read by OCR from an image


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
    errors: tuple[str, ...] = field(default=())  # parts of the file not read, and why
    ocr: bool = False  # the text and cells were read by OCR from page images (a scan)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def failure(where: str, exc: BaseException) -> str:
    """One part of a file that could not be read, in words: the place, the exception's type and
    its message (never empty: an exception raised without one says so)."""
    message = str(exc).strip() or "(raised without a message)"
    return f"{where}: {type(exc).__name__}: {message}"


TEXT_SUFFIXES = {".txt", ".text", ".md"}
FORMATS = {  # suffix → (format name, module in this package that reads it, or None)
    **{s: ("text", "text") for s in TEXT_SUFFIXES},
    ".html": ("html", "html"),
    ".htm": ("html", "html"),
    ".shtml": ("html", "html"),
    ".pdf": ("pdf", "pdf"),
    ".docx": ("word", "docx"),
    ".doc": ("word", "office"),  # through LibreOffice
    ".wps": ("wps", "office"),
    ".xls": ("excel", None),
    ".xlsx": ("excel", None),
    ".et": ("excel", None),
}
_UNSUPPORTED_WHY = {
    ".xls": "Excel files are not read",
    ".xlsx": "Excel files are not read",
    ".et": "WPS spreadsheets (.et) are not read",
}


def file_format(path: Path) -> str:
    """The format's name; an unknown extension as it is (bytes that are not UTF-8, kept by the
    path as surrogate escapes, shown as \\xNN: a valid string, the same in every run)."""
    suffix = path.suffix.lower()
    unknown = (
        suffix.lstrip(".").encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    )
    return FORMATS.get(suffix, (unknown or "no extension", None))[0]


def read_document(path: Path, data: bytes) -> Document:
    """Decode `data` (the bytes of `path`) into a Document, or raise ReadError."""
    import importlib

    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ReadError(f"unsupported format: unknown file extension {suffix or '(none)'!r}")
    module = FORMATS[suffix][1]
    if module is None:
        raise ReadError(f"unsupported format: {_UNSUPPORTED_WHY[suffix]}")
    _check_not_empty(data)
    return importlib.import_module(f"transforms.extract.readers.{module}").read(path, data)


_WHITESPACE_ENCODINGS = ("utf-8-sig", "utf-16")  # a BOM and spaces (full-width ones too)


def _check_not_empty(data: bytes) -> None:
    """Refuse a file with nothing in it, whatever its extension: no bytes, only whitespace (a
    BOM and full-width spaces included), or only zero bytes (space reserved by a download or
    copy that never wrote into it)."""
    if not data.strip():
        raise ReadError("empty file: no content to read")
    if not data.strip(b"\x00"):
        raise ReadError("empty file: only zero bytes (an interrupted download or copy?)")
    if len(data) <= 4096 and any(_blank_as(data, name) for name in _WHITESPACE_ENCODINGS):
        raise ReadError("empty file: no content to read")


def _blank_as(data: bytes, encoding: str) -> bool:
    try:
        return not data.decode(encoding).replace("\ufeff", "").strip()
    except UnicodeDecodeError:
        return False
