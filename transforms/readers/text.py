"""Text reader: plain text and Markdown report files → a Document of lines (no tables).

Text files arrive as UTF-8, UTF-8 with a BOM, UTF-16 with a BOM, or GB18030/GBK; strict UTF-8 is
tried first, then charset-normalizer's best guess. Text that is UTF-8 mis-decoded as GBK and saved
again ("涓€銆佹€讳綋鎯呭喌" for "一、总体情况") is recognised and repaired.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from charset_normalizer import from_bytes

from transforms.readers import Document, ReadError

# Words every report contains; used to tell a right decoding from a wrong one.
_MARKERS = ("政府信息公开", "信息公开", "年度报告", "政府")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read(path: Path, data: bytes) -> Document:
    """Decode report text; see the module docstring."""
    text, encoding = decode_text(data)
    return Document(tuple(text.splitlines()), encoding, "text")


def decode_text(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name) for report text bytes, repairing GBK mojibake."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _repair_mojibake(data.decode(name), name)
    try:
        return _repair_mojibake(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_16"]).best()
    if best is None or "\x00" in str(best):
        raise ReadError("not text: no encoding (UTF-8, GB18030, Big5, UTF-16) decodes this file")
    return _repair_mojibake(str(best), best.encoding)


def _repair_mojibake(text: str, encoding: str) -> tuple[str, str]:
    """Undo UTF-8 bytes that were decoded as GBK and saved again, when that is what happened."""
    if any(m in text for m in _MARKERS):
        return text, encoding
    try:  # Windows GBK (cp936) shows byte 0x80 as "€"; Python's gbk codec has no such byte
        repaired = b"\x80".join(p.encode("gbk") for p in text.split("€")).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text, encoding
    if any(m in repaired for m in _MARKERS):
        return repaired, f"{encoding} (repaired UTF-8-as-GBK mojibake)"
    return text, encoding
