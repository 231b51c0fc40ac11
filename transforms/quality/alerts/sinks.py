"""Alert sinks: send one alert to a webhook and by e-mail, with retries, never raising.

In: an `Alert` and an `AlertConfig`. Out: one `Delivery` per sink saying whether it arrived, after
how many attempts, and the last error. The caller stores these beside the alert, so a sink that
was down tonight is tried again next run; that is why a failed sink is a value here, not an
exception that would abort the run's bookkeeping. Standard library only (urllib, smtplib).

Time is bounded in total, not per read: a server that answers one byte every two seconds never
trips a socket timeout. Each attempt runs in a worker thread the caller waits for at most
`timeout_seconds`; all attempts of a sink share `deadline_seconds`, and a `Budget` shares
`total_deadline_seconds` among every delivery of a run. When time is up, the attempt's sockets are
shut down under the blocked read, so the abandoned thread ends too.

Everything that leaves this module about a sink (targets, errors, log records) has passed through
`redact`: the webhook URL's path is its token and the SMTP password is a password.
"""

from __future__ import annotations

import base64
import dataclasses
import http.client
import json
import logging
import smtplib
import socket
import ssl
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from importlib import metadata

from transforms.quality.alerts.config import AlertConfig, redact, redact_url
from transforms.quality.alerts.formats import slack_payload
from transforms.quality.alerts.model import Alert

log = logging.getLogger(__name__)

SINKS = ("webhook", "smtp")
_RETRYABLE_4XX = (408, 425, 429)  # timeout, too early, rate-limited: worth another try


@dataclass(frozen=True)
class Delivery:
    sink: str
    target: str
    delivered: bool
    attempts: int
    error: str | None
    delivered_at: str | None


