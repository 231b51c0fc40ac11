"""Run the suites through Great Expectations checkpoints and turn the results into rows.

In: the frames to validate (evaluations, observations, reports), the suite specs, a folder for
Data Docs. Out: a `check_results` frame (schema `transforms.schemas.CHECK_RESULTS`): one row per
check per report (per breakdown for identities), passed TRUE/FALSE, or NULL when not evaluable.

GE is the judge: a row fails because the expectation listed it as unexpected. An expectation
that raised inside GE (misconfigured, unsupported) is a pipeline error (`ValidationError`), never
a data finding: GE reports such failures as success=False with the exception inside.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from expectations import docs
from expectations.suites import ExpectationSpec, SuiteSpec
from transforms import schemas
from transforms.schemas import to_frame

_MAX_LISTED = 10  # offending cells listed in one message
CHECKS = schemas.CHECK_RESULTS
PRINTED = "printed"  # check_results.value_set: a caller re-labels checks of corrected values


class ValidationError(RuntimeError):
    """Great Expectations could not run a suite; the run must fail, not report findings."""


def _context(docs_dir: Path | None):
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GE's config module pins its own logger to INFO and announces a temp folder on each context.
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if docs_dir is not None:
        context.add_data_docs_site(site_name="nianbao", site_config=docs.site_config(docs_dir))
    return context


class _Checkpoint:
    """One suite's checkpoint, built once and run on every batch of its frame."""

    def __init__(self, context, spec: SuiteSpec) -> None:
        import great_expectations as gx
        from great_expectations.expectations.row_conditions import Column

        source = context.data_sources.add_pandas(f"nianbao_{spec.name}")
        batch = source.add_dataframe_asset(spec.frame).add_batch_definition_whole_dataframe("all")
        suite = gx.ExpectationSuite(name=spec.name)
        for e in spec.expectations:
            cls = getattr(gx.expectations, e.expectation)
            condition = {"row_condition": Column(e.where[0]) == e.where[1]} if e.where else {}
            suite.add_expectation(
                cls(
                    **e.kwargs,
                    **condition,
                    meta={"check_id": e.check_id},
                    description=e.description,
                )
            )
        suite = context.suites.add(suite)
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=spec.name, data=batch, suite=suite)
        )
        self.spec = spec
        self.checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=f"nianbao_{spec.name}",
                validation_definitions=[definition],
                actions=[],  # the Data Docs are built once, after the last batch
                result_format={"result_format": "COMPLETE"},
            )
        )

    def run(self, frame: pd.DataFrame) -> dict:
        """Validate one batch; return {check_id: set of unexpected row positions}."""
        spec = self.spec
        judged = frame[_judged_columns(spec, list(frame.columns))].reset_index(drop=True)
        result = self.checkpoint.run(batch_parameters={"dataframe": judged})
        unexpected = {}
        for run in result.run_results.values():
            for r in run.results:
                check_id = r.expectation_config.meta["check_id"]
                raised = _raised(r.exception_info)
                if raised:
                    raise ValidationError(
                        f"expectation {check_id} in suite {spec.name} raised: {'; '.join(raised)}"
                    )
                unexpected[check_id] = set(r.result.get("unexpected_index_list") or [])
        return unexpected


Verdicts = dict[str, dict[str, set[int]]]  # suite → check id → unexpected row positions


def _slice(unexpected: dict[str, set[int]], offset: int, table: pa.Table) -> dict[str, set]:
    """The unexpected positions that fall in `table`, rows offset.. of the batch, from 0."""
    end = offset + table.num_rows
    return {k: {p - offset for p in v if offset <= p < end} for k, v in unexpected.items()}


def _named(spec: SuiteSpec) -> list[str]:
    """Every column the spec's expectations name (kwargs and row conditions)."""
    named: list[str] = []
    for e in spec.expectations:
        named += [e.kwargs["column"]] if "column" in e.kwargs else []
        named += e.kwargs.get("column_list", [])
        named += [e.where[0]] if e.where else []
    return list(dict.fromkeys(named))


