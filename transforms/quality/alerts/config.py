"""Alert configuration: where alerts go, from a TOML file and the environment, secrets kept out.

In: an optional TOML file with an `[alerts]` table and the process environment (`NIANBAO_*`
variables override the file; an empty variable counts as unset). Out: one frozen, validated
`AlertConfig`. A mistake in it is an `AlertConfigError` that names the key and where it was set,
because a misspelt key that silently disables alerting is found only when an alert is missed.

The webhook URL's path and query carry the token and the SMTP password is a password: `redact`,
`redact_url` and `describe` are how anything about the configuration reaches a log or an error.
"""

from __future__ import annotations

import base64
import difflib
import re
import tomllib
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

WEBHOOK_FORMATS = ("slack", "json")
SMTP_SECURITY = ("none", "starttls", "ssl")
MASK = "***"

ENV_VARS: dict[str, str] = {
    "NIANBAO_ALERT_WEBHOOK": "webhook_url",
    "NIANBAO_ALERT_WEBHOOK_FORMAT": "webhook_format",
    "NIANBAO_SMTP_HOST": "smtp_host",
    "NIANBAO_SMTP_PORT": "smtp_port",
    "NIANBAO_SMTP_USER": "smtp_user",
    "NIANBAO_SMTP_PASSWORD": "smtp_password",
    "NIANBAO_SMTP_FROM": "smtp_from",
    "NIANBAO_SMTP_TO": "smtp_to",
    "NIANBAO_SMTP_SECURITY": "smtp_security",
    "NIANBAO_REPORT_BASE_URL": "report_base_url",
    "NIANBAO_ALERT_TIMEOUT": "timeout_seconds",
    "NIANBAO_ALERT_DEADLINE": "deadline_seconds",
    "NIANBAO_ALERT_TOTAL_DEADLINE": "total_deadline_seconds",
}
_NUMBER_KEYS = ("backoff_seconds", "timeout_seconds", "deadline_seconds", "total_deadline_seconds")

# The TOML type each key must have; a string "25" for the port is a mistake, not a port.
_TOML_TYPES: dict[str, tuple[type, ...]] = {
    "webhook_url": (str,),
    "webhook_format": (str,),
    "smtp_host": (str,),
    "smtp_port": (int,),
    "smtp_user": (str,),
    "smtp_password": (str,),
    "smtp_from": (str,),
    "smtp_to": (list,),
    "smtp_security": (str,),
    "report_base_url": (str,),
    "retries": (int,),
    "backoff_seconds": (int, float),
    "timeout_seconds": (int, float),
    "deadline_seconds": (int, float),
    "total_deadline_seconds": (int, float),
}
_SECRET_KEYS = ("webhook_url", "smtp_password")
_TYPE_NAMES = {
    (str,): "a string",
    (int,): "a whole number",
    (int, float): "a number",
    (list,): "an array of strings",
}