class SinkError(Exception):
    """A sink answered, and the answer was no. `permanent`: trying again will not help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class NoAnswer(TimeoutError):
    """An attempt that did not finish in its time (a trickling, silent or stalled server)."""

    def __init__(self, seconds: float, *, deadline: bool) -> None:
        super().__init__(f"no answer within {seconds:g} s")
        self.seconds, self.deadline = seconds, deadline


class Budget:
    """The time one run may spend alerting: `total_deadline_seconds` for every delivery
    together. A sink that used up its deadline once is not tried again in the same run, so a
    stuck webhook cannot eat the time of the mail that follows it."""

    def __init__(self, config: AlertConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.total, self.clock = config.total_deadline_seconds, clock
        self.end = clock() + self.total
        self.stuck: dict[str, str] = {}  # sink -> why it is no longer tried

    def left(self) -> float:
        return self.end - self.clock()


def deliver(
    alert: Alert,
    config: AlertConfig,
    *,
    sleep: Callable[[float], object] = time.sleep,
    sinks: Iterable[str] | None = None,
    budget: Budget | None = None,
) -> list[Delivery]:
    """Send the alert to every configured sink (or only `sinks`); one `Delivery` for each,
    all within `budget` (a fresh one of `total_deadline_seconds` if not given)."""
    wanted = config.sinks_configured if sinks is None else tuple(dict.fromkeys(sinks))
    if alert.error:
        # The pipeline's error text may quote the configuration; it goes out redacted too.
        alert = dataclasses.replace(alert, error=redact(alert.error, config))
    budget = budget or Budget(config)
    return [_deliver_one(name, alert, config, sleep, budget) for name in wanted]


def target_of(sink: str, config: AlertConfig) -> str:
    """Where a sink sends, safe to log: no URL path or query, no password."""
    if sink == "webhook" and config.webhook_url:
        return redact_url(config.webhook_url)
    if sink == "smtp" and config.smtp_host:
        return f"smtp://{config.smtp_host}:{config.smtp_port} → {', '.join(config.smtp_to)}"
    return "(not configured)"


def _not_tried(sink: str, config: AlertConfig, budget: Budget) -> str | None:
    """Why a sink is not tried at all for this alert, or None."""
    if sink not in config.sinks_configured:
        known = "" if sink in SINKS else f"; known sinks: {', '.join(SINKS)}"
        return f"sink {sink!r} is not configured{known}"
    if sink in budget.stuck:
        return budget.stuck[sink]
    if budget.left() <= 0:
        return f"not tried: alerting had used its {budget.total:g} s (total_deadline_seconds)"
    return None


def _deliver_one(
    sink: str,
    alert: Alert,
    config: AlertConfig,
    sleep: Callable[[float], object],
    budget: Budget,
) -> Delivery:
    target = target_of(sink, config)
    reason = _not_tried(sink, config, budget)
    if reason is not None:
        return Delivery(sink, target, False, 0, reason, None)
    end = min(budget.clock() + config.deadline_seconds, budget.end)
    error: str | None = None
    for attempt in range(1, config.retries + 1):
        log.debug(
            "alert %s: %s attempt %d of %d to %s",
            *(alert.alert_id, sink, attempt, config.retries, target),
        )
        try:
            note = _attempt(sink, alert, config, end - budget.clock(), budget)
        # Any failure of a sink, expected or not, is recorded on the Delivery: an alert path
        # that raises would lose the record that lets the next run re-send.
        except Exception as exc:
            error, permanent = _explain(exc, config)
            log.warning(
                "alert %s: %s to %s failed (attempt %d of %d): %s",
                *(alert.alert_id, sink, target, attempt, config.retries, error),
            )
            if isinstance(exc, NoAnswer) and exc.deadline:
                budget.stuck[sink] = f"not tried: {sink} gave {error} earlier in this run"
                break
            delay = config.backoff_seconds * 2 ** (attempt - 1)
            if permanent or attempt == config.retries or end - budget.clock() <= delay:
                break
            sleep(delay)
        else:
            log.info("alert %s: delivered by %s to %s", alert.alert_id, sink, target)
            return Delivery(sink, target, True, attempt, note, _now())
    return Delivery(sink, target, False, attempt, error, None)


def _attempt(sink: str, alert: Alert, config: AlertConfig, left: float, budget: Budget):
    """One attempt in a worker thread, waited for `timeout_seconds` or what is left of the
    deadline, whichever is shorter. Past that, its sockets are shut down (the blocked read
    returns and the thread ends) and the attempt is `NoAnswer`."""
    seconds = min(config.timeout_seconds, max(left, 0.0))
    watch, outcome = _Watch(), {}

    def work() -> None:
        try:
            outcome["note"] = _SENDERS[sink](alert, config, watch)
        except BaseException as exc:  # handed to the caller's thread, which explains it
            outcome["error"] = exc

    worker = threading.Thread(target=work, name=f"nianbao-alert-{sink}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        watch.shut()
        worker.join(1.0)  # it ends on the shut socket; a daemon thread if it does not
        deadline = seconds < config.timeout_seconds
        shown = config.deadline_seconds if deadline else config.timeout_seconds
        if deadline and budget.left() <= 0:
            shown = min(shown, budget.total)
        raise NoAnswer(shown, deadline=deadline)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("note")


class _Watch:
    """The connections of one attempt, so that a deadline can shut their sockets from the
    waiting thread. Only shutdown, never close: the worker still owns the descriptor."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: list[object] = []
        self._shut = False

    def add(self, holder: object) -> None:
        """Watch an object with a `sock` attribute (set now or later, as connect goes)."""
        with self._lock:
            self._held.append(holder)
            if self._shut:
                _shutdown(holder)

    def shut(self) -> None:
        with self._lock:
            self._shut = True
            for holder in self._held:
                _shutdown(holder)

    def connection(self, cls: type[http.client.HTTPConnection]):
        """A factory of `cls` connections that are watched (urllib's `do_open` calls it)."""

        def make(*args: object, **kwargs: object) -> http.client.HTTPConnection:
            conn = cls(*args, **kwargs)
            self.add(conn)
            return conn

        return make


def _shutdown(holder: object) -> None:
    sock = getattr(holder, "sock", None)
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed or never connected: nothing left to wake


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _explain(exc: Exception, config: AlertConfig) -> tuple[str, bool]:
    """A redacted, readable reason for a failed attempt, and whether retrying is pointless."""
    if isinstance(exc, SinkError):
        message, permanent = str(exc), exc.permanent
    elif isinstance(exc, smtplib.SMTPException):
        message, permanent = _explain_smtp(exc)
    elif isinstance(exc, urllib.error.URLError):
        message, permanent = f"cannot reach the server: {exc.reason}", False
    elif isinstance(exc, ConnectionError | socket.gaierror):
        message, permanent = f"cannot reach the server: {exc}", False
    elif isinstance(exc, NoAnswer):
        message, permanent = str(exc), False
    elif isinstance(exc, TimeoutError):
        message, permanent = f"no answer within {config.timeout_seconds:g} s", False
    else:
        message, permanent = f"{type(exc).__name__}: {exc}", False
    return redact(message, config), permanent


# --- webhook --------------------------------------------------------------------------------


def _user_agent() -> str:
    try:
        version = metadata.version("nianbao")
    except metadata.PackageNotFoundError:
        version = "dev"
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"nianbao/{version} (alerts) Python-urllib/{python}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirected POST would arrive as a GET without the alert; treat 3xx as a failure."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def webhook_body(alert: Alert, webhook_format: str) -> bytes:
    """The POST body: the Slack payload, or the alert as JSON (`Alert.from_json` reads it)."""
    if webhook_format == "json":
        return alert.to_json().encode("utf-8")
    return json.dumps(slack_payload(alert), ensure_ascii=False).encode("utf-8")