def _judged_columns(spec: SuiteSpec, names: list[str]) -> list[str]:
    """The columns the suite's expectations read (in frame order). GE copies the whole batch
    for every row condition and metric; the message, label and locator columns it never reads
    are most of the bytes. Row positions, and so the unexpected rows, are the same."""
    named = set(_named(spec))
    return [c for c in names if c in named]


def _judged_frame(spec: SuiteSpec, table: pa.Table) -> pd.DataFrame:
    """The pandas copy GE judges: the columns the suite reads, its text columns as categories.
    GE applies a row condition once per metric (seven times per expectation) to the whole
    batch, and tests sets and uniqueness value by value: on categories pandas compares small
    integer codes instead of strings (a 264k-row evaluations batch: 2.3 -> 1.7 s). The values,
    and so what GE finds, are the same."""
    judged = table.select(_judged_columns(spec, table.column_names))
    for i, field in enumerate(judged.schema):
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            judged = judged.set_column(i, field.name, pc.dictionary_encode(judged[i]))
    return judged.to_pandas()


def _raised(info: dict | None) -> list[str]:
    """Exception messages in a GE exception_info: flat, or keyed by metric (one per metric)."""
    info = info or {}
    if "raised_exception" in info:
        return [str(info.get("exception_message"))] if info["raised_exception"] else []
    return sorted({m for v in info.values() if isinstance(v, dict) for m in _raised(v)})


def identity_table(spec: SuiteSpec, evaluations: pa.Table, unexpected: dict) -> pa.Table:
    """One check_results row per evaluation row, column by column (hundreds of thousands of
    rows per batch): passed is NULL where the row is not evaluable (violation NULL), FALSE where
    its check's expectation listed it as unexpected; expected and actual stay NULL where there is
    no number (the table has always stored NULL there, never NaN)."""
    ids = [e.check_id for e in spec.expectations]
    where = pc.index_in(evaluations["check"], value_set=pa.array(ids, pa.string()))
    failed = np.zeros(evaluations.num_rows, dtype=bool)
    for positions in unexpected.values():
        failed[list(positions)] = True
    evaluable = pc.is_valid(evaluations["violation"]).to_numpy(zero_copy_only=False)
    columns = {
        "report_id": evaluations["report_id"],
        "check_id": evaluations["rule_id"],
        "breakdown": evaluations["breakdown"],
        "kind": pa.array([e.kind for e in spec.expectations], pa.string()).take(where),
        "severity": pa.array([e.severity for e in spec.expectations], pa.string()).take(where),
        "passed": pa.array(~failed, mask=~evaluable, type=pa.bool_()),
        "expected": evaluations["expected"],
        "actual": evaluations["actual"],
        "message": evaluations["message"],
        "locator": evaluations["locator"],
        "value_set": pa.array([PRINTED] * evaluations.num_rows, pa.string()),
    }
    return pa.table(columns, schema=CHECKS)


def _describe_cell(row: pd.Series) -> str:
    label = row.get("label_as_printed", "") or ""
    return f"{label.strip()} printed {row['raw_value']!r} ({row['value_status']}, {row['locator']})"


def _describe_report(row: pd.Series) -> str:
    return f"{row['source_file']}"


