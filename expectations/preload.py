"""Import Great Expectations in the background while the run does other work.

`import great_expectations` costs 5–8 s (PITFALLS.md). A run with files to read spends longer
than that in the parse stage, whose work happens in worker processes while the flow's process
waits: importing GE in a thread then costs the run nothing. The validation step's own import
finds the module loaded (or waits for the thread, via the import lock). A first run (nothing
published yet: every file will be read) starts it earlier still, with the run (`flows.cli`):
the parse keeps both cores busy, the start-up does not (it waits for Prefect's server).
"""

from __future__ import annotations

import importlib
import threading

_started = threading.Event()


def preload() -> None:
    """Start importing great_expectations in a daemon thread (once per process)."""
    if _started.is_set():
        return
    _started.set()
    threading.Thread(
        target=importlib.import_module, args=("great_expectations",), daemon=True
    ).start()
