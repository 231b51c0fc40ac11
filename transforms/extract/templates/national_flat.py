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

from transforms.catalogue import Catalogue
from transforms.catalogue.labels import normalise_label
from transforms.extract.cells import AMBIGUOUS, DERIVED, UNREADABLE
from transforms.extract.readers import Document
from transforms.extract.splitting import Split, TooManySplits, groups_total, splits, total_is_sum
from transforms.extract.templates.base import ParsedTable, RawCell, each_table
from transforms.extract.templates.national import REQUEST_COLUMNS, layout

_START = "本年新收政府信息公开"  # "…申请数量" wraps in narrow cells: "…公开申" | "请数量"
_END = "结转下年度继续办理"
_RUN = re.compile(r"(\d[\d ]*)")
_TAIL = re.compile(r"\s*(\d[\d ]*)")  # the last row's run, after the PDF text's padding
_SIGNED_RUN = re.compile(r"(-?\d[\d.\- ]*)")  # table 二 prints 万元 decimals and 本年增/减 signs
_HEADING = re.compile(r"(?=[(（][一二三四五六七][)）])|(?=[一二三四]、)")
_GROUP_HEADING = re.compile(r"^[(（][三四五六][)）]")
_SPANNED_GROUP = "其他处理"  # the 2021 form's （六）: its sub-rows often share one value cell
_LIST_NUMBER = re.compile(r"[1-9]")  # sub-rows are numbered 1. to 8.
_SUB_ROW = re.compile(r"^\d+[.．、]")
# page footers a PDF converter leaves inside a table: "— 5 —", "- 4 -", "-3-", "第 3 页 共 9 页"
_FOOTER = re.compile(
    r"^\s*(?:[-—–－]+\s*\d+\s*[-—–－]+|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?)\s*$"
)
_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_PLACEHOLDER = re.compile(r"(?:数据|列|Col|col|Column|column)\s*\d+")  # headers a converter invents
# the column header row, repeated where a converter met it again (a page break inside （六）)
_STRAY_HEADER = re.compile(
    r"(?:申请人情况|自然人)(?:\s*(?:自然人|法人或其他组织|商业企业|科研机构|社会公益组织|法律服务机构|其他|总计))*"
)
# table 四's run: the numbers after its header's last 总计 / 审结, else (a layout text whose
# vertical headers were cut into pieces: "审" … "结") the first numbers after 行政复议
_APPEALS_RUN = re.compile(r"行政复议.*?(?:总\s*计|审\s*结)\s*(\d[\d ]*)")
_APPEALS_HEADED = re.compile(r"行政复议\D*?(\d[\d ]*)")
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


def _blanked(match: re.Match) -> str:
    return " " * len(match.group(0))


def _clean(line: str) -> str:
    """A line with what converters put into a table that is no cell blanked out, keeping every
    offset: page footers, Markdown rules, pipes and placeholder headers ("| 数据1 | 列2 |")."""
    if _FOOTER.match(line) or _RULE.match(line):
        return " " * len(line)
    return _PLACEHOLDER.sub(_blanked, line.replace("|", " "))


class _Text:
    """The document joined into one string, with offsets mapped back to line numbers."""

    def __init__(self, lines: tuple[str, ...]) -> None:
        self.lines = [_clean(unicodedata.normalize("NFKC", line)) for line in lines]
        self.text = " ".join(self.lines)
        self.starts = list(itertools.accumulate((len(x) + 1 for x in self.lines), initial=0))
        self.request_rows: list[_Row] | None = None  # table 三's rows, found once (`_table3`)

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


def _marker(run: str, counter: int) -> str | None:
    """The list marker at the end of a run followed by ".label": a chunk of its own where a
    space sets it apart ("1 0 0 0 0 0 1  2" + ".其他…", PDF text), else the next number of the
    list glued to the values ("00000002" + ".其他…", site text)."""
    chunks = run.split()
    if not chunks:
        return None
    if (len(chunks) == 1 or len(chunks) > 7) and _LIST_NUMBER.fullmatch(chunks[-1]):
        return chunks[-1]
    marker = str(counter + 1)
    return marker if chunks[-1].endswith(marker) else None


