"""Shared fixtures. Prefect is made hermetic here, before anything imports it (PITFALLS.md)."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

import pytest

_PREFECT_HOME = tempfile.mkdtemp(prefix="nianbao-prefect-home-")
atexit.register(shutil.rmtree, _PREFECT_HOME, ignore_errors=True)  # the session's only
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.pop("PREFECT_API_URL", None)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "120"
os.environ["GX_ANALYTICS_ENABLED"] = "False"

from transforms import schemas  # noqa: E402  (after the Prefect environment above

FIXTURES = Path(__file__).parent / "fixtures"
# the tables a run's data lives in (runs and alerts differ from run to run by design)
DATA_TABLES = tuple(t for t in schemas.TABLES if t not in ("runs", "alerts"))
SEED = FIXTURES / "changchun_2012_jilin.txt"


def mutate_lines(text: str, changes: dict[int, str]) -> str:
    """A copy of a tab-indented report with the cells on the given 1-based lines replaced."""
    lines = text.split("\n")
    for number, cell in changes.items():
        assert lines[number - 1].startswith("\t"), f"line {number} is not a cell"
        lines[number - 1] = "\t" + cell
    return "\n".join(lines)


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def prefect_api():
    """One real Prefect test server for the whole session; yields its API URL."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield PREFECT_API_URL.value()


def warehouse_tables(warehouse: Path, names=DATA_TABLES) -> dict:
    """Every row of the named tables of a warehouse file, sorted (opened read-only, closed)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in names}
    finally:
        con.close()


@contextlib.contextmanager
def progress_messages():
    """The messages logged to `nianbao.progress` (what the CLI shows) while inside, caught on
    that logger itself (the CLI may have turned its propagation off earlier in the session,
    which would hide them from pytest)."""
    logger, messages = logging.getLogger("nianbao.progress"), []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: messages.append(record.getMessage())
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
