"""Curated Parquet files: frames written against their explicit schema, atomically.

In: frames and their schemas. Out: `<curated>/<table>.parquet`. All files of a run are written
beside their final names, then renamed into place, so a killed run never leaves a half-written
file, and a write error replaces nothing. Each file is stamped with the run that wrote it; the
next run trusts the previous state for reuse only if all data files carry the same stamp (a run
killed between its renames leaves a mix, and then everything is read again). Also here: reading
the previous state and the runs/alerts history back. The catalogue tables (indicators, rules,
core_indicator_map) are frames made here from the catalogue, so that the warehouse is built from
Parquet alone.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from transforms import schemas
from transforms.catalogue import Catalogue
from transforms.incremental import Previous
from transforms.normalise import to_frame

log = logging.getLogger(__name__)


STAMP = b"nianbao_run_id"  # schema metadata: the run that wrote the file


class WriteFailed(OSError):
    """The curated outputs could not be written; the previous ones are intact."""


def _arrow(frame: pd.DataFrame, schema: pa.Schema, run_id: str | None) -> pa.Table:
    if run_id is not None:
        schema = schema.with_metadata({**(schema.metadata or {}), STAMP: run_id.encode()})
    return pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)


def _temp(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def clear_leftovers(curated_dir: Path) -> list[Path]:
    """Remove what killed runs left behind: temp files (`.*.tmp`) and half-built warehouses
    (`.*.building*`). Only call it holding the run lock: then no other run is writing them."""
    patterns = (".*.tmp", ".*.building*")
    folders = (curated_dir, curated_dir / "quality")
    found = [p for f in folders if f.is_dir() for pat in patterns for p in f.glob(pat)]
    for path in found:
        path.unlink(missing_ok=True)
    return found


def stamp(path: Path) -> str | None:
    """The run that wrote a curated Parquet file (None if unstamped or unreadable)."""
    try:
        value = (pq.read_schema(path).metadata or {}).get(STAMP)
    except (OSError, pa.ArrowException):
        return None
    return value.decode() if value else None


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
            "label_en": core[m.core_indicator].label_en,
            "label_zh": core[m.core_indicator].label_zh,
        }
        for m in catalogue.core_map
        for t in catalogue.templates
        if t.family == m.template
    ]
    return {
        "indicators": to_frame([asdict(i) for i in catalogue.indicators], schemas.INDICATORS),
        "rules": to_frame(rules, schemas.RULES),
        "core_indicator_map": to_frame(core_map, schemas.CORE_INDICATOR_MAP),
    }


def read_table(path: Path, schema: pa.Schema) -> pd.DataFrame:
    """A curated Parquet file as a frame typed by `schema` (raises if it does not fit)."""
    return pq.read_table(path, schema=schema).to_pandas()


DATA_TABLES = {
    "reports": "reports",
    "observations": "observations",
    "claims": "narrative_claims",
    "check_results": "check_results",
}


def load_previous(curated_dir: Path, values: bool = True) -> Previous:
    """The last published state, or an empty one. Empty on a first run, for files from another
    version, and when the data files were not all written by the same run (a run killed between
    its renames): every file is then read again, which is always correct. With `values` False
    the observations and claims (the bulk) are left unread: enough to plan, and all a run with
    no changes needs."""
    paths = {key: curated_dir / f"{name}.parquet" for key, name in DATA_TABLES.items()}
    stamps = {stamp(p) for p in paths.values()}
    if len(stamps) != 1 or None in stamps:
        if paths["reports"].exists():
            log.warning("previous state incomplete (files of different runs): reading all again")
        return Previous.empty()
    wanted = paths if values else {k: paths[k] for k in ("reports", "check_results")}
    try:
        frames = {k: read_table(p, schemas.TABLES[DATA_TABLES[k]]) for k, p in wanted.items()}
    except (OSError, pa.ArrowException) as exc:
        log.warning("previous state not usable (%s); reading every file again", exc)
        return Previous.empty()
    return Previous(**{**Previous.empty().__dict__, **frames, "values_loaded": values})


def published(curated_dir: Path) -> dict[str, Path]:
    """The Parquet file of every warehouse table, as the last run left it."""
    return {name: curated_dir / f"{name}.parquet" for name in schemas.TABLES}


def row_count(path: Path) -> int:
    return pq.ParquetFile(path).metadata.num_rows


def load_history(curated_dir: Path, name: str) -> pd.DataFrame:
    """The runs or alerts history so far (empty on a first run). A file that no longer fits the
    schema is moved aside as `<name>.parquet.unreadable-<time>`, never deleted."""
    path, schema = curated_dir / f"{name}.parquet", schemas.TABLES[name]
    if not path.exists():
        return schemas.empty_frame(schema)
    try:
        return read_table(path, schema)
    except (OSError, pa.ArrowException) as exc:
        aside = path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%dT%H%M%S')}")
        os.replace(path, aside)
        log.warning("%s does not fit the schema (%s); kept as %s", path.name, exc, aside.name)
        return schemas.empty_frame(schema)


def write_all(
    frames: dict[str, pd.DataFrame], curated_dir: Path, run_id: str | None = None
) -> dict[str, Path]:
    """Write every table in `frames` (keys are table names in `schemas.TABLES`), stamped with
    `run_id`: all of them beside their final names first, then all renamed into place. A write
    that fails (disk full, no permission) replaces nothing: WriteFailed, previous files intact."""
    curated_dir.mkdir(parents=True, exist_ok=True)
    finals = {name: curated_dir / f"{name}.parquet" for name in frames}
    try:
        for name, frame in frames.items():
            table = _arrow(frame, schemas.TABLES[name], run_id)
            pq.write_table(table, _temp(finals[name]), compression="zstd")
    except OSError as exc:
        for path in finals.values():
            _temp(path).unlink(missing_ok=True)
        raise WriteFailed(
            f"could not write the curated files in {curated_dir}: {exc.strerror or exc}; "
            "the previous outputs are intact"
        ) from exc
    for path in finals.values():
        os.replace(_temp(path), path)
    return finals
