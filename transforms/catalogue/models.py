"""The catalogue's records and the `Catalogue` itself with its lookups (label → indicator code,
column → breakdown, positional cells), built once per instance and memoised."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from transforms.catalogue.labels import normalise_group, normalise_label

RULE_OPS = ("=", "<=")
_MEMO = 1 << 16  # distinct printed labels remembered per catalogue (a few thousand in practice)
# characters of a cut label (after its list marker) needed to know its row: the national form's
# row labels share beginnings of up to four (属于行政执法案卷 / 属于行政查询事项), and a cut is
# matched only where one indicator's labels begin with it
CUT_MIN = 5
_COLUMN_GAP = re.compile(r"\s+")  # where a cut label's next line, or the next column, begins
CUT_FAMILIES = ("national",)
# OCR-read labels (`Catalogue.lookup_nearest`): the families whose row labels are long and
# distinct enough to match a misread one (the national form; the Fujian form's 5–12 ideograph
# labels, "3.信枉申请数" for 信函申请数), the least similarity (difflib ratio) to an alias, and
# the margin by which the best indicator must beat every other one
NEAREST_FAMILIES = ("national", "fujian_pre2019")
NEAREST_MIN = 0.75
NEAREST_MARGIN = 0.08
NEAREST_IDEOGRAPHS = 4  # a shorter OCR label is too little to tell a misreading from another label
# What OCR makes of a row's list marker: "（一）" with mixed brackets ("（一) "), "一、" read as
# "、", "6." as "扣 ", "7." as "了 ": a bracketed numeral, anything before the first ideograph,
# and a one-character piece set apart by a space or a stop
_OCR_MARKER = re.compile(
    r"^\s*(?:[(（]\s*[一二三四五六七八九十\d]+\s*[)）]|[^\u4e00-\u9fff]+"
    r"|[\u4e00-\u9fff][\s.．、]+)\s*"
)
_IDEOGRAPHS = re.compile(
    r"[\u4e00-\u9fff]"
)  # families whose cut labels are matched (`Catalogue.lookup_cut`)


class CatalogueError(ValueError):
    """The catalogue data contradicts itself; the pipeline must not start."""


@dataclass(frozen=True)
class Template:
    template: str
    family: str  # indicators, aliases, rules and core maps are shared within a family
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
    """`sum(left) op sum(right)` on printed values, in one of two shapes (`kind`):

    - `sum`: left and right are indicator codes; checked in every breakdown (column). `scope`,
      when set, names an indicator that must be printed for the rule to apply (it tells the
      one-row （六） form from the three-row one).
    - `across_columns`: left and right are breakdown codes; checked on every indicator whose
      code starts with `scope` (e.g. 总计 = the six applicant columns, on each row of table 三).
    """

    rule_id: str
    template: str  # a template family
    kind: str
    left: tuple[str, ...]
    op: str
    right: tuple[str, ...]
    scope: str
    severity: str
    label_zh: str
    description: str

    @property
    def terms(self) -> tuple[str, ...]:
        return self.left + self.right

    @property
    def indicators(self) -> tuple[str, ...]:
        return self.terms if self.kind == "sum" else ()


@dataclass(frozen=True)
class CoreIndicator:
    """A harmonised indicator (core_indicators.csv): what it counts, what differs between the
    template eras (`comparability`), and the templates whose form prints no such figure
    (`absent_from`): every other template with indicators of its own must map it."""

    code: str
    label_zh: str
    label_en: str
    unit: str
    description: str
    comparability: str
    absent_from: tuple[str, ...]


@dataclass(frozen=True)
class CoreMapping:
    """One printed value summed into a core indicator for a template (or a whole family).

    The rows of one (core_indicator, template, variant) are summed; a template may have
    several variants where its form is printed in more than one layout (（六） in one row or
    three): the core_indicators view uses the first variant whose every part was printed."""

    core_indicator: str
    template: str  # a template, or a family (then every template of it)
    variant: int
    indicator: str
    breakdown: str


@dataclass(frozen=True)
class ColumnMapping:
    """A printed column header (regular expression) → the breakdown code of its values."""

    template: str
    column_pattern: str
    breakdown: str


@dataclass(frozen=True)
class ProactiveHeader:
    """A printed row label (item) or column header (measure) of national table 二."""

    template: str
    kind: str  # item | measure
    label: str  # normalised
    code: str


@dataclass(frozen=True)
class Position:
    """An indicator read by its position in a printed row (national table 四: 15 numbers)."""

    template: str
    table: str
    position: int
    indicator: str
    column_as_printed: str


@dataclass(frozen=True)
class NarrativePattern:
    """How a numeric claim in the prose names the table cells it restates (see narrative.csv).

    A claim matches when `sentence` is found in its sentence before the number, `before` at the
    end of its clause before the number, and `after` at the start of the text after its unit.
    `target` is the sum of indicators (column total) the number must equal; `alt_target` a second
    reading (e.g. received including carried-over requests); `base` the total a percentage
    printed after the number ("占46.1%") is computed from.
    """

    family: str
    pattern_id: str
    sentence: str
    before: str
    after: str
    target: tuple[str, ...]
    alt_target: tuple[str, ...]
    base: tuple[str, ...]
    label_zh: str


@dataclass(frozen=True)
class PhrasePattern:
    """A claim in words with no number ("所有申请均已办结"): `target` must then be 0."""

    family: str
    pattern_id: str
    phrase: str
    target: tuple[str, ...]
    label_zh: str


@dataclass(frozen=True)
class Check:
    """A check other than the sum rules (checks.csv): its id (check_results.check_id), the GE
    suite that judges it, its kind and severity, and what it asserts."""

    check_id: str
    suite: str  # identities (evaluation rows) | observations | reports
    kind: str
    severity: str  # error | warning
    label: str


@dataclass(frozen=True)
class Role:
    """An indicator that code treats specially (roles.csv): the checks and parsers ask the
    catalogue for a role's codes (`Catalogue.role`) instead of spelling them."""

    role: str
    code: str
    description: str


