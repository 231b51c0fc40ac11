"""What a run takes from its environment, read in one place when the run starts.

NIANBAO_* alert sinks (and the config file; `transforms.quality.alerts.AlertConfig`), the parse
stage's bounds (NIANBAO_PARSE_TIMEOUT, NIANBAO_PARSE_MEMORY_MB, NIANBAO_WORKERS) and the size cap
per raw file (NIANBAO_MAX_FILE_MB). Nothing below `flows/` reads the environment during a run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from transforms.quality.alerts import AlertConfig
from transforms.run.ingest import max_file_bytes, parse_bounds
from transforms.run.pool import Bounds


@dataclass(frozen=True)
class Settings:
    alerts: AlertConfig
    bounds: Bounds
    max_file_bytes: int

    @classmethod
    def load(cls, config_file: str | None, environ: Mapping[str, str] = os.environ) -> Settings:
        return cls(
            alerts=AlertConfig.load(Path(config_file) if config_file else None, environ),
            bounds=parse_bounds(environ),
            max_file_bytes=max_file_bytes(environ),
        )
