"""The run's processes end with it: a watchdog that stops them when the run dies.

A `nianbao run` starts children: Prefect's temporary API server (a uvicorn process of about
220 MB, when no PREFECT_API_URL is set), the parse workers and their forkserver, a Dask local
cluster. On a normal exit each is stopped by whoever started it. A run killed with `kill -9`
runs no cleanup, and its children live on, orphaned (the server keeps its port and memory).

`start(pid)` launches a small watchdog process (`python -m transforms.run.reaper PID`) in a
session of its own (a signal sent to the run's process group does not stop it). While the run is
alive it notes, twice a second, every process descending from it (read from /proc: no
third-party package), with each one's start time. Once the run is gone, however it ended, the
watchdog sends
SIGTERM to the descendants it noted that still exist (the same pid and start time: a pid reused
since is left alone), SIGKILL to those still there after `GRACE` seconds, and exits. A run that
ended normally has stopped its children already: the watchdog then finds nothing and exits.

Linux only (/proc); elsewhere `start` does nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

POLL = 0.5  # seconds between looks at the run's process tree
GRACE = 3.0  # seconds between SIGTERM and SIGKILL
_PROC = Path("/proc")
_EXITED = ("Z", "X")  # zombie, dead
Process = tuple[int, int]  # (pid, start time in clock ticks since boot): one process, not a pid


def start(pid: int) -> subprocess.Popen | None:
    """The watchdog of process `pid` (the run), or None where there is no /proc."""
    if not (_PROC / str(pid) / "stat").exists():
        return None
    return subprocess.Popen(
        [sys.executable, "-m", "transforms.run.reaper", str(pid)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time) of a process, or None when it is gone: exited, even if its
    parent has not reaped it yet (a zombie runs nothing and holds nothing)."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the name in parentheses may hold spaces
    if fields[0] in _EXITED:  # state (field 3)
        return None
    return int(fields[1]), int(fields[19])  # ppid (field 4), starttime (field 22)


def descendants(pid: int) -> set[Process]:
    """Every living process below `pid`, children of children included."""
    children: dict[int, list[Process]] = {}
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            found = _stat(int(entry.name))
            if found is not None:
                children.setdefault(found[0], []).append((int(entry.name), found[1]))
    out: set[Process] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in out:
                out.add(child)
                todo.append(child[0])
    return out


def _alive(process: Process) -> bool:
    found = _stat(process[0])
    return found is not None and found[1] == process[1]


def _signal(processes: set[Process], signum: int) -> None:
    for process in processes:
        if _alive(process):
            try:
                os.kill(process[0], signum)
            except ProcessLookupError:
                pass


def stop(processes: set[Process]) -> None:
    """SIGTERM, then after GRACE seconds SIGKILL, to those of `processes` still alive."""
    _signal(processes, signal.SIGTERM)
    deadline = time.monotonic() + GRACE
    while time.monotonic() < deadline and any(map(_alive, processes)):
        time.sleep(0.1)
    _signal(processes, signal.SIGKILL)


def watch(pid: int) -> None:
    """Note `pid`'s descendants while it lives; stop those left once it is gone."""
    run = _stat(pid)
    if run is None:
        return
    seen: set[Process] = set()
    while _alive((pid, run[1])):
        seen = {p for p in seen if _alive(p)} | descendants(pid)
        time.sleep(POLL)
    seen.discard((os.getpid(), _stat(os.getpid())[1]))  # itself, should it be noted
    stop(seen)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C meant for the run is not for us
    watch(int(sys.argv[1]))