def _per_report_table(spec: SuiteSpec, report_ids: list, take, unexpected: dict) -> pa.Table:
    """One row per expectation per report (`report_ids`: the batch's, row by row), column by
    column: a report with no offending row gets the expectation's "Holds." row without a row
    of its own being made (the observations of 1,000 reports, 6 expectations: 0.35 s with a
    dict per row, 0.15 s so). Only the offending rows are looked at one by one (they are few;
    the batch may have millions), each of them once: `take(positions)` gives them as a frame
    with the columns messages name."""
    describe = _describe_cell if spec.frame == "observations" else _describe_report
    every_report = list(dict.fromkeys(report_ids))
    at = {report: i for i, report in enumerate(every_report)}
    offending = sorted(set().union(*(unexpected[e.check_id] for e in spec.expectations)))
    bad_rows = dict(zip(offending, _records(take(offending)), strict=True))
    parts = []
    for e in spec.expectations:
        bad_by_report = defaultdict(list)
        for pos in sorted(unexpected[e.check_id]):
            bad_by_report[report_ids[pos]].append(bad_rows[pos])
        parts.append(_expectation_table(e, every_report, at, bad_by_report, describe))
    return pa.concat_tables(parts) if parts else CHECKS.empty_table()


def _expectation_table(
    e: ExpectationSpec, reports: list, at: dict, bad_by_report: dict, describe
) -> pa.Table:
    """`_report_row` for each of `reports`, as a table: the constant columns made at once."""
    n = len(reports)
    passed, actual = [True] * n, [0.0] * n
    message, locator = [_report_row(e, "", [], describe)["message"]] * n, [None] * n
    for report, bad in bad_by_report.items():
        row, i = _report_row(e, report, bad, describe), at[report]
        passed[i], actual[i], message[i], locator[i] = (
            row["passed"], row["actual"], row["message"], row["locator"]
        )  # fmt: skip
    string = pa.string()
    columns = {
        "report_id": pa.array(reports, string),
        "check_id": pa.array([e.check_id] * n, string),
        "breakdown": pa.nulls(n, string),
        "kind": pa.array([e.kind] * n, string),
        "severity": pa.array([e.severity] * n, string),
        "passed": pa.array(passed, pa.bool_()),
        "expected": pa.array([0.0] * n, pa.float64()),
        "actual": pa.array(actual, pa.float64()),
        "message": pa.array(message, string),
        "locator": pa.array(locator, string),
        "value_set": pa.array([PRINTED] * n, string),
    }
    return pa.table(columns, schema=CHECKS)


def _taker(table: pa.Table):
    def take(positions: list[int]) -> pd.DataFrame:
        return table.take(pa.array(positions, pa.int64())).to_pandas()

    return take


def _records(frame: pd.DataFrame) -> list[pd.Series]:
    """The rows of `frame` as Series, as `frame.iloc[pos]` gives them (a row of mixed types is
    an object Series: each value keeps its own type)."""
    return [row for _, row in frame.iterrows()]


def _report_row(e: ExpectationSpec, report_id: str, bad: list, describe) -> dict:
    listed = "; ".join(describe(b) for b in bad[:_MAX_LISTED])
    more = f"; and {len(bad) - _MAX_LISTED} more" if len(bad) > _MAX_LISTED else ""
    locators = "; ".join(str(b["locator"]) for b in bad if "locator" in b) or None
    return {
        "report_id": report_id,
        "check_id": e.check_id,
        "breakdown": None,
        "kind": e.kind,
        "severity": e.severity,
        "passed": not bad,
        "expected": 0.0,
        "actual": float(len(bad)),
        "message": e.description + (f" Fails for {len(bad)}: {listed}{more}" if bad else " Holds."),
        "locator": locators,
        "value_set": PRINTED,
    }


def _fresh_folder(folder: Path) -> None:
    """An empty `folder` for the Data Docs, or an OSError that says which folder and why (an
    immutable or read-only curated folder must not surface as a puzzling FileExistsError)."""
    try:
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise OSError(exc.errno, f"cannot replace the Data Docs folder {folder}: {why}") from exc


