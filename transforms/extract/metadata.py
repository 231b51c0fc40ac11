"""Report metadata from the text itself: issuing body and report year.

In: the document's lines. Out: (body, report_year), either None when the text does not say.
File names are not a reliable source and are never used. `report_year` is the year reported on,
not the publication year (a report on 2012 is published in 2013).

Title forms seen: "2012年度长春市政府信息公开工作报告", "长春市2012年政府信息公开工作年度报告",
"长春市人民政府2012年政府信息公开工作年度报告"; the statistics table's title
("长春市2012年政府信息公开相关数据统计表") is the fallback. A title wrapped over two lines is
joined; a "标题:" field label in front of it is dropped. Only title-like lines count (short,
ending in 报告/统计表/年报): prose opens with the same words ("2012年长春市政府信息公开工作，…").

Whole saved web pages put navigation before the report: menus, a 当前位置 breadcrumb ending in
"政府信息公开年报", a sidebar listing other years' and other bodies' reports (each a title line),
a 信息公开 metadata table ("名　　称：…报告"). The report's own title is the one printed right
before its text, so the title read is the last title line before the first line of prose
(a line longer than any title, with a "，" or "。"); a title wrapped over two lines is joined
only when neither line is a title by itself (so a breadcrumb line is not glued to the title).
"""

from __future__ import annotations

import re

_YEAR_FIRST = re.compile(
    r"^(?P<year>(19|20)\d\d)\s*年度?\s*(?P<body>[^\d\s，。：:]{2,40}?)\s*政府信息公开"
)
_BODY_FIRST = re.compile(
    r"^(?P<body>[^\d\s，。：:]{2,40}?)\s*(?P<year>(19|20)\d\d)\s*年度?\s*(政府)?信息公开"
)
_HEAD_LINES = 40  # a title is looked for this far when no prose line ends the search sooner
_TITLE_LABEL = re.compile(r"^(标\s*题|题\s*目|名\s*称)\s*[:：]\s*")  # "标题:", "名　　称："
_TITLE_ENDINGS = ("报告", "统计表", "年报")
_TITLE_MAX_CHARS = 60  # longer lines are prose, which also says "2012年长春市政府信息公开工作…"
_PROSE_MARKS = ("，", "。")
_Title = tuple[str, int]  # (body, report year)


def _clean_body(body: str) -> str:
    return body.strip().removeprefix("关于").strip("《》“”\"' ")


def _title(line: str) -> _Title | None:
    """(body, year) when the line is a report or statistics-table title."""
    if len(line) > _TITLE_MAX_CHARS or not line.endswith(_TITLE_ENDINGS) or line.startswith("附"):
        return None
    for pattern in (_YEAR_FIRST, _BODY_FIRST):
        match = pattern.match(line)
        if match:
            return _clean_body(match["body"]), int(match["year"])
    return None


def _is_prose(line: str) -> bool:
    return len(line) > _TITLE_MAX_CHARS and any(mark in line for mark in _PROSE_MARKS)


def _head_titles(lines: tuple[str, ...]) -> list[_Title]:
    """The titles of the head, in order. The head ends at the first prose line after a title,
    _HEAD_LINES lines after the last title, or, while no title is found, at line _HEAD_LINES
    once prose has begun: a page's navigation, however long, has no prose."""
    head = [_TITLE_LABEL.sub("", line.strip()) for line in lines]
    titles: list[_Title] = []
    last, prose_seen = 0, False
    for i, line in enumerate(head):
        prose = _is_prose(line)
        if (titles and prose) or (i - last >= _HEAD_LINES and (titles or prose_seen)):
            break
        prose_seen = prose_seen or prose
        found = _title(line)
        if not found and i and not _title(head[i - 1]):  # "淮安市人民政府" / "2024 年…年度报告"
            found = _title(head[i - 1] + line)
        if found:
            titles.append(found)
            last = i
    return titles


def report_metadata(lines: tuple[str, ...]) -> tuple[str | None, int | None]:
    """The issuing body and report year named by the report's title (or table title)."""
    titles = _head_titles(lines)
    if titles:
        return titles[-1]
    tables = (_title(line.strip()) for line in lines if line.strip().endswith("统计表"))
    return next((t for t in tables if t), (None, None))
