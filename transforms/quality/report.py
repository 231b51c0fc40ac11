"""The nightly data-quality report: one self-contained HTML page per run.

In: the run's summary (a mapping of counts), the `findings` frame (one row per failed check or
unreadable file, with `is_new`) and the `reports` frame. Out: an HTML string
(`render_quality_report`, pure) and, at the edge, two files under `data/curated/`
(`write_quality_report`): `quality/quality-<run_id>.html` and `quality_report.html`, the latest.

Why a page of its own: the alert e-mail and webhook link to it, and the people who follow that
link want to see at a glance which rules, bodies and years fail, then the evidence row by row.
It must open offline and from a mail client, so it references nothing outside itself: inline CSS,
inline SVG bar charts, no scripts, no fonts, no images. Every string that comes from a report
(body names, file names, messages, locators) is untrusted and HTML-escaped.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from html import escape
from pathlib import Path

import pandas as pd

from transforms.checks.identities import fmt_number
from transforms.quality.findings import FINDING_STATUSES

ROW_CAP = 1_000  # rows per table; the rest are a query away
TOP_BODIES = 15
KEEP_RUNS = 30  # per-run pages kept in data/curated/quality/
NOT_READ = FINDING_STATUSES  # files not read, or read only in part
ALL_FINDINGS_SQL = "SELECT * FROM findings"
MISSING = "—"

_RUN_FIELDS = (
    ("run_id", "run"),
    ("started_at", "started"),
    ("status", "status"),
    ("files_seen", "files seen"),
    ("files_new", "files new"),
    ("files_changed", "files changed"),
    ("files_removed", "files removed"),
    ("files_unreadable", "files unreadable"),
    ("reports_failed", "reports failed"),
    ("checks_run", "checks run"),
    ("checks_failed", "checks failed"),
    ("checks_newly_failed", "checks newly failed"),
)
_FINDING_HEADERS = (
    "report",
    "rule",
    "kind",
    "column",
    "expected",
    "actual",
    "evidence",
    "locator",
)
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+-]*")

# Chart geometry (px). Labels are cut to fit the label column; the full label is in <title>.
_BAR_H, _BAR_GAP, _LABEL_W, _BAR_W, _COUNT_W = 20, 6, 300, 400, 60
_LABEL_EM = 22.0  # label column width in em at the chart's font size

_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
  margin: 1.5rem; color: #1f2328; background: #fff; line-height: 1.45; font-size: 14px; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; border-bottom: 1px solid #d0d7de; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; margin: 0; }
dl.summary dt { color: #57606a; }
dl.summary dd { margin: 0; font-variant-numeric: tabular-nums; }
.status-failed { color: #b42318; font-weight: 600; }
.status-completed { color: #1a7f37; font-weight: 600; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
svg.chart { max-width: 100%; height: auto; font-size: 12px; }
svg.chart rect { fill: #cf222e; }
svg.chart text { fill: #1f2328; }
table { border-collapse: collapse; margin: .4rem 0; }
th, td { border: 1px solid #d0d7de; padding: .25rem .5rem; vertical-align: top; text-align: left; }
th { background: #f6f8fa; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.evidence { max-width: 40rem; }
.file, .locator { font-family: ui-monospace, monospace; font-size: 12px; color: #57606a;
  word-break: break-all; }
.sev-error { color: #b42318; font-size: 12px; }
.sev-warning { color: #9a6700; font-size: 12px; }
p.none { font-size: 1.1rem; color: #1a7f37; }
p.more, p.note { color: #57606a; }
"""


# --- small formatters -------------------------------------------------------------------------


def _missing(value: object) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _text(value: object) -> str:
    """Any value as escaped text; missing values as a dash."""
    return MISSING if _missing(value) else escape(str(value))


def _number(value: object) -> str:
    """A count or amount without a trailing ".0" (10348, 11.72), the project's one formatter."""
    if _missing(value):
        return MISSING
    if isinstance(value, bool | str):
        return escape(str(value))
    return fmt_number(float(value))  # type: ignore[arg-type]


def _year(value: object) -> str:
    return MISSING if _missing(value) else str(int(value))  # type: ignore[call-overload]


def _cells(values: Iterable[str], classes: Iterable[str] = ()) -> str:
    """A table row of already-escaped cells, each with an optional class."""
    classes = list(classes)
    cells = []
    for i, value in enumerate(values):
        cls = f' class="{classes[i]}"' if i < len(classes) and classes[i] else ""
        cells.append(f"<td{cls}>{value}</td>")
    return "<tr>" + "".join(cells) + "</tr>"


