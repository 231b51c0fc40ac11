"""Alerts: model and formats, configuration, and delivery to real servers on 127.0.0.1.

The webhook is a real `ThreadingHTTPServer`, the mail server a real aiosmtpd `Controller`; the
only stand-in is the `sleep` parameter, which records the backoff delays instead of waiting.
"""

from __future__ import annotations

import base64
import json
import logging
from email import message_from_bytes, policy

import pytest
from aiosmtpd.smtp import AuthResult

from tests.servers import closed_port, start_smtp, start_webhook, stop_webhook
from transforms.quality.alerts import (
    Alert,
    AlertConfig,
    AlertConfigError,
    Finding,
    deliver,
    redact,
)

RUN = "20261126T020000Z"
TOKEN = "xoxTOKENb7c9d2e4f6a8"  # the secret part of the webhook URL
HOOK_PATH = f"/services/T0SECRET1/B0SECRET2/{TOKEN}?sig=querySECRET99"
PASSWORD = "pa55-W0RD-secret"

CHANGCHUN = Finding(
    source_file="jilin/changchun_2012.txt",
    body="长春市",
    report_year=2012,
    rule="jilin_requests_total_by_outcome",
    kind="identity",
    expected=640.0,
    actual=641.0,
    message="总计 641 ≠ 各项之和 640",
    locator="page 1, table 1, row 5, col 2",
)
UNREADABLE = Finding(
    source_file="fujian/pingtan_2013.pdf",
    body=None,
    report_year=None,
    rule="file_unreadable",
    kind="file",
    expected=None,
    actual=None,
    message="encrypted PDF | no text",
    locator=None,
)


def make_alert(**changes) -> Alert:
    values = dict(
        alert_id="a1",
        run_id=RUN,
        created_at="2026-11-26T02:05:00Z",
        reason="new_findings",
        counts={"new_findings": 3, "new_failed_checks": 2, "new_unreadable_files": 1},
        top=(CHANGCHUN, UNREADABLE),
        report_link="data/curated/quality/report.html",
    )
    return Alert(**{**values, **changes})


