"""Consistent values for one body's series of reports.

In: a seeded `random.Random`, the body's size class and the state carried over from its
previous year. Out: every printed value cell of the year's form (`{(code, breakdown): text}`)
and the state for the next year. Every identity of the form holds by construction: national
I1/I2/I3 and table 四 totals; Jilin's and Fujian's sum rules; across years 上年结转 = last
year's 结转下年度 (per column), 现行有效件数 rolls forward, Fujian 历年累计 = last year's +
本年度. Magnitudes follow real reports: most bodies receive 0–50 requests, a few thousands.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from devtools.synth import labels as L
from devtools.synth.model import Key

# requests received per year by size class (low, high)
_REQUESTS = {"tiny": (0, 4), "small": (0, 50), "medium": (40, 600), "large": (500, 4000)}
_SCALE = {"tiny": 1, "small": 5, "medium": 60, "large": 600}


@dataclass
class SeriesState:
    """What a body's next report builds on."""

    carried: list[int] | None = None  # national: last 结转下年度 per applicant column
    in_force: dict[str, int] = field(default_factory=dict)  # national 2021: 现行有效件数
    cumulative: dict[str, int] = field(default_factory=dict)  # Fujian: 历年累计 per fine code


def split(rng: random.Random, n: int, weights) -> list[int]:
    """n units spread over len(weights) parts in proportion to the weights (randomly)."""
    k = len(weights)
    if n <= 0:
        return [0] * k
    if n <= 40:
        out = [0] * k
        for i in rng.choices(range(k), weights=weights, k=n):
            out[i] += 1
        return out
    raw = [w * (0.4 + 1.2 * rng.random()) for w in weights]
    scale = sum(raw)
    out = [int(n * r / scale) for r in raw]
    for i in rng.choices(range(k), weights=weights, k=n - sum(out)):
        out[i] += 1
    return out


def _count(rng: random.Random, size: str, zero_share: float = 0.0) -> int:
    if rng.random() < zero_share:
        return 0
    low, high = _REQUESTS[size]
    return int(low + (high - low) * rng.random() ** 2)


# ---- national ---------------------------------------------------------------------------------


def outcome_codes(form: str) -> list[str]:
    """The outcome rows of table 三 as the form prints them."""
    other = (
        L.OTHER_ONE_ROW
        if form in ("national_2019", "national_2021_one_row")
        else (L.OTHER_THREE_ROWS)
    )
    return [code for _, _, code in L.OUTCOME_ROWS + other]


def _forward(rng: random.Random, available: int) -> int:
    if available == 0 or rng.random() < 0.6:
        return 0
    return min(available, int(available * rng.uniform(0.02, 0.15)) + (rng.random() < 0.5))


def requests_table(rng: random.Random, size: str, form: str, state: SeriesState) -> dict:
    """Table 三: {code: [7 values]} with I1, I2 and I3 holding; updates state.carried."""
    if state.carried is None:  # the first generated year: some requests left from before
        state.carried = [_count(rng, "tiny") if size != "tiny" else 0, 0, 0, 0, 0, 0]
    carried = state.carried
    new = split(rng, _count(rng, size, zero_share=0.25 if size == "tiny" else 0.05),
                L.APPLICANT_WEIGHTS)  # fmt: skip
    forward = [_forward(rng, n + c) for n, c in zip(new, carried, strict=True)]
    codes = outcome_codes(form)
    weights = [L.OUTCOME_WEIGHTS[c] for c in codes]
    columns = [
        split(rng, n + c - f, weights) for n, c, f in zip(new, carried, forward, strict=True)
    ]
    rows = {code: [col[i] for col in columns] for i, code in enumerate(codes)}
    rows["requests.new_received"] = new
    rows["requests.carried_over"] = list(carried)
    rows["requests.completed_total"] = [sum(col) for col in columns]
    rows["requests.carried_forward"] = forward
    state.carried = forward
    return {code: [*values, sum(values)] for code, values in rows.items()}


