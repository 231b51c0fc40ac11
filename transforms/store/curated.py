"""Curated Parquet files: frames written against their explicit schema, published as one set,
and verified before a run uses them again.

In: frames and their schemas. Out: `<curated>/<table>.parquet`, `warehouse.duckdb` and
`manifest.json`, which names the current set with each file's size, row count and SHA-256.

Publishing is one atomic step for every output (`commit`): every file is first built beside its
final name (`.<name>.<pid>.tmp`, `.warehouse.duckdb.<pid>.building`) and synced; then the next
manifest is written as `manifest.json.next` (the flip's journal, listing the file built beside
each name); only then are the files renamed into place, the manifest renamed last, and the
journal removed. A write that fails (disk full, no permission) fails before the first rename:
WriteFailed, every output the previous run's. Renames need no space, so once the journal is
written the flip cannot run out of disk; a run killed during it leaves the journal, and the next
run (`clear_leftovers`, under the run lock) finishes the flip before anything else: every output
is then the new run's. Each Parquet file also carries the id of the run that wrote it.

Reading back: every state file is checked before use against the manifest (size, checksum, row
count) and its schema, and read with Parquet's page checksums verified. A damaged data file is
named and the run reads every raw file again (what a full refresh would do); a damaged history
(runs, alerts), which the raw files cannot rebuild, is kept aside as
`<name>.parquet.damaged-<time>` and a new history started. The catalogue tables (indicators,
rules, core_indicator_map, units) are frames made here from the catalogue, so that the warehouse is
built from Parquet alone.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from transforms import schemas
from transforms.catalogue import Catalogue
from transforms.schemas import to_frame

log = logging.getLogger(__name__)


STAMP = b"nianbao_run_id"  # schema metadata: the run that wrote the file
MANIFEST = "manifest.json"  # the current set: each file's size, rows and sha256
JOURNAL = "manifest.json.next"  # the flip under way: the next manifest and the files built beside
HISTORY = ("runs", "alerts")  # state the raw files cannot rebuild
SPOOL_PREFIX = ".spool-"  # a run's scratch folder (`spool_dir`), removed when it ends


@dataclass(frozen=True)
class Previous:
    """The last published state (the curated Parquet files), or empty on a first run."""

    reports: pd.DataFrame
    observations: pd.DataFrame
    claims: pd.DataFrame
    check_results: pd.DataFrame
    values_loaded: bool = True  # False: observations and claims left unread (see curated)
    damaged: tuple[str, ...] = ()  # what was found damaged: then nothing is reused
    folder: Path | None = None  # a sound published state: its tables' files are read from here
    checks_loaded: bool = True  # False: check_results left unread (read from `folder`)

    def path(self, table: str) -> Path | None:
        """The published Parquet file of `table` this state was verified from, if any."""
        return None if self.folder is None else self.folder / f"{table}.parquet"

    @classmethod
    def empty(cls) -> Previous:
        return cls(
            schemas.empty_frame(schemas.REPORTS),
            schemas.empty_frame(schemas.OBSERVATIONS),
            schemas.empty_frame(schemas.NARRATIVE_CLAIMS),
            schemas.empty_frame(schemas.CHECK_RESULTS),
        )


class WriteFailed(OSError):
    """The curated outputs could not be written; the previous ones are intact."""


def _arrow(frame: pd.DataFrame, schema: pa.Schema, run_id: str | None) -> pa.Table:
    if run_id is not None:
        schema = schema.with_metadata({**(schema.metadata or {}), STAMP: run_id.encode()})
    return pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)


def staging_path(path: Path) -> Path:
    """Where a file is built beside its final name (removed by `clear_leftovers` if a run dies)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def clear_leftovers(curated_dir: Path) -> list[Path]:
    """Finish a flip a killed run left half done (see the module docstring), then remove what
    killed runs left behind: temp files (`.*.tmp`) and half-built warehouses (`.*.building*`).
    Only call it holding the run lock: then no other run is writing them."""
    finish_flip(curated_dir)
    patterns = (".*.tmp", ".*.building*")
    folders = (curated_dir, curated_dir / "quality")
    found = [p for f in folders if f.is_dir() for pat in patterns for p in f.glob(pat)]
    for path in found:
        path.unlink(missing_ok=True)
    for spool in curated_dir.glob(f"{SPOOL_PREFIX}*") if curated_dir.is_dir() else ():
        shutil.rmtree(spool, ignore_errors=True)  # a killed run's parse output and spill files
        found.append(spool)
    return found


