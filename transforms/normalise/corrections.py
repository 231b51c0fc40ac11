"""Corrections: the analysts' file of misprinted values, read and judged against the reports.

In: corrections.csv (its path; read at the edge by `read_corrections`), then the run's reports
and the printed cells of the reports it names. Out: the `corrections` table (schema
CORRECTIONS: every row as written, with its status and why) and, for the reports with an
applied correction, their observations with the corrected values in place
(`corrected_observations`), which the checks judge again as value set `corrected`.

The printed value is never overwritten: `observations` stays as printed. A correction names its
report by file and SHA-256 and the value it corrects as printed, so that it applies only to
the file an analyst looked at: when the file changes (another SHA-256), is removed, or no longer
prints that value, the correction is `stale`, a finding, and not applied. A row that cannot be
read (a field missing, a number that is not one, an unknown indicator or cell, the same cell
corrected twice) is `invalid`, also a finding; a file that cannot be read at all is one invalid
row on line 1. Nothing here raises for what is in the file.

The file (UTF-8, a BOM allowed, as Excel saves it), one row per corrected cell:

    source_file,sha256,indicator,breakdown,printed_value,corrected_value,reason,source,author,date

printed_value is the number as printed ('' for a cell printed blank or not read as a number);
source (where the corrected value comes from) may be empty; every other field is required;
date is YYYY-MM-DD. A count (an indicator whose unit is a count: `Catalogue.is_amount`) is
corrected to a whole number.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd

from transforms import schemas
from transforms.catalogue import Catalogue
from transforms.schemas import READ_STATUSES, records, to_frame

FIELDS = (
    *("source_file", "sha256", "indicator", "breakdown", "printed_value", "corrected_value"),
    *("reason", "source", "author", "date"),
)
OPTIONAL = ("printed_value", "source")
APPLIED, STALE, INVALID = "applied", "stale", "invalid"
_SHA = re.compile(r"[0-9a-f]{64}")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
CELL_COLUMNS = ("report_id", "indicator", "breakdown", "value", "value_exact", "locator")


@dataclass(frozen=True)
class Written:
    """corrections.csv as read: its rows (line + FIELDS, as written) and its digest."""

    rows: tuple[dict, ...]
    digest: str  # '' when the file could not be read
    name: str = "corrections.csv"  # the file's name, in messages and locators

    @property
    def empty(self) -> bool:
        return not self.rows


NO_CORRECTIONS = Written((), "")


def read_corrections(path: Path | None, must_exist: bool = False) -> Written:
    """The rows of the file at `path`; none when there is no file (no corrections), unless the
    file was named explicitly (`must_exist`: a path mistyped must not pass for no corrections).
    A file that cannot be read or is not the expected CSV is one row on line 1 whose `problem`
    says why: it becomes an invalid correction, never an exception."""
    if path is None or not path.exists():
        if must_exist and path is not None:
            return Written(({"line": 1, "problem": f"there is no file {path}"},), "", path.name)
        return NO_CORRECTIONS
    try:
        data = path.read_bytes()
    except OSError as exc:
        problem = f"cannot read {path}: {exc.strerror or exc}"
        return Written(({"line": 1, "problem": problem},), "", path.name)
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problem = f"{path.name} is not UTF-8 text ({exc})"
        return Written(({"line": 1, "problem": problem},), digest, path.name)
    return Written(tuple(parse_rows(text, path.name)), digest, path.name)


def parse_rows(text: str, name: str = "corrections.csv") -> list[dict]:
    """The rows of the CSV text, each with its `line` and, when it has the wrong number of
    fields, a `problem`; a wrong header is one problem row on line 1."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        return [{"line": 1, "problem": f"{name}: not a CSV file ({exc})"}]
    if not header:
        return []
    if tuple(header) != FIELDS:
        return [{"line": 1, "problem": f"{name}: the header must be {','.join(FIELDS)}"}]
    rows, start = [], 2
    try:
        for fields in reader:
            line, start = start, reader.line_num + 1
            if not any(f.strip() for f in fields):
                continue  # an empty line
            row = {"line": line, **dict(zip(FIELDS, (f.strip() for f in fields), strict=False))}
            if len(fields) != len(FIELDS):
                row["problem"] = f"{len(fields)} fields, the header has {len(FIELDS)}"
            rows.append(row)
    except csv.Error as exc:
        rows.append({"line": start, "problem": f"{name}: not read from here on ({exc})"})
    return rows


