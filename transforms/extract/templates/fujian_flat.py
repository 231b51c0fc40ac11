"""Fujian provincial form (政府信息公开情况统计表, before 2019) in flattened text: a site's text
rendering of the HTML table, where the cells of a row were glued together.

Used for pages saved as text (平潭's archive `page.txt`, report years 2011–2018). The table is
指标名称 | 计量单位 | 本年度 (printed "2012年度", "2011 年度") | 历年累计, and rows read
"主动公开信息数条20263542其中：1.网站公开条179533042.政府公报公开条07…" (some pages keep a
space between cells: "主动公开信息数 条 425 1516"). Quirks handled:
- the unit cell (条, 件, 元 …) separates the label from the values; the values of a row are one
  digit run, where a printed space is a certain boundary and no number has a leading zero;
- the list marker of the next row sticks to the run ("179533042" + ".政府…" is 17953304 and
  "2.政府…"): the marker that is due next (2 after "1.", 1 after an unnumbered row) is taken
  off the run and given back to its label;
- a row may print fewer numbers than there are columns ("2、政府公报公开 条 0"): which cell was
  left blank cannot be told, so both cells are ambiguous;
- zero-width characters (U+200B) are dropped; locators point into the file as it is.

Splitting uses the catalogue's identities for the form (sum rules with "="; a rule applies when
all its rows are printed and its scope row is): 主动公开 = 网站 + 公报, 受理 = Σ channels and
答复 = Σ outcomes, in each column. Rows tied by identities are split together; a value is taken
(status derived_from_flattened) only where every combination of splits that satisfies all of
them agrees on it; where several remain the cell is `ambiguous`, with the candidates as
evidence; where none fits, `unreadable`. When a report's own rows break an identity under every
split, the identity cannot choose and each of its rows is read alone (its digit count only).
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from dataclasses import dataclass

from transforms.catalogue import Catalogue, Rule
from transforms.extract.cells import AMBIGUOUS, DERIVED, UNREADABLE
from transforms.extract.readers import Document
from transforms.extract.splitting import Split, TooManySplits, linked, splits
from transforms.extract.templates.base import ParsedTable, RawCell
from transforms.extract.templates.fujian import SECTION, TEMPLATE, is_header_cell, is_part

_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
_HEADER = re.compile(
    r"指标名称\s*(?:计量\s*)?单位\s*(?P<year>\d{4}\s*年度?|本年度?|年末统计)\s*(?P<cum>历年累计)?"
)
_UNITS = "人次|条|件|元|次|个|项"
_LABEL_UNIT = re.compile(rf"\s*(?P<label>[^\s].{{0,39}}?)\s*(?P<unit>{_UNITS})\s*(?=\d)")
_RUN = re.compile(r"\d(?:\d|\s+(?=\d)|\.(?=\d))*")
_MARKER_AFTER = re.compile(r"[.．、](?=\D)")
_MARKER = re.compile(r"^(?:其中[：:]?\s*)?(\d)\s*[.．、]")
_PROSE = re.compile(r"[。，；;]")
_MAX_COMBINATIONS = 100_000
_SHOWN_CANDIDATES = 10


class _Text:
    """The document as one normalised string (NFKC, no zero-width characters), with every
    character mapped back to its line and column in the file."""

    def __init__(self, lines: tuple[str, ...]) -> None:
        self.lines = lines
        chars, where = [], []
        for number, line in enumerate(lines, start=1):
            for col, raw in enumerate(line, start=1):
                if _ZERO_WIDTH.match(raw):
                    continue
                norm = unicodedata.normalize("NFKC", raw)
                chars.append(norm)
                where += [(number, col)] * len(norm)
            chars.append(" ")
            where.append((number, len(line) + 1))
        self.text = "".join(chars)
        self.where = where

    def locator(self, start: int, end: int) -> str:
        (line, first), (_, last) = self.where[start], self.where[max(end - 1, start)]
        return f"line {line}, chars {first}-{last}"

    def printed(self, start: int, end: int) -> str:
        """The file's own text behind text[start:end] (full-width colons and all)."""
        (line, first), (last_line, last) = self.where[start], self.where[max(end - 1, start)]
        if line != last_line:
            return self.text[start:end]
        return self.lines[line - 1][first - 1 : last]


@dataclass
class _Row:
    group: str
    label: str  # as printed, list marker included ("其中：1.网站公开")
    unit: str
    run: str
    start: int
    end: int
    code: str | None = None


def _header(text: str) -> re.Match | None:
    return _HEADER.search(text)


def detect(document: Document) -> bool:
    """True when the form's header is in the text but in no table with cells."""
    in_tables = any(is_header_cell(c.text) for t in document.tables for r in t.rows for c in r)
    text = _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", " ".join(document.lines)))
    return not in_tables and _header(text) is not None


def _next_marker(label: str) -> int:
    """The list marker due after `label`: 1 after an unnumbered row, then 2, 3 …"""
    found = _MARKER.match(label)
    return int(found.group(1)) + 1 if found else 1


def _rows(doc: _Text, start: int) -> list[_Row]:
    """Label, unit and digit run of every row after the header, in printed order."""
    text, rows, pos, parent = doc.text, [], start, ""
    while (m := _LABEL_UNIT.match(text, pos)) and not _PROSE.search(m["label"]):
        run = _RUN.match(text, m.end())
        end = run.end()
        marker = str(_next_marker(m["label"]))
        tail = text[run.start() : end].rstrip()
        if _MARKER_AFTER.match(text, end) and tail.endswith(marker):
            tail = tail[: -len(marker)].rstrip()  # the next row's marker
            end = run.start() + len(tail)
        label = doc.printed(*m.span("label")).strip()
        parent = parent if is_part(label) else label
        group = parent if is_part(label) else ""
        rows.append(_Row(group, label, m["unit"], tail, run.start(), end))
        pos = end
    return rows


