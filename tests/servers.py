"""Real servers on 127.0.0.1 for the alert tests: a webhook (HTTP) and a mail server (SMTP); and
Prefect's temporary servers found among a process's descendants."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psutil
from aiosmtpd.controller import Controller


def prefect_servers(pid: int) -> list[psutil.Process]:
    """The uvicorn processes (Prefect's temporary servers) below process `pid`. A process gone
    meanwhile, or a zombie another test left (it has no command line), is none."""
    found = []
    for child in psutil.Process(pid).children(recursive=True):
        try:
            if "uvicorn" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            pass
    return found


def closed_port() -> int:
    """A port nothing listens on (just released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Hook(BaseHTTPRequestHandler):
    """Answers with the next scripted status (then `default_status`); its answer echoes the
    path, token included, so tests can check the client redacts it."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server = self.server
        server.received.append({"path": self.path, "headers": self.headers, "body": body})
        time.sleep(server.delay)
        status = server.statuses.pop(0) if server.statuses else server.default_status
        answer = f"answer {status} for {self.path}".encode()
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", "/elsewhere")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:
        pass


class HookServer(ThreadingHTTPServer):
    received: list[dict]
    statuses: list[int]
    default_status: int
    delay: float

    def handle_error(self, request, client_address) -> None:
        pass  # a client that timed out and left is what the timeout test wants


def start_webhook(statuses=(), delay: float = 0.0) -> HookServer:
    server = HookServer(("127.0.0.1", 0), _Hook)
    server.statuses, server.received, server.delay = list(statuses), [], delay
    server.default_status = 200
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop_webhook(server: HookServer) -> None:
    server.shutdown()
    server.server_close()


class Inbox:
    def __init__(self) -> None:
        self.mails = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append((envelope, session.auth_data if session.authenticated else None))
        return "250 OK"


def start_smtp(**kwargs) -> tuple[Inbox, Controller]:
    inbox = Inbox()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=closed_port(), ready_timeout=10, **kwargs
    )
    controller.start()
    return inbox, controller
