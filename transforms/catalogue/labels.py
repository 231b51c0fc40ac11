"""Normalising printed row labels so that aliases in the catalogue can match them.

In: a label or group label exactly as printed. Out: a matching key. The printed text itself is
kept elsewhere (observations.label_as_printed); these keys are never shown to users.

Quirks handled: list markers printed in front of labels ("其中：1.", "①", "Ⅱ", "（三）"), the
footnote star of the Jilin form ("乡（镇）公开信息数*"), whitespace and line breaks inside wrapped
labels, full-width forms (NFKC, applied after the circled list markers are gone, since NFKC
would turn "①" into "1").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WHITESPACE = re.compile(r"\s+")
_LEAD_MARKERS = re.compile(
    r"^(?:"
    r"其中[：:，,、;；]?"  # "其中：" / "其中，" / "其中；" (OCR reads "：" as ";")
    r"|[0-9０-９]+[.．、]"  # "1." / "１．" / "2、"
    r"|[\u2460-\u2473\u2776-\u277f]"  # circled numbers ① … ⑳, ❶ … ❿
    r"|[\u2160-\u216f]+[.．、]?"  # roman numerals Ⅰ Ⅱ …
    r"|[（(][一二三四五六七八九十0-9]+[）)]"  # （一） / (3)
    r"|[一二三四五六七八九十]+、"  # 一、
    r")"
)
_TRAILING_MARKS = re.compile(r"[*＊※]+$")
_QUOTES = re.compile("[\"'“”‘’「」『』]")  # 危及“三安全一稳定” is also printed without quotes


def _strip_markers(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _LEAD_MARKERS.sub("", text)
    return _TRAILING_MARKS.sub("", text)


# Memoised: a form prints the same few hundred labels in every report, and parsers and catalogue
# lookups normalise each of them several times per cell.
@lru_cache(maxsize=1 << 16)
def normalise_label(label: str) -> str:
    """Matching key of a row label: no list markers, no footnote stars, no whitespace, NFKC."""
    text = _QUOTES.sub("", _WHITESPACE.sub("", label))
    return unicodedata.normalize("NFKC", _strip_markers(text))


@lru_cache(maxsize=1 << 16)
def normalise_group(group: str) -> str:
    """Matching key of a group label ("公开的\\n及时性" and "公开的及时性" are one group)."""
    return unicodedata.normalize("NFKC", _WHITESPACE.sub("", group))
