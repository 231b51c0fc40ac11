"""National unified form (2019 and 2021) in flattened text: a site's text rendering of the
HTML tables, where adjacent cells were glued together with no separator.

Used for pages saved as text (平潭's archive `page.txt`, 2020 on). Example of table 三:
"一、本年新收政府信息公开申请数量640020470二、上年结转…0000000三、本年度办理结果（一）予以公开…
（三）不予公开1.属于国家秘密00000002.其他法律…". Quirks handled:
- each row's values are one digit run; a space, where printed, is a certain boundary;
- the list marker of the next row sticks to the run ("00000002.其他…": the final 2 is "2."): the
  parser knows which marker comes next and takes it off;
- group headings run into row labels ("三、本年度办理结果（一）予以公开").

Splitting uses what is known about the row: 7 values with 总计 = the six applicant columns
(table 三), 15 values in three groups of 总计 = four outcomes (table 四), and across rows the
column identities I1 (新收 + 结转 = 总计 + 结转下年) and I2 (总计 = Σ outcomes). A value is taken
(status derived_from_flattened) only where every split satisfying all of them agrees; where
several remain, the cells are `ambiguous` with the candidate splits as evidence; where none fits,
`unreadable`. Table 二 has no identity within a row: a run is taken only when its digit count
leaves one split.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, replace

from transforms.catalogue import Catalogue, default
from transforms.cells import AMBIGUOUS, DERIVED, UNREADABLE
from transforms.labels import normalise_label
from transforms.readers import Document
from transforms.splitting import Split, TooManySplits, groups_total, splits, total_is_sum
from transforms.templates import ParsedTable, RawCell, each_table
from transforms.templates.national import REQUEST_COLUMNS, layout

_START = "本年新收政府信息公开申请"
_END = "结转下年度继续办理"
_RUN = re.compile(r"(\d[\d ]*)")
_SIGNED_RUN = re.compile(r"(-?\d[\d.\- ]*)")  # table 二 prints 万元 decimals and 本年增/减 signs
_HEADING = re.compile(r"(?=[(（][一二三四五六七][)）])|(?=[一二三四]、)")
_GROUP_HEADING = re.compile(r"^[(（][三四五六][)）]")
_MAX_COMBINATIONS = 100_000
_SHOWN_CANDIDATES = 10
S3 = "三、收到和处理政府信息公开申请情况"
S4 = "四、政府信息公开行政复议、行政诉讼情况"
S2 = "二、主动公开政府信息情况"


@dataclass
class _Row:
    group: str
    label: str
    run: str
    start: int  # offset of the run in the joined text
    code: str | None = None
    candidates: tuple[Split, ...] = ()


class _Text:
    """The document joined into one string, with offsets mapped back to line numbers."""

    def __init__(self, lines: tuple[str, ...]) -> None:
        self.lines = [unicodedata.normalize("NFKC", line) for line in lines]
        self.text = " ".join(self.lines)
        self.starts = list(itertools.accumulate((len(x) + 1 for x in self.lines), initial=0))

    def locator(self, offset: int, length: int) -> str:
        line = next(i for i, s in enumerate(self.starts[1:]) if offset < s)
        col = offset - self.starts[line] + 1
        return f"line {line + 1}, chars {col}-{col + max(length, 1) - 1}"


def detect(document: Document) -> bool:
    """True when table 三 is in the text but in no table with cells."""
    in_tables = any(_START in c.text for t in document.tables for r in t.rows for c in r)
    return not in_tables and any(_START in line for line in document.lines)


def _segments(text: str, start: int, end: int, run=_RUN) -> list[tuple[str, str, int]]:
    """(label text, digit run, run offset) pairs between start and end."""
    pieces = run.split(text[start:end])
    out, offset = [], start
    for label, run in itertools.zip_longest(pieces[0::2], pieces[1::2], fillvalue=""):
        offset += len(label)
        out.append((label, run, offset))
        offset += len(run)
    return out


def _strip_markers(segments: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """Move the list marker glued to the end of a run ("00000002" + ".其他…") to its label."""
    out, counter = [], 0
    for label, run, offset in segments:
        counter = 0 if _GROUP_HEADING.match(label.strip()) or "、" in label[:3] else counter
        if label and label[0] in ".．、" and out:
            counter += 1
            prev_label, prev_run, prev_offset = out[-1]
            marker = str(counter)
            if prev_run.rstrip().endswith(marker):
                kept = prev_run.rstrip()[: -len(marker)]
                out[-1] = (prev_label, kept, prev_offset)
                label = marker + label
        out.append((label, run, offset))
    return out


def _rows(text: str, catalogue: Catalogue) -> list[_Row]:
    start = text.find(_START)
    end = text.find(_END, start)
    if start < 0 or end < 0:
        return []
    start = text.rfind("一", 0, start) if "一、" in text[max(0, start - 3) : start] else start
    tail = _RUN.match(text, end + len(_END)) or _RUN.match(text, text.find(" ", end) + 1)
    stop = tail.end() if tail else end + len(_END)
    rows, pending, group = [], "", ""
    for label, run, offset in _strip_markers(_segments(text, start, stop)):
        pieces = [p for part in (pending, label) for p in _HEADING.split(part) if p.strip()]
        if not run.strip():
            pending = pending + label
            continue
        pending = ""
        if len(pieces) > 1:
            group = pieces[-2]
        row = _Row(group.strip(), pieces[-1].strip() if pieces else "", run, offset)
        row.code = catalogue.lookup("national", row.group, row.label)
        rows.append(row)
        if _GROUP_HEADING.match(row.label):
            group = row.label
    return rows


def _i3_candidates(row: _Row) -> tuple[Split, ...]:
    try:
        return tuple(splits(row.run, 7, total_is_sum))
    except TooManySplits:
        return ()


_FIXED = (
    "requests.new_received",
    "requests.carried_over",
    "requests.completed_total",
    "requests.carried_forward",
)


def _consistent(assign: dict[str, Split]) -> bool:
    outcomes = [v for k, v in assign.items() if k not in _FIXED]
    for c in range(7):
        get = {k: v[c] for k, v in assign.items()}
        if all(k in get for k in _FIXED):
            if get[_FIXED[0]] + get[_FIXED[1]] != get[_FIXED[2]] + get[_FIXED[3]]:
                return False
        if _FIXED[2] in get and outcomes and get[_FIXED[2]] != sum(v[c] for v in outcomes):
            return False
    return True


def _resolve(rows: list[_Row]) -> dict[int, tuple[Split, ...]]:
    """For each row index, the splits left once every identity is applied (see module doc)."""
    usable = [i for i, r in enumerate(rows) if r.candidates and r.code]
    choices = [rows[i].candidates for i in usable]
    total = 1
    for c in choices:
        total *= len(c)
    if total > _MAX_COMBINATIONS:
        return {i: r.candidates for i, r in enumerate(rows)}
    sat = [
        combo
        for combo in itertools.product(*choices)
        if _consistent({rows[i].code: s for i, s in zip(usable, combo, strict=True)})
    ]
    if not sat:  # the report's own columns do not add up: fall back to each row alone
        return {i: r.candidates for i, r in enumerate(rows)}
    left = {i: tuple(dict.fromkeys(combo[k] for combo in sat)) for k, i in enumerate(usable)}
    return {i: left.get(i, r.candidates) for i, r in enumerate(rows)}


def _judge(run: str, options: tuple[Split, ...], n: int, what: str) -> tuple[str, list[str], str]:
    """(status, the n cell texts, evidence) for a run and the splits left for it."""
    if len(options) == 1:
        split = options[0]
        return (
            DERIVED,
            [str(v) for v in split],
            f"split from {run!r} as {'|'.join(map(str, split))}",
        )
    if not options:
        return UNREADABLE, [run] * n, f"no split of {run!r} into {n} values satisfies {what}"
    shown = "; ".join("|".join(map(str, s)) for s in options[:_SHOWN_CANDIDATES])
    more = (
        f"; and {len(options) - _SHOWN_CANDIDATES} more" if len(options) > _SHOWN_CANDIDATES else ""
    )
    return AMBIGUOUS, [run] * n, f"{len(options)} splits of {run!r} satisfy {what}: {shown}{more}"


def _cells(section, group, label, columns, texts, locator, verdict, table) -> list[RawCell]:
    """One RawCell per column of a split run, all carrying the run's verdict and evidence."""
    status, note = verdict
    return [
        RawCell(
            section,
            group,
            label,
            column,
            text,
            f"{locator} [{column}]",
            table=table,
            status=status,
            note=note,
        )
        for column, text in zip(columns, texts, strict=True)
    ]


