"""Rendering a report as the text formats it is published in: text, flattened text, HTML.

In: a `Report` with prose and printed cells. Out: the file's bytes. Layouts follow the real
files in tests/fixtures:
- text: the Jilin form one cell per line behind a tab, a blank line after each row (Word saved
  as text, the 长春 seed); the national and Fujian forms as pipe rows (a spanning label repeated
  in every row it covers, as huaian_shi_2024.md), some with a Markdown rule line;
- flat: a site's text rendering (平潭 `page.txt`): a header block, then the whole page on one
  line, table cells glued with no separator (some Fujian pages keep a space between cells);
- html: a Word-exported page: `<table border=1>` with rowspan/colspan, `<p>` in every cell,
  vertical labels one `<p>` per character, `&nbsp;` in empty cells.
"""

from __future__ import annotations

import html

from devtools.synth import labels as L
from devtools.synth.model import Report
from devtools.synth.tables import GCell, Grid, expand, grids


def title(report: Report) -> str:
    pattern = L.TITLE_YEAR_FIRST if report.title_year_first else L.TITLE_BODY_FIRST
    return pattern.format(body=report.body, year=report.year)


def _blocks(report: Report, table, paragraph) -> list[str]:
    """The prose paragraphs in order, each "[table N]" placeholder replaced by table N."""
    tables = grids(report)
    out = []
    for text in report.prose:
        if text.startswith("[table "):
            out.append(table(tables[int(text[7:-1]) - 1]))
        else:
            out.append(paragraph(text))
    return out


# ---- text ------------------------------------------------------------------------------------


def _pipe_rows(grid: Grid, rule: bool) -> str:
    lines = []
    for r, row in enumerate(expand(grid)):
        cells = [c for i, c in enumerate(row) if c is not None and (i == 0 or c is not row[i - 1])]
        lines.append("| " + " | ".join(c.text.replace("\n", "") for c in cells) + " |")
        if rule and r == 0:
            lines.append("|" + "---|" * len(cells))
    return "\n" + "\n".join(lines) + "\n"


def _jilin_table(report: Report) -> list[str]:
    lines = [L.JILIN_TABLE_TITLE.format(body=report.body, year=report.year), ""]
    section = ""
    for sec, group, label, code in L.JILIN_ROWS:
        if sec != section:
            section = sec
            lines += ["", sec, "", f"\t{L.JILIN_HEADER}", f"\t{report.year}年发生数", ""]
        first, *rest = group.split("\n")
        lines += [f"\t{first}", *rest, f"\t{label}", f"\t{report.cells[(code, 'total')]}", ""]
    return [*lines, "", L.JILIN_NOTE.format(y=report.year)]


def text(report: Report) -> bytes:
    if report.template == "jilin_pre2019":
        lines = [title(report), *report.prose]
        lines.append(f"附：{report.year}年{report.body}政府信息公开工作相关数据统计表")
        lines += _jilin_table(report)
    else:
        rule = report.index % 2 == 0
        lines = [title(report), *_blocks(report, lambda g: _pipe_rows(g, rule), str)]
    return ("\n".join(lines) + "\n").encode("utf-8")


# ---- flattened text --------------------------------------------------------------------------


def _glued(grid: Grid, sep: str) -> str:
    return sep.join(cell.text for row in grid for cell in row)


def flat(report: Report) -> bytes:
    sep = " " if report.spaced else ""
    body = "".join(_blocks(report, lambda g: f" {_glued(g, sep)} ", str))
    head = [
        f"标题: {title(report)}",
        f"发布时间: {report.year + 1}-02-{10 + report.index % 18:02d} 16:34",
        "栏目: 政府信息公开年报",
        "==================== 正文 ====================",
        body + " 附件下载",
    ]
    return ("\n".join(head) + "\n").encode("utf-8")


# ---- HTML ------------------------------------------------------------------------------------

_VERTICAL = {L.RESULTS_GROUP, L.REQUESTS_HEAD[1]}
_TD = '<td{span} valign="center" style="border: 1px solid rgb(0, 0, 0);">{body}</td>'


def _cell_html(cell: GCell) -> str:
    span = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + (
        f' colspan="{cell.colspan}"' if cell.colspan > 1 else ""
    )
    if cell.text in _VERTICAL:
        body = "".join(f"<p>{html.escape(ch)}</p>" for ch in cell.text)
    else:
        body = f"<p>{html.escape(cell.text) or '&nbsp;'}</p>"
    return _TD.format(span=span, body=body)


def _table_html(grid: Grid) -> str:
    rows = "".join("<tr>" + "".join(_cell_html(c) for c in row) + "</tr>" for row in grid)
    return (
        '<table border="1" cellspacing="0" align="center" style="border-collapse: collapse;">'
        f"<tbody>{rows}</tbody></table>"
    )


def page(report: Report) -> bytes:
    heading = html.escape(title(report))
    paragraphs = "\n".join(
        _blocks(report, _table_html, lambda t: f'<p style="text-indent: 2em;">{html.escape(t)}</p>')
    )
    doc = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{heading}</title></head>\n<body>\n"
        f'<div class="article_title">{heading}</div>\n'
        f'<div class="article_content">\n{paragraphs}\n</div>\n</body></html>\n'
    )
    return doc.encode("utf-8")
