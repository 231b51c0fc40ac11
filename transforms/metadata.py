"""Report metadata from the text itself: issuing body and report year.

In: the document's lines. Out: (body, report_year), either None when the text does not say.
File names are not a reliable source and are never used. `report_year` is the year reported on,
not the publication year (a report on 2012 is published in 2013).

Title forms seen: "2012年度长春市政府信息公开工作报告", "长春市2012年政府信息公开工作年度报告",
"长春市人民政府2012年政府信息公开工作年度报告"; the statistics table's title
("长春市2012年政府信息公开相关数据统计表") is the fallback. A title wrapped over two lines is
joined; a "标题:" field label in front of it is dropped. Only title-like lines count (short,
ending in 报告/统计表/年报): prose opens with the same words ("2012年长春市政府信息公开工作，…").
"""

from __future__ import annotations

import itertools
import re

_YEAR_FIRST = re.compile(
    r"^(?P<year>(19|20)\d\d)\s*年度?\s*(?P<body>[^\d\s，。：:]{2,40}?)\s*政府信息公开"
)
_BODY_FIRST = re.compile(
    r"^(?P<body>[^\d\s，。：:]{2,40}?)\s*(?P<year>(19|20)\d\d)\s*年度?\s*(政府)?信息公开"
)
_HEAD_LINES = 40
_TITLE_LABEL = re.compile(r"^(标题|题目|名称)\s*[:：]\s*")  # archive pages: "标题: 平潭…报告"
_TITLE_ENDINGS = ("报告", "统计表", "年报")
_TITLE_MAX_CHARS = 60  # longer lines are prose, which also says "2012年长春市政府信息公开工作…"


def _clean_body(body: str) -> str:
    return body.strip().removeprefix("关于").strip("《》“”\"' ")


def report_metadata(lines: tuple[str, ...]) -> tuple[str | None, int | None]:
    """The issuing body and report year named by the report's title (or table title)."""
    head = [_TITLE_LABEL.sub("", line.strip()) for line in lines[:_HEAD_LINES]]
    # a title wrapped over two lines (PDF: "淮安市人民政府" / "2024 年政府信息公开工作年度报告")
    candidates = [a + b for a, b in itertools.pairwise(head)] + head
    candidates += [line.strip() for line in lines if line.strip().endswith("统计表")]
    titles = [c for c in candidates if len(c) <= _TITLE_MAX_CHARS and c.endswith(_TITLE_ENDINGS)]
    for line in titles:
        for pattern in (_YEAR_FIRST, _BODY_FIRST):
            match = pattern.match(line)
            if match and not line.startswith("附"):
                return _clean_body(match["body"]), int(match["year"])
    return None, None