def _request_cells(doc: _Text, catalogue: Catalogue) -> list[RawCell]:
    rows = _rows(doc.text, catalogue)
    for row in rows:
        row.candidates = _i3_candidates(row)
    resolved = _resolve(rows)
    out = []
    for i, row in enumerate(rows):
        status, texts, note = _judge(
            row.run, resolved[i], 7, "总计 = sum of the six and the column identities"
        )
        locator = doc.locator(row.start, len(row.run))
        verdict = (status, note)
        out += _cells(
            S3, row.group, row.label, REQUEST_COLUMNS, texts, locator, verdict, "requests"
        )
    return out


def _appeal_cells(doc: _Text, catalogue: Catalogue) -> list[RawCell]:
    # table 四 follows table 三's last row; prose before the tables may say 结转下年度继续办理
    # and 行政复议 too, so the search starts at table 三, not at the first 结转下年度继续办理
    after = doc.text.find(_END, max(doc.text.find(_START), 0))
    match = re.compile(r"行政复议.*?总计\s*(\d[\d ]*)").search(doc.text, max(after, 0))
    if not match:
        return []
    run = match.group(1).strip()
    try:
        options = tuple(splits(run, 15, groups_total(5)))
    except TooManySplits:
        options = ()
    status, texts, note = _judge(run, options, 15, "each 总计 = its four outcomes")
    locator = doc.locator(match.start(1), len(run))
    positions = catalogue.positional("national", "appeals")
    headers = [p.column_as_printed for p in positions]
    return [  # table 四 has no row label: each value is labelled by its column
        replace(cell, label=cell.column, position=p.position)
        for p, cell in zip(
            positions,
            _cells(S4, "", "", headers, texts, locator, (status, note), "appeals"),
            strict=True,
        )
    ]


