"""Curated outputs on a remote filesystem: s3://, gs://, hdfs:// … (pyarrow's filesystems, and
any fsspec protocol pyarrow does not know).

In: a curated target URL such as `s3://bucket/prefix?endpoint_override=host:9000&scheme=http`.
Out: a local staging folder mirroring it. The run works in the staging folder exactly as on a
local target (lock, Parquet, warehouse built beside and renamed); before it, the previous state
is downloaded; after it, the outputs are uploaded, Parquet first and `warehouse.duckdb` last, so
a reader of the bucket never sees a warehouse newer than its Parquet files, and `manifest.json`
after them all. Each object is
written whole (an S3 PUT is atomic per object). The lock holds per staging folder: two machines
publishing to one bucket must be kept apart by their scheduler.

Credentials come from the filesystem's usual environment (AWS_ACCESS_KEY_ID … for S3), never
from this code; a URL is shown without its user info or query.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.fs as pafs

from transforms import schemas

MANIFEST = "manifest.json"  # transforms.store.curated.MANIFEST (not imported: curated imports much)
STATE_FILES = (*(f"{name}.parquet" for name in schemas.TABLES), MANIFEST)


def is_remote(target: str) -> bool:
    """A URL with a scheme other than file:// (a local path is not remote)."""
    scheme = urlsplit(target).scheme
    return len(scheme) > 1 and scheme != "file"


def shown(url: str) -> str:
    """The URL as it may appear in logs and tables: no user info, no query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{parts.path}"


def filesystem(url: str) -> tuple[pafs.FileSystem, str]:
    """The filesystem and base path of `url`: pyarrow's own, else fsspec's through pyarrow."""
    try:
        return pafs.FileSystem.from_uri(url)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        import fsspec

        fs, path = fsspec.core.url_to_fs(url)
        return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), path


def staging_dir(url: str) -> Path:
    """Where a remote target is mirrored: $NIANBAO_WORK, else a cache folder per target."""
    base = Path(os.environ.get("NIANBAO_WORK") or Path.home() / ".cache" / "nianbao")
    return base / hashlib.sha256(shown(url).encode("utf-8")).hexdigest()[:16]


def _copy(src_fs, src: str, dst_fs, dst: str) -> None:
    with src_fs.open_input_stream(src) as reader, dst_fs.open_output_stream(dst) as writer:
        while block := reader.read(1 << 22):
            writer.write(block)


def download_state(url: str, local: Path) -> list[str]:
    """Fetch the previous state's files that exist under `url` into `local` (replacing them)."""
    fs, base = filesystem(url)
    local.mkdir(parents=True, exist_ok=True)
    infos = fs.get_file_info([f"{base}/{name}" for name in STATE_FILES])
    fetched = []
    for name, info in zip(STATE_FILES, infos, strict=True):
        if info.type == pafs.FileType.File:
            tmp = local / f".{name}.download.tmp"
            _copy(fs, info.path, pafs.LocalFileSystem(), str(tmp))
            os.replace(tmp, local / name)
            fetched.append(name)
        elif name == MANIFEST:  # a local manifest would not describe the fetched files
            (local / name).unlink(missing_ok=True)
    return fetched


def upload(local: Path, url: str, relative: list[str]) -> list[str]:
    """Upload `local/<each relative path>` to `url/<same path>`, in the order given, and then the
    manifest, when `local` has one: it always describes the files uploaded before it."""
    fs, base = filesystem(url)
    manifest = [MANIFEST] if (local / MANIFEST).exists() and MANIFEST not in relative else []
    for rel in [*relative, *manifest]:
        target = f"{base}/{rel}"
        fs.create_dir(target.rsplit("/", 1)[0], recursive=True)
        _copy(pafs.LocalFileSystem(), str(local / rel), fs, target)
    return [f"{shown(url).rstrip('/')}/{rel}" for rel in relative]
