"""Curated outputs on S3: a real S3-compatible server (moto's server mode) on 127.0.0.1, the real
flow publishing to s3://…, the warehouse read back from the bucket, and a second run that takes
its previous state from the bucket and reads nothing."""

from __future__ import annotations

import shutil

import duckdb
import pyarrow.fs as pafs
import pytest
from moto.server import ThreadedMotoServer

from flows.pipeline import nianbao_pipeline
from tests.conftest import FIXTURES, SEED
from tests.servers import closed_port
from transforms.store.remote import is_remote, shown


@pytest.fixture
def bucket(monkeypatch):
    port = closed_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    s3 = pafs.S3FileSystem(
        endpoint_override=f"127.0.0.1:{port}",
        scheme="http",
        region="us-east-1",
        allow_bucket_creation=True,
    )
    s3.create_dir("nianbao-test")
    yield s3, f"s3://nianbao-test/curated?endpoint_override=127.0.0.1:{port}&scheme=http"
    server.stop()


def test_outputs_go_to_s3_and_the_next_run_resumes_from_there(prefect_api, bucket, tmp_path,
                                                              monkeypatch):  # fmt: skip
    s3, url = bucket
    monkeypatch.setenv("NIANBAO_WORK", str(tmp_path / "staging"))
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw)
    shutil.copy(FIXTURES / "huaian_hongze_qu_2023.pdf", raw)
    first = nianbao_pipeline(raw_dir=str(raw), curated_dir=url)
    assert first.warehouse == "s3://nianbao-test/curated/warehouse.duckdb"  # no query
    listed = {i.base_name for i in s3.get_file_info(pafs.FileSelector("nianbao-test/curated"))}
    assert {"warehouse.duckdb", "reports.parquet", "observations.parquet", "runs.parquet",
            "quality_report.html"} <= listed  # fmt: skip
    local = tmp_path / "from-s3.duckdb"
    with s3.open_input_stream("nianbao-test/curated/warehouse.duckdb") as src:
        local.write_bytes(src.read())
    con = duckdb.connect(str(local), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM reports").fetchone()[0] == 2
        assert con.execute("SELECT count(*) FROM findings").fetchone()[0] == 2
    finally:
        con.close()
    shutil.rmtree(tmp_path / "staging")  # another machine: nothing local, state from the bucket
    second = nianbao_pipeline(raw_dir=str(raw), curated_dir=url)
    assert (second.status, second.files_read) == ("no_changes", 0)


def test_remote_targets_are_told_from_paths_and_shown_without_secrets():
    assert is_remote("s3://bucket/prefix") and is_remote("gs://b/p")
    assert not is_remote("data/curated") and not is_remote("/abs/path")
    assert not is_remote("C:/windows/path") and not is_remote("file:///tmp/x")
    assert shown("s3://KEY:SECRET@bucket/p?access_key=K&secret_key=S") == "s3://bucket/p"
