"""Ingest: raw files → one `reports` row each and their `observations`.

In: the raw folder and the paths found in it. Out: (reports frame, observations frame).
Every file gets a row in `reports`, read or not, with the reason; one bad file never stops the
run. A file with the same bytes as one already seen is kept as a `duplicate` row pointing to it.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from transforms import PARSER_VERSION
from transforms import catalogue as catalogue_module
from transforms.catalogue import Catalogue
from transforms.metadata import report_metadata
from transforms.narrative import claim_rows
from transforms.normalise import observations
from transforms.pool import Bounds, Failed, map_bounded, run_inline
from transforms.readers import Document, ReadError, failure, file_format, read_document
from transforms.templates import TemplateNotFound, parse_document

log = logging.getLogger(__name__)

DEFAULT_MAX_FILE_MB = 50


@dataclass(frozen=True)
class FileResult:
    report: dict
    observations: pd.DataFrame | None
    claims: tuple[dict, ...] = ()


def discover(raw_dir: Path) -> list[Path]:
    """Every file below `raw_dir`, sorted; hidden files and README.md skipped.

    Symbolic links are listed but never followed into directories: a link is judged by
    `ingest_file` (a link out of the raw folder gets a row saying it was not followed)."""
    found = []
    for folder, dirs, files in os.walk(raw_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        here = Path(folder)
        found += [here / d for d in dirs if (here / d).is_symlink()]
        found += [here / f for f in files if not f.startswith(".") and f != "README.md"]
    return sorted(found)


def max_file_bytes(environ: Mapping[str, str] = os.environ) -> int:
    """The size cap per raw file: NIANBAO_MAX_FILE_MB (default 50 MB)."""
    text = environ.get("NIANBAO_MAX_FILE_MB", "").strip()
    try:
        megabytes = float(text) if text else DEFAULT_MAX_FILE_MB
    except ValueError:
        raise ValueError(
            f"NIANBAO_MAX_FILE_MB must be a number of megabytes, not {text!r}"
        ) from None
    return int(megabytes * 1024 * 1024)


def parser_version(catalogue: Catalogue) -> str:
    """PARSER_VERSION and the catalogue's digest: a change to either re-reads every file."""
    return f"{PARSER_VERSION}+{catalogue.digest[:12]}" if catalogue.digest else PARSER_VERSION


def refusal(path: Path, raw_dir: Path) -> str | None:
    """Why a file must not be opened at all (a link out of the raw folder), or None."""
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(raw_dir.resolve()):
            return "a symbolic link to a place outside the raw folder; not followed"
        if not target.is_file():
            return "a symbolic link to a folder or to nothing; not followed"
    elif not path.is_file():
        return "not a regular file"
    return None


def file_digest(path: Path) -> tuple[str, int]:
    """(SHA-256, size) of a file, read in blocks (a file over the cap is hashed, never loaded)."""
    sha, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            sha.update(block)
            size += len(block)
    return sha.hexdigest(), size


def ingest_file(
    path: Path, raw_dir: Path, catalogue: Catalogue, max_bytes: int | None = None
) -> FileResult:
    """Read, parse and normalise one file; never raises for a bad file."""
    max_bytes = max_file_bytes() if max_bytes is None else max_bytes
    version = parser_version(catalogue)
    refused = refusal(path, raw_dir)
    if refused:
        return FileResult(_unopened(path, raw_dir, refused, version), None)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return FileResult(_too_big(path, raw_dir, max_bytes, version), None)
        data = path.read_bytes()
    except OSError as exc:
        reason = f"cannot open the file: {exc.strerror or exc}"
        return FileResult(_unopened(path, raw_dir, reason, version), None)
    sha = hashlib.sha256(data).hexdigest()
    report = _row(path, raw_dir, sha, len(data), version)
    try:
        document = read_document(path, data)
    except ReadError as exc:
        return FileResult({**report, "status": "unreadable", "error": str(exc)}, None)
    except MemoryError:  # the worker's memory bound: the parse pool reports it for this file
        raise
    except Exception as exc:  # a reader defect: nothing of the file was read
        log.exception("reader failed on %s", path)
        error = f"reader error: {failure('the file', exc)}"
        return FileResult({**report, "status": "failed", "error": error}, None)
    return _interpret(document, report, catalogue)


def _interpret(document: Document, report: dict, catalogue: Catalogue) -> FileResult:
    """Metadata, tables and prose of a read document, each on its own: a failure in one part
    leaves the others, and the report is `partial` with the failures in `error`."""
    errors = list(document.errors)
    report = {**report, "encoding": document.encoding}
    metadata = _guarded("title and year", errors, lambda: report_metadata(document.lines))
    report["body"], report["report_year"] = metadata or (None, None)
    try:
        table = parse_document(document)
    except TemplateNotFound as exc:
        why = "; ".join([str(exc), *errors])
        return FileResult({**report, "status": "no_template", "error": why}, None)
    except MemoryError:
        raise
    except Exception as exc:  # a defect in a template's detection: no table can be trusted
        log.exception("template detection failed")
        why = "; ".join([f"parser error: {failure('template detection', exc)}", *errors])
        return FileResult({**report, "status": "failed", "error": why}, None)
    errors += table.errors
    obs = observations(table, report["report_id"], catalogue)
    family = catalogue.family(table.template)
    claims = _guarded(
        "prose", errors, lambda: tuple(claim_rows(report["report_id"], document, family, catalogue))
    )
    status = {"status": "partial", "error": "; ".join(errors)} if errors else {}
    row = {**report, "template": table.template, "n_values": len(obs), **status}
    return FileResult(row, obs, claims or ())


