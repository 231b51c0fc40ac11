"""Incremental runs: what changed under the raw folder since the last run, and reuse of the rest.

In: the paths found now, the last published state (`store.curated.Previous`), the parser
version. Out: a `Plan` (which files must be read, which reports are reused from the previous
run) and, once the files are read, the run's reports and where each report's rows come from
(`assemble_reports`; the run builds its tables from that out of core, `run.outputs`), or, for
callers that hold everything in memory (tests, `ingest_files`), the frames (`Ingested`).

"Unchanged" is keyed on the file's content hash, its format and the parser version (parsers plus
catalogue), never on its path or modification time: a file edited in place is read again, a file
only renamed is not, and a new catalogue re-reads everything. A file that was removed keeps its
`reports` row with status `withdrawn` (its values and checks are no longer published); nothing is
deleted silently. The frames come out in one canonical order whatever was reused, so an
incremental run and a full refresh over the same files give identical tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from transforms import schemas
from transforms.catalogue import Catalogue
from transforms.checks.crossyear import body_key
from transforms.extract.readers import file_format
from transforms.normalise.rows import observations_frame
from transforms.run.ingest import (
    FileResult,
    file_digest,
    ingest_file,
    mark_duplicate,
    max_file_bytes,
    parse_files,
    parser_version,
    refusal,
    source_name,
)
from transforms.schemas import REPORT_READ, records, to_frame, to_frame_chunked
from transforms.store.curated import Previous

WITHDRAWN = (
    "the file was removed from the raw folder; this row is kept, its values and checks are no "
    "longer published"
)
NOT_PRIMARY = ("duplicate", "withdrawn")
# checks spanning reports: recomputed for the bodies whose reports changed (`respanned`)
SPAN_KINDS = ("cross_year", "conflict")
BODY_KIND = "body"  # recomputed for every report in every run (the bodies span the corpus)
RESPAN_KINDS = (*SPAN_KINDS, BODY_KIND)
_ROW_KEYS = ("report_id", "source_file", "status", "body", "report_year", "sha256")


@dataclass(frozen=True)
class Plan:
    paths: tuple[Path, ...]  # every file now, sorted
    to_read: tuple[Path, ...]  # files whose content must be parsed
    decided: Mapping[str, FileResult]  # source_file → result known without parsing
    reused: frozenset[str]  # source files whose report is taken from the previous run
    files_new: int
    files_changed: int
    files_removed: int
    # the files to read that will not be duplicates: the first path of their content (by the
    # hash taken here), whose rows the run keeps (`assemble_reports` says for sure, after the
    # parse); their rows can be validated while the parse goes on
    first_reads: frozenset[str] = frozenset()

    @property
    def changed(self) -> bool:
        return bool(self.to_read or self.files_new or self.files_changed or self.files_removed)


@dataclass(frozen=True)
class Ingested:
    reports: pd.DataFrame
    observations: pd.DataFrame
    claims: pd.DataFrame
    fresh_ids: frozenset[str] = field(default_factory=frozenset)  # reports parsed in this run


def _source(path: Path, raw_dir: Path) -> str:
    return source_name(path, raw_dir)  # the row's source_file, also for names not UTF-8


def _reusable(previous: Previous, version: str) -> dict[tuple[str, str], int]:
    """(sha256, file format) → the position in `previous.reports` of the row read from that
    content by this version."""
    rows = previous.reports
    usable = ~rows["status"].isin(NOT_PRIMARY) & (rows["parser_version"] == version)
    usable = (usable & (rows["sha256"] != "")).to_numpy(dtype=bool)
    keys = zip(rows["sha256"][usable], rows["file_format"][usable], strict=True)
    return dict(zip(keys, usable.nonzero()[0].tolist(), strict=True))


class Decided(Mapping[str, FileResult]):
    """source_file → the result of a file known without parsing it: refused unread, or reused
    from the previous run. A reused file's row is made from the previous reports when asked
    for, a chunk of rows at a time (the last chunk kept): `assemble_reports` asks in path
    order, which the previous reports' order (by source_file) follows but for renamed files.
    Held as dicts, 100,000 reused rows took ~110 MB of the flow's process through the run."""

    CHUNK = 1_000

    def __init__(self, previous: pd.DataFrame) -> None:
        self._previous = pa.Table.from_pandas(
            previous, schema=schemas.REPORTS, preserve_index=False
        )
        self.refused: dict[str, FileResult] = {}
        self.reused: dict[str, int] = {}  # source_file → its row's position in the previous
        self._chunk: tuple[int, list[dict]] = (-1, [])

    def _row(self, position: int) -> dict:
        k = position // self.CHUNK
        if self._chunk[0] != k:
            self._chunk = (k, self._previous.slice(k * self.CHUNK, self.CHUNK).to_pylist())
        return self._chunk[1][position - k * self.CHUNK]

    def __getitem__(self, source: str) -> FileResult:
        if source in self.refused:
            return self.refused[source]
        return FileResult({**self._row(self.reused[source]), "source_file": source}, None)

    def __contains__(self, source: object) -> bool:
        return source in self.refused or source in self.reused

    def __iter__(self) -> Iterator[str]:
        return iter([*self.refused, *self.reused])

    def __len__(self) -> int:
        return len(self.refused) + len(self.reused)