def _table(headers: Iterable[str], rows: Iterable[str]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _more_line(hidden: int, what: str, sql: str) -> str:
    if hidden <= 0:
        return ""
    return (
        f'<p class="more">{hidden:,} more {escape(what)} not shown; '
        f"see them all with <code>{escape(sql)}</code>.</p>"
    )


# --- the run summary --------------------------------------------------------------------------


def _run_value(key: str, value: object) -> str:
    if key == "status" and value in ("completed", "failed"):
        return f'<span class="status-{value}">{escape(str(value))}</span>'
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number(value)
    return _text(value)


def _summary(run: Mapping[str, object]) -> str:
    items = "".join(
        f"<dt>{escape(label)}</dt><dd>{_run_value(key, run.get(key))}</dd>"
        for key, label in _RUN_FIELDS
    )
    return f'<section id="run"><h2>Run</h2><dl class="summary">{items}</dl></section>'


# --- charts -----------------------------------------------------------------------------------


def _em_width(text: str) -> float:
    """Rough rendered width in em: CJK and full-width characters are one em, others about half."""
    return sum(1.0 if ord(c) >= 0x2E80 else 0.6 for c in text)


def _fit(label: str) -> str:
    if _em_width(label) <= _LABEL_EM:
        return label
    while label and _em_width(label) > _LABEL_EM - 1:
        label = label[:-1]
    return label + "…"


def _bar(index: int, label: str, count: int, peak: int) -> str:
    y = index * (_BAR_H + _BAR_GAP)
    width = max(1, round(_BAR_W * count / peak))
    base = y + _BAR_H * 0.7
    return (
        f'<g class="bar"><title>{escape(label)}: {count}</title>'
        f'<text class="label" x="{_LABEL_W - 8}" y="{base:.0f}" text-anchor="end">'
        f"{escape(_fit(label))}</text>"
        f'<rect x="{_LABEL_W}" y="{y}" width="{width}" height="{_BAR_H}"></rect>'
        f'<text class="count" x="{_LABEL_W + width + 6}" y="{base:.0f}">{count}</text></g>'
    )


def _bar_chart(chart_id: str, title: str, counts: pd.Series, note: str = "") -> str:
    """A horizontal bar chart of `counts` (label → count, in display order) as inline SVG."""
    peak = int(counts.max())
    bars = "".join(_bar(i, str(label), int(n), peak) for i, (label, n) in enumerate(counts.items()))
    width = _LABEL_W + _BAR_W + _COUNT_W
    height = len(counts) * (_BAR_H + _BAR_GAP)
    svg = (
        f'<svg class="chart" id="{chart_id}" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">{bars}</svg>'
    )
    return f"<figure><figcaption>{escape(title)}</figcaption>{svg}{note}</figure>"


def _ranked(labels: pd.Series) -> pd.Series:
    """Counts per label, most first; ties in label order so the page is stable run to run."""
    counts = labels.groupby(labels).size().sort_index()
    return counts.sort_values(ascending=False, kind="stable")


def _labels(column: pd.Series, missing: str) -> pd.Series:
    return column.map(lambda v: missing if _missing(v) else str(v)).astype(object)


def _by_year(findings: pd.DataFrame) -> pd.Series:
    labels = findings["report_year"].map(lambda v: "no year" if _missing(v) else _year(v))
    counts = labels.groupby(labels).size()
    order = sorted(counts.index, key=lambda s: (not s.isdigit(), s))
    return counts.reindex(order)


def _body_chart(findings: pd.DataFrame) -> str:
    counts = _ranked(_labels(findings["body"], "body not found"))
    rest = counts.iloc[TOP_BODIES:]
    note = ""
    if len(rest):
        note = f'<p class="note">and {len(rest)} more bodies with {int(rest.sum())} findings</p>'
    return _bar_chart(
        "chart-body", f"Failed checks by body (top {TOP_BODIES})", counts.head(TOP_BODIES), note
    )


def _charts(findings: pd.DataFrame) -> str:
    return (
        '<section id="charts"><h2>Where the findings are</h2><div class="charts">'
        + _bar_chart(
            "chart-rule", "Failed checks by rule", _ranked(_labels(findings["check_id"], "?"))
        )
        + _body_chart(findings)
        + _bar_chart("chart-year", "Failed checks by report year", _by_year(findings))
        + "</div></section>"
    )


# --- findings tables --------------------------------------------------------------------------


def _ordered(findings: pd.DataFrame) -> pd.DataFrame:
    # "error" sorts before "warning", which is the order people read them in.
    keys = ["severity", "body", "report_year", "source_file", "check_id", "breakdown", "value_set"]
    keys = [
        k for k in keys if k in findings.columns
    ]  # value_set: absent from a frame made without it
    return findings.sort_values(keys, na_position="last", kind="stable")


def _finding_row(f: Mapping[str, object]) -> str:
    severity = "warning" if f.get("severity") == "warning" else "error"
    report = (
        f'<span class="body">{_text(f.get("body"))}</span> '
        f'<span class="year">{_year(f.get("report_year"))}</span>'
        f'<br><span class="file">{_text(f.get("source_file"))}</span>'
    )
    corrected = " (on corrected values)" if f.get("value_set") == "corrected" else ""
    rule = (
        f"<code>{_text(f.get('check_id'))}</code>{corrected}"
        f'<br><span class="sev-{severity}">{_text(f.get("severity"))}</span>'
    )
    values = [
        report,
        rule,
        _text(f.get("kind")),
        _text(f.get("breakdown")),
        _number(f.get("expected")),
        _number(f.get("actual")),
        _text(f.get("message")),
        f'<span class="locator">{_text(f.get("locator"))}</span>',
    ]
    return _cells(values, ("report", "rule", "", "", "num", "num", "evidence", ""))


def _findings_section(section_id: str, title: str, rows: pd.DataFrame) -> str:
    heading = f"<h2>{escape(title)} ({len(rows):,})</h2>"
    if rows.empty:
        return f'<section id="{section_id}">{heading}<p class="note">None.</p></section>'
    shown = rows.head(ROW_CAP)
    table = _table(_FINDING_HEADERS, (_finding_row(r) for r in shown.to_dict("records")))
    more = _more_line(len(rows) - len(shown), "findings", ALL_FINDINGS_SQL)
    return f'<section id="{section_id}">{heading}{table}{more}</section>'


def _findings(findings: pd.DataFrame) -> str:
    if findings.empty:
        return '<section id="findings"><h2>Findings</h2><p class="none">No findings</p></section>'
    ordered = _ordered(findings)
    new = ordered["is_new"].map(lambda v: not _missing(v) and bool(v)).astype(bool)
    return (
        _charts(findings)
        + _findings_section("new", "New findings", ordered[new])
        + _findings_section("standing", "Standing findings", ordered[~new])
    )


# --- files ------------------------------------------------------------------------------------


def _status_counts(reports: pd.DataFrame) -> str:
    counts = _ranked(_labels(reports["status"], "no status"))
    rows = (_cells([escape(str(s)), str(int(n))], ("", "num")) for s, n in counts.items())
    return _table(("status", "files"), rows)


def _not_read(reports: pd.DataFrame) -> str:
    failed = reports[reports["status"].isin(NOT_READ)].sort_values("source_file", kind="stable")
    if failed.empty:
        return '<p class="note">Every file was read.</p>'
    shown = failed.head(ROW_CAP)
    rows = (
        _cells(
            [
                f'<span class="file">{_text(r["source_file"])}</span>',
                _text(r["status"]),
                _text(r["error"]),
            ]
        )
        for r in shown.to_dict("records")
    )
    statuses = ", ".join(f"'{s}'" for s in NOT_READ)
    sql = f"SELECT source_file, status, error FROM reports WHERE status IN ({statuses})"
    more = _more_line(len(failed) - len(shown), "files", sql)
    return "<h3>Files not read in full</h3>" + _table(("file", "status", "error"), rows) + more


def _files(reports: pd.DataFrame) -> str:
    if reports.empty:
        body = '<p class="note">No files were seen in this run.</p>'
    else:
        body = _status_counts(reports) + _not_read(reports)
    return f'<section id="files"><h2>Files</h2>{body}</section>'


# --- the page ---------------------------------------------------------------------------------


def render_quality_report(
    run: Mapping[str, object], findings: pd.DataFrame, reports: pd.DataFrame
) -> str:
    """The whole page as a string. Pure: reads nothing, writes nothing, no clock."""
    title = f"nianbao data quality — run {_text(run.get('run_id'))}"
    body = _summary(run) + _findings(findings) + _files(reports)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{_CSS}</style></head>"
        f"<body><h1>{title}</h1>{body}</body></html>\n"
    )