def appeals_table(rng: random.Random, size: str) -> dict[str, int]:
    """Table 四: {appeals.<group>.<outcome>: n} with each total = its four outcomes."""
    out = {}
    for group, share in zip(L.APPEAL_GROUPS, (0.2, 0.1, 0.05), strict=True):
        busy = rng.random() < share * (3 if size in ("medium", "large") else 1)
        total = int(_SCALE[size] * rng.random() * 0.3) + 1 if busy else 0
        parts = split(rng, total, (5, 1, 2, 1))
        for outcome, n in zip(L.APPEAL_OUTCOMES, [*parts, total], strict=True):
            out[f"appeals.{group}.{outcome}"] = n
    return out


def _amount(rng: random.Random, size: str) -> str:
    """A 万元 amount: mostly 0, else up to 4 decimals as printed by real reports."""
    if rng.random() < 0.6:
        return "0"
    value = _SCALE[size] * rng.uniform(0.1, 50)
    text = f"{value:.{rng.choice((0, 1, 2, 4))}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _documents(rng: random.Random, item: str, body_kind: str, state: SeriesState) -> dict:
    """第（一）项 2021: 本年制发, 本年废止, 现行有效 with 现行有效 rolling forward."""
    can_issue = item == "normative_docs" or body_kind == "city"
    before = state.in_force.get(item)
    if before is None:
        before = rng.randint(3, 60) if can_issue else 0
    issued = rng.randint(0, 8 if item == "normative_docs" else 2) if can_issue else 0
    repealed = min(before, rng.randint(0, 3)) if can_issue else 0
    state.in_force[item] = before + issued - repealed
    return {"issued": issued, "repealed": repealed, "in_force": state.in_force[item]}


def proactive_2021(rng: random.Random, size: str, body_kind: str, state: SeriesState) -> dict:
    out: dict[str, str] = {}
    for item in ("rules", "normative_docs"):
        for measure, n in _documents(rng, item, body_kind, state).items():
            out[f"proactive.{item}.{measure}"] = str(n)
    for item in ("licensing", "penalty", "enforcement"):
        out[f"proactive.{item}.decisions"] = str(int(_SCALE[size] * 8 * rng.random() ** 2))
    out["proactive.fees.amount_10k_yuan"] = _amount(rng, size)
    return out


def proactive_2019(rng: random.Random, size: str, body_kind: str) -> dict:
    out: dict[str, str] = {}
    for item in ("rules", "normative_docs"):
        can = item == "normative_docs" or body_kind == "city"
        made = rng.randint(0, 8) if can else 0
        total = made + (rng.randint(0, 60) if can else 0)
        values = (made, made, total)
        for measure, n in zip(("made", "published", "total_published"), values, strict=True):
            out[f"proactive.{item}.{measure}"] = str(n)
    for item in ("licensing", "other_services", "penalty", "enforcement", "fees"):
        prior = int(_SCALE[size] * 2 * rng.random())
        out[f"proactive.{item}.prior_year_count"] = str(prior)
        out[f"proactive.{item}.change"] = str(rng.randint(0, 3) if prior else 0)
        if item != "fees":
            out[f"proactive.{item}.decisions"] = str(int(_SCALE[size] * 8 * rng.random() ** 2))
    out["proactive.procurement.projects"] = str(int(_SCALE[size] * rng.random()))
    out["proactive.procurement.amount"] = _amount(rng, size)
    return out


def national_cells(
    rng: random.Random, size: str, form: str, body_kind: str, state: SeriesState
) -> dict[Key, str]:
    """Every value cell of a national report (tables 二, 三, 四)."""
    cells: dict[Key, str] = {}
    requests = requests_table(rng, size, form, state)
    for code, values in requests.items():
        for column, value in zip(L.REQUEST_COLUMNS, values, strict=True):
            cells[(code, column)] = str(value)
    for code, value in appeals_table(rng, size).items():
        cells[(code, "total")] = str(value)
    if form == "national_2019":
        proactive = proactive_2019(rng, size, body_kind)
        state.in_force.clear()  # the 2019 form prints no 现行有效件数
    else:
        proactive = proactive_2021(rng, size, body_kind, state)
    cells.update({(code, "total"): text for code, text in proactive.items()})
    return cells