def _number(text: str) -> Decimal | None:
    return Decimal(text) if _NUMBER.fullmatch(text) else None


def _date_problem(text: str) -> str | None:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return f"date {text!r} is not a date YYYY-MM-DD"
    return None


def _value_problem(row: dict, catalogue: Catalogue) -> str | None:
    printed, corrected = row["printed_value"], row["corrected_value"]
    if printed and _number(printed) is None:
        return f"printed_value {printed!r} is not a number (write '' for a blank cell)"
    value = _number(corrected)
    if value is None or value < 0:
        return f"corrected_value {corrected!r} is not a number of zero or more"
    unit = catalogue.indicator(row["indicator"]).unit
    if not catalogue.is_amount(unit) and value != value.to_integral_value():
        return f"corrected_value {corrected!r} is not a whole number, and {unit} are counted"
    if -value.as_tuple().exponent > schemas.EXACT.scale:
        return f"corrected_value {corrected!r} has more than {schemas.EXACT.scale} decimals"
    return None


def row_problem(row: dict, catalogue: Catalogue) -> str | None:
    """Why a row as written cannot be a correction (None when it can)."""
    if row.get("problem"):
        return row["problem"]
    missing = [f for f in FIELDS if f not in OPTIONAL and not row.get(f)]
    if missing:
        return "missing " + ", ".join(missing)
    if not _SHA.fullmatch(row["sha256"].lower()):
        return f"sha256 {row['sha256']!r} is not 64 hex digits"
    if row["indicator"] not in catalogue.codes:
        return f"indicator {row['indicator']!r} is not in the catalogue"
    return _value_problem(row, catalogue) or _date_problem(row["date"])


def _cell(row: dict) -> str:
    return f"{row.get('indicator')}[{row.get('breakdown')}]"


def _twice(rows: list[dict]) -> dict[int, str]:
    """line → why, for rows correcting a cell another row corrects too (none is applied:
    which one is right is for the analyst to say)."""
    lines: dict[tuple, list[int]] = {}
    for r in rows:
        lines.setdefault((r["source_file"], r["indicator"], r["breakdown"]), []).append(r["line"])
    out = {}
    for (_, indicator, breakdown), found in lines.items():
        if len(found) > 1:
            why = f"{indicator}[{breakdown}] of this file is corrected on lines "
            out.update(dict.fromkeys(found, why + ", ".join(map(str, found))))
    return out


def judged_rows(written: Written, catalogue: Catalogue) -> list[dict]:
    """Every row as written, with status invalid and why where it cannot be a correction;
    the rest stay to be judged against the reports (status None)."""
    rows = [dict(r) for r in written.rows]
    for r in rows:
        problem = row_problem(r, catalogue)
        r.update(status=INVALID if problem else None, status_reason=problem)
    sound = [r for r in rows if r["status"] is None]
    for r in sound:
        r["sha256"] = r["sha256"].lower()
    twice = _twice(sound)
    for r in sound:
        if r["line"] in twice:
            r.update(status=INVALID, status_reason=twice[r["line"]])
    return rows


def reports_named(rows: list[dict], reports: pd.DataFrame) -> dict[int, dict]:
    """line → the reports row of the file a correction names (by its path), if any."""
    named = {r.get("source_file") for r in rows} - {None}
    by_source = {r["source_file"]: r for r in records(reports[reports["source_file"].isin(named)])}
    return {
        r["line"]: by_source[r["source_file"]] for r in rows if r.get("source_file") in by_source
    }


