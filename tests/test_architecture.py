"""The import rules that keep the layers apart (STYLE.md; issue 13).

The tree is the flow. From the bottom:
  transforms (the package root: PARSER_VERSION), transforms.schemas (table contracts),
  transforms.catalogue (the indicator registry as data)
  → transforms.extract (readers, templates: capture as printed)
  → transforms.normalise → transforms.checks
  → transforms.store (Parquet, warehouse, views, data dictionary: reads schemas and catalogue)
  → transforms.quality (findings, alerts, quality report, summary: reads checks and store)
  → transforms.run (ingest, incremental, pool, lock, history: may use every transforms layer)
  expectations (GE suites and runner: reads catalogue and schemas; GE imported lazily)
  flows (Prefect wiring: may use everything above) and devtools (synth, bench: may use anything,
  nothing outside devtools/ and tests/ may import it).
Every import counts, the ones inside functions too; each failure names the module and the rule.
"""

from __future__ import annotations

import ast
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGES = ("transforms", "expectations", "flows", "devtools")

_TRANSFORMS = {
    "transforms",
    "transforms.schemas",
    "transforms.catalogue",
    "transforms.extract",
    "transforms.normalise",
    "transforms.checks",
    "transforms.store",
    "transforms.quality",
    "transforms.run",
}
_BASE = {"transforms", "transforms.schemas", "transforms.catalogue"}
LAYERS: dict[str, set[str]] = {  # layer → the project layers it may import (besides itself)
    "transforms": set(),
    "transforms.schemas": set(),
    "transforms.catalogue": {"transforms"},
    "transforms.extract": _BASE,
    "transforms.normalise": _BASE | {"transforms.extract"},
    "transforms.checks": _BASE | {"transforms.extract", "transforms.normalise"},
    "transforms.store": _BASE,
    "transforms.quality": _BASE
    | {"transforms.extract", "transforms.normalise", "transforms.checks", "transforms.store"},
    "transforms.run": _TRANSFORMS,
    "expectations": _BASE,
    "flows": _TRANSFORMS | {"expectations"},
    "devtools": _TRANSFORMS | {"expectations", "flows"},
}

# Third-party packages a layer may not import (anywhere, or at module level only).
FORBIDDEN = {  # layer prefix → packages never imported, even inside a function
    "transforms": {"prefect", "great_expectations", "reportlab", "psutil"},
    "flows": {"pandas", "duckdb", "pyarrow", "great_expectations", "reportlab", "psutil"},
    "expectations": {"prefect", "reportlab", "psutil"},
}
LAZY_ONLY = {"expectations": {"great_expectations"}}  # ~8 s to import: only inside a function
SCHEMAS_MAY_IMPORT = {"pyarrow", "pandas"}  # besides the standard library


