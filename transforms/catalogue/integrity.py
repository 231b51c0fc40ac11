"""The catalogue's integrity: every way it contradicts itself, as readable sentences."""

from __future__ import annotations

import re

from transforms.catalogue.models import (
    BODY_FORM_KINDS,
    CHECK_SUITES,
    RULE_OPS,
    SEVERITIES,
    Catalogue,
)


def integrity_problems(cat: Catalogue) -> list[str]:
    """Every way the catalogue contradicts itself, as readable sentences (empty when sound)."""
    return (
        _duplicate_problems(cat)
        + _reference_problems(cat)
        + _rule_problems(cat)
        + _alias_problems(cat)
        + _narrative_problems(cat)
        + _check_problems(cat)
        + _body_form_problems(cat)
    )


def _body_form_problems(cat: Catalogue) -> list[str]:
    """body_forms.csv: a known kind, a word, each (kind, word) once."""
    keys = [(f.kind, f.text) for f in cat.body_forms]
    out = [f"body form listed twice: {k} {t}" for k, t in sorted(_duplicates(keys))]
    for f in cat.body_forms:
        if f.kind not in BODY_FORM_KINDS or not f.text:
            out.append(f"body form {f.text!r}: kind {f.kind!r} is not one of {BODY_FORM_KINDS}")
    return out


def _check_problems(cat: Catalogue) -> list[str]:
    """checks.csv: ids unique and never a rule's id (one check_id, one meaning), a known suite
    and severity, a label."""
    ids = [c.check_id for c in cat.checks] + [r.rule_id for r in cat.rules]
    out = [f"check id used twice (checks.csv, rules.csv): {d}" for d in sorted(_duplicates(ids))]
    for c in cat.checks:
        if c.suite not in CHECK_SUITES:
            out.append(f"check {c.check_id}: suite {c.suite!r} is not one of {CHECK_SUITES}")
        if c.severity not in SEVERITIES:
            out.append(f"check {c.check_id}: severity {c.severity!r} is not one of {SEVERITIES}")
        if not c.kind or not c.label:
            out.append(f"check {c.check_id}: needs a kind and a label")
    return out


def _narrative_problems(cat: Catalogue) -> list[str]:
    out = []
    for p in (*cat.narrative, *cat.phrases):
        terms = p.target + getattr(p, "alt_target", ()) + getattr(p, "base", ())
        out += [
            f"narrative {p.pattern_id}: unknown indicator {c}" for c in terms if c not in cat.codes
        ]
        for field in ("sentence", "before", "after", "phrase"):
            try:
                re.compile(getattr(p, field, ""))
            except re.error as exc:
                out.append(f"narrative {p.pattern_id}: bad {field} pattern: {exc}")
    return out


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


def _unknown(what: str, items, attr: str, known: set[str]) -> list[str]:
    return [
        f"{what}: unknown {attr} {getattr(x, attr)!r}"
        for x in items
        if getattr(x, attr) not in known
    ]


def _reference_problems(cat: Catalogue) -> list[str]:
    codes = set(cat.codes)
    families = {t.family for t in cat.templates}
    cores = {c.code for c in cat.core_indicators}
    out = _unknown("indicator", cat.indicators, "template", families)
    out += [
        f"indicator {i.code}: unknown parent {i.parent}"
        for i in cat.indicators
        if i.parent and i.parent not in codes
    ]
    out += _unknown("alias", cat.aliases, "indicator", codes)
    out += _unknown("core map", cat.core_map, "indicator", codes)
    out += _unknown("core map", cat.core_map, "core_indicator", cores)
    out += _unknown("core map", cat.core_map, "template", families)
    out += _unknown("columns", cat.columns, "template", families)
    out += _unknown("rule", cat.rules, "template", families)
    out += _unknown("positional", cat.positions, "indicator", codes)
    return out


def _rule_problems(cat: Catalogue) -> list[str]:
    breakdowns = {c.breakdown for c in cat.columns}
    out = []
    for r in cat.rules:
        if r.kind not in ("sum", "across_columns"):
            out.append(f"rule {r.rule_id}: kind {r.kind!r} is not sum or across_columns")
        if r.op not in RULE_OPS:
            out.append(f"rule {r.rule_id}: operator {r.op!r} is not one of {RULE_OPS}")
        if not r.left or not r.right:
            out.append(f"rule {r.rule_id}: both sides need at least one term")
        known = cat.codes if r.kind == "sum" else breakdowns
        out += [f"rule {r.rule_id}: unknown indicator {c}" for c in r.terms if c not in known]
        if r.kind == "sum" and r.scope and r.scope not in cat.codes:
            out.append(f"rule {r.rule_id}: unknown scope indicator {r.scope}")
        if r.severity not in ("error", "warning"):
            out.append(f"rule {r.rule_id}: severity {r.severity!r} is not error or warning")
    return out


def _reachable(cat: Catalogue) -> set[str]:
    """Indicator codes some printed label, header or position can produce."""
    items = {(h.template, h.code) for h in cat.proactive if h.kind == "item"}
    measures = {(h.template, h.code) for h in cat.proactive if h.kind == "measure"}
    proactive = {f"proactive.{i}.{m}" for t, i in items for u, m in measures if t == u}
    return {a.indicator for a in cat.aliases} | {p.indicator for p in cat.positions} | proactive


def _alias_problems(cat: Catalogue) -> list[str]:
    keys = [(a.template, a.group, a.label) for a in cat.aliases]
    out = [f"alias {k} maps to more than one indicator" for k in set(keys) if keys.count(k) > 1]
    reachable = _reachable(cat)
    out += [
        f"indicator {i.code} has no alias: no printed label can reach it"
        for i in cat.indicators
        if i.code not in reachable
    ]
    return out