def _digest_or_none(path: Path, raw_dir: Path, max_bytes: int) -> str | None:
    """The content hash of a file to be parsed, or None when ingest_file decides it unread
    (a refused link, a file over the cap, a file that cannot be opened)."""
    try:
        if refusal(path, raw_dir) or path.stat().st_size > max_bytes:
            return None
        return file_digest(path)[0]
    except OSError:
        return None


def plan(
    paths: Iterable[Path], raw_dir: Path, previous: Previous, catalogue: Catalogue, max_bytes: int
) -> Plan:
    """Hash every file and decide what must be read; files refused unread are decided here."""
    paths = tuple(paths)
    reusable = {} if previous.damaged else _reusable(previous, parser_version(catalogue))
    live = previous.reports[previous.reports["status"] != "withdrawn"]
    before = dict(zip(live["source_file"], live["sha256"], strict=True))
    outcome = {
        s: e if isinstance(e, str) else None
        for s, e in zip(live["source_file"], live["error"], strict=True)
    }
    to_read, decided, contents = [], Decided(previous.reports), []
    new = changed = 0
    sources = [_source(p, raw_dir) for p in paths]
    for path, source in zip(paths, sources, strict=True):
        sha = _digest_or_none(path, raw_dir, max_bytes)
        hit = reusable.get((sha, file_format(path)))
        reason = None
        if sha is None:  # refused unread: a new reason (e.g. another size cap) is a change
            result = decided.refused[source] = ingest_file(path, raw_dir, catalogue, max_bytes)
            sha, reason = result.report["sha256"], result.report["error"]
        elif hit is None:
            to_read.append(path)
        else:
            decided.reused[source] = hit
        contents.append((source, sha, source not in decided))
        new += source not in before
        changed += source in before and (
            before[source] != sha or (reason is not None and outcome[source] != reason)
        )
    now = set(sources)
    removed = sum(1 for s in before if s not in now)
    return Plan(
        paths, tuple(to_read), decided, frozenset(decided.reused), new, changed, removed,
        _first_reads(contents),
    )  # fmt: skip


def _first_reads(contents: list[tuple[str, str, bool]]) -> frozenset[str]:
    """The files to read (source, content hash, to be read: in path order) that are the first
    of their content, as `assemble_reports` tells duplicates (an empty hash is no content)."""
    seen, first = set(), set()
    for source, sha, read in contents:
        if read and sha not in seen:
            first.add(source)
        if sha:
            seen.add(sha)
    return frozenset(first)


def _withdrawn(previous: Previous, present: set[str], ids: set[str]) -> list[dict]:
    """Rows of reports whose file is gone (kept, marked withdrawn), unless the content lives on."""
    gone = previous.reports[~previous.reports["source_file"].isin(present)]
    return [
        {**r, "status": "withdrawn", "error": WITHDRAWN}
        for r in records(gone)
        if r["report_id"] not in ids
    ]


@dataclass(frozen=True)
class Assembled:
    """The run's reports and where each read report's rows come from."""

    reports: pd.DataFrame  # every file's row, withdrawn files too, in canonical order
    reused_ids: frozenset[str]  # reports whose rows are the previous run's
    fresh_ids: frozenset[str]  # reports read in this run
    fresh_sources: frozenset[str]  # the files those were read from (not their duplicates)


