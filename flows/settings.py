"""What a run takes from its environment, read in one place when the run starts.

NIANBAO_* alert sinks (and the config file; `transforms.quality.alerts.AlertConfig`), the parse
stage's bounds (NIANBAO_PARSE_TIMEOUT, NIANBAO_PARSE_MEMORY_MB, NIANBAO_WORKERS) and the size cap
per raw file (NIANBAO_MAX_FILE_MB), and the analysts' corrections file (`--corrections`, else
NIANBAO_CORRECTIONS, else corrections.csv beside the raw folder: data/corrections.csv for
data/raw). Nothing below `flows/` reads the environment during a run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from transforms.quality.alerts import AlertConfig
from transforms.run.ingest import max_file_bytes, parse_bounds
from transforms.run.pool import Bounds

CORRECTIONS_NAME = "corrections.csv"


def corrections_path(
    raw: Path | None, given: str | None = None, environ: Mapping[str, str] = os.environ
) -> Path | None:
    """Where the corrections are read: `given`, else NIANBAO_CORRECTIONS, else corrections.csv
    in the raw folder's parent (outside the raw folder: it is not a report). A missing file
    means no corrections."""
    chosen = given or environ.get("NIANBAO_CORRECTIONS", "").strip()
    if chosen:
        return Path(chosen).resolve()
    return None if raw is None else raw.parent / CORRECTIONS_NAME


@dataclass(frozen=True)
class Settings:
    alerts: AlertConfig
    bounds: Bounds
    max_file_bytes: int
    corrections: Path | None = None
    corrections_named: bool = False  # given or set in the environment: it must exist

    @classmethod
    def load(
        cls,
        config_file: str | None,
        environ: Mapping[str, str] = os.environ,
        raw: Path | None = None,
        corrections_file: str | None = None,
    ) -> Settings:
        return cls(
            alerts=AlertConfig.load(Path(config_file) if config_file else None, environ),
            bounds=parse_bounds(environ),
            max_file_bytes=max_file_bytes(environ),
            corrections=corrections_path(raw, corrections_file, environ),
            corrections_named=bool(
                corrections_file or environ.get("NIANBAO_CORRECTIONS", "").strip()
            ),
        )