def spool_dir(curated_dir: Path, run_id: str) -> Path:
    """The run's scratch folder: the parse workers' Parquet parts, DuckDB's spill files."""
    return curated_dir / f"{SPOOL_PREFIX}{run_id}"


def stamp(path: Path) -> str | None:
    """The run that wrote a curated Parquet file (None if unstamped or unreadable)."""
    try:
        value = (pq.read_schema(path).metadata or {}).get(STAMP)
    except (OSError, pa.ArrowException):
        return None
    return value.decode() if value else None


_CORE_NOTES = ("label_en", "label_zh", "unit", "description", "comparability")


def catalogue_frames(catalogue: Catalogue) -> dict[str, pd.DataFrame]:
    """The catalogue as the frames of the indicators, rules and core_indicator_map tables."""
    core = {c.code: c for c in catalogue.core_indicators}
    rules = [
        {**asdict(r), "left": " + ".join(r.left), "right": " + ".join(r.right)}
        for r in catalogue.rules
    ]
    core_map = [  # one row per concrete template, so the view can join reports.template
        {
            **asdict(m),
            "template": t.template,
            **{k: getattr(core[m.core_indicator], k) for k in _CORE_NOTES},
        }
        for m in catalogue.core_map
        for t in catalogue.templates
        if m.template in (t.template, t.family)
    ]
    return {
        "indicators": to_frame([asdict(i) for i in catalogue.indicators], schemas.INDICATORS),
        "rules": to_frame(rules, schemas.RULES),
        "core_indicator_map": to_frame(core_map, schemas.CORE_INDICATOR_MAP),
        "units": to_frame([asdict(u) for u in catalogue.units], schemas.UNITS),
    }


def read_table(path: Path, schema: pa.Schema) -> pd.DataFrame:
    """A curated Parquet file as a frame typed by `schema` (raises if it does not fit, or if a
    page fails its checksum)."""
    return pq.read_table(path, schema=schema, page_checksum_verification=True).to_pandas()


DATA_TABLES = {
    "reports": "reports",
    "observations": "observations",
    "claims": "narrative_claims",
    "check_results": "check_results",
}
REBUILT = [t for t in schemas.TABLES if t not in HISTORY]  # state the raw files rebuild


# --- the manifest and the flip -----------------------------------------------------------------


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _entry(path: Path, name: str) -> dict:
    rows = row_count(path) if name.endswith(".parquet") else None
    return {"size": path.stat().st_size, "rows": rows, "sha256": _sha256(path)}


def _manifest(curated_dir: Path) -> dict:
    path = curated_dir / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(manifest, dict) and isinstance(manifest.get("files"), dict):
            return manifest
        log.warning("%s is not a manifest; checking each file on its own", path)
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        log.warning("%s is not readable (%s); checking each file on its own", path, exc)
    return {"run_id": None, "files": {}}


def read_manifest(curated_dir: Path) -> dict:
    """The manifest's files (name → size, rows, sha256); empty when there is none (a first run,
    outputs of an older version) or it cannot be read (then every file is checked on its own)."""
    return _manifest(curated_dir)["files"]


def _write_json(path: Path, content: dict) -> None:
    with path.open("w", encoding="utf-8") as f:
        json.dump(content, f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())