def _guarded(where: str, errors: list[str], read: Callable):
    """`read()`, or None with the failure appended to `errors` (a parser defect in one part of
    a report must not lose the others)."""
    try:
        return read()
    except MemoryError:
        raise
    except Exception as exc:
        log.exception("reading the %s failed", where)
        errors.append(failure(where, exc))
        return None


def _row(path: Path, raw_dir: Path, sha: str, size: int, version: str) -> dict:
    return {
        "report_id": sha[:16],
        "source_file": path.relative_to(raw_dir).as_posix(),
        "sha256": sha,
        "size_bytes": size,
        "file_format": file_format(path),
        "encoding": None,
        "body": None,
        "report_year": None,
        "template": None,
        "status": "parsed",
        "error": None,
        "n_values": 0,
        "parser_version": version,
    }


def _unopened(path: Path, raw_dir: Path, reason: str, version: str) -> dict:
    source = path.relative_to(raw_dir).as_posix()
    path_id = "unopened-" + hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]
    return {**_row(path, raw_dir, "", 0, version), "report_id": path_id, "sha256": ""} | {
        "status": "unreadable",
        "error": reason,
    }


def _too_big(path: Path, raw_dir: Path, max_bytes: int, version: str) -> dict:
    sha, size = file_digest(path)
    reason = (
        f"the file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:g} MB size cap "
        "(set NIANBAO_MAX_FILE_MB to raise it); not read"
    )
    return _row(path, raw_dir, sha, size, version) | {"status": "unreadable", "error": reason}


def mark_duplicate(result: FileResult, first: dict) -> FileResult:
    report = result.report
    path_hash = hashlib.sha256(report["source_file"].encode("utf-8")).hexdigest()[:8]
    return FileResult(
        {
            **report,
            "report_id": f"{report['report_id']}-dup-{path_hash}",
            "status": "duplicate",
            "error": f"same content as {first['source_file']}; its values are kept there",
            "n_values": 0,
        },
        None,
    )


def parse_bounds(environ: Mapping[str, str] = os.environ) -> Bounds:
    """Per-file bounds of the parse stage: NIANBAO_PARSE_TIMEOUT (seconds, default 120),
    NIANBAO_PARSE_MEMORY_MB (default 2048), NIANBAO_WORKERS (default: one per core)."""
    try:
        return Bounds(
            timeout_seconds=float(environ.get("NIANBAO_PARSE_TIMEOUT") or 120),
            memory_bytes=int(float(environ.get("NIANBAO_PARSE_MEMORY_MB") or 2048) * 2**20),
            workers=int(environ.get("NIANBAO_WORKERS") or 0),
        )
    except ValueError as exc:
        raise ValueError(f"bad NIANBAO_PARSE_* / NIANBAO_WORKERS setting: {exc}") from None


def _parse_job(job: tuple[Path, Path, int]) -> FileResult:
    """One file in a worker process (module level, so workers can import it)."""
    path, raw_dir, max_bytes = job
    return ingest_file(path, raw_dir, catalogue_module.default(), max_bytes)


def _bounds_exceeded(path: Path, raw_dir: Path, max_bytes: int, reason: str) -> FileResult:
    """The row of a file whose parsing was stopped by the pool (time, memory, crash)."""
    sha, size = file_digest(path)
    row = _row(path, raw_dir, sha, size, parser_version(catalogue_module.default()))
    return FileResult(row | {"status": "failed", "error": f"not read: {reason}"}, None)


def parse_files(
    paths: Sequence[Path],
    raw_dir: Path,
    bounds: Bounds | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, FileResult]:
    """Parse `paths` in worker processes with per-file time and memory bounds (`pool`); with
    bounds None, in this process. Returns source_file → FileResult; never raises for a file."""
    max_bytes = max_file_bytes()
    jobs = [(p, raw_dir, max_bytes) for p in paths]
    results = map_bounded(_parse_job, jobs, bounds) if bounds else run_inline(_parse_job, jobs)
    fresh = {}
    for done, (i, result) in enumerate(results, start=1):
        path = paths[i]
        if isinstance(result, Failed):
            result = _bounds_exceeded(path, raw_dir, max_bytes, result.reason)
        fresh[path.relative_to(raw_dir).as_posix()] = result
        if on_progress:
            on_progress(done, len(paths))
    return fresh


def ingest_files(
    paths: Iterable[Path],
    raw_dir: Path,
    catalogue: Catalogue,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Ingest every path from scratch; return the reports, observations and narrative_claims
    frames (the nightly run reads only what changed: `transforms.incremental`)."""
    from transforms import incremental  # it builds on this module

    nothing = incremental.Previous.empty()
    todo = incremental.plan(list(paths), raw_dir, nothing, catalogue, max_file_bytes())
    fresh = parse_files(todo.to_read, raw_dir, None, on_progress)
    result = incremental.assemble(todo, fresh, raw_dir, nothing)
    return result.reports, result.observations, result.claims
