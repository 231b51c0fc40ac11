"""Reading one printed table cell into (value, status).

In: the cell text as printed. Out: `Cell(value, status, note)`. A value that cannot be read with
certainty is never guessed: it gets value None and a status saying why.

Statuses:
- `number`: the cell is a number and nothing else (full-width digits and thousands separators
  allowed).
- `annotated`: a number with something printed beside it that does not change it: a unit
  ("251000元", "0件"), a footnote mark ("1234①"), a parenthetical ("22（其中修订16件）"). The
  leading number is the value; the note keeps the rest.
- `blank`: nothing was printed where a number belongs: empty, &nbsp;, "—", "-", "/", "无",
  "暂无". Not a zero.
- `approximate`: a number qualified as approximate ("约300", "4000余"); not a value.
- `unreadable`: anything else.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from transforms.schemas import (  # noqa: F401 (the value statuses are the observations contract)
    AMBIGUOUS,
    ANNOTATED,
    APPROXIMATE,
    BLANK,
    DERIVED,
    NUMBER,
    READ_STATUSES,
    UNREADABLE,
    VALUE_STATUSES,
)

_BLANKS = {"", "-", "--", "—", "——", "–", "/", "／", "无", "暂无", "空", "\\"}
# Footnote marks printed after a number; stripped before NFKC, which would turn ① into 1.
_FOOTNOTE_TAIL = re.compile(r"[\u2460-\u2473\u2776-\u277f*＊※]+$")
_PLAIN = re.compile(r"^[+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_LEADING_NUMBER = re.compile(r"^(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?P<rest>.*)$")
_NEGATIVE = re.compile(r"^-(?:\d+)(?:\.\d+)?$")
_APPROX_WORDS = ("约", "余", "近", "超", "多", "左右", "以上", "逾")
_UNIT_WORDS = (
    "件",
    "条",
    "人次",
    "人",
    "次",
    "个",
    "份",
    "册",
    "场次",
    "场",
    "项",
    "篇",
    "元",
    "万元",
    "家",
    "起",
)


@dataclass(frozen=True)
class Cell:
    value: float | None
    status: str
    note: str = ""
    exact: str | None = None  # the number's digits as printed ("12345678901234567890", "5.25")


def _clean(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("&nbsp;", " ").strip()
    return re.sub(r"\s+", "", text)


# Memoised: most printed cells are the same few hundred texts ("0", "1", "—"), read in every
# report and again by the parsers' shape tests; a Cell is immutable, so sharing it is safe.
@lru_cache(maxsize=1 << 16)
def parse_cell(text: str | None) -> Cell:
    """Read one printed cell; see the module docstring for the statuses."""
    raw = _clean(text or "")
    if raw in _BLANKS:
        return Cell(None, BLANK, "nothing printed" if not raw else f"printed {raw!r}")
    footnoteless = _FOOTNOTE_TAIL.sub("", raw)
    had_footnote = footnoteless != raw
    norm = unicodedata.normalize("NFKC", footnoteless)
    if _PLAIN.match(norm) or _NEGATIVE.match(norm):
        digits = norm.replace(",", "").lstrip("+")
        if had_footnote:
            note = f"footnote mark {raw[len(footnoteless) :]!r}"
            return Cell(float(digits), ANNOTATED, note, digits)
        return Cell(float(digits), NUMBER, exact=digits)
    if any(word in norm for word in _APPROX_WORDS):
        return Cell(None, APPROXIMATE, f"approximate: {raw!r}")
    return _annotated(norm, raw)


def _annotated(norm: str, raw: str) -> Cell:
    match = _LEADING_NUMBER.match(norm)
    if not match:
        return Cell(None, UNREADABLE, f"not a number: {raw!r}")
    rest = match["rest"]
    if rest in _UNIT_WORDS or rest.startswith(("(", "（")):
        digits = match["num"].replace(",", "")
        return Cell(float(digits), ANNOTATED, f"printed {raw!r}", digits)
    return Cell(None, UNREADABLE, f"not a number: {raw!r}")