def _measures(label: str, catalogue: Catalogue) -> tuple[list[str], str]:
    """Split "信息内容本年制发件数本年废止件数现行有效件数规章" into ([measures], item label)."""
    known = sorted(
        (h.label for h in catalogue.proactive if h.kind == "measure"), key=len, reverse=True
    )
    rest = normalise_label(label.split("信息内容", 1)[1])
    found = []
    while True:
        hit = next((m for m in known if rest.startswith(m)), None)
        if hit is None:
            return found, rest
        found.append(hit)
        rest = rest[len(hit) :]


def _proactive_cells(doc: _Text, catalogue: Catalogue) -> list[RawCell]:
    start, end = doc.text.find("第二十条第"), doc.text.find(_START)
    if start < 0 or end < start:
        return []
    out, caption, measures = [], "", []
    for label, run, offset in _segments(doc.text, start, end, _SIGNED_RUN):
        if "第二十条第" in label:
            caption = label[label.find("第二十条第") :].split("信息内容")[0].strip()
        if "信息内容" in label:
            measures, item = _measures(label, catalogue)
        else:
            item = label.strip()
        if not run.strip() or not measures:
            continue
        signed = any(ch in run for ch in ".-")  # where a sign or decimal point goes is unknown
        options = () if signed else tuple(splits(run, len(measures)))
        what = "the row's column count" + (
            " (decimal points and signs are not split)" if signed else ""
        )
        status, texts, note = _judge(run, options, len(measures), what)
        locator = doc.locator(offset, len(run))
        out += _cells(S2, caption, item, measures, texts, locator, (status, note), "proactive")
    return out


def parse(document: Document, catalogue: Catalogue | None = None) -> ParsedTable:
    """Tables 二, 三 and 四 split out of the flattened text."""
    catalogue = catalogue or default()
    doc = _Text(document.lines)
    cells, errors = each_table(
        (
            ("table 二", lambda: _proactive_cells(doc, catalogue)),
            ("table 三", lambda: _request_cells(doc, catalogue)),
            ("table 四", lambda: _appeal_cells(doc, catalogue)),
        )
    )
    return ParsedTable(layout(cells, catalogue), tuple(cells), errors)
