"""Nightly operation, end to end: incremental runs, run history and alerts.

One module fixture plays a week of nights on real report files with the real flow, a real
webhook (HTTP) and a real mail server (SMTP) on 127.0.0.1, recording what each night produced;
the tests then check one behaviour each. Nights:

1. first run: seed (Jilin), 洪泽区 2023 PDF (two failed totals), 平潭 2022 flat text
2. nothing changed
3. one number of the seed changed (兼职人员 752 → 753: rule jilin_j1_staff breaks)
4. 平潭 2021 added: the cross-year checks of the unchanged 2022 report appear
5. the 洪泽区 PDF removed
6. the webhook is down (answers 500) while a second number of the seed changes
7. the webhook is back, nothing changed: the undelivered alert is sent again
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from email import message_from_bytes, policy
from pathlib import Path

import duckdb
import pytest

from flows.pipeline import nianbao_pipeline
from tests.conftest import FIXTURES, SEED, mutate_lines, warehouse_tables
from tests.servers import start_smtp, start_webhook, stop_webhook

TOKEN = "T0KEN-s3cret-9f8e7d"
HOOK_PATH = f"/hooks/{TOKEN}"


def _query(curated: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(curated / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


class _Log(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture(scope="module")
def week(prefect_api, tmp_path_factory):
    raw, curated = tmp_path_factory.mktemp("raw"), tmp_path_factory.mktemp("curated")
    seed = SEED.read_text(encoding="utf-8")
    (raw / "changchun_2012.txt").write_text(seed, encoding="utf-8")
    shutil.copy(FIXTURES / "huaian_hongze_qu_2023.pdf", raw)
    shutil.copy(FIXTURES / "pingtan_2022_national_flat.txt", raw)
    hook = start_webhook()
    inbox, smtp = start_smtp()
    config = tmp_path_factory.mktemp("config") / "nianbao.toml"
    config.write_text(
        "[alerts]\n"
        f'smtp_host = "127.0.0.1"\nsmtp_port = {smtp.port}\n'
        'smtp_from = "nianbao@example.org"\nsmtp_to = ["quality@example.org"]\n'
        "retries = 2\nbackoff_seconds = 0.05\ntimeout_seconds = 5\n",
        encoding="utf-8",
    )
    log = _Log()
    for name in ("nianbao", "transforms", "prefect"):
        logging.getLogger(name).addHandler(log)
    nights = []

    def night(**kwargs):
        before = (len(hook.received), len(inbox.mails))
        summary = nianbao_pipeline(
            raw_dir=str(raw), curated_dir=str(curated), config_file=str(config), **kwargs
        )
        nights.append(
            {
                "summary": summary,
                "posts": [json.loads(r["body"]) for r in hook.received[before[0] :]],
                "mails": [
                    message_from_bytes(e.content, policy=policy.default)
                    for e, _ in inbox.mails[before[1] :]
                ],
                "tables": warehouse_tables(curated / "warehouse.duckdb"),
                "findings": _findings_listed(curated, summary.run_id),
                "alerts": _query(
                    curated,
                    "SELECT reason, sink, status, attempts, title "
                    "FROM alerts ORDER BY created_at, sink",
                ),
            }
        )

    with pytest.MonkeyPatch.context() as env:
        env.setenv("NIANBAO_ALERT_WEBHOOK", f"http://127.0.0.1:{hook.server_port}{HOOK_PATH}")
        night()  # 1
        night()  # 2
        (raw / "changchun_2012.txt").write_text(mutate_lines(seed, {59: "753"}), "utf-8")
        night()  # 3
        shutil.copy(FIXTURES / "pingtan_2021_national_flat.txt", raw)
        night()  # 4
        (raw / "huaian_hongze_qu_2023.pdf").unlink()
        night()  # 5
        hook.default_status = 500
        (raw / "changchun_2012.txt").write_text(
            mutate_lines(seed, {59: "753", 89: "13293"}), "utf-8"
        )
        night()  # 6
        hook.default_status = 200
        night()  # 7
    for name in ("nianbao", "transforms", "prefect"):
        logging.getLogger(name).removeHandler(log)
    yield {"nights": nights, "raw": raw, "curated": curated, "log": log.lines, "hook": hook}
    stop_webhook(hook)
    smtp.stop()


def _posted_rules(post: dict) -> str:
    return json.dumps(post, ensure_ascii=False)


def test_first_night_reads_everything_and_alerts_once_per_sink(week):
    first = week["nights"][0]
    s = first["summary"]
    assert (s.status, s.files_seen, s.files_new, s.files_read) == ("completed", 3, 3, 3)
    assert len(first["posts"]) == 1 and len(first["mails"]) == 1
    text = first["posts"][0]["text"]
    assert f"{s.checks_newly_failed} new findings" in text
    body = first["mails"][0].get_content()
    assert "national_appeals_review" in body and "洪泽区" in body
    assert first["mails"][0]["Subject"] == first["alerts"][0][4]


def _findings_listed(curated, run_id: str) -> dict[str, list[str]]:
    """The rows of the new and the standing findings on a run's quality page."""
    page = (curated / "quality" / f"quality-{run_id}.html").read_text("utf-8")
    listed = {}
    for section in ("new", "standing"):  # absent when there are no findings at all
        start = page.find(f'<section id="{section}">')
        body = page[start : page.index("</section>", start)] if start >= 0 else ""
        listed[section] = re.findall(r"<tr>.*?</tr>", body)[1:]  # the header row aside
    return listed


