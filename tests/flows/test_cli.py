"""The `nianbao` command: help, exit codes, and the installed console script end to end."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from flows.cli import _first_run, main
from tests.conftest import SEED

NIANBAO = Path(sys.executable).parent / "nianbao"


def test_help_explains_each_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    assert "run the pipeline once" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert "--raw" in out and "--curated" in out and "Exit 0" in out


def test_bad_usage_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["frobnicate"])
    assert exit_.value.code == 2
    assert main(["run", "--raw", "/no/such/folder"]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_a_failing_pipeline_exits_1(prefect_api, tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw)
    blocker = tmp_path / "curated"
    blocker.write_text("a file where the curated folder should be")
    assert main(["run", "--raw", str(raw), "--curated", str(blocker)]) == 1
    assert "the pipeline failed" in capsys.readouterr().err


def test_console_script_runs_the_flow_and_prints_a_summary(prefect_api, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw)
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "CI": "true"}
    done = subprocess.run(
        [str(NIANBAO), "run", "--raw", str(raw), "--curated", str(tmp_path / "curated")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "reports read:      1" in done.stdout
    assert "checks failed:     0" in done.stdout
    assert "nianbao: reading files: 1/1" in done.stderr  # plain progress lines when piped
    con = duckdb.connect(str(tmp_path / "curated" / "warehouse.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM observations").fetchone() == (55,)
    con.close()


def test_a_first_run_is_told_by_a_local_curated_folder_without_a_manifest(tmp_path):
    """Such a run starts GE's import with the run (every file will be read); a folder with a
    manifest may need no GE at all (an unchanged re-run), nor may a remote one be looked into
    before the flow fetches its state."""
    assert _first_run(str(tmp_path / "new"))
    published = tmp_path / "published"
    published.mkdir()
    (published / "manifest.json").write_text("{}", encoding="utf-8")
    assert not _first_run(str(published))
    assert not _first_run("s3://bucket/nianbao")