def _strip_markers(segments: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """Move the list marker at the end of a run ("00000002" + ".其他…") to its label."""
    out, counter = [], 0
    for label, run, offset in segments:
        counter = 0 if _GROUP_HEADING.match(label.strip()) or "、" in label[:3] else counter
        if label and label[0] in ".．、" and out:
            prev_label, prev_run, prev_offset = out[-1]
            marker = _marker(prev_run, counter)
            counter += 1
            if marker is not None:
                counter = int(marker)
                kept = prev_run.rstrip()[: -len(marker)]
                out[-1] = (prev_label, kept, prev_offset)
                label = marker + label
        out.append((label, run, offset))
    return out


def _pieces(text: str, start: int, stop: int) -> list[tuple[str, str, int]]:
    """(label piece, run, run offset): each segment's label cut at its headings; only the last
    piece of a segment owns the run, the others print no digits ("…申请3.其他（七）总计5000005")."""
    out = []
    for label, run, offset in _strip_markers(_segments(text, start, stop)):
        label = _STRAY_HEADER.sub(" ", label)
        parts = [p.strip() for p in _HEADING.split(label) if p.strip()] or [""]
        out += [(p, "", offset) for p in parts[:-1]] + [(parts[-1], run, offset)]
    return out


def _code(catalogue: Catalogue, group: str, label: str) -> str | None:
    """The row's code; a label a PDF line cut short ("（二）部分公开（区分处理的，只计这一情",
    its end printed below the numbers) is known by its beginning (`Catalogue.lookup_cut`)."""
    if not label:
        return None
    return catalogue.lookup("national", group, label) or catalogue.lookup_cut("national", label)


def _is_heading(pieces: list[tuple[str, str, int]], i: int) -> bool:
    """A group heading ("（六）其他处理" followed by "1.…"), not a row that prints no digits."""
    nxt = pieces[i + 1][0] if i + 1 < len(pieces) else ""
    return bool(_GROUP_HEADING.match(pieces[i][0]) and _SUB_ROW.match(nxt))


def _rows(text: str, catalogue: Catalogue) -> list[_Row]:
    start = text.find(_START)
    end = text.find(_END, start)
    if start < 0 or end < 0:
        return []
    start = text.rfind("一", 0, start) if "一、" in text[max(0, start - 3) : start] else start
    tail = _TAIL.match(text, end + len(_END)) or _TAIL.match(text, text.find(" ", end) + 1)
    stop = tail.end() if tail else end + len(_END)
    pieces = _pieces(text, start, stop)
    rows, group = [], ""
    for i, (label, run, offset) in enumerate(pieces):
        code = _code(catalogue, group, label)
        if not run.strip() and (code is None or _is_heading(pieces, i)):
            group = label if _HEADING.match(label) else group  # not stray text between rows
            continue
        rows.append(_Row(group, label, run.strip() and run, offset, code))
        if _GROUP_HEADING.match(label):
            group = label
    return rows


def _printed(run: str, n: int) -> Split | None:
    """The cells as printed when the run holds exactly n space-separated numbers."""
    chunks = run.split()
    if len(chunks) != n or any(c != "0" and c.startswith("0") for c in chunks):
        return None
    return tuple(int(c) for c in chunks)


def _candidates(run: str, n: int, holds, as_printed: bool = False) -> tuple[Split, ...]:
    """The splits of a run into n values that satisfy `holds`: glued digits are split only
    where the identities leave one way, and a split whose numbers may have left their rows
    (text out of a PDF tool) is taken only where the identities confirm it. `as_printed`: the
    text is known to keep its rows (`_rows_kept`), so n space-separated numbers are the cells
    as printed, whether they add up or not (a table that does not add up is a finding of the
    checks, not a reason to leave its cells unread)."""
    printed = _printed(run, n) if as_printed else None
    if printed is not None:
        return (printed,)
    try:
        return tuple(splits(run, n, holds))
    except TooManySplits:
        return ()


def _rows_kept(doc: _Text, catalogue: Catalogue) -> bool:
    """Whether table 三 came out with every row's numbers in its row: each row found prints
    seven space-separated numbers that satisfy 总计 = the six. Then the text keeps the table's
    rows, and table 四's numbers, printed apart, are its cells even where they do not add up."""
    rows = _table3(doc, catalogue)
    return bool(rows) and all(_adds_up(r.run) for r in rows)


def _table3(doc: _Text, catalogue: Catalogue) -> list[_Row]:
    """Table 三's rows with labels printed before their numbers placed (`_requeue`), found once
    per document: table 三's cells and table 四's reading both need them."""
    if doc.request_rows is None:
        doc.request_rows = _rows(doc.text, catalogue)
        _requeue(doc.request_rows)
    return doc.request_rows


def _adds_up(run: str) -> bool:
    """Seven space-separated numbers whose last is the sum of the six (I3)."""
    printed = _printed(run, 7)
    return printed is not None and total_is_sum(printed)


def _i3_candidates(row: _Row) -> tuple[Split, ...]:
    return _candidates(row.run, 7, total_is_sum)


_FLOW = ("new_received", "carried_over", "completed", "carried_forward")  # I1's roles, in order


def _flow_codes(catalogue: Catalogue) -> tuple[str, ...]:
    """新收, 上年结转, 办理结果总计, 结转下年度: I1 says the first two add up to the last two."""
    return tuple(catalogue.role_code(r) for r in _FLOW)


def _consistent(assign: dict[str, Split], fixed: tuple[str, ...]) -> bool:
    outcomes = [v for k, v in assign.items() if k not in fixed]
    for c in range(7):
        get = {k: v[c] for k, v in assign.items()}
        if all(k in get for k in fixed):
            if get[fixed[0]] + get[fixed[1]] != get[fixed[2]] + get[fixed[3]]:
                return False
        if fixed[2] in get and outcomes and get[fixed[2]] != sum(v[c] for v in outcomes):
            return False
    return True


def _resolve(rows: list[_Row], fixed: tuple[str, ...]) -> dict[int, tuple[Split, ...]]:
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
        if _consistent({rows[i].code: s for i, s in zip(usable, combo, strict=True)}, fixed)
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
    return _column_cells(
        section, group, label, columns, [(status, t, note) for t in texts], locator, table
    )


def _column_cells(section, group, label, columns, verdicts, locator, table) -> list[RawCell]:
    """One RawCell per column, each with its own (status, text, evidence)."""
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
        for column, (status, text, note) in zip(columns, verdicts, strict=True)
    ]