def test_an_unchanged_night_reads_nothing_sends_nothing_and_keeps_the_tables(week):
    first, second = week["nights"][:2]
    s = second["summary"]
    assert (s.status, s.files_read, s.files_new, s.files_changed) == ("no_changes", 0, 0, 0)
    assert s.checks_newly_failed == 0
    assert (s.checks_run, s.checks_failed) == (
        first["summary"].checks_run,
        first["summary"].checks_failed,
    )
    # its quality page lists the published findings again, none of them new
    assert any("national_appeals_review" in row for row in first["findings"]["new"])
    assert second["findings"] == {"new": [], "standing": first["findings"]["new"]}
    assert second["posts"] == [] and second["mails"] == []
    assert second["tables"] == first["tables"]


def test_one_changed_number_rereads_one_report_and_alerts_exactly_that_rule(week):
    second, third = week["nights"][1:3]
    s = third["summary"]
    assert (s.files_changed, s.files_read, s.files_new, s.files_removed) == (1, 1, 0, 0)
    assert s.checks_newly_failed == 1
    (post,) = third["posts"]
    assert "jilin_j1_staff" in _posted_rules(post)
    assert "national_appeals_review" not in _posted_rules(post)  # standing, not new
    (mail,) = third["mails"]
    assert "jilin_j1_staff" in mail.get_content() and "1 new finding" in mail["Subject"]
    reports = {r[1]: r for r in third["tables"]["reports"]}
    old_ids = {r[0] for r in second["tables"]["reports"] if r[1] == "changchun_2012.txt"}
    assert reports["changchun_2012.txt"][0] not in old_ids  # new content, new report id
    ids = {r[0] for r in third["tables"]["reports"]}
    assert {o[0] for o in third["tables"]["observations"]} <= ids  # no orphans
    assert {c[0] for c in third["tables"]["check_results"]} <= ids
    assert len(reports) == 3  # no duplicate row for the changed file


def test_the_incremental_state_equals_a_full_refresh(week, tmp_path, monkeypatch):
    monkeypatch.delenv("NIANBAO_ALERT_WEBHOOK", raising=False)
    refreshed = tmp_path / "curated"
    shutil.copytree(week["curated"], refreshed)
    summary = nianbao_pipeline(
        raw_dir=str(week["raw"]), curated_dir=str(refreshed), full_refresh=True
    )
    assert summary.files_read == summary.files_seen == 3
    assert warehouse_tables(refreshed / "warehouse.duckdb") == week["nights"][-1]["tables"]


def test_an_added_earlier_year_recomputes_the_cross_year_checks_of_the_unchanged_later_one(week):
    third, fourth = week["nights"][2:4]
    assert (fourth["summary"].files_new, fourth["summary"].files_read) == (1, 1)
    cross = [c for c in fourth["tables"]["check_results"] if c[3] == "cross_year"]
    assert [c for c in third["tables"]["check_results"] if c[3] == "cross_year"] == []
    later = next(r[0] for r in fourth["tables"]["reports"] if r[1].startswith("pingtan_2022"))
    assert cross and {c[0] for c in cross} == {later}