def _stale_file(row: dict, report: dict | None) -> str | None:
    """Why the file named is not the one corrected, or is not published (None: it is)."""
    if report is None:
        return f"no file {row['source_file']!r} in the raw folder (removed or renamed?)"
    if report["status"] == "withdrawn":
        return "the file was removed from the raw folder"
    if report["status"] == "duplicate":
        return f"the file is a duplicate ({report['error']}): correct it there"
    if report["sha256"] != row["sha256"]:
        return f"the file changed: its sha256 is now {report['sha256']}, not {row['sha256']}"
    if report["status"] not in schemas.REPORT_READ:
        return f"the file's values are not published (status {report['status']})"
    return None


def _shown(value: float | None) -> str:
    if value is None or value != value:
        return "nothing readable"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _printed_matches(printed: str, cell: dict) -> bool:
    if not printed:
        return cell["value"] is None
    if cell["value"] is None:
        return False
    exact = cell["value_exact"]
    return exact == Decimal(printed) if exact is not None else cell["value"] == float(printed)


def _judge_cell(row: dict, cells: dict[tuple, dict]) -> tuple[str, str, dict | None]:
    """(status, why, the cell) of a correction whose file is the one corrected."""
    cell = cells.get((row["indicator"], row["breakdown"]))
    if cell is None:
        return INVALID, f"the report prints no cell {_cell(row)}", None
    if not _printed_matches(row["printed_value"], cell):
        now = _shown(cell["value"])
        said = row["printed_value"] or "a blank"
        return STALE, f"{_cell(row)} is printed {now} ({cell['locator']}), not {said}", cell
    return APPLIED, f"{_cell(row)} printed {_shown(cell['value'])} at {cell['locator']}", cell


def resolve(
    written: Written, reports: pd.DataFrame, cells: pd.DataFrame, catalogue: Catalogue
) -> pd.DataFrame:
    """The corrections table: every row of corrections.csv judged against the run's reports
    and the printed cells (`cells`: CELL_COLUMNS of the reports named, in table order: a cell
    printed twice is the last, as the checks read it)."""
    rows = judged_rows(written, catalogue)
    named = reports_named(rows, reports)
    by_report: dict[str, dict[tuple, dict]] = {}
    for c in records(cells):
        by_report.setdefault(c["report_id"], {})[(c["indicator"], c["breakdown"])] = c
    out = []
    for r in rows:
        report = named.get(r["line"])
        r["report_id"] = None if report is None else report["report_id"]
        if r["status"] is None and (why := _stale_file(r, report)):
            r.update(status=STALE, status_reason=why)
        if r["status"] is None:
            status, why, cell = _judge_cell(r, by_report.get(r["report_id"], {}))
            r.update(status=status, status_reason=why, locator=cell and cell["locator"])
        if r["status"] != INVALID:
            exact = Decimal(r["corrected_value"])
            r.update(value_corrected=float(exact), value_corrected_exact=exact)
        out.append({**r, "file_sha256": written.digest})
    return to_frame(out, schemas.CORRECTIONS)


def corrected_observations(observations: pd.DataFrame, corrections: pd.DataFrame) -> pd.DataFrame:
    """The observations of the reports with an applied correction, the corrected cells
    carrying the corrected value (a cell read as blank or unreadable becomes a number)."""
    applied = corrections[corrections["status"] == APPLIED]
    obs = observations[observations["report_id"].isin(set(applied["report_id"]))].copy()
    if obs.empty:
        return obs.reset_index(drop=True)
    fixes = applied.set_index(["report_id", "indicator", "breakdown"])
    keys = pd.MultiIndex.from_frame(obs[["report_id", "indicator", "breakdown"]])
    hit = keys.isin(fixes.index)
    picked = fixes.reindex(keys[hit])
    obs.loc[hit, "value"] = picked["value_corrected"].to_numpy()
    obs.loc[hit, "value_exact"] = picked["value_corrected_exact"].to_numpy()
    unread = hit & ~obs["value_status"].isin(READ_STATUSES).to_numpy()
    obs.loc[unread, "value_status"] = schemas.NUMBER
    return obs.reset_index(drop=True)
