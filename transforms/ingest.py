"""Ingest: raw files → one `reports` row each and their `observations`.

In: the raw folder and the paths found in it. Out: (reports frame, observations frame).
Every file gets a row in `reports`, read or not, with the reason; one bad file never stops the
run. A file with the same bytes as one already seen is kept as a `duplicate` row pointing to it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from transforms import PARSER_VERSION, schemas
from transforms.catalogue import Catalogue
from transforms.metadata import report_metadata
from transforms.narrative import claim_rows
from transforms.normalise import observations, to_frame
from transforms.readers import ReadError, file_format, read_document
from transforms.templates import TemplateNotFound, parse_document

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileResult:
    report: dict
    observations: pd.DataFrame | None
    claims: tuple[dict, ...] = ()


def discover(raw_dir: Path) -> list[Path]:
    """Every regular file below `raw_dir` (sorted; hidden files and README.md skipped)."""
    return sorted(
        p
        for p in raw_dir.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.name != "README.md"
    )


def ingest_file(path: Path, raw_dir: Path, catalogue: Catalogue) -> FileResult:
    """Read, parse and normalise one file; never raises for a bad file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return FileResult(_unopened(path, raw_dir, exc), None)
    sha = hashlib.sha256(data).hexdigest()
    report = {
        "report_id": sha[:16],
        "source_file": path.relative_to(raw_dir).as_posix(),
        "sha256": sha,
        "size_bytes": len(data),
        "file_format": file_format(path),
        "encoding": None,
        "body": None,
        "report_year": None,
        "template": None,
        "status": "parsed",
        "error": None,
        "n_values": 0,
        "parser_version": PARSER_VERSION,
    }
    try:
        document = read_document(path, data)
        report["encoding"] = document.encoding
        report["body"], report["report_year"] = report_metadata(document.lines)
        table = parse_document(document)
    except ReadError as exc:
        return FileResult({**report, "status": "unreadable", "error": str(exc)}, None)
    except TemplateNotFound as exc:
        return FileResult({**report, "status": "no_template", "error": str(exc)}, None)
    except Exception as exc:  # a parser defect: quarantine this file, keep the run going
        log.exception("parser failed on %s", path)
        error = f"parser error: {type(exc).__name__}: {exc}"
        return FileResult({**report, "status": "failed", "error": error}, None)
    obs = observations(table, report["report_id"], catalogue)
    family = catalogue.family(table.template)
    claims = tuple(claim_rows(report["report_id"], document, family, catalogue))
    return FileResult({**report, "template": table.template, "n_values": len(obs)}, obs, claims)


def _unopened(path: Path, raw_dir: Path, exc: OSError) -> dict:
    source = path.relative_to(raw_dir).as_posix()
    return {
        "report_id": "unopened-" + hashlib.sha256(source.encode("utf-8")).hexdigest()[:16],
        "source_file": source,
        "sha256": "",
        "size_bytes": 0,
        "file_format": file_format(path),
        "encoding": None,
        "body": None,
        "report_year": None,
        "template": None,
        "status": "unreadable",
        "error": f"cannot open the file: {exc.strerror or exc}",
        "n_values": 0,
        "parser_version": PARSER_VERSION,
    }


def _mark_duplicate(result: FileResult, first: dict) -> FileResult:
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


def ingest_files(
    paths: Iterable[Path],
    raw_dir: Path,
    catalogue: Catalogue,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Ingest every path; return the reports, observations and narrative_claims frames."""
    paths = list(paths)
    reports, frames, claims, seen = [], [], [], {}
    for done, path in enumerate(paths, start=1):
        result = ingest_file(path, raw_dir, catalogue)
        first = seen.get(result.report["sha256"])
        if first is not None and result.report["sha256"]:
            result = _mark_duplicate(result, first)
        else:
            seen[result.report["sha256"]] = result.report
        reports.append(result.report)
        if result.observations is not None:
            frames.append(result.observations)
            claims += result.claims
        if on_progress:
            on_progress(done, len(paths))
    obs = pd.concat(frames, ignore_index=True) if frames else to_frame([], schemas.OBSERVATIONS)
    return (
        to_frame(reports, schemas.REPORTS),
        obs,
        to_frame(claims, schemas.NARRATIVE_CLAIMS),
    )
