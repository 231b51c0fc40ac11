"""Ingest: raw files → one `reports` row each and their `observations`.

In: the raw folder and the paths found in it. Out: (reports frame, observations frame).
Every file gets a row in `reports`, read or not, with the reason; one bad file never stops the
run. A file with the same bytes as one already seen is kept as a `duplicate` row pointing to it.

Names and links: `discover` lists every entry of the raw folder but the skip rule (`skipped`:
names starting with "." — so `.git` and all below it — and files named README.md), and logs what
it skipped. Everything else is a path `refusal` judges before anything is opened: a link that
loops, dangles, leaves the raw folder or points to a folder, a FIFO, socket or device, a folder
that could not be listed, a file removed since the scan; each gets a row with the reason. A name
that is not UTF-8 keeps its bytes for reading (Python's surrogate escapes in the Path) and is
shown in `source_file` by `source_name`, readably and the same in every run; `raw_path` turns a
`source_file` back into the path on disk.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from transforms import PARSER_VERSION
from transforms import catalogue as catalogue_module
from transforms.catalogue import Catalogue
from transforms.checks.narrative import claim_rows
from transforms.extract.metadata import report_metadata
from transforms.extract.readers import Document, ReadError, failure, file_format, read_document
from transforms.extract.templates import TemplateNotFound, parse_document
from transforms.normalise.rows import observation_rows, observations_frame
from transforms.run.pool import Bounds, Failed, map_bounded, run_inline

log = logging.getLogger(__name__)
progress = logging.getLogger("nianbao.progress")  # shown by the CLI

DEFAULT_MAX_FILE_MB = 50


@dataclass(frozen=True)
class FileResult:
    """One file's `reports` row and, where it was read, its observation rows (tuples in schema
    order, typed as a frame once per batch) and narrative claims."""

    report: dict
    rows: list[tuple] | None
    claims: tuple[dict, ...] = ()

    @cached_property
    def observations(self) -> pd.DataFrame | None:
        """The observation rows as a frame (None where the file was not read)."""
        return None if self.rows is None else observations_frame(self.rows)


SKIPPED_FILES = frozenset({"README.md"})  # a folder's notes about the reports, not a report
GB18030_MARK = " [name in GB18030]"  # appended to a name component shown by its GB18030 reading
NOT_UTF8_MARK = " [name not UTF-8]"  # appended to a name component shown with \xNN escapes
REMOVED = "removed from the raw folder during the run (it was there when the folder was scanned)"
SHOWN_SKIPPED = 10  # names of skipped entries listed in the log line


def skipped(name: str, is_folder: bool) -> bool:
    """The skip rule: hidden entries (a name starting with ".": `.git`, `.DS_Store`, editor swap
    files; a hidden folder with everything below it) and files named README.md. Nothing else is
    left out of `reports`."""
    return name.startswith(".") or (not is_folder and name in SKIPPED_FILES)


def scan_folder(raw_dir: Path) -> tuple[list[Path], list[Path]]:
    """(paths to judge, entries skipped by the rule), both sorted. Symbolic links are listed but
    never followed into folders; a sub-folder that cannot be listed is itself a path (its row
    says why its files are missing). The raw folder itself must be listable: an unmounted or
    unreadable raw folder must fail the run, not withdraw every report."""
    found, left_out = [], []

    def unlisted(exc: OSError) -> None:
        if Path(exc.filename) == raw_dir:
            raise OSError(exc.errno, f"the raw folder cannot be listed: {exc.strerror}", raw_dir)
        found.append(Path(exc.filename))

    for folder, dirs, files in os.walk(raw_dir, onerror=unlisted, followlinks=False):
        here = Path(folder)
        left_out += [here / d for d in dirs if skipped(d, True)]
        left_out += [here / f for f in files if skipped(f, False)]
        dirs[:] = sorted(d for d in dirs if not skipped(d, True))
        found += [here / d for d in dirs if (here / d).is_symlink()]
        found += [here / f for f in files if not skipped(f, False)]
    return sorted(found), sorted(left_out)


def discover(raw_dir: Path) -> list[Path]:
    """Every path below `raw_dir` that gets a `reports` row, sorted; what the skip rule left out
    is counted and named in the progress log, so that nothing disappears unseen."""
    paths, left_out = scan_folder(raw_dir)
    if left_out:
        names = [source_name(p, raw_dir) + ("/" if p.is_dir() else "") for p in left_out]
        more = len(names) - SHOWN_SKIPPED
        progress.info(
            "skipped %d entries by rule (names starting with '.', README.md): %s%s",
            len(names),
            ", ".join(names[:SHOWN_SKIPPED]),
            f" and {more} more" if more > 0 else "",
        )
    return paths


def shown_name(name: str) -> str:
    """One component of a path as `source_file` shows it: a UTF-8 name as it is; other bytes by
    their GB18030 reading (names saved by Chinese Windows, zip archives) with GB18030_MARK, or,
    where that fails, with each undecodable byte as \\xNN and backslashes doubled, with
    NOT_UTF8_MARK. Both are valid strings, the same in every run, and reversible (`raw_path`)."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:  # surrogate escapes: the bytes were not UTF-8
        data = name.encode("utf-8", "surrogateescape")
    try:
        reading = data.decode("gb18030")
        if reading.isprintable():
            return reading + GB18030_MARK
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", "surrogateescape").replace("\\", "\\\\")
    return re.sub("[\udc80-\udcff]", lambda m: f"\\x{ord(m[0]) - 0xDC00:02x}", text) + NOT_UTF8_MARK