class AlertConfigError(ValueError):
    """A configuration a person has to fix; `field` is the key at fault, if there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, repr=False)
class AlertConfig:
    webhook_url: str | None = None
    webhook_format: str = "slack"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str | None = None
    smtp_to: tuple[str, ...] = ()
    smtp_security: str = "none"
    report_base_url: str | None = None
    retries: int = 3
    backoff_seconds: float = 1.0
    timeout_seconds: float = 10.0  # one attempt, start to answer (not per read)
    # All attempts of one sink for one alert, backoff included; then all alerting of a run.
    # A sink stuck in a trickle or silence costs at most deadline_seconds, and a run's alerting
    # at most total_deadline_seconds, after the data is published.
    deadline_seconds: float = 15.0
    total_deadline_seconds: float = 30.0

    def __post_init__(self) -> None:
        if isinstance(self.smtp_to, list):
            object.__setattr__(self, "smtp_to", tuple(self.smtp_to))
        _check_choices(self)
        _check_numbers(self)
        _check_webhook(self.webhook_url)
        _check_smtp(self)

    def __repr__(self) -> str:
        # The default repr would print the token and the password into any traceback.
        return f"AlertConfig({', '.join(f'{k}={v!r}' for k, v in self.describe().items())})"

    @classmethod
    def load(cls, path: Path | None, environ: Mapping[str, str]) -> AlertConfig:
        values: dict[str, Any] = {}
        origin: dict[str, str] = {}
        if path is not None:
            for key, value in _read_toml(Path(path)).items():
                values[key] = _from_toml(key, value, path)
                origin[key] = str(path)
        for var, key in ENV_VARS.items():
            raw = environ.get(var, "")
            if raw.strip():
                values[key] = _from_env(var, key, raw)
                origin[key] = f"environment variable {var}"
        try:
            return cls(**values)
        except AlertConfigError as exc:
            where = origin.get(exc.field or "")
            if where is None:
                raise
            raise AlertConfigError(f"{exc} (set in {where})", exc.field) from None

    @property
    def sinks_configured(self) -> tuple[str, ...]:
        sinks = []
        if self.webhook_url:
            sinks.append("webhook")
        if self.smtp_host:
            sinks.append("smtp")
        return tuple(sinks)

    def describe(self) -> dict[str, Any]:
        """Every setting, for logs: the webhook URL cut to scheme and host, the password masked."""
        shown: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        shown["webhook_url"] = redact_url(self.webhook_url) if self.webhook_url else None
        shown["smtp_password"] = MASK if self.smtp_password else None
        shown["smtp_to"] = list(self.smtp_to)
        shown["sinks"] = list(self.sinks_configured)
        return shown

    def report_link(self, report_path: str | Path) -> str:
        """The link an alert carries: `<report_base_url>/<file name>`, else the local path."""
        if not self.report_base_url:
            return str(report_path)
        name = urllib.parse.quote(Path(report_path).name)
        return f"{self.report_base_url.rstrip('/')}/{name}"


# --- reading --------------------------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise AlertConfigError(f"alert configuration file not found: {path}")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AlertConfigError(f"{path} is not valid TOML: {exc}") from None
    table = document.get("alerts")
    if not isinstance(table, dict):
        raise AlertConfigError(f"{path} has no [alerts] table")
    return table


def _from_toml(key: str, value: Any, path: Path) -> Any:
    if key not in _TOML_TYPES:
        hint = difflib.get_close_matches(key, _TOML_TYPES, n=1)
        did_you_mean = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise AlertConfigError(
            f"unknown key {key!r} in [alerts] of {path}{did_you_mean}; "
            f"known keys: {', '.join(_TOML_TYPES)}",
            key,
        )
    expected = _TOML_TYPES[key]
    if isinstance(value, bool) or not isinstance(value, expected):
        # A secret's value is never repeated, only its type.
        got = f"a {type(value).__name__}" if key in _SECRET_KEYS else repr(value)
        raise AlertConfigError(f"{key} in {path} must be {_TYPE_NAMES[expected]}, got {got}", key)
    if key == "smtp_to":
        return _addresses(value, f"smtp_to in {path}")
    return float(value) if float in expected else value


def _addresses(value: list[Any], where: str) -> tuple[str, ...]:
    if not all(isinstance(item, str) for item in value):
        raise AlertConfigError(f"{where} must be an array of e-mail addresses (strings)", "smtp_to")
    return tuple(item.strip() for item in value if item.strip())


def _from_env(var: str, key: str, raw: str) -> Any:
    raw = raw.strip()
    if key == "smtp_to":
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if key == "smtp_port":
        if not raw.isdigit():
            raise AlertConfigError(
                f"{var} must be a port number between 1 and 65535, got {raw!r}", key
            )
        return int(raw)
    if key in _NUMBER_KEYS:
        try:
            return float(raw)
        except ValueError:
            raise AlertConfigError(f"{var} must be a number of seconds, got {raw!r}", key) from None
    return raw


# --- validation -----------------------------------------------------------------------------


def _check_choices(config: AlertConfig) -> None:
    if config.webhook_format not in WEBHOOK_FORMATS:
        raise AlertConfigError(
            f"webhook_format must be one of {', '.join(WEBHOOK_FORMATS)}, "
            f"got {config.webhook_format!r}",
            "webhook_format",
        )
    if config.smtp_security not in SMTP_SECURITY:
        raise AlertConfigError(
            f"smtp_security must be one of {', '.join(SMTP_SECURITY)}, "
            f"got {config.smtp_security!r}",
            "smtp_security",
        )


def _check_numbers(config: AlertConfig) -> None:
    port = config.smtp_port
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise AlertConfigError(
            f"smtp_port must be a port number between 1 and 65535, got {port!r}", "smtp_port"
        )
    if isinstance(config.retries, bool) or not isinstance(config.retries, int):
        raise AlertConfigError(f"retries must be a whole number, got {config.retries!r}", "retries")
    if config.retries < 1:
        raise AlertConfigError(f"retries must be at least 1, got {config.retries}", "retries")
    if not config.backoff_seconds >= 0:
        raise AlertConfigError(
            f"backoff_seconds must be 0 or more, got {config.backoff_seconds!r}", "backoff_seconds"
        )
    for key in ("timeout_seconds", "deadline_seconds", "total_deadline_seconds"):
        value = getattr(config, key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise AlertConfigError(f"{key} must be more than 0, got {value!r}", key)


def _check_webhook(url: str | None) -> None:
    # The message never repeats the URL: its path is the token.
    if url is None:
        return
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError:
        raise AlertConfigError("webhook_url is not a valid URL", "webhook_url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AlertConfigError(
            f"webhook_url must be an http:// or https:// URL with a host "
            f"(got scheme {parts.scheme!r})",
            "webhook_url",
        )


def _check_smtp(config: AlertConfig) -> None:
    if config.smtp_to and not config.smtp_host:
        raise AlertConfigError("smtp_to is set but smtp_host is not", "smtp_host")
    if config.smtp_password and not config.smtp_user:
        raise AlertConfigError("smtp_password is set but smtp_user is not", "smtp_user")
    if not config.smtp_host:
        return
    if not config.smtp_to:
        raise AlertConfigError("smtp_host is set but smtp_to (the recipients) is empty", "smtp_to")
    if not config.smtp_from:
        raise AlertConfigError("smtp_host is set but smtp_from (the sender) is not", "smtp_from")
    for address in (config.smtp_from, *config.smtp_to):
        if not isinstance(address, str) or "@" not in address:
            raise AlertConfigError(f"{address!r} is not an e-mail address", "smtp_to")


# --- redaction ------------------------------------------------------------------------------


def _netloc(parts: urllib.parse.SplitResult) -> str:
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


def redact_url(url: str) -> str:
    """`https://hooks.example.com/…`: scheme and host only, no userinfo, path or query."""
    parts = urllib.parse.urlsplit(url)
    tail = "/…" if parts.path.strip("/") or parts.query or parts.fragment else ""
    return f"{parts.scheme}://{_netloc(parts)}{tail}"


def _url_secrets(url: str) -> list[str]:
    parts = urllib.parse.urlsplit(url)
    path_query = parts.path + (f"?{parts.query}" if parts.query else "")
    userinfo = parts.netloc.rpartition("@")[0]
    found = [path_query, parts.path, parts.query, parts.fragment, userinfo, parts.password or ""]
    found += [segment for segment in parts.path.split("/") if len(segment) >= 8]
    found += [value for _, value in urllib.parse.parse_qsl(parts.query) if len(value) >= 4]
    found += [urllib.parse.unquote(item) for item in found]
    return [item for item in found if len(item.strip("/")) >= 4]


def _password_secrets(user: str | None, password: str) -> list[str]:
    # AUTH LOGIN sends base64(password), AUTH PLAIN base64("\0user\0password"): a server that
    # echoes what it got must not leak either.
    plain = f"\0{user or ''}\0{password}".encode()
    return [
        password,
        base64.b64encode(password.encode()).decode(),
        base64.b64encode(plain).decode(),
    ]


def redact(text: str, config: AlertConfig) -> str:
    """The text with the webhook URL cut to scheme and host and the SMTP password masked."""
    secrets: list[str] = []
    if config.webhook_url:
        parts = urllib.parse.urlsplit(config.webhook_url)
        same_host = re.compile(
            rf"{re.escape(parts.scheme)}://(?:[^/\s@]*@)?{re.escape(parts.hostname or '')}"
            r"(?::\d+)?(?:[/?#]\S*)?",
            re.IGNORECASE,
        )
        text = same_host.sub(redact_url(config.webhook_url), text)
        secrets += _url_secrets(config.webhook_url)
    if config.smtp_password:
        secrets += _password_secrets(config.smtp_user, config.smtp_password)
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
