"""Placeholder: pdf files are not read yet."""

from __future__ import annotations

from pathlib import Path

from transforms.readers import Document, ReadError


def read(path: Path, data: bytes) -> Document:
    raise ReadError("unsupported format: pdf files are not read yet")