def source_name(path: Path, raw_dir: Path) -> str:
    """`reports.source_file` of a path: relative to the raw folder, "/"-separated, each component
    shown by `shown_name`. (`path.relative_to` only where `raw_dir` is not a prefix of its parts,
    to raise: it took 16 µs a call, 3.3 s of the scan of 100,000 files.)"""
    parts, prefix = path.parts, raw_dir.parts
    if parts[: len(prefix)] != prefix:
        parts, prefix = path.relative_to(raw_dir).parts, ()
    return "/".join(shown_name(part) for part in parts[len(prefix) :])


def _unshown(part: str) -> bytes:
    if part.endswith(GB18030_MARK):
        return part.removesuffix(GB18030_MARK).encode("gb18030")
    if part.endswith(NOT_UTF8_MARK):
        pieces = re.split(r"(\\\\|\\x[0-9a-f]{2})", part.removesuffix(NOT_UTF8_MARK))
        return b"".join(
            b"\\" if p == "\\\\" else bytes([int(p[2:], 16)]) if p.startswith("\\x") else p.encode()
            for p in pieces
        )
    return part.encode("utf-8")


def raw_path(source_file: str, raw_dir: Path) -> Path:
    """The file on disk of a `reports.source_file` (the inverse of `source_name`). A name that
    exists as written wins: a UTF-8 name that merely ends like a mark is itself."""
    literal = raw_dir / source_file
    if os.path.lexists(literal):
        return literal
    return raw_dir.joinpath(*(os.fsdecode(_unshown(p)) for p in source_file.split("/")))


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


