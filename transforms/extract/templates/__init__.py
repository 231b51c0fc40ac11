"""Template parsers: a decoded document → the statistics table's cells, exactly as printed.

Each parser module handles one template family and exposes `TEMPLATE` (its catalogue id),
`detect(document) -> bool` and `parse(document) -> ParsedTable`. Interpretation (codes, numbers,
blanks) happens later, in `transforms.normalise`.
"""

from __future__ import annotations

import dataclasses
import logging

from transforms.catalogue import Catalogue
from transforms.extract.readers import Document, OcrRead, failure
from transforms.extract.templates import (
    fujian,
    fujian_flat,
    generic,
    jilin,
    national,
    national_flat,
)
from transforms.extract.templates.base import (  # noqa: F401 (the parsers' shared types)
    ParsedTable,
    RawCell,
    TemplateNotFound,
    each_table,
    printed_cells,
)

log = logging.getLogger(__name__)


def parse_document(document: Document, catalogue: Catalogue) -> ParsedTable:
    """Detect the template family of `document` and parse its statistics table."""
    families = (
        (jilin, "jilin_pre2019"),
        (national, "national"),
        (national_flat, "national"),
        (fujian, "fujian_pre2019"),
        (fujian_flat, "fujian_pre2019"),
        (generic, "generic_indicator_value"),
    )
    for module, family in families:
        if not module.detect(document):
            continue
        try:
            return _marked(document, module.parse(document, catalogue))
        except MemoryError:
            raise
        except Exception as exc:  # a parser defect: the report keeps its metadata and prose
            log.exception("the %s parser failed", module.__name__)
            return ParsedTable(family, (), (failure(f"statistics tables ({family})", exc),))
    raise TemplateNotFound(
        "no known statistics table found (looked for: Jilin pre-2019 数据统计表; national "
        "2019/2021 form tables 二/三/四; Fujian pre-2019 政府信息公开情况统计表; any table of "
        "label | value rows)"
    )


def _marked(document: Document, table: ParsedTable) -> ParsedTable:
    """In a scan every cell was read by OCR, those a parser found in the OCR text lines too: they
    are marked so (no confidence known), and normalise judges them as OCR numbers."""
    if not document.ocr:
        return table
    unknown = OcrRead(None)
    cells = tuple(c if c.ocr else dataclasses.replace(c, ocr=unknown) for c in table.cells)
    return dataclasses.replace(table, cells=cells)