# ---- Fujian -----------------------------------------------------------------------------------

_FUJIAN_FINE = (
    "website", "gazette", "in_person", "fax", "email", "online", "letter", "other_channel",
    "granted", "partially_granted", "withheld", "other_answer", "review", "litigation",
    "complaints", "fees",
)  # fmt: skip
# printed code → the fine codes it sums (form 2011 and form 2014)
_FUJIAN_SUMS = {
    "fujian.proactive.total": ("website", "gazette"),
    "fujian.proactive.website": ("website",),
    "fujian.proactive.gazette": ("gazette",),
    "fujian.requests.received": ("in_person", "fax", "email", "online", "letter", "other_channel"),
    "fujian.requests.in_person": ("in_person",),
    "fujian.requests.fax": ("fax",),
    "fujian.requests.email": ("email",),
    "fujian.requests.online": ("online",),
    "fujian.requests.letter": ("letter",),
    "fujian.requests.other_channel": ("other_channel",),
    "fujian.requests.letter_or_fax": ("fax", "email", "letter", "other_channel"),
    "fujian.requests.answered": ("granted", "partially_granted", "withheld", "other_answer"),
    "fujian.requests.granted": ("granted",),
    "fujian.requests.partially_granted": ("partially_granted",),
    "fujian.requests.refused": ("withheld", "other_answer"),
    "fujian.requests.withheld": ("withheld",),
    "fujian.requests.other_answer": ("other_answer",),
    "fujian.review.cases": ("review",),
    "fujian.litigation.cases": ("litigation",),
    "fujian.complaints.cases": ("complaints",),
    "fujian.fees.amount_yuan": ("fees",),
}


def fujian_rows(form: str) -> tuple[tuple[str, str, str], ...]:
    return L.FUJIAN_ROWS_2011 if form == "fujian_2011" else L.FUJIAN_ROWS_2014


def _fujian_year(rng: random.Random, size: str) -> dict[str, int]:
    published = int(_SCALE[size] * 40 * rng.uniform(0.2, 1.0))
    gazette = int(published * rng.uniform(0, 0.1)) if rng.random() < 0.3 else 0
    received = _count(rng, size, zero_share=0.5 if size in ("tiny", "small") else 0.05)
    channels = split(rng, received, (4, 0.3, 0.5, 5, 1, 0.2))
    outcomes = split(rng, received, (10, 1, 1.5, 0.5))
    year = dict(zip(_FUJIAN_FINE[2:8], channels, strict=True))
    year.update(zip(_FUJIAN_FINE[8:12], outcomes, strict=True))
    year.update(website=published - gazette, gazette=gazette, fees=0)
    for fine in ("review", "litigation", "complaints"):
        year[fine] = rng.randint(1, 3) if rng.random() < 0.08 else 0
    return year


def fujian_cells(rng: random.Random, size: str, form: str, state: SeriesState) -> dict[Key, str]:
    """本年度 and 历年累计 of every printed row, 历年累计 rolling forward from last year's."""
    year = _fujian_year(rng, size)
    for fine in _FUJIAN_FINE:
        start = state.cumulative.get(fine)
        if start is None:  # the body reported before the first generated year
            start = year[fine] * rng.randint(0, 4)
        state.cumulative[fine] = start + year[fine]
    cells: dict[Key, str] = {}
    for _, _, code in fujian_rows(form):
        fines = _FUJIAN_SUMS[code]
        cells[(code, "year")] = str(sum(year[f] for f in fines))
        cells[(code, "cumulative")] = str(sum(state.cumulative[f] for f in fines))
    return cells


# ---- Jilin ------------------------------------------------------------------------------------