# Every role the code asks for: the integrity check requires each in roles.csv.
ROLES = (
    *("new_received", "carried_over", "completed", "carried_forward"),
    *("other_one_row", "other_three_rows", "fees_10k_yuan"),
)


@dataclass(frozen=True)
class BodyForm:
    """A word of a body's name as printed (body_forms.csv) that says what kind of body it is:
    `government` (人民政府 of a province, city or county), `town_government` and `town` (镇 /
    乡 and their 人民政府, 街道办事处), `zone` and `zone_government` (a zone that is not an
    administrative division, and its 管委会), `department` (局, 委员会, 办公室 … of the body
    named before it). `canonical` is the form two variants are normalised to (政府 → 人民政府,
    管理委员会 → 管委会); empty where the word is kept as printed."""

    kind: str
    text: str
    canonical: str
    note: str


@dataclass(frozen=True)
class Unit:
    """A unit of indicator values (units.csv): a `count` (whole numbers: requests, cases,
    documents …) or an `amount` (money, with decimals)."""

    unit: str
    kind: str  # count | amount
    label_zh: str
    description: str


UNIT_KINDS = ("count", "amount")
BODY_FORM_KINDS = ("government", "town_government", "town", "zone", "zone_government", "department")
CHECK_SUITES = ("identities", "observations", "reports")
SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Catalogue:
    templates: tuple[Template, ...]
    indicators: tuple[Indicator, ...]
    aliases: tuple[Alias, ...]
    rules: tuple[Rule, ...]
    core_indicators: tuple[CoreIndicator, ...]
    core_map: tuple[CoreMapping, ...]
    columns: tuple[ColumnMapping, ...]
    proactive: tuple[ProactiveHeader, ...]
    positions: tuple[Position, ...]
    narrative: tuple[NarrativePattern, ...] = ()
    phrases: tuple[PhrasePattern, ...] = ()
    checks: tuple[Check, ...] = ()
    roles: tuple[Role, ...] = ()
    body_forms: tuple[BodyForm, ...] = ()
    units: tuple[Unit, ...] = ()
    digest: str = ""  # SHA-256 of the CSVs: a changed catalogue re-reads every report

    # Lookups run once per printed cell (hundreds per report, millions per run): the catalogue
    # is frozen, so each instance builds its indexes once (`cached_property` writes to the
    # instance dict, which a frozen dataclass allows) and memoises answers per printed text.
    # Answers are the same as a scan of the tuples in order; `__getstate__` drops the caches.

    def __getstate__(self) -> dict:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}

    @cached_property
    def codes(self) -> frozenset[str]:
        return frozenset(i.code for i in self.indicators)

    def indicator(self, code: str) -> Indicator:
        return self._by_code[code]

    def is_amount(self, unit: str) -> bool:
        """Whether values in `unit` are amounts (money, decimals kept), not counts."""
        return unit in self.amount_units

    @cached_property
    def amount_units(self) -> frozenset[str]:
        return frozenset(u.unit for u in self.units if u.kind == "amount")

    def core_templates(self, code: str) -> tuple[str, ...]:
        """The templates a core indicator is mapped for (a family's row maps each of its
        templates), in templates.csv order."""
        rows = {m.template for m in self.core_map if m.core_indicator == code}
        return tuple(t.template for t in self.templates if rows & {t.template, t.family})

    def checks_of(self, suite: str) -> tuple[Check, ...]:
        """The checks.csv rows judged by one suite, in file order."""
        return tuple(c for c in self.checks if c.suite == suite)

    @cached_property
    def _by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}

    @cached_property
    def _roles(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {}
        for r in self.roles:
            found[r.role] = (*found.get(r.role, ()), r.code)
        return found

    def role(self, name: str) -> tuple[str, ...]:
        """The indicator codes of a role (roles.csv), in file order; () for an unknown role."""
        return self._roles.get(name, ())

    def role_code(self, name: str) -> str:
        """The one indicator code of a single-code role."""
        (code,) = self.role(name)
        return code

    @cached_property
    def _families(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for t in self.templates:
            found.setdefault(t.template, t.family)  # the first row wins, as in a scan
        return found

    def family(self, template: str) -> str:
        """The family of a template id (a family id is its own family)."""
        return self._families.get(template, template)

    @cached_property
    def _rules_for(self):
        return lru_cache(maxsize=None)(
            lambda family: tuple(r for r in self.rules if r.template == family)
        )

    def rules_for(self, template: str) -> tuple[Rule, ...]:
        return self._rules_for(self.family(template))

    def positional(self, template: str, table: str) -> tuple[Position, ...]:
        return self._positional(self.family(template), table)

    @cached_property
    def _positional(self):
        def positional(family: str, table: str) -> tuple[Position, ...]:
            found = [p for p in self.positions if p.template == family and p.table == table]
            return tuple(sorted(found, key=lambda p: p.position))

        return lru_cache(maxsize=None)(positional)

    @cached_property
    def _proactive_index(self) -> dict[tuple[str, str, str], str]:
        found: dict[tuple[str, str, str], str] = {}
        for h in self.proactive:
            found.setdefault((h.template, h.kind, h.label), h.code)  # the first row wins
        return found

    def proactive_code(self, template: str, kind: str, label: str) -> str | None:
        """The item or measure code of a printed table 二 label, or None when unknown."""
        key, family = normalise_label(label), self.family(template)
        return self._proactive_index.get((family, kind, key))

    @cached_property
    def _aliases_by_label(self) -> dict[str, list[Alias]]:
        found: dict[str, list[Alias]] = {}
        for a in self.aliases:
            found.setdefault(a.label, []).append(a)
        return found

    @cached_property
    def _lookup_any(self):
        def lookup_any(key: str) -> str | None:
            codes = {a.indicator for a in self._aliases_by_label.get(key, ())}
            families = {self.indicator(c).template for c in codes}
            return codes.pop() if len(codes) == 1 and len(families) == 1 else None

        return lru_cache(maxsize=_MEMO)(lookup_any)

    def lookup_any(self, label: str) -> str | None:
        """The indicator of a label known in exactly one template family (generic tables)."""
        return self._lookup_any(normalise_label(label))

    @cached_property
    def _breakdown(self):
        def breakdown(family: str, header: str) -> str | None:
            for c in self.columns:
                if c.template == family and re.fullmatch(c.column_pattern, header):
                    return c.breakdown
            return None

        return lru_cache(maxsize=_MEMO)(breakdown)

    def breakdown(self, template: str, column: str) -> str | None:
        """The breakdown code of a printed column header, or None when unknown."""
        return self._breakdown(self.family(template), normalise_group(column))

    @cached_property
    def _lookup(self):
        return lru_cache(maxsize=_MEMO)(self._find)

    def lookup(self, template: str, group: str, label: str) -> str | None:
        """The indicator code for a printed label (and its group), or None when unknown."""
        return self._lookup(self.family(template), normalise_label(group), normalise_label(label))

    def lookup_cut(self, template: str, label: str) -> str | None:
        """The indicator of a label cut short at a line end ("5.要求行政机关确认或重新出", the
        rest printed below its numbers by a PDF converter): the one indicator of the family
        whose aliases start with it. Short cuts (under `CUT_MIN` characters) and cuts that
        several indicators begin with are not matched, and only in the national form, whose
        row labels are long and distinct (the provincial forms print group headings that are
        the beginnings of their rows' labels)."""
        family = self.family(template)
        if family not in CUT_FAMILIES:
            return None
        # the whole label, else its first piece: in a PDF's text the next line of a cut label
        # may begin with a piece of the group column beside it ("要      他处理    求缴纳",
        # "缴纳费用、 处理")
        for piece in dict.fromkeys((label, _COLUMN_GAP.split(label.strip())[0])):
            code = self._cut(family, normalise_label(piece))
            if code is not None:
                return code
        return None

    def lookup_nearest(self, template: str, group: str, label: str) -> str | None:
        """The indicator of a row label read by OCR, which may have a character or two wrong
        ("（一) 子以公开" for "（一）予以公开", "扣 属于四类过程性信息" with its "6." misread):
        the label without what OCR made of its list marker, looked up as it is ("3其他"), else
        matched to the family's aliases by similarity. Only in `NEAREST_FAMILIES` (long,
        distinct labels), only a label whose best indicator is at least `NEAREST_MIN` similar
        and beats every other by `NEAREST_MARGIN`, and never a label of under
        `NEAREST_IDEOGRAPHS` ideographs."""
        family = self.family(template)
        key = normalise_label(_OCR_MARKER.sub("", label.strip()))
        if family not in NEAREST_FAMILIES:
            return None
        exact = self._lookup(family, normalise_label(group), key)  # "3其他": only the mark off
        if exact is not None or len(_IDEOGRAPHS.findall(key)) < NEAREST_IDEOGRAPHS:
            return exact
        return self._nearest(family, key)

    @cached_property
    def _nearest(self):
        def nearest(family: str, key: str) -> str | None:
            best: dict[str, float] = {}
            for a in self.aliases:
                if a.template == family:
                    ratio = difflib.SequenceMatcher(None, key, a.label).ratio()
                    best[a.indicator] = max(best.get(a.indicator, 0.0), ratio)
            ranked = sorted(best.items(), key=lambda item: -item[1])
            if not ranked or ranked[0][1] < NEAREST_MIN:
                return None
            if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < NEAREST_MARGIN:
                return None
            return ranked[0][0]

        return lru_cache(maxsize=_MEMO)(nearest)

    @cached_property
    def _cut(self):
        """family, cut key → the one indicator whose aliases begin with it (memoised: the same
        cut labels recur in every report a converter made)."""

        def cut(family: str, key: str) -> str | None:
            if len(key) < CUT_MIN:
                return None
            codes = {
                a.indicator
                for a in self.aliases
                if a.template == family and a.label.startswith(key) and a.label != key
            }
            return codes.pop() if len(codes) == 1 else None

        return lru_cache(maxsize=_MEMO)(cut)

    def _find(self, family: str, key_group: str, key_label: str) -> str | None:
        candidates = [a for a in self._aliases_by_label.get(key_label, ()) if a.template == family]
        grouped = [a for a in candidates if a.group == key_group]
        if grouped:
            return grouped[0].indicator
        ungrouped = [a for a in candidates if a.group is None]
        if ungrouped:
            return ungrouped[0].indicator
        # The group label was lost (cut by a PDF page break, "（四）无" | "法提供"): a label that
        # belongs to one indicator only still identifies it.
        codes = {a.indicator for a in candidates}
        return codes.pop() if len(codes) == 1 else None
