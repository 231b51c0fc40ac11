"""Module-level functions for the pool tests: forkserver workers import them by name."""

from __future__ import annotations

import os
import signal
import time

_CALLS = 0
_LOADS = 0


def square(item: int) -> int:
    return item * item


def sleep_for(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def allocate(size: int) -> int:
    return len(bytearray(size))


def crash(item: int) -> int:
    """Item 0 kills its own process with SIGKILL, as the OOM killer would; others return."""
    if item == 0:
        os.kill(os.getpid(), signal.SIGKILL)
    return item


def raise_value_error(item: int) -> int:
    if item == 0:
        raise ValueError("no table on page 3")
    return item


def counted_sleep(seconds: float) -> tuple[int, int]:
    """Sleep, then say which process did it and how many items that process has run so far."""
    global _CALLS
    _CALLS += 1
    time.sleep(seconds)
    return os.getpid(), _CALLS


def load_catalogue() -> None:
    """An initializer: counts how often it ran in this process."""
    global _LOADS
    _LOADS += 1


def catalogue_loads(item: int) -> tuple[int, int]:
    return os.getpid(), _LOADS


def fail_to_load() -> None:
    raise OSError("catalogue file missing")


def pid(item: int) -> int:
    return os.getpid()
