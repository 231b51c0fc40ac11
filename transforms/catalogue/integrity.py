"""The catalogue's integrity: every way it contradicts itself, as readable sentences."""

from __future__ import annotations

import re

from transforms.catalogue.models import (
    BODY_FORM_KINDS,
    CHECK_SUITES,
    ROLES,
    RULE_OPS,
    SEVERITIES,
    UNIT_KINDS,
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
        + _core_map_problems(cat)
        + _core_coverage_problems(cat)
        + _role_problems(cat)
        + _body_form_problems(cat)
        + _unit_problems(cat)
    )


def _unit_problems(cat: Catalogue) -> list[str]:
    """units.csv: each unit once, a count or an amount; every unit an indicator or a core
    indicator is in is listed (what tells a count from an amount)."""
    listed = [u.unit for u in cat.units]
    out = [f"unit listed twice in units.csv: {u}" for u in sorted(_duplicates(listed))]
    out += [
        f"unit {u.unit!r}: kind {u.kind!r} is not one of {UNIT_KINDS}"
        for u in cat.units
        if u.kind not in UNIT_KINDS
    ]
    used = {i.unit for i in cat.indicators} | {c.unit for c in cat.core_indicators}
    out += [f"unit {u!r} is not in units.csv" for u in sorted(used - set(listed))]
    return out


def _role_problems(cat: Catalogue) -> list[str]:
    """roles.csv: every role the code asks for is there, and names known indicators only."""
    known = {i.code for i in cat.indicators}
    out = [f"role {r!r} is missing from roles.csv" for r in ROLES if not cat.role(r)]
    out += [
        f"role {r.role!r}: unknown indicator {r.code}" for r in cat.roles if r.code not in known
    ]
    out += [f"role {r.role!r} is not one the code knows" for r in cat.roles if r.role not in ROLES]
    return out


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
    out += _unknown("core map", cat.core_map, "template", families | _template_ids(cat))
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


def _proactive_codes(cat: Catalogue) -> set[str]:
    """Codes a national table 二 row label and column header can produce."""
    items = {(h.template, h.code) for h in cat.proactive if h.kind == "item"}
    measures = {(h.template, h.code) for h in cat.proactive if h.kind == "measure"}
    return {f"proactive.{i}.{m}" for t, i in items for u, m in measures if t == u}


def _reachable(cat: Catalogue) -> set[str]:
    """Indicator codes some printed label, header or position can produce."""
    positions = {p.indicator for p in cat.positions}
    return {a.indicator for a in cat.aliases} | positions | _proactive_codes(cat)


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


def _template_ids(cat: Catalogue) -> set[str]:
    return {t.template for t in cat.templates}


def _breakdowns(cat: Catalogue, code: str, single: set[str]) -> set[str]:
    """The breakdowns an indicator's values can carry: those of its family's printed columns,
    or only `total` for a value read by position (table 四) or from table 二 (`single`)."""
    if code in single:
        return {"total"}
    return {c.breakdown for c in cat.columns if c.template == cat.indicator(code).template}


def _core_map_problems(cat: Catalogue) -> list[str]:
    """core_map.csv: every part is a value the template can print (an indicator of its family,
    with a breakdown that indicator has), a variant number, and no part twice."""
    single = {p.indicator for p in cat.positions} | _proactive_codes(cat)
    keys = [
        (m.core_indicator, m.template, m.variant, m.indicator, m.breakdown) for m in cat.core_map
    ]
    out = [f"core map row twice: {k}" for k in sorted(_duplicates(keys))]
    for m in cat.core_map:
        where = f"core map {m.core_indicator} ({m.template}, variant {m.variant})"
        if m.variant < 1:
            out.append(f"{where}: variant must be 1 or more")
        if m.indicator not in cat.codes:
            continue  # reported by _reference_problems
        family = cat.indicator(m.indicator).template
        if family != cat.family(m.template):
            out.append(f"{where}: {m.indicator} is an indicator of {family}, not of {m.template}")
        known = _breakdowns(cat, m.indicator, single)
        if m.breakdown not in known:
            out.append(f"{where}: {m.indicator} has no breakdown {m.breakdown!r} ({sorted(known)})")
    return out


def _mapped_templates(cat: Catalogue, code: str) -> list[str]:
    """The templates a core indicator is mapped for, once per template or family it is mapped
    to (a family counts for each of its templates; a template mapped twice appears twice)."""
    rows = {m.template for m in cat.core_map if m.core_indicator == code}
    return [t.template for t in cat.templates for r in rows if r in (t.template, t.family)]


def _core_coverage_problems(cat: Catalogue) -> list[str]:
    """core_indicators.csv: a comparability note for each, and each mapped for every template
    with indicators of its own, unless listed in `absent_from` (its form has no such figure):
    a mapping never goes missing for a template silently, nor is given twice."""
    families = {i.template for i in cat.indicators}
    required = {t.template for t in cat.templates if t.family in families}
    out = []
    for c in cat.core_indicators:
        mapped = _mapped_templates(cat, c.code)
        absent = set(c.absent_from)
        out += [
            f"core indicator {c.code}: absent_from names unknown template {t!r}"
            for t in sorted(absent - _template_ids(cat))
        ]
        out += [
            f"core indicator {c.code}: mapped for {t} by a family and a template row"
            for t in sorted(_duplicates(mapped))
        ]
        out += [
            f"core indicator {c.code}: mapped for {t} and listed absent from it"
            for t in sorted(absent & set(mapped))
        ]
        out += [
            f"core indicator {c.code}: not mapped for {t} (map it, or list {t} in "
            "absent_from when its form prints no such figure)"
            for t in sorted(required - absent - set(mapped))
        ]
        if not c.comparability:
            out.append(f"core indicator {c.code}: needs a comparability note")
    return out