@dataclass(frozen=True)
class Import:
    importer: str  # the module that imports
    target: str  # what it imports, dotted: the most specific project module, or a package name
    line: int
    lazy: bool  # inside a function (runs only when called)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for top in PACKAGES for p in sorted((ROOT / top).rglob("*.py"))}


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")
    if not MODULES[module].name == "__init__.py":
        package = package[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _targets(module: str, node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    source = _absolute(module, node)
    # `from transforms.store import curated` imports the module transforms.store.curated
    return [f"{source}.{a.name}" if f"{source}.{a.name}" in MODULES else source for a in node.names]


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str) -> None:
        self.module, self.depth, self.found = module, 0, []

    def visit_FunctionDef(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Import(self, node: ast.stmt) -> None:
        self.found += [
            Import(self.module, target, node.lineno, self.depth > 0)
            for target in _targets(self.module, node)
        ]

    visit_ImportFrom = visit_Import


def imports(module: str) -> list[Import]:
    collector = _Collector(module)
    collector.visit(ast.parse(MODULES[module].read_text(encoding="utf-8")))
    return collector.found


ALL_IMPORTS = [found for module in MODULES for found in imports(module)]


def layer(module: str) -> str | None:
    """transforms.extract.readers.pdf → transforms.extract; None outside the project."""
    parts = module.split(".")
    if parts[0] not in PACKAGES:
        return None
    if parts[0] == "transforms" and len(parts) > 1:
        return ".".join(parts[:2])
    return parts[0]


def _where(found: Import) -> str:
    return f"{found.importer} (line {found.line})"


def _layer_offences() -> dict[tuple[str, str], str]:
    offences = {}
    for found in ALL_IMPORTS:
        own, theirs = layer(found.importer), layer(found.target)
        if theirs is not None and theirs != own and theirs not in LAYERS[own]:
            offences[(found.importer, found.target)] = (
                f"{_where(found)} imports {found.target}: {own} may import only "
                f"{sorted(LAYERS[own]) or 'nothing of the project'}"
            )
    return offences


def test_every_module_is_in_a_layer():
    assert sorted(m for m in MODULES if layer(m) not in LAYERS) == []


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_each_layer_imports_only_the_layers_it_may(name):
    offences = [text for key, text in sorted(_layer_offences().items()) if layer(key[0]) == name]
    assert not offences, "\n".join(offences)


def _third_party(found: Import) -> str:
    return found.target.split(".")[0]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_the_libraries_they_may(package):
    offenders = [
        f"{_where(found)} imports {found.target}: {package} may not import it, not even lazily"
        for found in ALL_IMPORTS
        if found.importer.split(".")[0] == package and _third_party(found) in FORBIDDEN[package]
    ]
    offenders += [
        f"{_where(found)} imports {found.target} at module level: {package} imports it lazily"
        for found in ALL_IMPORTS
        if found.importer.split(".")[0] == package
        and _third_party(found) in LAZY_ONLY.get(package, set())
        and not found.lazy
    ]
    assert not offenders, "\n".join(offenders)


def test_schemas_imports_only_pyarrow_and_pandas():
    offenders = [
        f"{_where(found)} imports {found.target}: the table contracts import only "
        f"{sorted(SCHEMAS_MAY_IMPORT)} and the standard library"
        for found in imports("transforms.schemas")
        if _third_party(found) not in SCHEMAS_MAY_IMPORT | set(sys.stdlib_module_names)
    ]
    assert not offenders, "\n".join(offenders)


def test_only_devtools_and_tests_import_devtools():
    offenders = [
        f"{_where(found)} imports {found.target}: devtools (synth, bench) is not packaged"
        for found in ALL_IMPORTS
        if layer(found.target) == "devtools" and layer(found.importer) != "devtools"
    ]
    assert not offenders, "\n".join(offenders)


def _project_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for found in ALL_IMPORTS:
        target = found.target
        while target and target not in MODULES:  # `import transforms.x.y` without .y a module
            target = target.rpartition(".")[0]
        if target and target != found.importer:
            graph[found.importer].add(target)
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for child in graph[todo.pop()] - seen:
            seen.add(child)
            todo.append(child)
    return seen


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Every component, singletons included: a module with those it reaches and is reached by
    (a hundred modules: plain reachability is fast enough and obviously right)."""
    reach = {node: _reachable(graph, node) for node in graph}
    components: list[set[str]] = []
    for node in sorted(graph):
        component = {node} | {other for other in reach[node] if node in reach[other]}
        if component not in components:
            components.append(component)
    return components


def _cycles() -> list[set[str]]:
    return [c for c in strongly_connected(_project_graph()) if len(c) > 1]


def _describe(cycle: set[str], graph: dict[str, set[str]]) -> str:
    edges = [f"{a} → {b}" for a in sorted(cycle) for b in sorted(graph[a] & cycle)]
    return f"import cycle between {sorted(cycle)}: " + "; ".join(edges)


def test_no_import_cycles():
    graph = _project_graph()
    cycles = _cycles()
    assert not cycles, "\n".join(_describe(c, graph) for c in cycles)


def test_the_cycle_finder_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert sorted(map(sorted, strongly_connected(graph))) == [["a", "b", "c"], ["d"], ["e"]]


def _indicator_codes() -> set[str]:
    with (ROOT / "transforms" / "catalogue" / "indicators.csv").open(encoding="utf-8") as f:
        return {row["code"] for row in csv.DictReader(f)}


def test_indicator_codes_are_spelled_only_in_the_catalogue():
    codes = _indicator_codes()
    offenders = [
        f"{module} (line {node.lineno}) spells the indicator code {node.value!r}: "
        "read it from the catalogue"
        for module, path in MODULES.items()
        if layer(module) in LAYERS and not module.startswith(("transforms.catalogue", "devtools"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in codes
    ]
    assert codes and not offenders, "\n".join(offenders)
