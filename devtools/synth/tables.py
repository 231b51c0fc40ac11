"""The statistics tables of a report as grids of printed cells, one layout for every format.

In: a `Report` (its printed value cells). Out: `Grid`s: rows of `GCell`s, each cell listed
once in the row where it starts, with its rowspan and colspan, as an HTML table is written.
HTML, Word, PDF and pipe-text renderers draw these grids; the flattened-text renderer glues
their cell texts together in reading order, as a site's text rendering of the HTML does.
Jilin's form is not a grid here: it is printed one cell per line (see render.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from devtools.synth import labels as L
from devtools.synth.model import Key, Report
from devtools.synth.values import fujian_rows


@dataclass(frozen=True)
class GCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    key: Key | None = None  # the value this cell prints (None for labels and headers)


Grid = list[list[GCell]]


def _value(report: Report, key: Key, colspan: int = 1) -> GCell:
    return GCell(report.cells[key], colspan=colspan, key=key)


def _spans(n: int) -> list[int]:
    """Column spans of n measures across the table's three value columns."""
    return {1: [3], 2: [1, 2], 3: [1, 1, 1]}[n]


def proactive_grid(report: Report) -> Grid:
    spec = L.PROACTIVE_2019 if report.form == "national_2019" else L.PROACTIVE_2021
    grid: Grid = []
    for caption, measures, items in spec:
        spans = _spans(len(measures))
        grid.append([GCell(caption, colspan=4)])
        header = [GCell(text, colspan=s) for (text, _), s in zip(measures, spans, strict=True)]
        grid.append([GCell(L.PROACTIVE_HEADER), *header])
        for label, item in items:
            values = [
                _value(report, (f"proactive.{item}.{code}", "total"), s)
                for (_, code), s in zip(measures, spans, strict=True)
            ]
            grid.append([GCell(label), *values])
    return grid


def _request_values(report: Report, code: str) -> list[GCell]:
    return [_value(report, (code, column)) for column in L.REQUEST_COLUMNS]


def _outcome_rows(report: Report) -> list[tuple[str, str, str]]:
    one_row = report.form in ("national_2019", "national_2021_one_row")
    return list(L.OUTCOME_ROWS + (L.OTHER_ONE_ROW if one_row else L.OTHER_THREE_ROWS))


def requests_grid(report: Report) -> Grid:
    head, org, total = L.REQUESTS_HEAD[1:]
    grid: Grid = [
        [GCell(L.REQUESTS_NOTE, rowspan=3, colspan=3), GCell(L.REQUESTS_HEAD[0], colspan=7)],
        [GCell(head, rowspan=2), GCell(org, colspan=5), GCell(total, rowspan=2)],
        [GCell(t) for t in L.REQUESTS_ORG_TYPES],
    ]
    for label, code in (L.NEW_RECEIVED, L.CARRIED_OVER):
        grid.append([GCell(label, colspan=3), *_request_values(report, code)])
    rows = _outcome_rows(report)
    sizes = {g: sum(1 for r in rows if r[0] == g) for g, _, _ in rows if g}
    for i, (group, label, code) in enumerate(rows):
        lead = [GCell(L.RESULTS_GROUP, rowspan=len(rows) + 1)] if i == 0 else []
        if not group:
            cells = [GCell(label, colspan=2)]
        elif rows[i - 1][0] != group:
            cells = [GCell(group, rowspan=sizes[group]), GCell(label)]
        else:
            cells = [GCell(label)]
        grid.append([*lead, *cells, *_request_values(report, code)])
    grid.append([GCell(L.COMPLETED[0], colspan=2), *_request_values(report, L.COMPLETED[1])])
    label, code = L.CARRIED_FORWARD
    grid.append([GCell(label, colspan=3), *_request_values(report, code)])
    return grid


def appeals_grid(report: Report) -> Grid:
    review, litigation, direct, after = L.APPEALS_HEAD
    outcomes = L.APPEALS_OUTCOME_HEAD
    return [
        [GCell(review, colspan=5), GCell(litigation, colspan=10)],
        [*(GCell(t, rowspan=2) for t in outcomes), GCell(direct, colspan=5),
         GCell(after, colspan=5)],
        [GCell(t) for t in outcomes * 2],
        [
            _value(report, (f"appeals.{group}.{outcome}", "total"))
            for group in L.APPEAL_GROUPS
            for outcome in L.APPEAL_OUTCOMES
        ],
    ]  # fmt: skip


def fujian_grid(report: Report) -> Grid:
    name, unit, cumulative = L.FUJIAN_HEAD
    year = f"{report.year}年度"
    grid: Grid = [[GCell(name), GCell(unit), GCell(year), GCell(cumulative)]]
    for label, printed_unit, code in fujian_rows(report.form):
        grid.append(
            [
                GCell(label),
                GCell(printed_unit),
                _value(report, (code, "year")),
                _value(report, (code, "cumulative")),
            ]
        )
    return grid


def grids(report: Report) -> list[Grid]:
    """The report's statistics tables in printed order."""
    if report.family == "national":
        return [proactive_grid(report), requests_grid(report), appeals_grid(report)]
    if report.template == "fujian_pre2019":
        return [fujian_grid(report)]
    return []


def expand(grid: Grid) -> list[list[GCell | None]]:
    """The grid with every slot filled: a spanning cell in every slot it covers (same object)."""
    slots: dict[tuple[int, int], GCell] = {}
    for r, row in enumerate(grid):
        c = 0
        for cell in row:
            while (r, c) in slots:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    slots[(r + dr, c + dc)] = cell
            c += cell.colspan
    width = max(c for _, c in slots) + 1
    return [[slots.get((r, c)) for c in range(width)] for r in range(len(grid))]
