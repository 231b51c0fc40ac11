"""Bad input and faults, end to end: nothing lost, nothing corrupted, nobody let in.

- a raw folder of every kind of bad file runs to completion; every file under it has a
  `reports` row with a reason a person understands, and the good reports are unaffected;
- a pathological PDF is stopped by the parse stage's memory bound, alone;
- `kill -9` of real `nianbao run` processes while reading, writing Parquet and publishing: the
  previous warehouse stays readable and whole, and the next run ends where an uninterrupted
  run would have;
- a write error (a file-size limit, as a full disk behaves) fails clearly and replaces nothing;
- two runs at once: the second refuses (exit 3) or waits (--wait); a stale lock is cleared;
- text from a report never becomes SQL.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from flows.pipeline import nianbao_pipeline
from tests.conftest import FIXTURES, SEED, mutate_lines, progress_messages, warehouse_tables
from transforms.run.lock import LOCK_NAME, RunLocked, run_lock

NIANBAO = Path(sys.executable).parent / "nianbao"
BAD = FIXTURES / "bad"


def _reports(curated: Path) -> dict[str, dict]:
    rows = pq.read_table(curated / "reports.parquet").to_pylist()
    return {r["source_file"]: r for r in rows}


def pdf_bomb(path: Path, megabytes: int) -> None:
    """A small PDF whose one content stream inflates to `megabytes` of spaces."""
    comp = zlib.compressobj(1)
    data = b"".join(comp.compress(b" " * 2**20) for _ in range(megabytes)) + comp.flush()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))


@pytest.fixture(scope="module")
def bad_run(prefect_api, tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("不该被读取的文件", encoding="utf-8")
    for f in BAD.iterdir():
        if f.name != "README.md":
            shutil.copy(f, raw / f"bad_{f.name}")
    shutil.copy(FIXTURES / "huaian_hongze_qu_2024.pdf", raw / "年报 \"2024\" 'x' 洪泽.pdf")
    shutil.copy(SEED, raw / "seed copy.txt")
    shutil.copy(SEED, raw / "seed.txt")  # same content, sorted later: the duplicate
    shutil.copy(FIXTURES / "huaian_shi_2024.pdf", raw)  # the same report twice, different
    shutil.copy(FIXTURES / "huaian_shi_2024.md", raw)  # bytes: a conflict, both kept
    text = (FIXTURES / "huaian_shi_2024.md").read_text(encoding="utf-8")
    cut = text[: text.index("| 三、本年度办理结果 | （三）不予公开 | 4.")]  # table 三 cut half-way
    (raw / "cut_off.md").write_text(cut.replace("淮安市", "淮阴区"), encoding="utf-8")
    (raw / "huge.txt").write_bytes(b"x" * (2 * 2**20))  # over the 1 MB cap set below
    (raw / "link_out.txt").symlink_to(outside / "secret.txt")
    (raw / "link_dir").symlink_to(outside)
    (raw / "nested").mkdir()
    (raw / "nested" / "deep.html").write_text("<div>" * 10_000 + "x", encoding="utf-8")
    curated = tmp_path_factory.mktemp("curated")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NIANBAO_MAX_FILE_MB", "1")
        summary = nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    return raw, curated, summary


def test_every_file_under_raw_has_a_reports_row(bad_run):
    raw, curated, summary = bad_run
    found = set()
    for folder, dirs, files in os.walk(raw):
        here = Path(folder)
        found |= {(here / f).relative_to(raw).as_posix() for f in files}
        found |= {(here / d).relative_to(raw).as_posix() for d in dirs if (here / d).is_symlink()}
    assert found == set(_reports(curated))
    assert summary.files_seen == len(found)


@pytest.mark.parametrize(
    ("name", "status", "reason"),
    [
        ("bad_empty.txt", "unreadable", "empty file"),
        ("bad_garbage.pdf", "unreadable", "does not start with a PDF header"),
        ("bad_garbage.docx", "unreadable", "not a Word .docx file"),
        ("bad_encrypted.pdf", "unreadable", "encrypted PDF"),
        ("bad_scanned.pdf", "unreadable", "scanned PDF with no text layer"),
        ("bad_no_tables.html", "no_template", "no known statistics table"),
        ("huge.txt", "unreadable", "over the 1 MB size cap"),
        ("link_out.txt", "unreadable", "symbolic link to a place outside the raw folder"),
        ("link_dir", "unreadable", "outside the raw folder; not followed"),
        ("nested/deep.html", "unreadable", "nested more than"),
        ("seed.txt", "duplicate", "same content as seed copy.txt"),
    ],
)
def test_each_bad_file_says_why(bad_run, name, status, reason):
    _, curated, _ = bad_run
    row = _reports(curated)[name]
    assert row["status"] == status
    assert reason in row["error"]


def test_nothing_outside_raw_was_read(bad_run):
    _, curated, _ = bad_run
    con = duckdb.connect(str(curated / "warehouse.duckdb"), read_only=True)
    try:
        hits = con.execute(
            "SELECT count(*) FROM observations WHERE raw_value LIKE '%不该被读取%' "
            "OR label_as_printed LIKE '%不该被读取%'"
        ).fetchone()[0]
    finally:
        con.close()
    assert hits == 0
    assert _reports(curated)["link_out.txt"]["sha256"] == ""  # never opened


def test_good_reports_are_unaffected_by_the_bad_ones(bad_run):
    _, curated, _ = bad_run
    odd_name = _reports(curated)["年报 \"2024\" 'x' 洪泽.pdf"]
    assert (odd_name["status"], odd_name["report_year"]) == ("parsed", 2024)
    seed = _reports(curated)["seed copy.txt"]
    assert (seed["status"], seed["n_values"], seed["body"]) == ("parsed", 55, "长春市")
    con = duckdb.connect(str(curated / "warehouse.duckdb"), read_only=True)
    try:
        value = con.execute(
            "SELECT value FROM core_indicators WHERE report_id = ? AND indicator = ?",
            [seed["report_id"], "requests_received"],
        ).fetchone()[0]
    finally:
        con.close()
    assert value == 10348


def test_the_same_body_and_year_in_two_files_is_a_conflict_on_both(bad_run):
    _, curated, _ = bad_run
    reports = _reports(curated)
    ids = {reports[n]["report_id"] for n in ("huaian_shi_2024.pdf", "huaian_shi_2024.md")}
    checks = pq.read_table(curated / "check_results.parquet").to_pylist()
    conflicts = [c for c in checks if c["check_id"] == "report_conflict"]
    assert {c["report_id"] for c in conflicts if c["passed"] is False} == ids
    assert all(r["status"] == "parsed" for r in (reports["huaian_shi_2024.pdf"],))


def test_a_table_cut_off_half_way_keeps_what_was_printed(bad_run):
    _, curated, _ = bad_run
    row = _reports(curated)["cut_off.md"]
    assert row["status"] == "parsed" and 0 < row["n_values"] < 200


def test_a_pdf_bomb_is_stopped_by_the_memory_bound_alone(prefect_api, tmp_path, monkeypatch):
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    pdf_bomb(raw / "bomb.pdf", 1200)  # 5 MB on disk, 1.2 GB inflated
    shutil.copy(FIXTURES / "huaian_hongze_qu_2023.pdf", raw)  # sorted after it, same worker
    monkeypatch.setenv("NIANBAO_PARSE_MEMORY_MB", "1000")
    monkeypatch.setenv("NIANBAO_WORKERS", "1")
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    reports = _reports(curated)
    assert reports["bomb.pdf"]["status"] == "failed"
    assert "needed more than 1000.0 MiB of memory" in reports["bomb.pdf"]["error"]
    assert reports["huaian_hongze_qu_2023.pdf"]["status"] == "parsed"


def test_report_text_is_stored_as_text_never_run_as_sql(prefect_api, tmp_path, seed_text):
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    hostile = "'); DROP TABLE reports; --"
    (raw / "seed.txt").write_text(mutate_lines(seed_text, {58: hostile}), encoding="utf-8")
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    con = duckdb.connect(str(curated / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM reports").fetchone()[0] == 1
        labels = con.execute(
            "SELECT label_as_printed FROM observations WHERE label_as_printed = ?", [hostile]
        ).fetchall()
    finally:
        con.close()
    assert labels == [(hostile,)]


# --- kill -9 -----------------------------------------------------------------------------------


def _run_and_kill(raw: Path, curated: Path, env: dict, stage: str, delay: float) -> bool:
    """A real `nianbao run`, SIGKILLed (with its workers) `delay` s after announcing `stage`;
    True if it was killed before finishing."""
    run = subprocess.Popen(
        [str(NIANBAO), "run", "--raw", str(raw), "--curated", str(curated)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True,
    )  # fmt: skip
    for line in run.stderr:
        if stage in line:
            time.sleep(delay)
            break
    killed = run.poll() is None
    if killed:
        os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    return killed


@pytest.fixture(scope="module")
def kill_setup(prefect_api, tmp_path_factory):
    """raw v1 published; raw v2 (one number changed, two files added) is what the killed runs
    attempt; `expected` is an uninterrupted run over raw v2."""
    raw = tmp_path_factory.mktemp("raw")
    seed = SEED.read_text(encoding="utf-8")
    (raw / "seed.txt").write_text(seed, encoding="utf-8")
    shutil.copy(FIXTURES / "huaian_hongze_qu_2023.pdf", raw)
    v1 = tmp_path_factory.mktemp("v1")
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(v1))
    (raw / "seed.txt").write_text(mutate_lines(seed, {59: "753"}), encoding="utf-8")
    for name in ("huaian_shi_2024.pdf", "pingtan_2022_national_flat.txt"):
        shutil.copy(FIXTURES / name, raw)
    expected = tmp_path_factory.mktemp("expected")
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(expected))
    return (
        raw,
        v1,
        warehouse_tables(v1 / "warehouse.duckdb"),
        warehouse_tables(expected / "warehouse.duckdb"),
    )


@pytest.mark.parametrize(
    "stage", ["reading files", "checking identities", "writing Parquet", "publishing"]
)
def test_kill_9_leaves_the_previous_warehouse_and_the_next_run_recovers(
    kill_setup, prefect_api, tmp_path, stage
):
    raw, v1, before, expected = kill_setup
    curated = tmp_path / "curated"
    shutil.copytree(v1, curated)
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "CI": "true"}
    rng = random.Random(stage)  # random points, reproducibly
    attempts = (_run_and_kill(raw, curated, env, stage, rng.uniform(0, 0.05)) for _ in range(2))
    assert any(attempts), f"the run finished before it could be killed at {stage!r} (twice)"
    assert (
        warehouse_tables(curated / "warehouse.duckdb") == before
    )  # readable, whole, the old state
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    assert warehouse_tables(curated / "warehouse.duckdb") == expected
    assert not list(curated.glob(".*.tmp")) and not list(curated.glob(".*.building"))


# --- write errors ------------------------------------------------------------------------------


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (16_384, 16_384))


def test_a_write_error_fails_clearly_and_replaces_nothing(kill_setup, prefect_api, tmp_path):
    raw, v1, before, expected = kill_setup
    curated = tmp_path / "curated"
    shutil.copytree(v1, curated)
    parquet = {p.name: p.read_bytes() for p in curated.glob("*.parquet")}
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "CI": "true"}
    done = subprocess.run(
        [str(NIANBAO), "run", "--raw", str(raw), "--curated", str(curated)],
        capture_output=True, text=True, env=env, preexec_fn=_limit_file_size, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1
    assert "the pipeline failed" in done.stderr and "File too large" in done.stderr
    assert warehouse_tables(curated / "warehouse.duckdb") == before
    data = {n: b for n, b in parquet.items() if n not in ("runs.parquet", "alerts.parquet")}
    assert {n: (curated / n).read_bytes() for n in data} == data
    assert not list(curated.glob(".*.tmp"))
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))  # without the limit: recovers
    assert warehouse_tables(curated / "warehouse.duckdb") == expected


# --- one run at a time -------------------------------------------------------------------------


def test_a_second_run_refuses_while_the_first_holds_the_lock(prefect_api, tmp_path):
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    shutil.copy(SEED, raw)
    with run_lock(curated, "someone-else"):
        with pytest.raises(RunLocked, match=r"another nianbao run is writing to .*someone-else"):
            nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
        from flows.cli import main

        assert main(["run", "--raw", str(raw), "--curated", str(curated)]) == 3
    assert not (curated / "warehouse.duckdb").exists()


def test_wait_queues_behind_the_running_one(prefect_api, tmp_path):
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    shutil.copy(SEED, raw)
    released = threading.Event()

    def hold() -> None:
        with run_lock(curated, "first"):
            held.set()
            time.sleep(2)
        released.set()

    held = threading.Event()
    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    summary = nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated), wait=True)
    holder.join()
    assert released.is_set() and summary.reports_read == 1


def test_a_stale_lock_of_a_killed_run_is_cleared(prefect_api, tmp_path):
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    shutil.copy(SEED, raw)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    curated.mkdir()
    (curated / LOCK_NAME).write_text(f"pid={dead.pid}\nrun_id=killed-run\nstarted=x\n")
    with progress_messages() as messages:
        summary = nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    assert summary.reports_read == 1
    assert [m for m in messages if "cleared a stale lock" in m and "killed-run" in m]
