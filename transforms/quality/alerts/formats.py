"""The message formats of an alert: Markdown, plain text and the Slack payload.

In: an `Alert`. Out: strings (or the Slack JSON object) for people to read. The Markdown table
carries report, rule, expected, actual and locator for each top finding, the same evidence the
`findings` view of the warehouse holds, so a reader can go straight to the printed cell.
"""

from __future__ import annotations

from typing import Any, Protocol


class FindingLike(Protocol):
    """What a shown finding offers (`model.Finding` does). Described here rather than imported,
    so this module needs nothing from the model, which renders itself through it."""

    rule: str
    kind: str
    expected: float | None
    actual: float | None
    message: str
    locator: str | None

    def report(self) -> str: ...


class AlertLike(Protocol):
    """What a rendered alert offers (`model.Alert` does)."""

    alert_id: str
    created_at: str
    counts: dict[str, int]
    top: tuple[FindingLike, ...]
    report_link: str | None
    error: str | None

    def title(self) -> str: ...


COUNT_ORDER = (
    "new_findings",
    "new_failed_checks",
    "new_unreadable_files",
    "standing_findings",
    "files_seen",
    "reports_failed",
)
SLACK_SECTION_LIMIT = 3000  # Slack rejects a section text longer than this
SLACK_HEADER_LIMIT = 150
SLACK_TEXT_LIMIT = 4000


def number(value: float | None) -> str:
    """640.0 prints as 640 (counts are stored as floats); a missing value as an em dash."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def count_items(alert: AlertLike) -> list[tuple[str, int]]:
    """Counts in a fixed, readable order; any extra counts after, by name."""
    known = [(key, alert.counts[key]) for key in COUNT_ORDER if key in alert.counts]
    extra = sorted((k, v) for k, v in alert.counts.items() if k not in COUNT_ORDER)
    return known + extra


def _label(key: str) -> str:
    return key.replace("_", " ")


def _is_url(link: str) -> bool:
    return link.startswith(("http://", "https://"))


def _shown(alert: AlertLike) -> str:
    total = alert.counts.get("new_findings", len(alert.top))
    return f"Top {len(alert.top)} of {total} new findings"


# --- Markdown -------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def _fence(text: str) -> str:
    """A code fence longer than any backtick run inside the text, so it cannot be closed early."""
    ticks = "`" * max(3, _longest_backtick_run(text) + 1)
    return f"{ticks}\n{text}\n{ticks}"


def _longest_backtick_run(text: str) -> int:
    best = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        best = max(best, run)
    return best


def _markdown_row(finding: FindingLike) -> str:
    cells = (
        finding.report(),
        f"`{finding.rule}`",
        number(finding.expected),
        number(finding.actual),
        finding.locator or "—",
        finding.message,
    )
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _markdown_link(link: str) -> str:
    if _is_url(link):
        return f"Quality report: [{link}]({link})"
    return f"Quality report: `{link}`"


def markdown(alert: AlertLike) -> str:
    lines = [f"## {alert.title()}", ""]
    lines += [f"- {_label(key)}: **{value}**" for key, value in count_items(alert)]
    if alert.error:
        lines += ["", "**Error**", "", _fence(alert.error)]
    if alert.top:
        lines += ["", f"{_shown(alert)}:", ""]
        lines += ["| report | rule | expected | actual | locator | message |"]
        lines += ["|---|---|--:|--:|---|---|"]
        lines += [_markdown_row(f) for f in alert.top]
    if alert.report_link:
        lines += ["", _markdown_link(alert.report_link)]
    return "\n".join(lines) + "\n"


# --- plain text -----------------------------------------------------------------------------


def _text_finding(index: int, finding: FindingLike) -> list[str]:
    return [
        f"{index:>2}. {finding.report()}",
        f"    rule:     {finding.rule} ({finding.kind})",
        f"    expected: {number(finding.expected)}   actual: {number(finding.actual)}",
        f"    where:    {finding.locator or '—'}",
        f"    {finding.message}",
    ]


def text(alert: AlertLike) -> str:
    lines = [alert.title(), f"created {alert.created_at} · alert {alert.alert_id}", ""]
    width = max((len(_label(k)) for k in alert.counts), default=0) + 2
    lines += [f"{_label(key) + ':':<{width}} {value}" for key, value in count_items(alert)]
    if alert.error:
        lines += ["", "Error:", *("  " + line for line in alert.error.splitlines())]
    if alert.top:
        lines += ["", f"{_shown(alert)}:"]
        for index, finding in enumerate(alert.top, start=1):
            lines += _text_finding(index, finding)
    if alert.report_link:
        lines += ["", f"Quality report: {alert.report_link}"]
    return "\n".join(lines) + "\n"


# --- Slack ----------------------------------------------------------------------------------


def _slack_escape(text: str) -> str:
    """Slack mrkdwn treats &, < and > as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section(mrkdwn: str) -> dict[str, Any]:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": _truncate(mrkdwn, SLACK_SECTION_LIMIT)},
    }


def _slack_finding(finding: FindingLike) -> str:
    where = f" · {finding.locator}" if finding.locator else ""
    return _slack_escape(
        f"• *{finding.rule}* ({finding.kind}) — {finding.report()}\n"
        f"    expected {number(finding.expected)}, actual {number(finding.actual)}{where}\n"
        f"    {finding.message}"
    )


def _slack_link(link: str) -> str:
    if _is_url(link):
        return f"<{link}|Quality report>"
    return f"Quality report: `{_slack_escape(link)}`"


def slack_payload(alert: AlertLike) -> dict[str, Any]:
    """Slack-compatible incoming-webhook body: `text` (notification fallback) and `blocks`."""
    header = {
        "type": "header",
        "text": {"type": "plain_text", "text": _truncate(alert.title(), SLACK_HEADER_LIMIT)},
    }
    counts = "\n".join(f"{_label(k)}: *{v}*" for k, v in count_items(alert))
    blocks: list[dict[str, Any]] = [header, _section(counts or "no counts")]
    if alert.error:
        blocks.append(_section("*Error*\n```" + _slack_escape(alert.error) + "```"))
    if alert.top:
        found = "\n".join(_slack_finding(f) for f in alert.top)
        blocks.append(_section(f"*{_shown(alert)}*\n{found}"))
    if alert.report_link:
        blocks.append(_section(_slack_link(alert.report_link)))
    return {"text": _truncate(_slack_escape(text(alert)), SLACK_TEXT_LIMIT), "blocks": blocks}
