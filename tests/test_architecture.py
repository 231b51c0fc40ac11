"""The import rules that keep the layers apart (STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def _imports(path: Path, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("package", "forbidden", "top_level_only"),
    [
        ("transforms", {"prefect", "great_expectations", "flows", "expectations"}, False),
        ("flows", {"pandas", "duckdb", "pyarrow", "great_expectations"}, False),
        ("expectations", {"great_expectations", "prefect", "flows"}, True),  # GE imported lazily
    ],
)
def test_layers_import_only_what_they_may(package, forbidden, top_level_only):
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p, top_level_only) & forbidden)
        for p in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