def _alone(run: str, n: int) -> tuple[Split, ...] | None:
    """Every split of the run into n numbers, or None when it cannot be enumerated."""
    if not run.replace(" ", "").isdigit():
        return None  # a decimal point: where it belongs in a glued run is unknown
    try:
        return tuple(splits(run, n))
    except TooManySplits:
        return None


def _rules(rows: list[_Row], catalogue: Catalogue) -> list[Rule]:
    """The form's identities whose rows are all printed (once) and whose scope row is."""
    codes = [r.code for r in rows if r.code]
    once = {c for c in codes if codes.count(c) == 1}
    return [
        rule
        for rule in catalogue.rules_for(TEMPLATE)
        if rule.kind == "sum"
        and rule.op == "="
        and set(rule.terms) <= once
        and (not rule.scope or rule.scope in once)
    ]


def _holds(rule: Rule, values: dict[str, Split], n: int) -> bool:
    return all(
        sum(values[c][k] for c in rule.left) == sum(values[c][k] for c in rule.right)
        for k in range(n)
    )


def _solve(rules: list[Rule], alone: dict[str, tuple[Split, ...]], n: int):
    """(splits left per code, why) for the rows of one group of rules."""
    codes = sorted({c for r in rules for c in r.terms})
    ids = ", ".join(r.rule_id for r in rules)
    choices = [alone.get(c) for c in codes]
    if any(not c for c in choices):
        return {}, f"{ids} not used: one of its rows cannot be split"
    if math.prod(len(c) for c in choices) > _MAX_COMBINATIONS:
        return {}, f"{ids} not used: too many combinations of splits"
    sat = [
        combo
        for combo in itertools.product(*choices)
        if all(_holds(r, dict(zip(codes, combo, strict=True)), n) for r in rules)
    ]
    if not sat:
        return {}, f"no combination of splits satisfies {ids}, so each row is read alone"
    left = {c: tuple(dict.fromkeys(combo[k] for combo in sat)) for k, c in enumerate(codes)}
    return left, f"the splits satisfying {ids}"


def _options(rows: list[_Row], catalogue: Catalogue, n: int) -> list[tuple[tuple | None, str]]:
    """For each row: the splits left (None: not enumerable) and which constraint left them."""
    alone = {r.code: _alone(r.run, n) for r in rows if r.code}
    solved: dict[str, tuple[tuple, str]] = {}
    unused: dict[str, str] = {}
    for rules in linked(_rules(rows, catalogue)):
        left, why = _solve(rules, alone, n)
        for code in {c for r in rules for c in r.terms}:
            if code in left:
                solved[code] = (left[code], why)
            else:
                unused[code] = f" ({why})"
    out = []
    for row in rows:
        if row.code in solved:
            out.append(solved[row.code])
        else:
            note = unused.get(row.code, "")
            out.append((_alone(row.run, n), f"the splits of the row alone{note}"))
    return out


def _verdicts(
    run: str, options: tuple[Split, ...] | None, why: str, headers: list[str]
) -> list[tuple[str | None, str, str]]:
    """(status, text, evidence) per column: a value only where every split left agrees.

    A run is taken to hold a value for every column (a glued run cannot show a blank cell);
    only a run with fewer digits than columns shows that a cell was left blank."""
    n = len(headers)
    digits = len(run.replace(" ", ""))
    if not digits:  # the next row's marker was all that followed the unit: nothing printed
        return [(None, "", "nothing printed")] * n
    if options is None:
        note = f"{run!r} is not split: a decimal point, or more splits than can be listed"
        return [(UNREADABLE, run, note)] * n
    if not options and digits >= n:
        return [(UNREADABLE, run, f"no split of {run!r} into {n} values fits ({why})")] * n
    if not options:
        note = (
            f"{digits} digit(s) {run!r} printed for {n} columns ({', '.join(headers)}): "
            "which cell was left blank is not known"
        )
        return [(AMBIGUOUS, run, note)] * n
    shown = "; ".join("|".join(map(str, s)) for s in options[:_SHOWN_CANDIDATES])
    more = len(options) - _SHOWN_CANDIDATES
    evidence = f"{run!r}: {len(options)} split(s) left, {why}: {shown}" + (
        f"; and {more} more" if more > 0 else ""
    )
    out = []
    for k in range(n):
        values = {s[k] for s in options}
        if len(values) == 1:
            out.append((DERIVED, str(values.pop()), evidence))
        else:
            out.append((AMBIGUOUS, run, evidence))
    return out


def parse(document: Document, catalogue: Catalogue) -> ParsedTable:
    """Every value cell of the form, split out of the flattened text (see module doc)."""
    doc = _Text(document.lines)
    header = _header(doc.text)
    if header is None:
        raise ValueError("not a Fujian statistics table: no 指标名称 header")
    headers = [doc.printed(*header.span(h)).strip() for h in ("year", "cum") if header[h]]
    rows = _rows(doc, header.end())
    for row in rows:
        row.code = catalogue.lookup(TEMPLATE, row.group, row.label)
    cells = []
    for row, (options, why) in zip(rows, _options(rows, catalogue, len(headers)), strict=True):
        locator = doc.locator(row.start, row.end)
        for column, (status, text, note) in zip(
            headers, _verdicts(row.run, options, why, headers), strict=True
        ):
            cells.append(
                RawCell(
                    SECTION,
                    row.group,
                    row.label,
                    column,
                    text,
                    f"{locator} [{column}]",
                    status=status,
                    note=f"unit {row.unit}; {note}",
                )
            )
    return ParsedTable(TEMPLATE, tuple(cells))
