"""Prefect's temporary API server for one `nianbao run`, started beside the run's process.

With no PREFECT_API_URL (and Prefect's ephemeral mode allowed, as in its default profile),
Prefect starts a temporary server when a flow first needs its API: a uvicorn process serving
`prefect.server.api.server:create_app`, with no UI and only the services of an ephemeral
server. To start it, though, the flow's process imports Prefect's server code (FastAPI,
SQLAlchemy, the server's models) that it never runs: a trivial flow's process held 168 MB
that way, 85 MB against a running server (measured).

`TemporaryServer` starts the same process with the same command and environment that
Prefect uses, from the CLI, before Prefect is imported. The run's process then uses it through
PREFECT_API_URL, as it would use any server, and never imports the server's code. The server's
start-up (4-6 s here; 15-25 s in a new PREFECT_HOME) overlaps the run's own imports. It is
stopped when the run ends; should the run be killed, the watchdog (`transforms.run.reaper`)
stops it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

PORT_TAKEN = 3  # uvicorn's exit code when its port is taken: started again on another
TRIES = 3
# what Prefect's own temporary server is started with (prefect.server.api.server)
SERVER_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}
APP = "prefect.server.api.server:create_app"


class ServerFailed(RuntimeError):
    """The temporary server did not answer within its start-up timeout, or exited."""


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TemporaryServer:
    """One uvicorn process serving Prefect's API on 127.0.0.1, on a free port."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout  # seconds for the server to answer, once started
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> None:
        self.port = _free_port()
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn",
                "--app-dir", _site_packages(),
                "--factory", APP,
                "--host", "127.0.0.1", "--port", str(self.port),
                "--log-level", "error", "--lifespan", "on",
            ],
            env={**os.environ, **SERVER_ENV},
        )  # fmt: skip

    def wait(self) -> str:
        """The API's URL once it answers /health; started again on another port when its
        port was taken meanwhile (up to TRIES times in all)."""
        assert self.process is not None, "start() first"
        for _ in range(TRIES):
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline:
                code = self.process.poll()
                if code == PORT_TAKEN:
                    break
                if code is not None:
                    raise ServerFailed(f"Prefect's temporary server exited with code {code}")
                if _healthy(self.api_url):
                    return self.api_url
                time.sleep(0.1)
            else:
                self.stop()
                raise ServerFailed(
                    f"Prefect's temporary server did not answer within {self.timeout:g} s "
                    "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)"
                )
            self.start()
        self.stop()
        raise ServerFailed(f"no free port for Prefect's temporary server in {TRIES} tries")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 5 s, as Prefect stops its own."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _site_packages() -> str:
    """The folder Prefect is installed in, found without importing it."""
    spec = importlib.util.find_spec("prefect")
    assert spec is not None and spec.origin, "Prefect is not installed"
    return str(Path(spec.origin).parent.parent)


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def needed() -> TemporaryServer | None:
    """A temporary server, started, when Prefect would start one itself (no API URL, ephemeral
    mode allowed); None when Prefect is to use the configured API, or refuse. With no
    PREFECT_API_URL in the environment it is started before Prefect is imported (1-2 s), and
    stopped again should Prefect's settings (a profile) name an API or forbid the mode."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    server = TemporaryServer(timeout=0)
    server.start()
    try:
        from prefect.settings import get_current_settings

        settings = get_current_settings()
    except BaseException:
        server.stop()
        raise
    if settings.api.url or not settings.server.ephemeral.enabled:
        server.stop()
        return None
    server.timeout = settings.server.ephemeral.startup_timeout_seconds
    return server


@contextlib.contextmanager
def api_of(server: TemporaryServer | None) -> Iterator[None]:
    """Inside: Prefect in this process and the processes it starts use `server`'s API (once it
    answers). Prefect's settings were read on its import: they are updated in place."""
    if server is None:
        yield
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url = server.wait()
    os.environ["PREFECT_API_URL"] = url  # the processes started from here: Dask's workers
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)