class Delays(list):
    """The `sleep` parameter: records each delay instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def webhook():
    servers = []

    def start(statuses=(), delay=0.0):
        servers.append(start_webhook(statuses, delay))
        return servers[-1]

    yield start
    for server in servers:
        stop_webhook(server)


def hook_url(server) -> str:
    return f"http://127.0.0.1:{server.server_port}{HOOK_PATH}"


def _authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = auth_data.login == b"nianbao" and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


@pytest.fixture
def smtp_server():
    controllers = []

    def start(**kwargs):
        inbox, controller = start_smtp(**kwargs)
        controllers.append(controller)
        return inbox, controller.port

    yield start
    for controller in controllers:
        controller.stop()


def mail_config(port: int, **changes) -> AlertConfig:
    values = dict(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="nianbao@example.org",
        smtp_to=("data@example.org", "ops@example.org"),
    )
    return AlertConfig(**{**values, **changes})


def module_log(caplog) -> str:
    return "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith("transforms.quality.alerts")
    )


# --- the alert ------------------------------------------------------------------------------


def test_titles_say_how_many_and_which_run():
    assert make_alert().title() == f"nianbao: 3 new findings (run {RUN})"
    assert make_alert(counts={"new_findings": 1}).title() == f"nianbao: 1 new finding (run {RUN})"
    failed = make_alert(reason="pipeline_failed", top=(), error="boom")
    assert failed.title() == f"nianbao: the pipeline failed (run {RUN})"


def test_an_unknown_reason_is_refused():
    with pytest.raises(ValueError, match="'partly_failed'"):
        make_alert(reason="partly_failed")


def test_json_round_trip_keeps_everything_and_the_chinese_as_written():
    alert = make_alert(error="reader crashed", report_link=None)
    stored = alert.to_json()
    assert "长春市" in stored
    assert Alert.from_json(stored) == alert
    assert Alert.from_json(stored).top[1].expected is None


def test_a_stored_alert_of_another_shape_is_an_error():
    data = json.loads(make_alert().to_json())
    data["severity"] = "high"
    with pytest.raises(ValueError, match=r"unknown keys \['severity'\]"):
        Alert.from_json(json.dumps(data))


def test_markdown_has_counts_a_row_per_finding_and_the_link():
    md = make_alert().markdown()
    assert "- new findings: **3**\n- new failed checks: **2**\n- new unreadable files: **1**" in md
    assert "| report | rule | expected | actual | locator | message |" in md
    assert (
        "| 长春市 2012 (jilin/changchun_2012.txt) | `jilin_requests_total_by_outcome` "
        "| 640 | 641 | page 1, table 1, row 5, col 2 | 总计 641 ≠ 各项之和 640 |"
    ) in md
    assert (
        "| fujian/pingtan_2013.pdf | `file_unreadable` | — | — | — | encrypted PDF \\| no text |"
    ) in md
    assert "Top 2 of 3 new findings:" in md
    assert md.rstrip().endswith("Quality report: `data/curated/quality/report.html`")


def test_markdown_of_a_failed_pipeline_shows_the_error_fenced():
    md = make_alert(reason="pipeline_failed", top=(), error="Traceback\n``` odd").markdown()
    assert "**Error**\n\n````\nTraceback\n``` odd\n````" in md
    assert "| report |" not in md


def test_text_lists_each_finding_with_its_evidence():
    text = make_alert().text()
    assert " 1. 长春市 2012 (jilin/changchun_2012.txt)" in text
    assert "    rule:     jilin_requests_total_by_outcome (identity)" in text
    assert "    expected: 640   actual: 641" in text
    assert "    where:    page 1, table 1, row 5, col 2" in text
    assert "new unreadable files:  1" in text


def test_report_link_uses_the_base_url_when_configured():
    assert AlertConfig().report_link("/srv/q/report 1.html") == "/srv/q/report 1.html"
    linked = AlertConfig(report_base_url="https://q.example.org/nianbao/")
    assert (
        linked.report_link("/srv/q/report 1.html")
        == "https://q.example.org/nianbao/report%201.html"
    )


# --- webhook --------------------------------------------------------------------------------


def test_slack_webhook_receives_text_and_blocks(webhook):
    server = webhook()
    [delivery] = deliver(make_alert(), AlertConfig(webhook_url=hook_url(server)))
    assert (delivery.sink, delivery.delivered, delivery.attempts, delivery.error) == (
        "webhook",
        True,
        1,
        None,
    )
    assert delivery.target == f"http://127.0.0.1:{server.server_port}/…"
    assert delivery.delivered_at.endswith("Z")
    [request] = server.received
    assert request["path"] == HOOK_PATH
    assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert request["headers"]["User-Agent"].startswith("nianbao/")
    assert "长春市".encode() in request["body"]  # UTF-8 as such, not \\u escapes
    payload = json.loads(request["body"])
    assert "3 new findings" in payload["text"]
    assert "jilin_requests_total_by_outcome" in payload["text"]
    assert "长春市" in payload["text"]
    assert [b["type"] for b in payload["blocks"]] == ["header", "section", "section", "section"]
    assert payload["blocks"][0]["text"]["text"] == make_alert().title()
    assert "*jilin_requests_total_by_outcome*" in payload["blocks"][2]["text"]["text"]


def test_json_webhook_round_trips_the_alert(webhook):
    server = webhook()
    alert = make_alert()
    [delivery] = deliver(alert, AlertConfig(webhook_url=hook_url(server), webhook_format="json"))
    assert delivery.delivered is True
    assert Alert.from_json(server.received[0]["body"].decode("utf-8")) == alert


def test_a_webhook_answering_500_twice_then_200_is_delivered_on_the_third_attempt(webhook):
    server = webhook(statuses=[500, 500, 200])
    delays = Delays()
    config = AlertConfig(webhook_url=hook_url(server), backoff_seconds=0.5)
    [delivery] = deliver(make_alert(), config, sleep=delays)
    assert (delivery.delivered, delivery.attempts, delivery.error) == (True, 3, None)
    assert delays == [0.5, 1.0]
    assert len(server.received) == 3


def test_a_webhook_answering_500_fails_after_all_retries_without_the_token(webhook, caplog):
    caplog.set_level(logging.DEBUG, logger="transforms.quality.alerts")
    server = webhook(statuses=[500] * 5)
    delays = Delays()
    [delivery] = deliver(make_alert(), AlertConfig(webhook_url=hook_url(server)), sleep=delays)
    assert (delivery.delivered, delivery.attempts, delivery.delivered_at) == (False, 3, None)
    assert delays == [1.0, 2.0]
    # the server echoed the path: the status stays, the token goes
    assert delivery.error == "HTTP 500 Internal Server Error: answer 500 for ***"
    log_text = module_log(caplog)
    assert log_text.count("failed (attempt") == 3
    for secret in (TOKEN, "T0SECRET1", "B0SECRET2", "querySECRET99"):
        assert secret not in delivery.error
        assert secret not in delivery.target
        assert secret not in log_text


def test_a_closed_port_is_retried_with_exponential_backoff_and_no_secret_leaks(caplog):
    caplog.set_level(logging.DEBUG, logger="transforms.quality.alerts")
    url = f"http://127.0.0.1:{closed_port()}{HOOK_PATH}"
    delays = Delays()
    config = AlertConfig(webhook_url=url, retries=4, backoff_seconds=0.25)
    [delivery] = deliver(make_alert(), config, sleep=delays)
    assert (delivery.delivered, delivery.attempts) == (False, 4)
    assert delays == [0.25, 0.5, 1.0]
    assert "refused" in delivery.error.lower()
    log_text = module_log(caplog)
    assert log_text.count("attempt") == 8  # a debug line and a warning per attempt
    for secret in (TOKEN, "T0SECRET1", "querySECRET99", HOOK_PATH):
        assert secret not in delivery.error + delivery.target + log_text


def test_a_4xx_answer_is_not_retried(webhook):
    server = webhook(statuses=[404, 200])
    delays = Delays()
    [delivery] = deliver(make_alert(), AlertConfig(webhook_url=hook_url(server)), sleep=delays)
    assert (delivery.delivered, delivery.attempts, delays) == (False, 1, [])
    assert delivery.error.startswith("HTTP 404 Not Found")


def test_a_redirect_is_a_failure_not_a_silent_get(webhook):
    server = webhook(statuses=[302])
    [delivery] = deliver(make_alert(), AlertConfig(webhook_url=hook_url(server)), sleep=Delays())
    assert (delivery.delivered, delivery.attempts) == (False, 1)
    assert delivery.error.startswith("HTTP 302")
    assert len(server.received) == 1


def test_a_webhook_that_does_not_answer_in_time_is_a_timeout(webhook):
    server = webhook(delay=1.0)
    config = AlertConfig(webhook_url=hook_url(server), retries=1, timeout_seconds=0.2)
    [delivery] = deliver(make_alert(), config)
    assert (delivery.delivered, delivery.attempts) == (False, 1)
    assert delivery.error == "no answer within 0.2 s"


def test_webhook_userinfo_becomes_basic_auth_and_stays_out_of_the_target(webhook):
    server = webhook()
    url = f"http://alice:{PASSWORD}@127.0.0.1:{server.server_port}/hook"
    [delivery] = deliver(make_alert(), AlertConfig(webhook_url=url))
    assert delivery.delivered is True
    expected = "Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    assert server.received[0]["headers"]["Authorization"] == expected
    assert delivery.target == f"http://127.0.0.1:{server.server_port}/…"


def test_the_pipeline_error_is_sent_redacted(webhook):
    server = webhook()
    url = hook_url(server)
    alert = make_alert(reason="pipeline_failed", top=(), error=f"POST {url} failed")
    deliver(alert, AlertConfig(webhook_url=url, webhook_format="json"))
    sent = Alert.from_json(server.received[0]["body"].decode())
    assert sent.error == f"POST http://127.0.0.1:{server.server_port}/… failed"


# --- e-mail ---------------------------------------------------------------------------------


def test_email_arrives_with_the_title_as_subject_and_the_findings_in_the_body(smtp_server):
    inbox, port = smtp_server()
    alert = make_alert()
    [delivery] = deliver(alert, mail_config(port))
    assert (delivery.sink, delivery.delivered, delivery.attempts) == ("smtp", True, 1)
    assert delivery.target == f"smtp://127.0.0.1:{port} → data@example.org, ops@example.org"
    [(envelope, login)] = inbox.mails
    assert login is None  # no user configured: no login
    assert envelope.mail_from == "nianbao@example.org"
    assert envelope.rcpt_tos == ["data@example.org", "ops@example.org"]
    mail = message_from_bytes(envelope.original_content, policy=policy.default)
    assert mail["Subject"] == alert.title()
    assert mail["To"] == "data@example.org, ops@example.org"
    assert mail.get_content_charset() == "utf-8"
    body = mail.get_content()
    assert "长春市 2012 (jilin/changchun_2012.txt)" in body
    assert "rule:     jilin_requests_total_by_outcome (identity)" in body
    assert "expected: 640   actual: 641" in body


def test_email_logs_in_when_a_user_is_configured(smtp_server):
    inbox, port = smtp_server(authenticator=_authenticator, auth_require_tls=False)
    config = mail_config(port, smtp_user="nianbao", smtp_password=PASSWORD)
    [delivery] = deliver(make_alert(), config)
    assert delivery.delivered is True
    assert inbox.mails[0][1] == b"nianbao"


def test_a_refused_login_is_not_retried_and_the_password_never_shows(smtp_server, caplog):
    caplog.set_level(logging.DEBUG, logger="transforms.quality.alerts")
    inbox, port = smtp_server(authenticator=_authenticator, auth_require_tls=False)
    config = mail_config(port, smtp_user="nianbao", smtp_password="wrong-" + PASSWORD)
    delays = Delays()
    [delivery] = deliver(make_alert(), config, sleep=delays)
    assert (delivery.delivered, delivery.attempts, delays, inbox.mails) == (False, 1, [], [])
    assert delivery.error.startswith("SMTP login refused: 535")
    text = delivery.error + delivery.target + module_log(caplog) + repr(config)
    assert PASSWORD not in text
    assert base64.b64encode(f"\0nianbao\0wrong-{PASSWORD}".encode()).decode() not in text


def test_a_mail_server_that_is_down_is_retried():
    delays = Delays()
    [delivery] = deliver(make_alert(), mail_config(closed_port()), sleep=delays)
    assert (delivery.delivered, delivery.attempts, delays) == (False, 3, [1.0, 2.0])
    assert delivery.error == "cannot reach the server: [Errno 111] Connection refused"


def test_starttls_against_a_server_without_it_fails_clearly(smtp_server):
    _, port = smtp_server()
    [delivery] = deliver(make_alert(), mail_config(port, smtp_security="starttls"))
    assert (delivery.delivered, delivery.attempts) == (False, 1)
    assert "STARTTLS" in delivery.error


# --- choosing sinks -------------------------------------------------------------------------


def test_only_the_named_sinks_are_tried(webhook, smtp_server):
    server = webhook()
    inbox, port = smtp_server()
    config = mail_config(port, webhook_url=hook_url(server))
    assert config.sinks_configured == ("webhook", "smtp")
    deliveries = deliver(make_alert(), config, sinks=["smtp"])
    assert [(d.sink, d.delivered) for d in deliveries] == [("smtp", True)]
    assert (server.received, len(inbox.mails)) == ([], 1)


def test_a_sink_that_is_not_configured_is_a_failed_delivery_not_an_exception():
    deliveries = deliver(make_alert(), AlertConfig(), sinks=["webhook", "pager"])
    assert [(d.sink, d.delivered, d.attempts) for d in deliveries] == [
        ("webhook", False, 0),
        ("pager", False, 0),
    ]
    assert deliveries[0].error == "sink 'webhook' is not configured"
    assert deliveries[1].error == "sink 'pager' is not configured; known sinks: webhook, smtp"
    assert deliver(make_alert(), AlertConfig()) == []


# --- configuration --------------------------------------------------------------------------


def write_toml(tmp_path, text: str):
    path = tmp_path / "alerts.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_environment_overrides_the_file(tmp_path):
    path = write_toml(
        tmp_path,
        '[alerts]\nwebhook_url = "https://file.example.com/hook/aaaa"\nwebhook_format = "json"\n'
        'smtp_host = "mail.example.org"\nsmtp_port = 2525\nsmtp_from = "n@example.org"\n'
        'smtp_to = ["a@example.org"]\nretries = 5\n',
    )
    environ = {
        "NIANBAO_ALERT_WEBHOOK": "https://env.example.com/hook/bbbb",
        "NIANBAO_SMTP_TO": "x@example.org, y@example.org",
        "NIANBAO_SMTP_USER": "",  # empty counts as unset
    }
    config = AlertConfig.load(path, environ)
    assert config.webhook_url == "https://env.example.com/hook/bbbb"
    assert config.webhook_format == "json"
    assert (config.smtp_host, config.smtp_port) == ("mail.example.org", 2525)
    assert config.smtp_to == ("x@example.org", "y@example.org")
    assert (config.smtp_user, config.retries, config.backoff_seconds) == (None, 5, 1.0)
    assert config.sinks_configured == ("webhook", "smtp")


def test_environment_alone_configures_a_webhook():
    config = AlertConfig.load(
        None, {"NIANBAO_ALERT_WEBHOOK": "https://hooks.example.com/services/T1/B2/xyz"}
    )
    assert config.webhook_url == "https://hooks.example.com/services/T1/B2/xyz"
    assert config.sinks_configured == ("webhook",)
    assert AlertConfig.load(None, {}).sinks_configured == ()


@pytest.mark.parametrize(
    ("toml", "environ", "message"),
    [
        (
            "[alerts]\nsmtp_prot = 25\n",
            {},
            "unknown key 'smtp_prot' in [alerts] of {path} (did you mean 'smtp_port'?)",
        ),
        (
            '[alerts]\nsmtp_host = "m"\nsmtp_from = "n@x"\nsmtp_to = ["a@x"]\nsmtp_port = 70000\n',
            {},
            "smtp_port must be a port number between 1 and 65535, got 70000 (set in {path})",
        ),
        (
            '[alerts]\nsmtp_port = "25"\n',
            {},
            "smtp_port in {path} must be a whole number, got '25'",
        ),
        (
            "[alerts]\n",
            {"NIANBAO_SMTP_PORT": "twenty-five"},
            "NIANBAO_SMTP_PORT must be a port number between 1 and 65535, got 'twenty-five'",
        ),
        (
            "[alerts]\n",
            {"NIANBAO_ALERT_WEBHOOK_FORMAT": "teams"},
            "webhook_format must be one of slack, json, got 'teams' "
            "(set in environment variable NIANBAO_ALERT_WEBHOOK_FORMAT)",
        ),
        ("[alerts]\nsmtp_security = 'tls'\n", {}, "smtp_security must be one of none"),
        ("[alerts]\nsmtp_host = 'm'\n", {}, "smtp_host is set but smtp_to (the recipients)"),
        ("[other]\nx = 1\n", {}, "{path} has no [alerts] table"),
        ("[alerts\n", {}, "{path} is not valid TOML: "),
    ],
)
def test_configuration_mistakes_are_explained(tmp_path, toml, environ, message):
    path = write_toml(tmp_path, toml)
    with pytest.raises(AlertConfigError) as caught:
        AlertConfig.load(path, environ)
    assert str(caught.value).startswith(message.format(path=path))


def test_a_missing_file_given_explicitly_is_an_error(tmp_path):
    with pytest.raises(AlertConfigError, match=r"alert configuration file not found: .*nope\.toml"):
        AlertConfig.load(tmp_path / "nope.toml", {})


def test_a_bad_webhook_url_is_refused_without_repeating_it():
    with pytest.raises(AlertConfigError) as caught:
        AlertConfig.load(None, {"NIANBAO_ALERT_WEBHOOK": f"ftp://hooks.example.com{HOOK_PATH}"})
    assert str(caught.value) == (
        "webhook_url must be an http:// or https:// URL with a host (got scheme 'ftp') "
        "(set in environment variable NIANBAO_ALERT_WEBHOOK)"
    )


def test_describe_and_repr_redact_the_secrets():
    config = AlertConfig(
        webhook_url=f"https://hooks.example.com{HOOK_PATH}",
        smtp_host="mail.example.org",
        smtp_user="nianbao",
        smtp_password=PASSWORD,
        smtp_from="n@example.org",
        smtp_to=["a@example.org"],
    )
    described = config.describe()
    assert described["webhook_url"] == "https://hooks.example.com/…"
    assert described["smtp_password"] == "***"
    assert described["smtp_to"] == ["a@example.org"]
    assert described["sinks"] == ["webhook", "smtp"]
    for shown in (json.dumps(described), repr(config)):
        assert TOKEN not in shown
        assert PASSWORD not in shown


def test_redact_removes_url_paths_queries_and_the_password_from_any_text():
    config = AlertConfig(
        webhook_url=f"https://hooks.example.com{HOOK_PATH}",
        smtp_host="m",
        smtp_user="u",
        smtp_password=PASSWORD,
        smtp_from="n@x",
        smtp_to=("a@x",),
    )
    text = (
        f"POST HTTPS://hooks.example.com:443{HOOK_PATH} failed; token {TOKEN}; "
        f"login with {PASSWORD}; other https://example.net/a stays"
    )
    assert redact(text, config) == (
        "POST https://hooks.example.com/… failed; token ***; "
        "login with ***; other https://example.net/a stays"
    )


def test_a_finding_on_corrected_values_says_so_in_the_alert():
    from transforms.quality.alerting import _finding

    row = {
        "source_file": "a.pdf", "body": "某区", "report_year": 2023, "check_id": "r",
        "kind": "identity", "expected": 1.0, "actual": 0.0, "message": "总计 fails",
        "locator": "page 1",
    }  # fmt: skip
    assert _finding({**row, "value_set": "printed"}).message == "总计 fails"
    assert _finding({**row, "value_set": "corrected"}).message == (
        "[on corrected values] 总计 fails"
    )
