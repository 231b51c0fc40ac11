"""Alert sinks: send one alert to a webhook and by e-mail, with retries, never raising.

In: an `Alert` and an `AlertConfig`. Out: one `Delivery` per sink saying whether it arrived, after
how many attempts, and the last error. The caller stores these beside the alert, so a sink that
was down tonight is tried again next run; that is why a failed sink is a value here, not an
exception that would abort the run's bookkeeping. Standard library only (urllib, smtplib).

Everything that leaves this module about a sink (targets, errors, log records) has passed through
`redact`: the webhook URL's path is its token and the SMTP password is a password.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import smtplib
import socket
import ssl
import sys
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

from transforms.alerts.config import AlertConfig, redact, redact_url
from transforms.alerts.formats import slack_payload
from transforms.alerts.model import Alert

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


def deliver(
    alert: Alert,
    config: AlertConfig,
    *,
    sleep: Callable[[float], object] = time.sleep,
    sinks: Iterable[str] | None = None,
) -> list[Delivery]:
    """Send the alert to every configured sink (or only `sinks`); one `Delivery` for each."""
    wanted = config.sinks_configured if sinks is None else tuple(dict.fromkeys(sinks))
    if alert.error:
        # The pipeline's error text may quote the configuration; it goes out redacted too.
        alert = dataclasses.replace(alert, error=redact(alert.error, config))
    return [_deliver_one(name, alert, config, sleep) for name in wanted]


def target_of(sink: str, config: AlertConfig) -> str:
    """Where a sink sends, safe to log: no URL path or query, no password."""
    if sink == "webhook" and config.webhook_url:
        return redact_url(config.webhook_url)
    if sink == "smtp" and config.smtp_host:
        return f"smtp://{config.smtp_host}:{config.smtp_port} → {', '.join(config.smtp_to)}"
    return "(not configured)"


def _deliver_one(
    sink: str, alert: Alert, config: AlertConfig, sleep: Callable[[float], object]
) -> Delivery:
    target = target_of(sink, config)
    if sink not in config.sinks_configured:
        known = "" if sink in SINKS else f"; known sinks: {', '.join(SINKS)}"
        return Delivery(sink, target, False, 0, f"sink {sink!r} is not configured{known}", None)
    error: str | None = None
    for attempt in range(1, config.retries + 1):
        log.debug(
            "alert %s: %s attempt %d of %d to %s",
            *(alert.alert_id, sink, attempt, config.retries, target),
        )
        try:
            note = _SENDERS[sink](alert, config)
        # Any failure of a sink, expected or not, is recorded on the Delivery: an alert path
        # that raises would lose the record that lets the next run re-send.
        except Exception as exc:
            error, permanent = _explain(exc, config)
            log.warning(
                "alert %s: %s to %s failed (attempt %d of %d): %s",
                *(alert.alert_id, sink, target, attempt, config.retries, error),
            )
            if permanent or attempt == config.retries:
                break
            sleep(config.backoff_seconds * 2 ** (attempt - 1))
        else:
            log.info("alert %s: delivered by %s to %s", alert.alert_id, sink, target)
            return Delivery(sink, target, True, attempt, note, _now())
    return Delivery(sink, target, False, attempt, error, None)


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


def _post_webhook(alert: Alert, config: AlertConfig) -> str | None:
    opener = urllib.request.build_opener(_NoRedirect)
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


def _connect(config: AlertConfig) -> smtplib.SMTP:
    assert config.smtp_host is not None
    timeout = config.timeout_seconds
    if config.smtp_security == "ssl":
        context = ssl.create_default_context()
        return smtplib.SMTP_SSL(
            config.smtp_host, config.smtp_port, timeout=timeout, context=context
        )
    return smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=timeout)


def _send_mail(alert: Alert, config: AlertConfig) -> str | None:
    message = email_message(alert, config)
    with _connect(config) as smtp:
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


_SENDERS: dict[str, Callable[[Alert, AlertConfig], str | None]] = {
    "webhook": _post_webhook,
    "smtp": _send_mail,
}
