"""Discovery, names and refusals on a real folder: every path gets a row with a reason, or is
left out by the documented skip rule and named in the log; no name or link stops the run.

Runs as root in CI, where chmod 000 stops no read: the unreadable cases drop the effective
user id to `nobody` around the call (os.seteuid), so that the kernel refuses as it would for
any ordinary account.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pytest

from tests import paths
from tests.conftest import progress_messages
from transforms import catalogue
from transforms.run import incremental
from transforms.run.ingest import (
    GB18030_MARK,
    NOT_UTF8_MARK,
    REMOVED,
    NotRegular,
    discover,
    file_digest,
    ingest_file,
    parse_files,
    raw_path,
    refusal,
    scan_folder,
    shown_name,
    source_name,
)
from transforms.schemas import records

SEED = paths.FIXTURES / "changchun_2012_jilin.txt"
NOBODY = 65534
GBK = "年报".encode("gbk") + b".txt"  # b'\xc4\xea\xb1\xa8.txt'


def _bytes_path(folder: Path, name: bytes) -> Path:
    """The Path of a name given as bytes, as os.walk would produce it (surrogate escapes)."""
    return folder / os.fsdecode(name)


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(SEED, folder / "good.txt")
    return folder


@contextmanager
def as_nobody() -> Iterator[None]:
    """Permission checks as an ordinary user for the block (root reads anything)."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)


