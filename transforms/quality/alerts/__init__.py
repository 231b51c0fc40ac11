"""Alerts after a nightly run: the alert model, its configuration, its formats and its sinks.

In: an `Alert` the pipeline builds from the run's *new* findings (or from its own failure) and an
`AlertConfig` read from TOML and `NIANBAO_*` environment variables. Out: the alert delivered to a
Slack-compatible or generic JSON webhook and/or by e-mail, one `Delivery` record per sink. Nothing
here imports Prefect; the flow calls `deliver` and stores the records with `Alert.to_json()`.

    model    Finding, Alert (title, markdown, text, JSON round trip)
    formats  the Markdown, plain-text and Slack renderings
    config   AlertConfig (TOML + environment), AlertConfigError, redact
    sinks    deliver, Delivery, Budget: webhook over urllib, e-mail over smtplib, retries with
             backoff, every attempt and sink within a total deadline
"""

from transforms.quality.alerts.config import (
    ENV_VARS,
    AlertConfig,
    AlertConfigError,
    redact,
    redact_url,
)
from transforms.quality.alerts.model import REASONS, Alert, Finding
from transforms.quality.alerts.sinks import (
    SINKS,
    Budget,
    Delivery,
    deliver,
    email_message,
    target_of,
    webhook_body,
)

__all__ = [
    "ENV_VARS",
    "REASONS",
    "SINKS",
    "Alert",
    "AlertConfig",
    "AlertConfigError",
    "Budget",
    "Delivery",
    "Finding",
    "deliver",
    "email_message",
    "redact",
    "redact_url",
    "target_of",
    "webhook_body",
]