def assemble_reports(
    plan_: Plan, fresh: Mapping[str, dict], raw_dir: Path, previous: Previous
) -> Assembled:
    """The run's reports rows from the plan and the rows of the files read (source_file → row):
    reused and freshly read reports, duplicates (by content, the first path keeps the values)
    and withdrawn files marked. The rows go into Arrow as they come (`to_frame_chunked`): held
    as dicts, 100,000 of them took ~110 MB."""
    first_path: dict[str, str] = {}  # content hash → the first file with it
    reused_ids, fresh_ids, sources, present, ids = set(), set(), set(), set(), set()

    def rows() -> Iterator[dict]:
        for path in plan_.paths:
            source = _source(path, raw_dir)
            decided = plan_.decided.get(source)
            report = decided.report if decided is not None else fresh[source]
            first = first_path.get(report["sha256"])
            if first is not None and report["sha256"]:
                report = mark_duplicate(FileResult(report, None), first).report
            else:
                first_path[report["sha256"]] = report["source_file"]
                if source in plan_.reused:
                    reused_ids.add(report["report_id"])
                elif decided is None and report["status"] in REPORT_READ:
                    fresh_ids.add(report["report_id"])
                    sources.add(report["source_file"])
            present.add(report["source_file"])
            ids.add(report["report_id"])
            yield report
        yield from _withdrawn(previous, present, ids)  # once every file's row is made

    return Assembled(
        reports=canonical(to_frame_chunked(rows(), schemas.REPORTS), ["source_file"]),
        reused_ids=frozenset(reused_ids),
        fresh_ids=frozenset(fresh_ids),
        fresh_sources=frozenset(sources),
    )


def assemble(
    plan_: Plan, fresh: Mapping[str, FileResult], raw_dir: Path, previous: Previous
) -> Ingested:
    """The run's frames in memory (`assemble_reports`, with the rows of every report)."""
    if plan_.reused and not previous.values_loaded:
        raise ValueError("the previous state was loaded without its values: cannot reuse them")
    done = assemble_reports(plan_, {s: r.report for s, r in fresh.items()}, raw_dir, previous)
    rows, claims = [], []
    for result in fresh.values():
        if result.report["source_file"] in done.fresh_sources and result.rows is not None:
            rows += result.rows
            claims += result.claims
    obs = previous.observations[previous.observations["report_id"].isin(done.reused_ids)]
    old_claims = previous.claims[previous.claims["report_id"].isin(done.reused_ids)]
    return Ingested(
        reports=done.reports,
        observations=canonical(
            _concat([obs, observations_frame(rows)], schemas.OBSERVATIONS), ["report_id"]
        ),
        claims=canonical(
            _concat(
                [old_claims, to_frame(claims, schemas.NARRATIVE_CLAIMS)], schemas.NARRATIVE_CLAIMS
            ),
            ["report_id", "claim_no"],
        ),
        fresh_ids=done.fresh_ids,
    )


def ingest_files(
    paths: Iterable[Path],
    raw_dir: Path,
    catalogue: Catalogue,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Ingest every path from scratch, in this process; return the reports, observations and
    narrative_claims frames (the nightly run reads only what changed, in worker processes)."""
    nothing = Previous.empty()
    todo = plan(list(paths), raw_dir, nothing, catalogue, max_file_bytes())
    fresh = parse_files(todo.to_read, raw_dir, None, on_progress)
    result = assemble(todo, fresh, raw_dir, nothing)
    return result.reports, result.observations, result.claims


def _concat(frames: list[pd.DataFrame], schema) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return schemas.empty_frame(schema)
    return pd.concat(frames, ignore_index=True)[schema.names]


def canonical(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """`frame` sorted by `keys`, stable (rows of one report keep their printed order)."""
    return frame.sort_values(keys, kind="mergesort", na_position="first").reset_index(drop=True)


def respanned(previous: Previous, assembled: Assembled) -> frozenset[str]:
    """The reports read with values whose checks spanning reports (cross-year, conflicts) must
    be computed again: every report of a body (`crossyear.body_key`) one of whose reports is
    new, read again, changed (its file, status, body or year), or gone since the published
    state. The others keep their published rows: a body's checks read its reports only. On a
    first run, or one that reuses nothing, every report."""
    reports = assembled.reports
    live = reports[reports["status"].isin(REPORT_READ)]
    if previous.reports.empty or not assembled.reused_ids:
        return frozenset(live["report_id"])
    before = set(previous.reports[list(_ROW_KEYS)].itertuples(index=False, name=None))
    now = set(reports[list(_ROW_KEYS)].itertuples(index=False, name=None))
    moved = {row[3] for row in before ^ now}  # a NaN year compares unequal: counted as moved
    moved |= set(reports.loc[reports["report_id"].isin(assembled.fresh_ids), "body"])
    keys = {body_key(b) for b in moved if isinstance(b, str)} - {None}
    touched = live["body"].map(body_key, na_action="ignore").isin(keys)
    return frozenset(live.loc[touched.to_numpy(dtype=bool), "report_id"])
