"""The evaluations contract: what every check of one report (and every check spanning reports)
hands to the Great Expectations identity suite, one row per judged thing.

Every check module builds its rows as dicts and makes the frame here (`evaluation_frame`), so
the columns and their types are the same whoever made them; the parse workers write these
frames to Parquet against `schemas.EVALUATIONS`, and the suite reads them back in batches.
"""

from __future__ import annotations

import pandas as pd

from transforms import schemas

EVALUATION_COLUMNS = schemas.EVALUATIONS.names
_FLOATS = {"expected": "float64", "actual": "float64", "violation": "float64"}


def evaluation_frame(rows: list[dict]) -> pd.DataFrame:
    """Evaluation rows (dicts; a missing key is NULL) → the frame of `schemas.EVALUATIONS`."""
    return pd.DataFrame(rows, columns=EVALUATION_COLUMNS).astype(_FLOATS)


def combine(*frames: pd.DataFrame) -> pd.DataFrame:
    """Evaluation frames of several checks as one frame for the identity suite."""
    non_empty = [f for f in frames if not f.empty]
    if not non_empty:
        return evaluation_frame([])
    return pd.concat(non_empty, ignore_index=True)
