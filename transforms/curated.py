"""Curated Parquet files: frames written against their explicit schema, atomically.

In: a frame and its schema. Out: `<curated>/<table>.parquet`. Each file is written beside its
final name and renamed into place, so a killed run never leaves a half-written file behind.
The catalogue tables (indicators, rules, core_indicator_map) are frames made here from the
catalogue, so that the warehouse is built from Parquet alone.
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


def write_table(frame: pd.DataFrame, schema: pa.Schema, path: Path) -> Path:
    """Write `frame` to `path` as Parquet typed by `schema` (extra columns are an error)."""
    table = pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)
    return path


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


def load_previous(curated_dir: Path) -> Previous:
    """The last published state, or an empty one (a first run, or files from another version:
    then every file is read again, which is always correct)."""
    tables = {"reports": "reports", "observations": "observations"}
    tables |= {"claims": "narrative_claims", "check_results": "check_results"}
    try:
        frames = {
            key: read_table(curated_dir / f"{name}.parquet", schemas.TABLES[name])
            for key, name in tables.items()
        }
    except (OSError, pa.ArrowException) as exc:
        if (curated_dir / "reports.parquet").exists():
            log.warning("previous state not usable (%s); reading every file again", exc)
        return Previous.empty()
    return Previous(**frames)


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


def write_all(frames: dict[str, pd.DataFrame], curated_dir: Path) -> dict[str, Path]:
    """Write every table in `frames` (keys are table names in `schemas.TABLES`)."""
    curated_dir.mkdir(parents=True, exist_ok=True)
    return {
        name: write_table(frame, schemas.TABLES[name], curated_dir / f"{name}.parquet")
        for name, frame in frames.items()
    }