def _write_atomically(path: Path, text: str) -> None:
    """Write beside the target, then rename over it: a reader sees the old page or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the page is read by whoever gets the link
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _age_key(path: Path) -> tuple[int, str]:
    try:
        return (path.stat().st_mtime_ns, path.name)
    except FileNotFoundError:  # pruned by a concurrent run between glob and stat
        return (0, path.name)


def _prune(quality_dir: Path, keep: Path) -> None:
    pages = sorted(quality_dir.glob("quality-*.html"), key=_age_key, reverse=True)
    older = [p for p in pages if p != keep][KEEP_RUNS - 1 :]
    for page in older:
        page.unlink(missing_ok=True)


def write_quality_report(html: str, curated_dir: Path, run_id: str) -> Path:
    """Write the run's page and the latest page, each atomically; keep the 30 newest run pages.

    Returns `<curated_dir>/quality/quality-<run_id>.html`. The run id becomes part of a file name,
    so it must be a plain name (letters, digits, `.`, `_`, `:`, `+`, `-`).
    """
    if not _RUN_ID.fullmatch(run_id):
        raise ValueError(f"run_id {run_id!r} cannot be used in a file name")
    quality_dir = Path(curated_dir) / "quality"
    quality_dir.mkdir(parents=True, exist_ok=True)
    page = quality_dir / f"quality-{run_id}.html"
    _write_atomically(page, html)
    _write_atomically(Path(curated_dir) / "quality_report.html", html)
    _prune(quality_dir, keep=page)
    return page