@pytest.fixture
def shared_raw() -> Iterator[Path]:
    """A raw folder `nobody` may enter (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="nianbao-raw-", dir="/tmp"))
    folder.chmod(0o755)
    shutil.copy(SEED, folder / "good.txt")
    (folder / "good.txt").chmod(0o644)
    try:
        yield folder
    finally:
        for path in folder.rglob("*"):
            path.chmod(0o755)
        shutil.rmtree(folder)


@pytest.fixture
def progress_lines() -> Iterator[list[str]]:
    """The lines logged to `nianbao.progress` during the test."""
    with progress_messages() as lines:
        yield lines


def test_skip_rule_leaves_out_hidden_entries_and_readmes_and_names_them(raw, progress_lines):
    (raw / ".git" / "objects").mkdir(parents=True)
    (raw / ".git" / "config").write_text("[core]")
    (raw / ".git" / "objects" / "ab").write_bytes(b"x")
    (raw / ".DS_Store").write_bytes(b"\0")
    (raw / "README.md").write_text("notes")
    (raw / "sub").mkdir()
    (raw / "sub" / "README.md").write_text("notes")
    (raw / "sub" / "report.md").write_text("kept")
    (raw / "README.md.txt").write_text("kept: not named README.md")
    (raw / "readme.md").write_text("kept: the rule is exact")
    paths = discover(raw)
    assert [source_name(p, raw) for p in paths] == [
        "README.md.txt",
        "good.txt",
        "readme.md",
        "sub/report.md",
    ]
    _, left_out = scan_folder(raw)
    assert [source_name(p, raw) for p in left_out] == [
        ".DS_Store",
        ".git",
        "README.md",
        "sub/README.md",
    ]
    assert progress_lines == [
        "skipped 4 entries by rule (names starting with '.', README.md): "
        ".DS_Store, .git/, README.md, sub/README.md"
    ]


def test_a_long_skip_list_is_cut_in_the_log(raw, progress_lines):
    for i in range(13):
        (raw / f".hidden{i:02d}").write_text("x")
    discover(raw)
    (line,) = progress_lines
    assert line.startswith("skipped 13 entries by rule")
    assert line.endswith(".hidden09 and 3 more")


def test_nothing_skipped_logs_nothing(raw, progress_lines):
    assert discover(raw) == [raw / "good.txt"]
    assert progress_lines == []


def test_a_raw_folder_that_cannot_be_listed_fails_instead_of_withdrawing_everything(tmp_path):
    with pytest.raises(OSError, match="the raw folder cannot be listed: No such file"):
        discover(tmp_path / "not-mounted")


def _links(raw: Path) -> None:
    (raw / "loop.txt").symlink_to("loop.txt")
    (raw / "loop_a.txt").symlink_to("loop_b.txt")
    (raw / "loop_b.txt").symlink_to("loop_a.txt")
    (raw / "to_good.txt").symlink_to("good.txt")
    (raw / "to_link.txt").symlink_to("to_good.txt")
    (raw / "dangling.txt").symlink_to("nowhere.txt")
    (raw / "to_dangling.txt").symlink_to("dangling.txt")
    (raw / "sub").mkdir()
    (raw / "sub" / "inner.txt").write_text("inner")
    (raw / "to_folder").symlink_to("sub")
    (raw / "to_null").symlink_to("/dev/null")
    (raw / "out.txt").symlink_to(SEED)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("good.txt", None),
        ("to_good.txt", None),
        ("to_link.txt", None),  # a link to a link to a file inside the raw folder is read
        ("loop.txt", "a symbolic link that loops (to itself or through other links)"),
        ("loop_a.txt", "a symbolic link that loops"),
        ("dangling.txt", "a symbolic link to nothing (its target does not exist); not followed"),
        ("to_dangling.txt", "a symbolic link to nothing"),
        ("to_folder", "a symbolic link to a folder; not followed (the folder's files are read"),
        ("to_null", "a symbolic link to a place outside the raw folder; not followed"),
        ("out.txt", "a symbolic link to a place outside the raw folder; not followed"),
        ("gone.txt", REMOVED),
    ],
)
def test_each_link_is_judged_without_raising(raw, name, reason):
    _links(raw)
    got = refusal(raw / name, raw)
    assert got == reason if reason is None else got.startswith(reason)


def test_every_link_is_discovered_and_none_is_followed_into_a_folder(raw):
    _links(raw)
    names = [source_name(p, raw) for p in discover(raw)]
    assert "to_folder" in names and "sub/inner.txt" in names
    assert not [n for n in names if n.startswith("to_folder/")]
    assert {"loop.txt", "loop_a.txt", "loop_b.txt", "dangling.txt", "to_null"} <= set(names)


def test_a_link_to_a_fifo_inside_the_raw_folder_is_not_followed(raw):
    os.mkfifo(raw / "pipe")
    (raw / "to_pipe.txt").symlink_to("pipe")
    assert refusal(raw / "to_pipe.txt", raw) == (
        "a symbolic link to a named pipe (FIFO), not a regular file; not followed"
    )


def test_special_files_are_rows_never_opened(raw):
    os.mkfifo(raw / "pipe.txt")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(raw / "sock.txt"))
    cat = catalogue.default()
    for name, kind in (("pipe.txt", "a named pipe (FIFO)"), ("sock.txt", "a socket")):
        row = ingest_file(raw / name, raw, cat).report
        assert (row["status"], row["error"]) == (
            "unreadable",
            f"{kind}, not a regular file; not opened",
        )
        assert row["source_file"] == name and row["sha256"] == ""


def test_a_device_is_a_row(raw):
    try:
        os.mknod(raw / "null.txt", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("no CAP_MKNOD here: cannot make a device node")
    assert refusal(raw / "null.txt", raw) == "a character device, not a regular file; not opened"


def test_a_fifo_swapped_in_after_the_judgement_is_refused_not_waited_on(raw):
    os.mkfifo(raw / "pipe.txt")  # a plain open() of it would block until a writer came
    with pytest.raises(NotRegular, match="it became a named pipe"):
        file_digest(raw / "pipe.txt")


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        (b"\xff\xfe.txt", "\\xff\\xfe.txt" + NOT_UTF8_MARK),
        (GBK, "年报.txt" + GB18030_MARK),
        (b"caf\xe9.txt", "caf\\xe9.txt" + NOT_UTF8_MARK),  # Latin-1: no GB18030 reading
        (b"a\\xff\xff.txt", "a\\\\xff\\xff.txt" + NOT_UTF8_MARK),  # a printed \xff stays apart
        ("长春 2012 年报 'x'.txt".encode(), "长春 2012 年报 'x'.txt"),  # UTF-8: as it is
    ],
)
def test_names_are_shown_readably_stably_and_reversibly(raw, name, shown):
    path = _bytes_path(raw, name)
    path.write_bytes(name)
    assert source_name(path, raw) == shown
    assert source_name(_bytes_path(raw, name), raw) == shown  # the same name, the same row
    pa.array([shown], pa.string())  # a valid string for Parquet
    back = raw_path(shown, raw)
    assert os.fsencode(back) == os.fsencode(path)
    assert back.read_bytes() == name  # the file opens from its row


def test_a_folder_with_a_name_not_utf8_is_shown_component_by_component(raw):
    folder = _bytes_path(raw, "附件".encode("gbk"))
    folder.mkdir()
    inner = _bytes_path(folder, b"\xff.txt")
    shutil.copy(SEED, inner)
    shown = "附件" + GB18030_MARK + "/\\xff.txt" + NOT_UTF8_MARK
    assert [source_name(p, raw) for p in discover(raw)] == ["good.txt", shown]
    assert raw_path(shown, raw).read_bytes() == SEED.read_bytes()


def test_a_utf8_name_that_looks_like_a_mark_is_itself(raw):
    literal = raw / ("年报.txt" + GB18030_MARK)
    literal.write_text("literal")
    _bytes_path(raw, GBK).write_text("gbk")
    assert raw_path(source_name(literal, raw), raw).read_text() == "literal"
    assert shown_name("x.txt") == "x.txt"


def test_a_file_not_utf8_is_read_from_its_path_and_its_row_fits_the_schema(raw):
    shutil.copy(SEED, _bytes_path(raw, GBK))
    (raw / "good.txt").unlink()
    reports, obs, _ = _ingest(raw)
    (row,) = reports.to_dict("records")
    assert (row["source_file"], row["status"], row["n_values"]) == (
        "年报.txt" + GB18030_MARK,
        "parsed",
        55,
    )
    assert len(obs) == 55


def test_an_odd_suffix_gives_a_valid_file_format(raw):
    path = _bytes_path(raw, b"report.\xff")
    path.write_text("x")
    row = ingest_file(path, raw, catalogue.default()).report
    assert row["file_format"] == "\\xff"  # readers.file_format: the same string in every run
    assert row["status"] == "unreadable" and "unsupported format" in row["error"]


def _ingest(raw: Path):
    from transforms.run.incremental import ingest_files

    return ingest_files(discover(raw), raw, catalogue.default())


def test_every_odd_path_gets_a_row_and_the_good_report_is_intact(raw):
    _links(raw)
    os.mkfifo(raw / "pipe.txt")
    _bytes_path(raw, b"\xff\xfe.txt").write_bytes(b"not a report")
    shutil.copy(SEED, _bytes_path(raw, GBK))
    reports, obs, _ = _ingest(raw)
    rows = {r["source_file"]: r for r in reports.to_dict("records")}
    assert set(rows) == {source_name(p, raw) for p in discover(raw)}
    assert (rows["good.txt"]["status"], rows["good.txt"]["n_values"]) == ("parsed", 55)
    assert rows["to_link.txt"]["status"] == "duplicate"  # read, same bytes as good.txt
    assert rows["loop.txt"]["status"] == "unreadable"
    assert rows["\\xff\\xfe.txt" + NOT_UTF8_MARK]["status"] == "no_template"
    assert rows["年报.txt" + GB18030_MARK]["status"] == "duplicate"
    assert len(obs) == 55


def test_the_plan_knows_which_files_read_are_kept_before_the_parse(raw):
    """`Plan.first_reads` (what GE judges during the parse) is what assembling the reports
    keeps: duplicates by content (a link, a copy under a GBK name) are not among them."""
    _links(raw)
    shutil.copy(SEED, _bytes_path(raw, GBK))
    (raw / "other.txt").write_text(SEED.read_text() + "\n")  # other bytes: kept
    paths = discover(raw)
    todo = incremental.plan(paths, raw, incremental.Previous.empty(), catalogue.default(), 2**20)
    fresh = {s: r.report for s, r in parse_files(todo.to_read, raw).items()}
    kept = incremental.assemble_reports(todo, fresh, raw, incremental.Previous.empty())
    assert kept.fresh_sources == {"good.txt", "other.txt"} <= todo.first_reads
    status = dict(zip(kept.reports["source_file"], kept.reports["status"], strict=True))
    assert {status[s] for s in todo.first_reads - kept.fresh_sources} <= {"no_template"}
    duplicates = {s for s, st in status.items() if st == "duplicate"}
    assert duplicates and not duplicates & todo.first_reads


def test_the_reused_rows_are_the_published_ones_read_back_in_any_order(raw, monkeypatch):
    """`Plan.decided` makes a reused file's row from the previous reports when asked (a chunk
    at a time): the published row under the file's present name, in and out of order; a file
    refused unread is its own row."""
    for i in range(6):
        (raw / f"r{i}.txt").write_text(SEED.read_text() + "\n" * (i + 1))
    cat = catalogue.default()
    empty = incremental.Previous.empty()
    first = incremental.plan(discover(raw), raw, empty, cat, 2**20)
    fresh = {s: r.report for s, r in parse_files(first.to_read, raw).items()}
    published = incremental.assemble_reports(first, fresh, raw, empty).reports
    previous = dataclasses.replace(empty, reports=published)
    (raw / "r3.txt").rename(raw / "renamed.txt")  # same content: reused under its new name
    cap = 3 * SEED.stat().st_size
    (raw / "big.txt").write_text(SEED.read_text() * 4)  # over the cap: refused unread
    monkeypatch.setattr(incremental.Decided, "CHUNK", 2)
    todo = incremental.plan(discover(raw), raw, previous, cat, cap)
    rows = {r["source_file"]: r for r in records(published)}
    rows["renamed.txt"] = {**rows.pop("r3.txt"), "source_file": "renamed.txt"}
    assert set(todo.decided) == {*rows, "big.txt"} and len(todo.decided) == len(rows) + 1
    assert todo.reused == set(rows) and not todo.to_read
    for source in [*sorted(rows), *sorted(rows, reverse=True)]:
        assert source in todo.decided
        assert todo.decided[source].report == rows[source], source
    assert todo.decided["big.txt"].report["status"] == "unreadable"
    assert "r3.txt" not in todo.decided and todo.decided.get("r3.txt") is None


def test_a_file_removed_between_the_scan_and_the_read_says_so(raw):
    shutil.copy(SEED, raw / "later.txt")
    (raw / "later.txt").write_text((raw / "later.txt").read_text() + "\n")  # other bytes
    paths = discover(raw)
    cat = catalogue.default()
    todo = incremental.plan(paths, raw, incremental.Previous.empty(), cat, 50 * 2**20)
    assert len(todo.to_read) == 2
    (raw / "later.txt").unlink()  # gone after the scan hashed it, before the parse
    fresh = parse_files(todo.to_read, raw)
    result = incremental.assemble(todo, fresh, raw, incremental.Previous.empty())
    rows = {r["source_file"]: r for r in result.reports.to_dict("records")}
    assert (rows["later.txt"]["status"], rows["later.txt"]["error"]) == ("unreadable", REMOVED)
    assert rows["good.txt"]["status"] == "parsed"


def test_a_file_removed_during_the_scan_says_so(raw):
    paths = [*discover(raw), raw / "vanished.txt"]  # listed, then gone before it was hashed
    todo = incremental.plan(paths, raw, incremental.Previous.empty(), catalogue.default(), 2**20)
    assert todo.decided["vanished.txt"].report["error"] == REMOVED


def test_an_unreadable_file_is_a_row(shared_raw):
    locked = shared_raw / "locked.txt"
    shutil.copy(SEED, locked)
    locked.chmod(0o000)
    with as_nobody():
        assert refusal(locked, shared_raw) is None  # a regular file: the open decides
        row = ingest_file(locked, shared_raw, catalogue.default()).report
        good = ingest_file(shared_raw / "good.txt", shared_raw, catalogue.default()).report
    assert (row["status"], row["error"]) == (
        "unreadable",
        "cannot open the file: Permission denied",
    )
    assert good["status"] == "parsed"


def test_a_folder_that_cannot_be_listed_is_a_row(shared_raw):
    closed = shared_raw / "closed"
    closed.mkdir()
    (closed / "inside.txt").write_text("never seen")
    closed.chmod(0o000)
    with as_nobody():
        paths = discover(shared_raw)
        reason = refusal(closed, shared_raw)
    assert [source_name(p, shared_raw) for p in paths] == ["closed", "good.txt"]
    assert reason == "a folder that cannot be listed (Permission denied); its files were not seen"
