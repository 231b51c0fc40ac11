"""A slow alert sink never holds back the data: total deadlines against real stuck servers.

Servers on 127.0.0.1, each in its own threads: a webhook that answers one byte every two
seconds for as long as it runs (a trickle never trips a per-read socket timeout), one that
accepts and never answers, a closed port, and a mail server that trickles its greeting. Real
`nianbao_pipeline` runs on the seed report (one number changed, so there is a new finding to
alert on) must publish their data before the first byte goes to a sink, return within the
configured deadlines plus a few seconds, record the sink `undelivered` with the reason, and leave
the lock free.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import duckdb
import pytest

from flows.pipeline import nianbao_pipeline
from tests.conftest import SEED, mutate_lines, warehouse_tables
from tests.servers import closed_port, start_webhook, stop_webhook
from transforms import schemas
from transforms.quality import alerting
from transforms.quality.alerts import Alert, AlertConfig, Budget, deliver
from transforms.run.lock import run_lock

TRICKLE_HTTP = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
TRICKLE_SMTP = b"220 trickle.example.org ESMTP at two seconds a byte\r\n"
# Deadlines of the flow runs: an attempt 1 s, a sink 2 s (all attempts), all alerting 4 s.
DEADLINES = "timeout_seconds = 1\ndeadline_seconds = 2\ntotal_deadline_seconds = 4\n"
SLACK = 4.0  # seconds beyond a deadline allowed for a noisy 2-core machine


class StuckServer:
    """Accepts every connection; then trickles `answer` one byte per `interval` seconds (after
    reading the request if `read_first`), or says nothing at all when `answer` is empty. Runs
    until `stop()`; records when each connection arrived and what `on_connect` returned."""

    def __init__(self, answer: bytes = b"", *, read_first: bool = True, interval: float = 2.0):
        self.answer, self.read_first, self.interval = answer, read_first, interval
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.arrivals: list[float] = []
        self.seen: list[object] = []
        self.on_connect = None
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.arrivals.append(time.monotonic())
            if self.on_connect is not None:
                self.seen.append(self.on_connect())
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(worker)
            worker.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(0.5)
            if self.read_first:
                try:
                    conn.recv(65536)
                except OSError:
                    pass
            for byte in self.answer:
                if self._stop.wait(self.interval):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return  # the client gave up and shut the socket: as it should
            self._stop.wait(60)  # silent (or done): hold the connection until stopped

    def stop(self) -> None:
        self._stop.set()
        self._threads[0].join(5)  # the accepting thread first: then the listener can close
        self.listener.close()
        for thread in self._threads:
            thread.join(5)
        assert not any(t.is_alive() for t in self._threads)


@pytest.fixture
def servers():
    started: list[StuckServer] = []

    def start(*args, **kwargs) -> StuckServer:
        started.append(StuckServer(*args, **kwargs))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def _alert() -> Alert:
    return Alert.create(
        run_id="r1", reason="pipeline_failed", counts={}, top=(), report_link=None, error="x"
    )


def _alert_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("nianbao-alert-")]


# --- the sinks alone ------------------------------------------------------------------------


def test_a_trickling_webhook_costs_its_deadline_not_forever(servers):
    hook = servers(TRICKLE_HTTP)
    config = AlertConfig(
        webhook_url=f"http://127.0.0.1:{hook.port}/h",
        timeout_seconds=1.5,
        deadline_seconds=2.5,
        backoff_seconds=0.1,
    )
    start = time.monotonic()
    [d] = deliver(_alert(), config)
    elapsed = time.monotonic() - start
    assert (d.delivered, d.attempts) == (False, 2)
    assert d.error == "no answer within 2.5 s"  # the second attempt ran into the deadline
    assert 2.4 <= elapsed < 2.5 + SLACK
    assert len(hook.arrivals) == 2
    time.sleep(0.2)
    assert _alert_threads() == []  # the shut sockets ended the abandoned attempts


def test_a_trickling_mail_server_costs_its_deadline_and_a_stuck_sink_is_not_tried_again(servers):
    mail = servers(TRICKLE_SMTP, read_first=False)
    config = AlertConfig(
        smtp_host="127.0.0.1",
        smtp_port=mail.port,
        smtp_from="nianbao@example.org",
        smtp_to=("quality@example.org",),
        timeout_seconds=5,
        deadline_seconds=1.5,
        total_deadline_seconds=10,
    )
    budget = Budget(config)
    start = time.monotonic()
    [first] = deliver(_alert(), config, budget=budget)
    [second] = deliver(_alert(), config, budget=budget)
    elapsed = time.monotonic() - start
    assert (first.delivered, first.attempts, first.error) == (False, 1, "no answer within 1.5 s")
    assert (second.delivered, second.attempts) == (False, 0)
    assert second.error == "not tried: smtp gave no answer within 1.5 s earlier in this run"
    assert 1.4 <= elapsed < 1.5 + SLACK
    assert len(mail.arrivals) == 1


def test_the_total_deadline_bounds_every_sink_together(servers):
    hook, mail = servers(b""), servers(TRICKLE_SMTP, read_first=False)
    config = AlertConfig(
        webhook_url=f"http://127.0.0.1:{hook.port}/h",
        smtp_host="127.0.0.1",
        smtp_port=mail.port,
        smtp_from="nianbao@example.org",
        smtp_to=("quality@example.org",),
        timeout_seconds=10,
        deadline_seconds=10,
        total_deadline_seconds=1.5,
    )
    start = time.monotonic()
    webhook, smtp = deliver(_alert(), config)
    elapsed = time.monotonic() - start
    assert (webhook.delivered, webhook.error) == (False, "no answer within 1.5 s")
    assert (smtp.delivered, smtp.attempts) == (False, 0)
    assert smtp.error == "not tried: alerting had used its 1.5 s (total_deadline_seconds)"
    assert 1.4 <= elapsed < 1.5 + SLACK


def test_deadlines_come_from_the_environment_and_are_checked(tmp_path):
    environ = {"NIANBAO_ALERT_DEADLINE": "7.5", "NIANBAO_ALERT_TOTAL_DEADLINE": "20"}
    config = AlertConfig.load(None, environ)
    assert (config.deadline_seconds, config.total_deadline_seconds) == (7.5, 20.0)
    assert (AlertConfig().deadline_seconds, AlertConfig().total_deadline_seconds) == (15, 30)
    from transforms.quality.alerts import AlertConfigError

    with pytest.raises(AlertConfigError, match="NIANBAO_ALERT_DEADLINE must be a number"):
        AlertConfig.load(None, {"NIANBAO_ALERT_DEADLINE": "soon"})
    toml = tmp_path / "n.toml"
    toml.write_text("[alerts]\ntotal_deadline_seconds = 0\n", encoding="utf-8")
    with pytest.raises(AlertConfigError, match="total_deadline_seconds must be more than 0"):
        AlertConfig.load(toml, {})


def test_pending_alerts_of_a_killed_run_go_first_then_tonights():
    hook = start_webhook()
    try:
        config = AlertConfig(webhook_url=f"http://127.0.0.1:{hook.server_port}/h")
        old, new = _alert(), _alert()
        killed = alerting.pending(schemas.empty_frame(schemas.ALERTS), old, config, "r0")
        history = alerting.pending(killed, new, config, "r1")
        assert list(history["status"]) == ["pending", "pending"]
        outcome = alerting.send(history, config, "r1")
        assert [a for a, _ in outcome.deliveries] == [old.alert_id, new.alert_id]
        assert list(outcome.alerts["status"]) == ["delivered", "delivered"]
        assert list(outcome.alerts["last_run_id"]) == ["r1", "r1"]
        assert len(hook.received) == 2
    finally:
        stop_webhook(hook)


# --- whole runs -----------------------------------------------------------------------------


def _raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    changed = mutate_lines(SEED.read_text(encoding="utf-8"), {59: "753"})  # jilin_j1_staff
    (raw / "changchun_2012.txt").write_text(changed, encoding="utf-8")
    return raw


def _config(tmp_path: Path, lines: str) -> Path:
    path = tmp_path / "nianbao.toml"
    path.write_text(f"[alerts]\n{lines}retries = 3\nbackoff_seconds = 0.1\n{DEADLINES}")
    return path


def _published(curated: Path):
    """What an analyst sees at this moment: the alerts rows, and whether the data is there."""
    warehouse = curated / "warehouse.duckdb"
    if not warehouse.exists():
        return None
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM observations").fetchone()[0]
        alerts = con.execute("SELECT sink, status FROM alerts ORDER BY sink").fetchall()
    finally:
        con.close()
    return n, alerts


def _alerts(curated: Path) -> list[tuple]:
    con = duckdb.connect(str(curated / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(
            "SELECT run_id, sink, status, attempts, error FROM alerts ORDER BY created_at, sink"
        ).fetchall()
    finally:
        con.close()


def _timed_run(raw: Path, curated: Path, config: Path):
    start = time.monotonic()
    summary = nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated), config_file=str(config))
    return summary, start, time.monotonic()


def test_trickling_sinks_never_hold_back_the_data_or_the_lock(prefect_api, tmp_path, servers):
    hook, mail = servers(TRICKLE_HTTP), servers(TRICKLE_SMTP, read_first=False)
    raw, curated = _raw(tmp_path), tmp_path / "curated"
    hook.on_connect = mail.on_connect = lambda: _published(curated)
    config = _config(
        tmp_path,
        f'webhook_url = "http://127.0.0.1:{hook.port}/hooks/T0KEN"\n'
        f'smtp_host = "127.0.0.1"\nsmtp_port = {mail.port}\n'
        'smtp_from = "nianbao@example.org"\nsmtp_to = ["quality@example.org"]\n',
    )
    summary, _, end = _timed_run(raw, curated, config)
    assert (summary.status, summary.checks_newly_failed) == ("completed", 1)
    # when a sink was first contacted, the run's data was already published, the alert pending
    n_observations = len(warehouse_tables(curated / "warehouse.duckdb")["observations"])
    assert hook.seen[0] == (n_observations, [("smtp", "pending"), ("webhook", "pending")])
    assert n_observations > 0 and mail.seen[0] == hook.seen[0]
    assert end - hook.arrivals[0] < 4 + SLACK  # total_deadline_seconds
    # the outcome is published too: both undelivered, with the reason
    rows = _alerts(curated)
    assert [(r[1], r[2]) for r in rows] == [("smtp", "undelivered"), ("webhook", "undelivered")]
    assert {r[4] for r in rows} == {"no answer within 2 s"}
    assert "T0KEN" not in str(rows)
    # the lock is free: the next run (nothing changed) tries the stuck sinks again, in time
    again, start, end = _timed_run(raw, curated, config)
    assert again.status == "no_changes"
    assert end - start < 20  # a no-change run plus at most 4 s of alerting
    retried = _alerts(curated)
    assert [(r[2], r[3]) for r in retried] == [("undelivered", 4)] * 2  # 2 more attempts each
    assert {r[0] for r in retried} == {summary.run_id}


def test_a_silent_webhook_and_a_refusing_mail_server_leave_the_data_published(
    prefect_api, tmp_path, servers
):
    silent = servers(b"")
    raw, curated = _raw(tmp_path), tmp_path / "curated"
    config = _config(
        tmp_path,
        f'webhook_url = "http://127.0.0.1:{silent.port}/hooks/T0KEN"\n'
        f'smtp_host = "127.0.0.1"\nsmtp_port = {closed_port()}\n'
        'smtp_from = "nianbao@example.org"\nsmtp_to = ["quality@example.org"]\n',
    )
    summary, _, end = _timed_run(raw, curated, config)
    assert summary.status == "completed"
    tables = warehouse_tables(curated / "warehouse.duckdb")
    assert tables["observations"] and tables["check_results"] and len(tables["reports"]) == 1
    smtp, webhook = (row[1:] for row in _alerts(curated))
    assert smtp[:3] == ("smtp", "undelivered", 3)  # refused at once: every attempt made
    assert smtp[3] == "cannot reach the server: [Errno 111] Connection refused"
    assert webhook == ("webhook", "undelivered", 2, "no answer within 2 s")
    assert len(silent.arrivals) == 2
    assert end - silent.arrivals[0] < 4 + SLACK
    with run_lock(curated, "probe"):  # free: taken at once, never RunLocked
        pass