_KINDS = (  # what a path is when it is not a regular file
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


def _kind(mode: int) -> str:
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def refusal(path: Path, raw_dir: Path) -> str | None:
    """Why a path must not be opened at all, or None for a regular file (or a link to one
    inside the raw folder). Never raises: each answer is a reason a person understands."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return REMOVED
    except OSError as exc:
        return f"cannot be looked at: {exc.strerror or exc}"
    if stat.S_ISLNK(mode):
        return _link_refusal(path, raw_dir)
    if stat.S_ISDIR(mode):
        return _folder_refusal(path)
    if not stat.S_ISREG(mode):
        return f"{_kind(mode)}, not a regular file; not opened"
    return None


def _link_refusal(path: Path, raw_dir: Path) -> str | None:
    try:
        target = path.resolve(strict=True)
        mode = target.stat().st_mode
    except FileNotFoundError:
        if not os.path.lexists(path):
            return REMOVED
        return "a symbolic link to nothing (its target does not exist); not followed"
    except RuntimeError:  # Python 3.11's "Symlink loop"; later versions raise OSError ELOOP
        return "a symbolic link that loops (to itself or through other links); not followed"
    except OSError as exc:
        return f"a symbolic link that cannot be followed ({exc.strerror or exc}); not followed"
    if not target.is_relative_to(raw_dir.resolve()):
        return "a symbolic link to a place outside the raw folder; not followed"
    if stat.S_ISDIR(mode):
        return (
            "a symbolic link to a folder; not followed (the folder's files are read where they are)"
        )
    if not stat.S_ISREG(mode):
        return f"a symbolic link to {_kind(mode)}, not a regular file; not followed"
    return None


def _folder_refusal(path: Path) -> str:
    """A folder is a path only when the scan could not list it: its files are missing."""
    try:
        with os.scandir(path):
            pass
    except OSError as exc:
        return f"a folder that cannot be listed ({exc.strerror or exc}); its files were not seen"
    return "a folder that could not be listed during the scan; its files were not seen in this run"


class NotRegular(OSError):
    """The path changed into something other than a regular file after it was judged."""


def _open_regular(path: Path):
    """`path` opened for reading, refusing anything that is not a regular file now (a FIFO
    swapped in after the scan would block a plain open forever; O_NONBLOCK never waits)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotRegular(f"it became {_kind(mode)} during the run; not read")
    return os.fdopen(fd, "rb")


def _open_failure(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return REMOVED
    if isinstance(exc, NotRegular):
        return str(exc)
    return f"cannot open the file: {exc.strerror or exc}"


def file_digest(path: Path) -> tuple[str, int]:
    """(SHA-256, size) of a file, read in blocks (a file over the cap is hashed, never loaded)."""
    sha, size = hashlib.sha256(), 0
    with _open_regular(path) as fh:
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
        with _open_regular(path) as fh:
            if os.fstat(fh.fileno()).st_size > max_bytes:
                return FileResult(_too_big(path, raw_dir, max_bytes, version), None)
            data = fh.read()
    except OSError as exc:
        return FileResult(_unopened(path, raw_dir, _open_failure(exc), version), None)
    sha = hashlib.sha256(data).hexdigest()
    report = _row(path, raw_dir, sha, len(data), version)
    try:
        document = read_document(path, data)
    except ReadError as exc:
        return FileResult({**report, "status": "unreadable", "error": str(exc)}, None)
    except MemoryError:  # the worker's memory bound: the parse pool reports it for this file
        raise
    except Exception as exc:  # a reader defect: nothing of the file was read
        log.exception("reader failed on %s", source_name(path, raw_dir))
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
        table = parse_document(document, catalogue)
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
    obs = observation_rows(table, report["report_id"], catalogue)
    family = catalogue.family(table.template)
    # a scan's prose is read for its title only (readers.ocr.TEXT_PAGES): numbers OCR misread in
    # prose would be false narrative findings, with no identity to vouch for them
    claims = (
        ()
        if document.ocr
        else _guarded(
            "prose",
            errors,
            lambda: tuple(claim_rows(report["report_id"], document, family, catalogue)),
        )
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
        "source_file": source_name(path, raw_dir),
        "sha256": sha,
        "size_bytes": size,
        "file_format": shown_name(file_format(path)),  # a suffix may hold bytes that are not UTF-8
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
    source = source_name(path, raw_dir)
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


def mark_duplicate(result: FileResult, first_source: str) -> FileResult:
    """`result` as the duplicate of the file `first_source` (same content), which keeps the
    values."""
    report = result.report
    path_hash = hashlib.sha256(report["source_file"].encode("utf-8")).hexdigest()[:8]
    return FileResult(
        {
            **report,
            "report_id": f"{report['report_id']}-dup-{path_hash}",
            "status": "duplicate",
            "error": f"same content as {first_source}; its values are kept there",
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


def bounds_exceeded(path: Path, raw_dir: Path, max_bytes: int, reason: str) -> FileResult:
    """The row of a file whose parsing was stopped by the pool (time, memory, crash)."""
    version = parser_version(catalogue_module.default())
    try:
        sha, size = file_digest(path)
    except OSError as exc:  # gone (or changed) since the worker took it
        return FileResult(_unopened(path, raw_dir, _open_failure(exc), version), None)
    row = _row(path, raw_dir, sha, size, version)
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
            result = bounds_exceeded(path, raw_dir, max_bytes, result.reason)
        fresh[source_name(path, raw_dir)] = result
        if on_progress:
            on_progress(done, len(paths))
    return fresh
