"""One run at a time per curated folder: an exclusive lock on `<curated>/.nianbao.lock`.

Two runs writing the same Parquet files and warehouse would each publish half of the other's
state. The lock is an OS file lock (flock): the kernel drops it when its holder dies, even by
SIGKILL, so a killed run never blocks the next one. The file also records who holds it (pid, run
id, start time), for the message a refused run prints; a record whose process is gone is a stale
lock from a killed run, reported and overwritten.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from transforms.store.warehouse import process_alive

LOCK_NAME = ".nianbao.lock"
progress = logging.getLogger("nianbao.progress")


class RunLocked(RuntimeError):
    """Another run holds the lock of this curated folder."""


def _holder(fd: int) -> dict[str, str]:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 4096).decode("utf-8", errors="replace")
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def _describe(holder: dict[str, str]) -> str:
    run, pid = holder.get("run_id", "?"), holder.get("pid", "?")
    return f"run {run}, pid {pid}, started {holder.get('started', '?')}"


def _acquire(fd: int, curated: Path, wait: bool) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        raise RunLocked(
            f"another nianbao run is writing to {curated} ({_describe(_holder(fd))}); "
            "try again when it has finished, or pass --wait to queue behind it"
        ) from None


@contextmanager
def run_lock(curated: Path, run_id: str, wait: bool = False) -> Iterator[None]:
    """Hold the curated folder's lock for the block; RunLocked if another run holds it (unless
    `wait`, then block until it is released)."""
    curated.mkdir(parents=True, exist_ok=True)
    fd = os.open(curated / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if wait and _holder(fd):
            progress.info("waiting for the lock of %s", curated)
        _acquire(fd, curated, wait)
        before = _holder(fd)
        pid = before.get("pid", "")
        if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
            progress.info("cleared a stale lock left by a killed run (%s)", _describe(before))
        record = (
            f"pid={os.getpid()}\nrun_id={run_id}\nstarted={time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n"
        )
        os.ftruncate(fd, 0)
        os.pwrite(fd, record.encode("utf-8"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # released cleanly: nothing stale left behind
    finally:
        os.close(fd)
