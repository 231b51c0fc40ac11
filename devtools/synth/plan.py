"""Which reports to write: bodies, their years, template eras and file formats.

In: a seeded `random.Random`, the number of reports wanted and the formats allowed. Out:
`Series` (one body, consecutive years), in order. Bodies carry realistic names (XX市人民政府,
XX市XX县人民政府, XX市XX局, XX县XX镇人民政府) and sizes (cities large, towns tiny), each name
unique so that a body's years pair up and no two bodies do. The template follows the year:
the province's own form up to 2018 (Jilin, Fujian), national_2019 for 2019–2020,
national_2021 from 2021 (some 2021-era reports still print （六） as one row, a few 2022–23
ones the whole 2019 form). Formats keep real proportions among those allowed; the Jilin form
exists only as Word-saved text (the seed), so Jilin bodies are planned only when text is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from devtools.synth import labels as L
from transforms.checks.crossyear import body_key

FORMAT_WEIGHTS = {"html": 0.40, "text": 0.25, "flat": 0.20, "pdf": 0.10, "docx": 0.05}
SUPPORTED = {  # the formats each template family is published in (and read from)
    "jilin_pre2019": ("text",),
    "fujian_pre2019": ("text", "flat", "html", "docx", "pdf"),
    "national": ("text", "flat", "html", "docx", "pdf"),
}
FIRST_YEAR, LAST_YEAR = 2011, 2024
_KINDS = {"city": 0.08, "county": 0.22, "department": 0.5, "town": 0.2}
_SIZES = {
    "city": {"large": 0.4, "medium": 0.6},
    "county": {"medium": 0.3, "small": 0.7},
    "department": {"small": 0.5, "tiny": 0.5},
    "town": {"small": 0.3, "tiny": 0.7},
}


@dataclass(frozen=True)
class Series:
    body: str
    kind: str  # city | county | department | town
    province: str  # jilin | fujian | other
    size: str
    years: tuple[int, ...]
    forms: tuple[str, ...]  # the printed form per year
    formats: tuple[str, ...]  # the file format per year
    spaced: bool  # flattened Fujian tables keep a space between cells

    def template(self, form: str) -> str:
        if form.startswith("fujian"):
            return "fujian_pre2019"
        return "national_2019" if form == "national_2019" else form.removesuffix("_one_row")


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _name(rng: random.Random, province: str, kind: str) -> str:
    city = rng.choice(L.PROVINCES[province])
    county = rng.choice(L.COUNTIES)
    if kind == "city":
        return city + L.GOVERNMENT
    if kind == "county":
        return city + county + L.GOVERNMENT
    if kind == "department":
        return city + (county if rng.random() < 0.5 else "") + rng.choice(L.DEPARTMENTS)
    town = rng.choice(L.TOWNS)
    return city + county + town + ("" if town.endswith("办事处") else L.GOVERNMENT)


def _form(rng: random.Random, province: str, year: int) -> str:
    if year <= 2018:
        return (
            "jilin_pre2019"
            if province == "jilin"
            else ("fujian_2011" if year <= 2013 else "fujian_2014")
        )
    if year <= 2020 or (year in (2022, 2023) and rng.random() < 0.05):
        return "national_2019"
    return "national_2021_one_row" if rng.random() < 0.1 else "national_2021"


def _formats(rng: random.Random, forms, allowed: tuple[str, ...]) -> tuple[str, ...] | None:
    """A format per year: the body's usual one, now and then another (sites change)."""
    out, usual = [], None
    for form in forms:
        family = (
            "national"
            if form.startswith("national")
            else ("fujian_pre2019" if form.startswith("fujian") else form)
        )
        options = {f: FORMAT_WEIGHTS[f] for f in SUPPORTED[family] if f in allowed}
        if not options:
            return None
        if usual not in options or rng.random() < 0.2:
            usual = _pick(rng, options)
        out.append(usual)
    return tuple(out)


def _years(rng: random.Random, province: str) -> tuple[int, ...]:
    first = FIRST_YEAR if province != "other" else 2019
    length = rng.choices((1, 2, 3, 4, 5, 6), weights=(3, 3, 3, 2, 1, 1))[0]
    start = rng.randint(first, LAST_YEAR)
    return tuple(range(start, min(start + length, LAST_YEAR + 1)))


def series(rng: random.Random, allowed: tuple[str, ...], taken: set[str]) -> Series | None:
    """One body's series, or None when the draw fits no allowed format or name."""
    provinces = {"jilin": 0.2, "fujian": 0.3, "other": 0.5}
    province = _pick(rng, provinces)
    kind = _pick(rng, _KINDS)
    body = _name(rng, province, kind)
    if body_key(body) in taken:
        return None
    years = _years(rng, province)
    forms = tuple(_form(rng, province, y) for y in years)
    formats = _formats(rng, forms, allowed)
    if formats is None:
        return None
    taken.add(body_key(body))
    size = _pick(rng, _SIZES[kind])
    return Series(body, kind, province, size, years, forms, formats, rng.random() < 0.5)