def fsync(path: Path) -> None:
    """Flush a file (or a folder: its renames) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def discard(staged: dict[str, Path]) -> None:
    """Remove files built beside their names that will not be published."""
    for path in staged.values():
        path.unlink(missing_ok=True)


def commit(curated_dir: Path, staged: dict[str, Path], run_id: str | None = None) -> None:
    """Publish the files in `staged` (final file name → the synced file built beside it) as one
    step with the manifest; the manifest keeps its entries for the files not in `staged`. If the
    journal cannot be written, nothing is replaced: the staged files are removed, WriteFailed."""
    before = _manifest(curated_dir)
    entries = {name: _entry(path, name) for name, path in staged.items()}
    manifest = {"run_id": run_id or before["run_id"], "files": {**before["files"], **entries}}
    journal = {**manifest, "staged": {name: path.name for name, path in staged.items()}}
    temps = [curated_dir / f".{MANIFEST}.{os.getpid()}.tmp", curated_dir / f".{JOURNAL}.tmp"]
    try:
        _write_json(temps[0], manifest)
        _write_json(temps[1], journal)
        os.replace(temps[1], curated_dir / JOURNAL)  # from here on, the flip completes
    except OSError as exc:
        discard({**staged, **dict(enumerate(temps))})
        raise WriteFailed(
            f"could not write {curated_dir / JOURNAL}: {exc.strerror or exc}; "
            "the previous outputs are intact"
        ) from exc
    _flip(curated_dir, journal, temps[0])


def _flip(curated_dir: Path, journal: dict, manifest_temp: Path | None) -> None:
    """Rename every staged file into place, then the manifest, then drop the journal."""
    for name, staged in journal["staged"].items():
        if (curated_dir / staged).exists():  # absent: renamed already, before a kill
            os.replace(curated_dir / staged, curated_dir / name)
    if manifest_temp is None or not manifest_temp.exists():
        manifest_temp = curated_dir / f".{MANIFEST}.{os.getpid()}.tmp"
        _write_json(manifest_temp, {"run_id": journal.get("run_id"), "files": journal["files"]})
    os.replace(manifest_temp, curated_dir / MANIFEST)
    (curated_dir / JOURNAL).unlink()
    fsync(curated_dir)  # the renames themselves durable


def finish_flip(curated_dir: Path) -> bool:
    """Complete the flip of a run killed half-way through it (True if there was one)."""
    path = curated_dir / JOURNAL
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except (OSError, ValueError) as exc:  # never written whole: written before any rename
        log.warning("%s is not readable (%s); removed, nothing was replaced", path, exc)
        path.unlink(missing_ok=True)
        return False
    _flip(curated_dir, journal, None)
    log.warning("finished publishing run %s, interrupted during its flip", journal.get("run_id"))
    return True


# --- verification ------------------------------------------------------------------------------


def damage_of_file(path: Path, entry: dict) -> str | None:
    """What is wrong with a published file against its manifest entry (size, checksum), in
    words; None if it is the file the manifest names."""
    if path.stat().st_size != entry.get("size"):
        return f"{path.name} is {path.stat().st_size} bytes, the manifest recorded {entry['size']}"
    if _sha256(path) != entry.get("sha256"):
        return f"{path.name} does not match the checksum recorded when it was published"
    return None


def damage(path: Path, schema: pa.Schema, entry: dict | None) -> str | None:
    """What is wrong with a state file, in words (None if it is sound): its size, checksum and
    rows against the manifest `entry`, and its footer and schema against `schema`."""
    if not path.exists():
        return f"{path.name} is missing" if entry else None
    if entry and (wrong := damage_of_file(path, entry)):
        return wrong
    try:
        meta = pq.ParquetFile(path).metadata
        found = pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        return f"{path.name} is not a readable Parquet file ({exc})"
    if [(f.name, f.type) for f in found] != [(f.name, f.type) for f in schema]:
        return f"{path.name} does not have the columns of schemas.{path.stem}"
    if entry and entry.get("rows") is not None and meta.num_rows != entry["rows"]:
        return f"{path.name} has {meta.num_rows} rows, the manifest recorded {entry['rows']}"
    return None


def _read_all(paths: dict[str, Path], wanted) -> tuple[dict, list[str]]:
    frames, notes = {}, []
    for key in wanted:
        try:
            frames[key] = read_table(paths[key], schemas.TABLES[DATA_TABLES[key]])
        except (OSError, pa.ArrowException) as exc:
            notes.append(f"{paths[key].name} could not be read ({exc})")
    return frames, notes


def _rebuilding(notes: list[str], frames: dict) -> Previous:
    """A damaged state: nothing reused, every raw file read again (a full refresh for what the
    damaged files held); what is sound of reports and check_results is kept (withdrawn rows,
    what is new since)."""
    for note in notes:
        log.warning("%s; every raw file is read again (as --full-refresh would)", note)
    kept = {k: frames[k] for k in ("reports", "check_results") if k in frames}
    if "reports" not in kept:
        kept = {}
    return Previous(**{**Previous.empty().__dict__, **kept, "damaged": tuple(notes)})


def load_previous(curated_dir: Path, values: bool = True, checks: bool = True) -> Previous:
    """The last published state, verified, or an empty one. Empty on a first run, for files
    from another version, and when the data files were not all written by the same run. A
    damaged file gives a state that reuses nothing (`Previous.damaged` says why). With `values`
    False the observations and claims (the bulk) are only checked against the manifest, not read,
    and with `checks` False check_results too: the run reads them out of core from
    `Previous.folder`."""
    paths = {key: curated_dir / f"{name}.parquet" for key, name in DATA_TABLES.items()}
    if not paths["reports"].exists():
        return Previous.empty()
    manifest = read_manifest(curated_dir)
    checked = [curated_dir / f"{t}.parquet" for t in REBUILT]
    notes = [n for p in checked if (n := damage(p, schemas.TABLES[p.stem], manifest.get(p.name)))]
    in_manifest = all(p.name in manifest for p in paths.values())
    values = values or not in_manifest  # else read to check
    checks = checks or not in_manifest or bool(notes)  # damaged: what is sound is kept
    wanted = [k for k in paths if values or k == "reports" or (checks and k == "check_results")]
    frames, unread = _read_all(paths, [k for k in wanted if paths[k].exists()])
    if notes or unread:
        return _rebuilding(notes + unread, frames)
    stamps = {stamp(p) for p in paths.values()}
    if len(stamps) != 1 or None in stamps:
        log.warning("previous state incomplete (files of different runs): reading all again")
        return Previous.empty()
    return Previous(
        **{
            **Previous.empty().__dict__,
            **frames,
            "values_loaded": values,
            "checks_loaded": checks,
            "folder": curated_dir,
        }
    )


def published(curated_dir: Path) -> dict[str, Path]:
    """The Parquet file of every warehouse table, as the last run left it."""
    return {name: curated_dir / f"{name}.parquet" for name in schemas.TABLES}


def row_count(path: Path) -> int:
    return pq.ParquetFile(path).metadata.num_rows


def check_history(curated_dir: Path) -> list[str]:
    """Verify the runs and alerts history: a damaged one is kept aside as
    `<name>.parquet.damaged-<time>` and a new history starts. Returns what was found, in words.
    A file that differs from its checksum counts as damaged even if it still decodes: the bytes
    that changed may be values."""
    manifest, notes = read_manifest(curated_dir), []
    for name in HISTORY:
        path, schema = curated_dir / f"{name}.parquet", schemas.TABLES[name]
        note = damage(path, schema, manifest.get(path.name))
        note = note or (None if _reads_whole(path, schema) else f"{path.name} could not be read")
        if note and path.exists():
            notes.append(f"{note}; kept as {_set_aside(path).name}, a new {name} history started")
            log.warning("%s", notes[-1])
    return notes


def _reads_whole(path: Path, schema: pa.Schema) -> bool:
    if not path.exists():
        return True
    try:
        read_table(path, schema)
    except (OSError, pa.ArrowException):
        return False
    return True


def _set_aside(path: Path) -> Path:
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
    os.replace(path, aside)
    return aside


def load_history(curated_dir: Path, name: str) -> pd.DataFrame:
    """The runs or alerts history so far (empty on a first run). A file that cannot be read
    with the schema is moved aside as `<name>.parquet.damaged-<time>`, never deleted (a run
    checks both with `check_history` first, to say so in its row)."""
    path, schema = curated_dir / f"{name}.parquet", schemas.TABLES[name]
    if not path.exists():
        return schemas.empty_frame(schema)
    try:
        return read_table(path, schema)
    except (OSError, pa.ArrowException) as exc:
        aside = _set_aside(path)
        log.warning("%s does not fit the schema (%s); kept as %s", path.name, exc, aside.name)
        return schemas.empty_frame(schema)


def stage_all(
    frames: dict[str, pd.DataFrame], curated_dir: Path, run_id: str | None = None
) -> dict[str, Path]:
    """Write every table in `frames` (keys are table names in `schemas.TABLES`), stamped with
    `run_id`, beside its final name and synced; returns table name → that file, for `commit`.
    A write that fails (disk full, no permission) leaves nothing: WriteFailed."""
    curated_dir.mkdir(parents=True, exist_ok=True)
    staged = {name: staging_path(curated_dir / f"{name}.parquet") for name in frames}
    name = ""
    try:
        for name, frame in frames.items():
            table = _arrow(frame, schemas.TABLES[name], run_id)
            pq.write_table(table, staged[name], compression="zstd", write_page_checksum=True)
            fsync(staged[name])
    except OSError as exc:
        discard(staged)
        raise WriteFailed(
            f"could not write {name}.parquet in {curated_dir}: {exc.strerror or exc}; "
            "the previous outputs are intact"
        ) from exc
    return staged


def file_names(staged: dict[str, Path]) -> dict[str, Path]:
    """Table name → staged file, as final file name → staged file (what `commit` takes)."""
    return {f"{name}.parquet": path for name, path in staged.items()}


def write_all(
    frames: dict[str, pd.DataFrame], curated_dir: Path, run_id: str | None = None
) -> dict[str, Path]:
    """Write and publish the tables in `frames` at once (`stage_all`, then `commit`); the other
    outputs stay as they are. Returns table name → published file."""
    commit(curated_dir, file_names(stage_all(frames, curated_dir, run_id)), run_id)
    return {name: curated_dir / f"{name}.parquet" for name in frames}