def _jilin_proactive(rng: random.Random, scale: int) -> dict[str, int]:
    total = int(scale * 300 * rng.uniform(0.3, 1.0)) + 1
    own, county, town = split(rng, total, (8, 1.5, 0.5))
    content = split(rng, total, (3, 1.5, 75, 0.5, 0.3, 17))
    names = ("normative_docs", "plans", "public_interest", "public_funds", "personnel", "other")
    out = {f"proactive.by_content.{n}": v for n, v in zip(names, content, strict=True)}
    out.update({"proactive.by_level.total": total, "proactive.by_content.total": total,
                "proactive.by_level.own_level": own, "proactive.by_level.county": county,
                "proactive.by_level.township": town})  # fmt: skip
    rooms = rng.randint(1, 20) * scale
    electronic, paper = split(rng, int(total * 0.9), (3, 1))
    out.update({"reading_rooms.count": rooms, "reading_rooms.electronic": rooms * 2 // 3,
                "reading_rooms.items_total": electronic + paper,
                "reading_rooms.items_electronic": electronic, "reading_rooms.items_paper": paper,
                "reading_rooms.visitors": int(total * rng.uniform(0.5, 2)),
                "reading_rooms.documents_lent": int(total * rng.uniform(0, 0.05)),
                "channels.website_items": int(total * rng.uniform(0.8, 0.95)),
                "channels.website_hits": int(total * rng.uniform(20, 80)),
                "gazette.copies": rng.randint(0, 50) * scale,
                "gazette.other": rng.randint(0, 10) * scale,
                "press.conferences": rng.randint(0, 12) * scale,
                "press.items": rng.randint(0, 40) * scale,
                "timeliness.online_within_20d": int(total * 0.75),
                "timeliness.online_over_20d": int(total * 0.005),
                "timeliness.reading_room_within_30d": int(total * 0.12),
                "timeliness.reading_room_over_30d": int(total * 0.001)})  # fmt: skip
    return out


def _jilin_requests(rng: random.Random, size: str, scale: int) -> dict[str, int]:
    received = _count(rng, size, zero_share=0.2)
    online, in_person, letter, other = split(rng, received, (46, 50, 1, 3))
    answered = received - (int(received * 0.01) if received > 50 else 0)
    granted, partial, refused = split(rng, answered, (95, 1, 4))
    reasons = split(rng, refused, (3, 2, 2, 1))
    review = rng.randint(1, 4) if rng.random() < 0.1 else 0
    accepted = review - (review > 2)
    out = {"requests.received": received, "requests.online": online,
           "requests.in_person": in_person, "requests.letter": letter,
           "requests.other_channel": other, "requests.answered": answered,
           "requests.granted": granted, "requests.partially_granted": partial,
           "requests.refused": refused, "review.applications": review,
           "review.accepted": accepted, "review.concluded": accepted,
           "review.upheld": accepted, "review.corrected": 0,
           "litigation.cases": int(rng.random() < 0.05),
           "staff.full_time": rng.randint(1, 3) * scale,
           "staff.part_time": rng.randint(1, 6) * scale,
           "training.sessions": rng.randint(1, 5) * scale,
           "training.participants": rng.randint(10, 60) * scale}  # fmt: skip
    names = ("refused_not_exist", "refused_unclear", "refused_secret", "refused_other")
    out.update({f"requests.{n}": v for n, v in zip(names, reasons, strict=True)})
    out["staff.total"] = out["staff.full_time"] + out["staff.part_time"]
    cost = rng.randint(0, 200) * 10 if rng.random() < 0.1 else 0
    out.update({"fees.total": cost, "fees.cost_recovery": cost, "fees.other": 0})
    return out


def jilin_cells(rng: random.Random, size: str) -> dict[Key, str]:
    scale = {"tiny": 1, "small": 2, "medium": 8, "large": 40}[size]
    values = {**_jilin_proactive(rng, scale), **_jilin_requests(rng, size, scale)}
    return {(f"jilin.{name}", "total"): str(v) for name, v in values.items()}
