"""The indicator catalogue: codes, labels, units, label aliases, sum rules, core indicators.

In: the CSV files beside this module (the registry as data; a new template is mostly a data diff).
Out: one frozen `Catalogue`, loaded once and checked for integrity (every alias and rule names an
indicator that exists, every rule parses, every core indicator is defined).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from transforms.labels import normalise_group, normalise_label

HERE = Path(__file__).parent
RULE_OPS = ("=", "<=")


class CatalogueError(ValueError):
    """The catalogue data contradicts itself; the pipeline must not start."""


@dataclass(frozen=True)
class Template:
    template: str
    name_zh: str
    name_en: str
    description: str


@dataclass(frozen=True)
class Indicator:
    code: str
    template: str
    label_zh: str
    label_en: str
    unit: str
    parent: str | None
    description: str


@dataclass(frozen=True)
class Alias:
    template: str
    group: str | None  # normalised group label, or None when the label is unique in the template
    label: str  # normalised label
    indicator: str


@dataclass(frozen=True)
class Rule:
    """`sum(left) op sum(right)`, evaluated per report (and per breakdown) on printed values."""

    rule_id: str
    template: str
    left: tuple[str, ...]
    op: str
    right: tuple[str, ...]
    severity: str
    label_zh: str
    description: str

    @property
    def indicators(self) -> tuple[str, ...]:
        return self.left + self.right


@dataclass(frozen=True)
class CoreIndicator:
    code: str
    label_zh: str
    label_en: str
    description: str


@dataclass(frozen=True)
class CoreMapping:
    core_indicator: str
    template: str
    indicator: str
    breakdown: str


@dataclass(frozen=True)
class ColumnMapping:
    """A printed column header (regular expression) → the breakdown code of its values."""

    template: str
    column_pattern: str
    breakdown: str


@dataclass(frozen=True)
class Catalogue:
    templates: tuple[Template, ...]
    indicators: tuple[Indicator, ...]
    aliases: tuple[Alias, ...]
    rules: tuple[Rule, ...]
    core_indicators: tuple[CoreIndicator, ...]
    core_map: tuple[CoreMapping, ...]
    columns: tuple[ColumnMapping, ...]

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(i.code for i in self.indicators)

    def indicator(self, code: str) -> Indicator:
        return self._by_code()[code]

    def _by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}

    def rules_for(self, template: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.template == template)

    def breakdown(self, template: str, column: str) -> str | None:
        """The breakdown code of a printed column header, or None when unknown."""
        header = normalise_group(column)
        for c in self.columns:
            if c.template == template and re.fullmatch(c.column_pattern, header):
                return c.breakdown
        return None

    def lookup(self, template: str, group: str, label: str) -> str | None:
        """The indicator code for a printed label (and its group), or None when unknown."""
        key_label, key_group = normalise_label(label), normalise_group(group)
        candidates = [a for a in self.aliases if a.template == template and a.label == key_label]
        grouped = [a for a in candidates if a.group == key_group]
        if grouped:
            return grouped[0].indicator
        ungrouped = [a for a in candidates if a.group is None]
        return ungrouped[0].indicator if ungrouped else None


def _rows(name: str, folder: Path) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def _terms(expr: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in expr.split("+") if t.strip())


def load(folder: Path = HERE) -> Catalogue:
    """Read the CSVs in `folder` and return the checked catalogue."""
    cat = Catalogue(
        templates=tuple(Template(**r) for r in _rows("templates.csv", folder)),
        indicators=tuple(
            Indicator(**{**r, "parent": r["parent"] or None})
            for r in _rows("indicators.csv", folder)
        ),
        aliases=tuple(
            Alias(
                template=r["template"],
                group=normalise_group(r["group"]) if r["group"] else None,
                label=normalise_label(r["label"]),
                indicator=r["indicator"],
            )
            for r in _rows("aliases.csv", folder)
        ),
        rules=tuple(
            Rule(**{**r, "left": _terms(r["left"]), "right": _terms(r["right"])})
            for r in _rows("rules.csv", folder)
        ),
        core_indicators=tuple(CoreIndicator(**r) for r in _rows("core_indicators.csv", folder)),
        core_map=tuple(CoreMapping(**r) for r in _rows("core_map.csv", folder)),
        columns=tuple(ColumnMapping(**r) for r in _rows("columns.csv", folder)),
    )
    problems = integrity_problems(cat)
    if problems:
        raise CatalogueError("catalogue integrity:\n  " + "\n  ".join(problems))
    return cat


@cache
def default() -> Catalogue:
    """The shipped catalogue, loaded once per process."""
    return load()


def integrity_problems(cat: Catalogue) -> list[str]:
    """Every way the catalogue contradicts itself, as readable sentences (empty when sound)."""
    return (
        _duplicate_problems(cat)
        + _reference_problems(cat)
        + _rule_problems(cat)
        + _alias_problems(cat)
    )


def _duplicates(values: list[str]) -> set[str]:
    return {v for v in values if values.count(v) > 1}


def _duplicate_problems(cat: Catalogue) -> list[str]:
    checks = {
        "template": [t.template for t in cat.templates],
        "indicator code": [i.code for i in cat.indicators],
        "rule id": [r.rule_id for r in cat.rules],
        "core indicator": [c.code for c in cat.core_indicators],
    }
    return [f"duplicate {what}: {d}" for what, vals in checks.items() for d in _duplicates(vals)]


def _reference_problems(cat: Catalogue) -> list[str]:
    codes, templates = cat.codes, {t.template for t in cat.templates}
    cores = {c.code for c in cat.core_indicators}
    out = [
        f"indicator {i.code}: unknown template {i.template}"
        for i in cat.indicators
        if i.template not in templates
    ]
    out += [
        f"indicator {i.code}: unknown parent {i.parent}"
        for i in cat.indicators
        if i.parent and i.parent not in codes
    ]
    out += [
        f"alias {a.label!r}: unknown indicator {a.indicator}"
        for a in cat.aliases
        if a.indicator not in codes
    ]
    out += [
        f"core map {m.core_indicator}: unknown indicator {m.indicator}"
        for m in cat.core_map
        if m.indicator not in codes
    ]
    out += [
        f"columns: unknown template {c.template}"
        for c in cat.columns
        if c.template not in templates
    ]
    out += [
        f"core map: undefined core indicator {m.core_indicator}"
        for m in cat.core_map
        if m.core_indicator not in cores
    ]
    return out


def _rule_problems(cat: Catalogue) -> list[str]:
    out = []
    for r in cat.rules:
        if r.op not in RULE_OPS:
            out.append(f"rule {r.rule_id}: operator {r.op!r} is not one of {RULE_OPS}")
        if not r.left or not r.right:
            out.append(f"rule {r.rule_id}: both sides need at least one indicator")
        out += [
            f"rule {r.rule_id}: unknown indicator {c}" for c in r.indicators if c not in cat.codes
        ]
        if r.severity not in ("error", "warning"):
            out.append(f"rule {r.rule_id}: severity {r.severity!r} is not error or warning")
    return out


def _alias_problems(cat: Catalogue) -> list[str]:
    keys = [(a.template, a.group, a.label) for a in cat.aliases]
    out = [f"alias {k} maps to more than one indicator" for k in set(keys) if keys.count(k) > 1]
    mapped = {a.indicator for a in cat.aliases}
    out += [
        f"indicator {i.code} has no alias: no printed label can reach it"
        for i in cat.indicators
        if i.code not in mapped
    ]
    return out