def _spans(rows: list[_Row]) -> dict[int, list[int]]:
    """Row index of a valued （六） sub-row → the sub-rows after it that print no digits: the
    site prints a value cell spanning several rows (HTML rowspan) once, on its first row."""
    spans: dict[int, list[int]] = {}
    anchor = None
    for i, row in enumerate(rows):
        if row.run:
            anchor = i if _SPANNED_GROUP in row.group else None
        elif anchor is not None and rows[anchor].group == row.group:
            spans.setdefault(anchor, []).append(i)
    return spans


def _span_verdicts(verdicts: list, labels: list[str]) -> list:
    """Per column, what one value cell printed for several rows says of each of them: a 0 is 0
    in each (the rows' non-negative cells together hold 0); any other number belongs to rows
    the text cannot tell apart, so every row of the span is ambiguous in that column."""
    rows = " / ".join(labels)
    out = []
    for status, text, note in verdicts:
        if status != DERIVED:
            out.append((status, text, f"{note}; printed once for the rows {rows}"))
        elif text == "0":
            out.append((DERIVED, text, f"{note}; one cell spans the rows {rows}: 0 in each"))
        else:
            why = f"one cell {text} spans the rows {rows}: which of them it counts is not printed"
            out.append((AMBIGUOUS, text, f"{note}; {why}"))
    return out


# A row printed with no digits at all: blank cells, cells spanned by a row above (HTML
# rowspan), or numbers a PDF converter printed elsewhere; the text cannot say which.
_UNDIGITED = (
    AMBIGUOUS,
    "the row prints no digits: its cells are blank, spanned by a row above, or printed "
    "elsewhere in the text; which of these is not certain",
)