def test_a_removed_file_is_withdrawn_not_deleted(week):
    fifth = week["nights"][4]
    assert fifth["summary"].files_removed == 1
    (row,) = [r for r in fifth["tables"]["reports"] if r[1] == "huaian_hongze_qu_2023.pdf"]
    assert row[9] == "withdrawn" and "removed from the raw folder" in row[10]
    assert row[0] not in {o[0] for o in fifth["tables"]["observations"]}
    assert row[0] not in {c[0] for c in fifth["tables"]["check_results"]}
    assert fifth["posts"] == []  # fewer findings is not news


def test_a_sink_that_is_down_never_fails_the_run_and_the_next_run_sends_again(week):
    sixth, seventh = week["nights"][5:7]
    assert sixth["summary"].status == "completed"
    assert len(sixth["posts"]) == 2  # two attempts, both answered 500
    assert len(sixth["mails"]) == 1  # the other sink is unaffected
    down = [a for a in sixth["alerts"] if a[1] == "webhook"][-1]
    assert (down[2], down[3]) == ("undelivered", 2)
    assert "jilin_j2_proactive_by_level" in _posted_rules(sixth["posts"][0])
    assert seventh["summary"].status == "no_changes"
    assert len(seventh["posts"]) == 1 and seventh["mails"] == []
    assert seventh["posts"][0] == sixth["posts"][0]  # the same alert, sent again
    resent = [a for a in seventh["alerts"] if a[1] == "webhook"][-1]
    assert (resent[2], resent[3]) == ("delivered", 3)


def test_runs_history_and_status_show_every_night(week, capsys):
    from flows.cli import main

    runs = _query(week["curated"], "SELECT status, files_read FROM runs ORDER BY started_at")
    assert runs == [
        ("completed", 3),
        ("no_changes", 0),
        ("completed", 1),
        ("completed", 1),
        ("completed", 0),
        ("completed", 1),
        ("no_changes", 0),
    ]
    assert main(["status", "--curated", str(week["curated"]), "--last", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 4 and "no_changes" in out[1] and "completed" in out[2]


def test_secrets_stay_out_of_tables_logs_and_the_quality_report(week):
    curated = week["curated"]
    everything = json.dumps(
        warehouse_tables(curated / "warehouse.duckdb", ["runs", "alerts"]),
        default=str,
        ensure_ascii=False,
    )
    assert TOKEN not in everything and "127.0.0.1" in everything
    assert not [line for line in week["log"] if TOKEN in line]
    assert TOKEN not in (curated / "quality_report.html").read_text(encoding="utf-8")


def test_each_run_writes_a_self_contained_quality_report_the_alert_links_to(week):
    third = week["nights"][2]
    link = third["summary"].quality_report
    page = Path(link).read_text(encoding="utf-8")
    assert "jilin_j1_staff" in page and "http://" not in page and "https://" not in page
    assert link in third["mails"][0].get_content()


def test_the_alert_is_a_prefect_markdown_artifact(week):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        artifacts = [a for a in client.read_artifacts() if a.key == "nianbao-alert"]
    assert any("jilin_j1_staff" in (a.data or "") for a in artifacts)


def test_a_failed_pipeline_is_recorded_and_alerted(prefect_api, tmp_path, monkeypatch):
    hook = start_webhook()
    try:
        monkeypatch.setenv("NIANBAO_ALERT_WEBHOOK", f"http://127.0.0.1:{hook.server_port}/h")
        raw, curated = tmp_path / "raw", tmp_path / "curated"
        raw.mkdir()
        shutil.copy(SEED, raw)
        (curated / "warehouse.duckdb").mkdir(parents=True)  # publishing cannot replace it
        with pytest.raises(Exception, match=r"warehouse\.duckdb"):
            nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
        (post,) = [json.loads(r["body"]) for r in hook.received]
        assert "the pipeline failed" in post["text"]
        import pyarrow.parquet as pq

        runs = pq.read_table(curated / "runs.parquet").to_pylist()
        assert [r["status"] for r in runs] == ["failed"]
        assert "warehouse.duckdb" in runs[0]["error"]
    finally:
        stop_webhook(hook)