class Validator:
    """The suites as Great Expectations checkpoints in one context, run on batch after batch
    (`check`); `finish` builds the Data Docs of every validation once. A run validates its
    frames in batches so that no batch holds the corpus; every row is judged on its own or per
    report, so batching changes no result.

    The GE context is made by the first check, not here: making it waits for
    `import great_expectations` (seconds), which a run starts in the background
    (`expectations.preload`); a Validator can be made before that import is done."""

    def __init__(self, suites: tuple[SuiteSpec, ...], docs_dir: Path | None) -> None:
        if docs_dir is not None:
            _fresh_folder(docs_dir)
        self.docs_dir = docs_dir
        self.suites = suites
        self._context = None
        self._checkpoints: dict[str, _Checkpoint] = {}

    @property
    def context(self):
        if self._context is None:
            self._context = _context(self.docs_dir)
        return self._context

    def check(self, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
        """Every suite whose frame is in `frames` (and not empty), on that frame: the
        check_results rows."""
        order = dict.fromkeys(spec.frame for spec in self.suites)  # the suites' order
        parts = [
            self.check_table(name, pa.Table.from_pandas(frames[name], preserve_index=False))
            for name in order
            if frames.get(name) is not None and not frames[name].empty
        ]
        if not parts:
            return to_frame([], CHECKS)
        return pa.concat_tables(parts).to_pandas()

    def check_table(self, frame_name: str, table: pa.Table) -> pa.Table:
        """The suites of one frame (evaluations, observations, reports) on a batch of its rows
        as an Arrow table: GE judges a pandas copy of only the columns its expectations read;
        the rows of check_results are made from the table."""
        return self.results(frame_name, table, self.judge(frame_name, table))

    def columns(self, frame_name: str) -> list[str]:
        """The columns the suites of a frame read (`judge` needs no others)."""
        specs = [spec for spec in self.suites if spec.frame == frame_name]
        return sorted({c for spec in specs for c in _judged_columns(spec, _named(spec))})

    def judge(self, frame_name: str, table: pa.Table) -> Verdicts:
        """GE's verdicts on a batch of a frame's rows (only `columns` are read): suite name →
        {check id: the unexpected row positions}."""
        verdicts = {}
        for spec in self.suites:
            if spec.frame != frame_name or table.num_rows == 0:
                continue
            judged = _judged_frame(spec, table)
            if spec.name not in self._checkpoints:
                self._checkpoints[spec.name] = _Checkpoint(self.context, spec)
            verdicts[spec.name] = self._checkpoints[spec.name].run(judged)
        return verdicts

    def results(
        self, frame_name: str, table: pa.Table, verdicts: Verdicts, offset: int = 0
    ) -> pa.Table:
        """The check_results rows of a batch judged by `judge`. Evaluations may come a slice
        at a time: `table` then holds the batch's rows from position `offset` on (the
        messages of a batch need not be held at once); the other frames' rows are per report
        and need the whole batch."""
        parts = []
        for spec in self.suites:
            if spec.frame != frame_name or spec.name not in verdicts:
                continue
            unexpected = verdicts[spec.name]
            if spec.frame == "evaluations":
                parts.append(identity_table(spec, table, _slice(unexpected, offset, table)))
                continue
            if offset:
                raise ValueError(f"{spec.frame} rows are checked per report: the whole batch")
            report_ids = table["report_id"].to_pylist()
            parts.append(_per_report_table(spec, report_ids, _taker(table), unexpected))
        return pa.concat_tables(parts) if parts else CHECKS.empty_table()

    def finish(self) -> None:
        """The Data Docs of every batch validated (none when there is no docs folder), made to
        render offline (`expectations.docs`)."""
        if self.docs_dir is not None and self._checkpoints:
            self.context.build_data_docs(site_names=["nianbao"])
            docs.localise(self.docs_dir)


def validate(
    frames: dict[str, pd.DataFrame], suites: tuple[SuiteSpec, ...], docs_dir: Path | None
) -> pd.DataFrame:
    """Run every suite on its frame, as one batch; return the check_results frame."""
    validator = Validator(suites, docs_dir)
    checks = validator.check(frames)
    validator.finish()
    return checks