def _requeue(rows: list[_Row]) -> None:
    """Labels printed before their numbers (a PDF converter's "label lines, then a block of
    numbers"): rows that print no digits take, in the form's row order, the numbers of the next
    run when it holds exactly seven numbers per waiting row (space-separated) and each row's
    总计 confirms them (numbers a converter printed column by column come in runs of the same
    length, in another order: placed by order alone they would be wrong)."""
    waiting: list[_Row] = []
    for row in rows:
        if not row.run:
            waiting.append(row)
            continue
        numbers = row.run.split()
        groups = [" ".join(numbers[k : k + 7]) for k in range(0, len(numbers), 7)]
        takers = (*waiting, row)
        if waiting and len(numbers) == 7 * len(takers) and all(map(_adds_up, groups)):
            for taker, group in zip(takers, groups, strict=True):
                taker.run, taker.start = group, row.start
        waiting = []


def _request_verdicts(rows: list[_Row], catalogue: Catalogue) -> list[list[tuple[str, str, str]]]:
    """Per row, per column: (status, text, evidence)."""
    for row in rows:
        row.candidates = _i3_candidates(row) if row.run else ()
    resolved = _resolve(rows, _flow_codes(catalogue))
    what = "总计 = sum of the six and the column identities"
    out: list = []
    for i, row in enumerate(rows):
        if row.run:
            status, texts, note = _judge(row.run, resolved[i], 7, what)
            out.append([(status, t, note) for t in texts])
        else:
            status, note = _UNDIGITED
            out.append([(status, "", note)] * 7)
    spans = _spans(rows)
    for anchor, members in spans.items():
        spanned = _span_verdicts(out[anchor], [rows[j].label for j in (anchor, *members)])
        for j in (anchor, *members):
            out[j] = spanned
    return _distrust(rows, out, {j for members in spans.values() for j in members})


def _distrust(rows: list[_Row], verdicts: list, spanned: set[int]) -> list:
    """A table whose numbers left their rows (rows with no digits, runs of more than seven
    numbers: a converter printed the table column by column) has no certain placement: a run
    of seven that fits its label may be seven numbers of other rows, so none is taken."""
    astray = [
        r.label
        for i, r in enumerate(rows)
        if (not r.run and i not in spanned) or len(r.run.split()) > 7
    ]
    if not astray:
        return verdicts
    why = f"numbers printed away from their rows ({'; '.join(astray[:3])}): placement not certain"
    return [
        [(AMBIGUOUS, t, f"{n}; {why}") if st == DERIVED else (st, t, n) for st, t, n in row]
        for row in verdicts
    ]


def _request_cells(doc: _Text, catalogue: Catalogue) -> list[RawCell]:
    rows = _table3(doc, catalogue)
    out = []
    for row, verdicts in zip(rows, _request_verdicts(rows, catalogue), strict=True):
        locator = doc.locator(row.start, len(row.run))
        out += _column_cells(
            S3, row.group, row.label, REQUEST_COLUMNS, verdicts, locator, "requests"
        )
    return out


def _appeal_cells(doc: _Text, catalogue: Catalogue) -> list[RawCell]:
    # table 四 follows table 三's last row; prose before the tables may say 结转下年度继续办理
    # and 行政复议 too, so the search starts at table 三, not at the first 结转下年度继续办理
    after = doc.text.find(_END, max(doc.text.find(_START), 0))
    match = _APPEALS_RUN.search(doc.text, max(after, 0)) or _APPEALS_HEADED.search(
        doc.text, max(after, 0)
    )
    if not match:
        return []
    run = match.group(1).strip()
    options = _candidates(run, 15, groups_total(5), as_printed=_rows_kept(doc, catalogue))
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


def parse(document: Document, catalogue: Catalogue) -> ParsedTable:
    """Tables 二, 三 and 四 split out of the flattened text."""
    doc = _Text(document.lines)
    cells, errors = each_table(
        (
            ("table 二", lambda: _proactive_cells(doc, catalogue)),
            ("table 三", lambda: _request_cells(doc, catalogue)),
            ("table 四", lambda: _appeal_cells(doc, catalogue)),
        )
    )
    return ParsedTable(layout(cells, catalogue), tuple(cells), errors)
