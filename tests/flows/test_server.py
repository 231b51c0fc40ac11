"""Prefect's temporary server as `nianbao run` starts it (`flows.server`): the run's process
uses it as it would any Prefect server and holds none of Prefect's server code; a port taken
in the meantime, and a server that does not answer in time, each end as they should.

Real uvicorn processes serving Prefect's API, in the session's PREFECT_HOME."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request

import pytest

from flows import server
from tests.servers import prefect_servers

A_RUN = """
import json, sys, urllib.request
from flows import server

temporary = server.needed()
assert temporary is not None, "no temporary server started"
try:
    from prefect import flow
    from prefect.runtime import flow_run
    from prefect.settings import PREFECT_API_URL

    @flow
    def trivial():
        return flow_run.get_id()

    with server.api_of(temporary):
        run_id = trivial()
        with urllib.request.urlopen(f"{temporary.api_url}/flow_runs/{run_id}") as answer:
            state = json.load(answer)["state"]["type"]
        print(json.dumps({
            "api_url": PREFECT_API_URL.value() == temporary.api_url,
            "state": state,
            "server_code": sorted(m for m in sys.modules if m.startswith("prefect.server.")),
        }))
finally:
    temporary.stop()
"""


def test_a_run_uses_the_server_it_started_without_holding_its_code():
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    done = subprocess.run(
        [sys.executable, "-c", A_RUN],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["api_url"], "Prefect did not use the temporary server's URL"
    assert seen["state"] == "COMPLETED", "the flow run is not recorded on the temporary server"
    assert seen["server_code"] == [], "the run's process imported Prefect's server code"


def test_no_server_is_kept_when_a_setting_names_an_api(prefect_api):
    """The API is in Prefect's settings, not the environment (as a profile would set it): the
    server started before Prefect's settings were read is stopped again."""
    assert "PREFECT_API_URL" not in os.environ
    before = prefect_servers(os.getpid())  # the test harness's own server
    assert server.needed() is None
    assert prefect_servers(os.getpid()) == before, "the server started for nothing was left running"


def test_a_port_taken_meanwhile_starts_the_server_on_another(monkeypatch):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    ports = iter([taken.getsockname()[1]])
    free = server._free_port
    monkeypatch.setattr(server, "_free_port", lambda: next(ports, None) or free())
    temporary = server.TemporaryServer(timeout=120)
    try:
        temporary.start()
        url = temporary.wait()
        assert temporary.port != taken.getsockname()[1]
        with urllib.request.urlopen(f"{url}/health") as answer:
            assert answer.status == 200
    finally:
        temporary.stop()
        taken.close()


def test_a_server_that_does_not_answer_in_time_is_stopped_and_named():
    temporary = server.TemporaryServer(timeout=0.2)
    temporary.start()
    process = temporary.process
    with pytest.raises(server.ServerFailed, match=r"did not answer within 0\.2 s"):
        temporary.wait()
    assert process.poll() is not None, "the server that did not answer was left running"
    assert temporary.process is None
