"""Any name and any link, end to end: the real flow over a raw folder holding every odd path next
to a good report publishes a warehouse, gives every path a `reports` row with a reason (or skips
it by the documented rule and says so), and runs again as `no_changes`.

The cases: a link to itself, two links in a loop, a link to a link to the report, a dangling
link, a link to a folder, a FIFO, a socket, names that are not UTF-8 (raw bytes, a GBK name, a
GBK folder), and hidden entries, `.git` and README.md. An unreadable file and a file removed
between the scan and the read are in tests/transforms/test_discover.py (as root, chmod stops no
read; there the effective user is dropped for the call).
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from flows.pipeline import nianbao_pipeline
from tests.conftest import SEED, mutate_lines
from transforms.run.ingest import GB18030_MARK, NOT_UTF8_MARK, raw_path

GBK_NAME = "年报 2012".encode("gbk") + b".txt"
GBK_FOLDER = "附件".encode("gbk")
SHOWN_GBK = "年报 2012.txt" + GB18030_MARK
SHOWN_FF = "\\xff\\xfe.txt" + NOT_UTF8_MARK
SHOWN_NESTED = "附件" + GB18030_MARK + "/\\xff.md" + NOT_UTF8_MARK

EXPECTED = {  # source_file → (status, the start of the reason)
    "good.txt": ("parsed", None),
    "loop.txt": ("unreadable", "a symbolic link that loops (to itself or through other links)"),
    "loop_a.txt": ("unreadable", "a symbolic link that loops"),
    "loop_b.txt": ("unreadable", "a symbolic link that loops"),
    "link_to_link.txt": ("duplicate", "same content as good.txt"),
    "link_to_good.txt": ("duplicate", "same content as good.txt"),
    "dangling.txt": ("unreadable", "a symbolic link to nothing (its target does not exist)"),
    "link_to_folder": ("unreadable", "a symbolic link to a folder; not followed"),
    "sub/notes.txt": ("no_template", "no known statistics table"),
    "pipe.txt": ("unreadable", "a named pipe (FIFO), not a regular file; not opened"),
    "sock.txt": ("unreadable", "a socket, not a regular file; not opened"),
    SHOWN_FF: ("no_template", "no known statistics table"),
    SHOWN_GBK: ("parsed", None),
    SHOWN_NESTED: ("no_template", "no known statistics table"),
    "report.\\xff" + NOT_UTF8_MARK: ("unreadable", "unsupported format: unknown file extension"),
}
SKIPPED = {".git", ".hidden.txt", "README.md", "sub/README.md"}


def _raw(folder: Path, name: bytes) -> Path:
    return folder / os.fsdecode(name)


def _build(raw: Path) -> None:
    shutil.copy(SEED, raw / "good.txt")
    (raw / "loop.txt").symlink_to("loop.txt")
    (raw / "loop_a.txt").symlink_to("loop_b.txt")
    (raw / "loop_b.txt").symlink_to("loop_a.txt")
    (raw / "link_to_link.txt").symlink_to("link_to_good.txt")
    (raw / "link_to_good.txt").symlink_to("good.txt")
    (raw / "dangling.txt").symlink_to("nowhere.txt")
    (raw / "sub").mkdir()
    (raw / "sub" / "notes.txt").write_text("一份说明，不是年报。\n", encoding="utf-8")
    (raw / "sub" / "README.md").write_text("skipped", encoding="utf-8")
    (raw / "link_to_folder").symlink_to("sub")
    os.mkfifo(raw / "pipe.txt")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(raw / "sock.txt"))
    _raw(raw, b"\xff\xfe.txt").write_text("不是年报\n", encoding="utf-8")
    _raw(raw, b"report.\xff").write_text("an extension that is not UTF-8\n")
    other = mutate_lines(SEED.read_text(encoding="utf-8"), {58: "11"}).replace("2012", "2013")
    _raw(raw, GBK_NAME).write_text(other, encoding="utf-8")  # another report: it is parsed
    _raw(raw, GBK_FOLDER).mkdir()
    _raw(raw, GBK_FOLDER + b"/\xff.md").write_text("附件说明\n", encoding="utf-8")
    (raw / ".git" / "refs").mkdir(parents=True)
    (raw / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (raw / ".hidden.txt").write_text("hidden")
    (raw / "README.md").write_text("what this folder holds")


def _reports(curated: Path) -> dict[str, dict]:
    return {r["source_file"]: r for r in pq.read_table(curated / "reports.parquet").to_pylist()}


@pytest.fixture(scope="module")
def runs(prefect_api, tmp_path_factory):
    raw, curated = tmp_path_factory.mktemp("raw"), tmp_path_factory.mktemp("curated")
    _build(raw)
    progress = logging.getLogger("nianbao.progress")
    lines: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: lines.append(record.getMessage())
    progress.addHandler(handler)
    level = progress.level
    progress.setLevel(logging.INFO)
    try:
        first = nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
        first_reports = _reports(curated)
        second = nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    finally:
        progress.removeHandler(handler)
        progress.setLevel(level)
    return raw, curated, first, first_reports, second, lines


def test_every_path_has_its_row_with_its_reason(runs):
    _, _, first, reports, *_ = runs
    assert set(reports) == set(EXPECTED)
    for name, (status, reason) in EXPECTED.items():
        row = reports[name]
        assert row["status"] == status, name
        assert (row["error"] or "").startswith(reason or ""), (name, row["error"])
    assert first.files_seen == len(EXPECTED)
    assert not SKIPPED & set(reports)


def test_the_good_reports_are_intact_and_the_warehouse_is_published(runs):
    _, curated, first, reports, *_ = runs
    assert first.status == "completed"
    assert (reports["good.txt"]["n_values"], reports["good.txt"]["body"]) == (55, "长春市")
    gbk = reports[SHOWN_GBK]
    assert (gbk["n_values"], gbk["report_year"]) == (55, 2013)
    con = duckdb.connect(str(curated / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT r.source_file, c.value FROM core_indicators c JOIN reports r USING "
            "(report_id) WHERE c.indicator = 'requests_received' ORDER BY 1"
        ).fetchall()
        files = con.execute("SELECT count(*) FROM reports").fetchone()[0]
    finally:
        con.close()
    assert rows[0] == ("good.txt", 10348) and rows[1][0] == SHOWN_GBK
    assert files == len(EXPECTED)


def test_a_name_not_utf8_leads_back_to_its_file(runs):
    raw, _, _, reports, *_ = runs
    path = raw_path(SHOWN_GBK, raw)
    assert os.fsencode(path.name) == GBK_NAME
    assert reports[SHOWN_GBK]["size_bytes"] == len(path.read_bytes()) > 0
    assert raw_path(SHOWN_NESTED, raw).read_text(encoding="utf-8") == "附件说明\n"


def test_the_skipped_entries_are_named_in_the_log(runs):
    *_, lines = runs
    said = [line for line in lines if line.startswith("skipped")]
    assert (
        said
        == [
            "skipped 4 entries by rule (names starting with '.', README.md): "
            ".git/, .hidden.txt, README.md, sub/README.md"
        ]
        * 2
    )  # once per run


def test_the_second_run_has_no_changes_and_the_same_rows(runs):
    _, curated, _, reports, second, _ = runs
    assert (second.status, second.files_seen, second.files_read) == (
        "no_changes",
        len(EXPECTED),
        0,
    )
    assert _reports(curated) == reports
    history = pq.read_table(curated / "runs.parquet").to_pylist()
    assert [r["status"] for r in history] == ["completed", "no_changes"]