def _request(alert: Alert, config: AlertConfig) -> urllib.request.Request:
    assert config.webhook_url is not None
    parts = urllib.parse.urlsplit(config.webhook_url)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": _user_agent()}
    if parts.username is not None:
        # urllib does not send URL userinfo; it becomes basic auth, and leaves the URL.
        pair = (
            f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
        )
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        parts = parts._replace(netloc=parts.netloc.rpartition("@")[2])
    body = webhook_body(alert, config.webhook_format)
    return urllib.request.Request(parts.geturl(), data=body, headers=headers, method="POST")


class _WatchedHTTP(urllib.request.HTTPHandler):
    def __init__(self, watch: _Watch) -> None:
        super().__init__()
        self._watch = watch

    def http_open(self, req: urllib.request.Request):
        return self.do_open(self._watch.connection(http.client.HTTPConnection), req)


class _WatchedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, watch: _Watch) -> None:
        super().__init__()
        self._watch = watch

    def https_open(self, req: urllib.request.Request):
        connection = self._watch.connection(http.client.HTTPSConnection)
        return self.do_open(connection, req, context=self._context)


def _post_webhook(alert: Alert, config: AlertConfig, watch: _Watch) -> str | None:
    opener = urllib.request.build_opener(_NoRedirect, _WatchedHTTP(watch), _WatchedHTTPS(watch))
    try:
        with opener.open(_request(alert, config), timeout=config.timeout_seconds):
            return None
    except urllib.error.HTTPError as exc:
        raise _http_failure(exc) from None


def _http_failure(exc: urllib.error.HTTPError) -> SinkError:
    """The status (never the URL) and the start of the answer, which says why (Slack does)."""
    try:
        answer = exc.read(300).decode("utf-8", "replace").strip()
    except OSError:
        answer = ""
    finally:
        exc.close()
    message = f"HTTP {exc.code} {exc.reason}" + (f": {answer}" if answer else "")
    permanent = exc.code < 500 and exc.code not in _RETRYABLE_4XX
    return SinkError(message, permanent=permanent)


# --- e-mail ---------------------------------------------------------------------------------


def email_message(alert: Alert, config: AlertConfig) -> EmailMessage:
    """UTF-8 subject (the title) and body (the text), From and To from the configuration."""
    assert config.smtp_from is not None
    message = EmailMessage()
    message["Subject"] = alert.title()
    message["From"] = config.smtp_from
    message["To"] = ", ".join(config.smtp_to)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=config.smtp_from.rpartition("@")[2] or None)
    message["X-Nianbao-Alert-Id"] = alert.alert_id
    message.set_content(alert.text(), charset="utf-8")
    return message


def _connect(config: AlertConfig, watch: _Watch) -> smtplib.SMTP:
    """Connected and greeted. Made without a host first, so the watch holds it before the
    greeting is read (a server may trickle that too), then connected as smtplib would."""
    assert config.smtp_host is not None
    timeout = config.timeout_seconds
    if config.smtp_security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(timeout=timeout)
    watch.add(smtp)
    try:
        code, answer = smtp.connect(config.smtp_host, config.smtp_port)
        if code != 220:
            raise smtplib.SMTPConnectError(code, answer)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _send_mail(alert: Alert, config: AlertConfig, watch: _Watch) -> str | None:
    message = email_message(alert, config)
    with _connect(config, watch) as smtp:
        if config.smtp_security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if config.smtp_user:
            smtp.login(config.smtp_user, config.smtp_password or "")
        refused = smtp.send_message(message)
    if not refused:
        return None
    # Some recipients got it: a retry would send it twice to them, so this is delivered,
    # with the refusals kept as the note.
    return "refused: " + "; ".join(f"{to} ({code})" for to, (code, _) in sorted(refused.items()))


def _explain_smtp(exc: smtplib.SMTPException) -> tuple[str, bool]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(f"{to} ({code})" for to, (code, _) in sorted(exc.recipients.items()))
        return f"SMTP recipients refused: {refused}", True
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"SMTP server does not support it: {exc}", True
    if isinstance(exc, smtplib.SMTPResponseException):
        raw = exc.smtp_error
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        kind = "login refused" if isinstance(exc, smtplib.SMTPAuthenticationError) else "error"
        return f"SMTP {kind}: {exc.smtp_code} {text}", exc.smtp_code >= 500
    return f"SMTP {type(exc).__name__}: {exc}", False


_SENDERS: dict[str, Callable[[Alert, AlertConfig, _Watch], str | None]] = {
    "webhook": _post_webhook,
    "smtp": _send_mail,
}
